"""Usage forecasting benchmark (DESIGN.md §6, "forecasting": 10,000 lines in < 20 s).

    .venv/bin/python bench/forecast.py [--lines 10000] [--days 120] [--source synthetic]

No database, no Odoo: it times the pure-Python core of ``starlink_telemetry``
(``lib/forecast.py``) on generated usage, and prints, never asserts:

* ``pivot``     ``pivot_usage`` of the long table ``(line_id, date, gb)`` into the matrix;
* ``forecast``  the full ``forecast_usage``: three methods, backtest on the previous cycles,
                per-line choice, intervals, limit dates and the long daily table;
* ``run-rate``  baseline 1: ``forecast_usage`` with the run rate alone and no backtest;
* ``trend``     the vectorised trend + weekday model alone, all lines in one batched solve,
                against baseline 2: the same model fitted line by line in a Python loop
                (``numpy.linalg.lstsq`` per line) on ``--loop-lines`` lines, extrapolated.

``--source synthetic`` (default) draws usage with the simulator's own usage model (plan
limits, home/business weekly patterns, slow trends, log-normal noise, days without usage),
vectorised; ``--source simulator`` calls the simulator's per-day generator (slower to set up).
Each timing is the median of ``--repeat`` runs.
"""

import argparse
import importlib.util
import os
import platform
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

PROJECT_DIR = Path(__file__).resolve().parent.parent
TODAY = date(2026, 7, 20)
TARGET_SECONDS = 20.0
TARGET_LINES = 10_000


def load_forecast():
    """``addons/starlink_telemetry/lib`` as a standalone package (its addon imports Odoo)."""
    init = PROJECT_DIR / "addons" / "starlink_telemetry" / "lib" / "__init__.py"
    spec = importlib.util.spec_from_file_location(
        "starlink_telemetry_lib", init, submodule_search_locations=[str(init.parent)]
    )
    package = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = package
    spec.loader.exec_module(package)
    from starlink_telemetry_lib import forecast  # noqa: PLC0415

    return forecast


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=TARGET_LINES, help="service lines")
    parser.add_argument("--days", type=int, default=120, help="days of usage history")
    parser.add_argument("--source", choices=("synthetic", "simulator"), default="synthetic")
    parser.add_argument("--seed", type=int, default=8102)
    parser.add_argument("--repeat", type=int, default=3, help="measured runs (median)")
    parser.add_argument("--loop-lines", type=int, default=300, help="lines of the loop baseline")
    return parser.parse_args(argv)


# ------------------------------------------------------------------------------ usage
def simulator_fleet(args):
    sys.path.insert(0, str(PROJECT_DIR / "tools"))
    from starlink_simulator.fleet import Fleet  # noqa: PLC0415

    return Fleet(args.seed, args.lines, TODAY)


def synthetic_usage(args):
    """``(values, billing_day, limit_gb)``: the simulator's usage model, drawn with numpy."""
    from starlink_simulator.fleet import PLAN_WEIGHTS, PLANS  # noqa: PLC0415
    from starlink_simulator.usage import WEEKLY_BUSINESS, WEEKLY_HOME  # noqa: PLC0415

    rng = np.random.default_rng(args.seed)
    n, d = args.lines, args.days
    plan = rng.choice(len(PLANS), size=n, p=PLAN_WEIGHTS)
    limit = np.array([p.limit_gb for p in PLANS])[plan]
    level = limit * 0.65 * rng.lognormal(0.0, 0.55, size=n) / 30.4
    first = TODAY - timedelta(days=d)
    weekday = (np.arange(d) + first.weekday()) % 7
    weekly = np.where(
        (rng.uniform(size=n) < 0.4)[:, None],
        np.array(WEEKLY_BUSINESS)[weekday],
        np.array(WEEKLY_HOME)[weekday],
    )
    trend = np.maximum(0.3, 1.0 + rng.normal(0.0, 0.02, size=(n, 1)) * (np.arange(d) - d) / 30.4)
    values = level[:, None] * weekly * trend * rng.lognormal(0.0, 0.22, size=(n, d))
    values[rng.uniform(size=(n, d)) < 0.01] = 0.0  # days without usage
    started = rng.integers(-200, d - 20, size=n)  # some lines started inside the window
    values[np.arange(d)[None, :] < started[:, None]] = np.nan
    return values * 0.99, rng.integers(1, 29, size=n), limit  # billable: 1 % is not


def simulator_usage(args):
    """``(values, billing_day, limit_gb)`` from the simulator's per-day generator."""
    from starlink_simulator.usage import daily_total_gb  # noqa: PLC0415

    fleet = simulator_fleet(args)
    first = TODAY - timedelta(days=args.days)
    days = [first + timedelta(days=offset) for offset in range(args.days)]
    values = np.full((args.lines, args.days), np.nan)
    for terminal in fleet.terminals():
        for column, day in enumerate(days):
            if day >= terminal.start_date:
                values[terminal.index, column] = daily_total_gb(args.seed, terminal, day, TODAY)
    terminals = list(fleet.terminals())
    billing_day = np.array([t.billing_day for t in terminals])
    return values * 0.99, billing_day, np.array([t.plan.limit_gb for t in terminals])


def long_table(values, first):
    """The matrix as the long ``(line_id, date, gb)`` table the Odoo side reads."""
    rows, columns = np.nonzero(np.isfinite(values) & (values > 0))
    return pd.DataFrame(
        {
            "line_id": rows + 1,
            "date": np.datetime64(first) + columns.astype("timedelta64[D]"),
            "gb": values[rows, columns],
        }
    )


# ------------------------------------------------------------------------------ timing
def timed(function, repeat):
    """``(median seconds, last result)`` of ``repeat`` calls after a warm-up call."""
    result = function()
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), result


def trend_loop(forecast, values, cut, horizon):
    """The trend + weekday model of ``forecast.trend_weekly``, one line at a time."""
    width = 7 * forecast.TREND_WEEKS
    design = forecast._trend_design(width + horizon, width)
    past, future = design[:width], design[width:]
    out = np.zeros((len(cut), horizon))
    for index in range(len(cut)):
        window = values[index, cut[index] - width + 1 : cut[index] + 1]
        known = np.isfinite(window)
        level = window[known].mean() if known.any() else 0.0
        if known.sum() < forecast.TREND_MIN_DAYS or level <= 0:
            continue  # (the vectorised model falls back to the seasonal naive here)
        x, y = past[known], window[known] / level
        ridge = np.full(past.shape[1], 1e-6)
        beta = np.linalg.lstsq(
            np.vstack([x, np.diag(np.sqrt(ridge))]), np.r_[y, 0 * ridge], rcond=None
        )[0]
        residual = y - x @ beta
        ridge[1] += (
            (residual @ residual) / max(known.sum() - past.shape[1], 1) / (forecast.TREND_PRIOR**2)
        )
        beta = np.linalg.lstsq(
            np.vstack([x, np.diag(np.sqrt(ridge))]), np.r_[y, 0 * ridge], rcond=None
        )[0]
        out[index] = np.clip(future @ beta, 0.0, None) * level
    return out


def main(argv=None):
    args = parse_args(argv)
    forecast = load_forecast()
    sys.path.insert(0, str(PROJECT_DIR / "tools"))
    start = time.perf_counter()
    values, billing_day, limit = (
        synthetic_usage(args) if args.source == "synthetic" else simulator_usage(args)
    )
    first = TODAY - timedelta(days=args.days)
    table = long_table(values, first)
    ids = np.arange(1, args.lines + 1)
    print(
        f"forecast bench: {args.lines:,} lines x {args.days} days ({args.source} usage, "
        f"{len(table):,} daily rows, generated in {time.perf_counter() - start:.1f} s); "
        f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"{os.cpu_count()} CPUs; median of {args.repeat} runs after a warm-up",
        flush=True,
    )

    pivot_s, usage = timed(
        lambda: forecast.pivot_usage(table, line_ids=ids, first_day=first, last_day=TODAY), 1
    )
    common = {"billing_day": billing_day, "limit_gb": limit, "today": TODAY}
    full_s, result = timed(lambda: forecast.forecast_usage(usage, **common), args.repeat)
    rate_s, _ = timed(
        lambda: forecast.forecast_usage(usage, methods=("run_rate",), backtest_cycles=0, **common),
        args.repeat,
    )
    # the trend model alone: vectorised vs a per-line loop (on a sample, extrapolated)
    padded = np.concatenate([np.full((args.lines, 1), np.nan), usage.values[:, :-1]], axis=1)
    cut = np.full(args.lines, padded.shape[1] - 1)
    horizon = 60
    trend_s, vectorised = timed(
        lambda: forecast.trend_weekly(padded, cut, cut - 14, horizon), args.repeat
    )
    sample = min(args.loop_lines, args.lines)
    loop_sample_s, looped = timed(
        lambda: trend_loop(forecast, padded[:sample], cut[:sample], horizon), args.repeat
    )
    loop_s = loop_sample_s * args.lines / sample
    fitted = np.isfinite(padded[:sample, -56:]).sum(axis=1) >= forecast.TREND_MIN_DAYS
    gap = np.max(np.abs(looped[fitted] - vectorised[:sample][fitted]), initial=0.0)

    lines = result.lines
    print(f"  pivot      {pivot_s:7.2f} s  ({len(table) / pivot_s:,.0f} rows/s)")
    print(
        f"  forecast   {full_s:7.2f} s  ({args.lines / full_s:,.0f} lines/s; "
        f"{len(result.daily):,} daily rows; methods {lines.method.value_counts().to_dict()})"
    )
    print(f"  run-rate   {rate_s:7.2f} s  ({args.lines / rate_s:,.0f} lines/s)")
    print(
        f"  trend      {trend_s:7.3f} s vectorised vs {loop_s:7.2f} s per-line loop "
        f"(measured on {sample} lines, extrapolated; max difference {gap:.1e} GB)"
    )
    print("ratios:")
    print(f"  forecast / run-rate alone        {full_s / rate_s:6.1f} x the time")
    print(f"  per-line loop / vectorised trend {loop_s / trend_s:6.1f} x faster vectorised")
    fits = forecast.BACKTEST_CYCLES + 1  # the trend model runs once per fold and once more
    looped_full = full_s + fits * (loop_s - trend_s)
    print(
        f"  forecast with a per-line trend loop ~ {looped_full:.1f} s "
        f"({looped_full / full_s:.1f} x the vectorised forecast; {fits} trend fits per line)"
    )
    projected = full_s * TARGET_LINES / args.lines
    verdict = "meets" if projected < TARGET_SECONDS else "misses"
    print(
        f"target: {TARGET_LINES:,} lines in < {TARGET_SECONDS:.0f} s -> {projected:.1f} s "
        f"projected from this run ({verdict} the target)"
    )
    mape = lines.backtest_mape.dropna()
    if len(mape):
        print(f"backtest MAPE of the chosen methods: median {100 * mape.median():.1f} %")


if __name__ == "__main__":
    main()
