"""Usage forecasting benchmark (DESIGN.md §6, "forecasting": 10,000 lines in < 20 s).

    .venv/bin/python bench/forecast.py [--lines 10000] [--days 120] [--source synthetic]
    .venv/bin/python bench/forecast.py --accuracy [--accuracy-lines 2000] [--accuracy-months 1]

No database, no Odoo: it times the pure-Python core of ``starlink_telemetry``
(``lib/forecast.py``) on generated usage, and prints, never asserts:

* ``pivot``     ``pivot_usage`` of the long table ``(line_id, date, gb)`` into the matrix;
* ``forecast``  the full ``forecast_usage``: four methods (the boosted one trained across
                the fleet), backtest on the previous cycles, per-line choice, calibrated
                bands, limit dates and the long daily table;
* ``first call`` the first ``forecast_usage`` of the process (it imports scikit-learn);
* ``run-rate``  baseline 1: ``forecast_usage`` with the run rate alone and no backtest;
* ``trend``     the vectorised trend + weekday model alone, all lines in one batched solve,
                against baseline 2: the same model fitted line by line in a Python loop
                (``numpy.linalg.lstsq`` per line) on ``--loop-lines`` lines, extrapolated.

``--source synthetic`` (default) draws usage with the simulator's own usage model (plan
limits, home/business weekly patterns, slow trends, log-normal noise, days without usage),
vectorised; ``--source simulator`` calls the simulator's per-day generator (slower to set up);
``--source hard`` draws the mixed fleet of ``tests/unit/forecast_fleet.py`` (trends, level
shifts, outages, weekend cabins, maritime bursts, heavy-tailed noise).
Each timing is the median of ``--repeat`` runs.

``--accuracy`` measures, instead of the time, what the forecasts are worth: on every day of
``--accuracy-months`` months, the whole fleet is forecast from the 180 days before that day
(each line at its own day of cycle, as the daily cron does), and the lines on day 7, 15 or
22 of their cycle are compared with their true cycle total: band coverage, MAPE of the chosen
method and of the run rate alone, on the hard fleet and on the simulator's usage.
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
    parser.add_argument("--source", choices=("synthetic", "simulator", "hard"), default="synthetic")
    parser.add_argument("--seed", type=int, default=8102)
    parser.add_argument("--repeat", type=int, default=3, help="measured runs (median)")
    parser.add_argument("--loop-lines", type=int, default=300, help="lines of the loop baseline")
    parser.add_argument("--accuracy", action="store_true", help="measure accuracy, not time")
    parser.add_argument("--accuracy-lines", type=int, default=2000)
    parser.add_argument("--accuracy-months", type=int, default=1)
    parser.add_argument("--accuracy-seed", type=int, default=7)
    return parser.parse_args(argv)


def load_fleet_module():
    """``tests/unit/forecast_fleet.py`` (the hard fleet and the accuracy cases)."""
    path = PROJECT_DIR / "tests" / "unit" / "forecast_fleet.py"
    spec = importlib.util.spec_from_file_location("forecast_fleet", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


def hard_usage(args):
    """``(values, billing_day, limit_gb)`` from the hard fleet (billing days 1 to 28)."""
    fleet = load_fleet_module().hard_fleet(
        lines=args.lines,
        days=args.days,
        seed=args.seed,
        first_day=str(TODAY - timedelta(days=args.days)),
        billing_days=range(1, 29),
    )
    return fleet.values, fleet.billing_day, np.zeros(args.lines)


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


# ------------------------------------------------------------------------------ accuracy
ACCURACY_DAYS = (7, 15, 22)  # days of the cycle known when forecasting
ACCURACY_START = date(2026, 2, 1)  # first forecast day (the simulator's usage ends on TODAY)
HISTORY_DAYS = 180  # as starlink.service.line._refresh_forecasts


def accuracy_fleets(fleet_module, args):
    """``(name, fleet)``: the hard fleet and the simulator's usage over the same days."""
    first = ACCURACY_START - timedelta(days=HISTORY_DAYS + 1)
    days = HISTORY_DAYS + 1 + 31 * args.accuracy_months + 32
    hard = fleet_module.hard_fleet(
        lines=args.accuracy_lines,
        days=days,
        seed=args.accuracy_seed,
        first_day=str(first),
        billing_days=range(1, 29),
    )
    from starlink_simulator.fleet import Fleet  # noqa: PLC0415
    from starlink_simulator.usage import daily_total_gb  # noqa: PLC0415

    simulated = Fleet(args.accuracy_seed, args.accuracy_lines, TODAY)
    terminals = [t for t in simulated.terminals() if t.end_date is None]  # no cancelled line
    values = np.full((len(terminals), days), np.nan)
    for row, terminal in enumerate(terminals):
        for column in range(days):
            day = first + timedelta(days=column)
            if day >= terminal.start_date:
                values[row, column] = daily_total_gb(args.accuracy_seed, terminal, day, TODAY)
    simulator = fleet_module.Fleet(
        values=values,
        kinds=np.array(["business" if t.business else "home" for t in terminals]),
        billing_day=np.array([t.billing_day for t in terminals]),
        first_day=np.datetime64(first),
    )
    return (("hard fleet", hard), ("simulator", simulator))


def accuracy(forecast, args):
    """Band coverage and MAPE (chosen method vs run rate) at days 7, 15 and 22 of the cycle."""
    fleet_module = load_fleet_module()
    todays = [
        ACCURACY_START + timedelta(days=offset) for offset in range(31 * args.accuracy_months)
    ]
    print(
        f"forecast accuracy: {args.accuracy_lines:,} lines, seed {args.accuracy_seed}, "
        f"forecast every day from {todays[0]} to {todays[-1]} with {HISTORY_DAYS} days of "
        f"history, lines on day {', '.join(map(str, ACCURACY_DAYS))} of their cycle kept",
        flush=True,
    )
    for name, fleet in accuracy_fleets(fleet_module, args):
        start = time.perf_counter()
        cases = fleet_module.backtest_cases(forecast, fleet, todays, known_days=ACCURACY_DAYS)
        rate = fleet_module.backtest_cases(
            forecast, fleet, todays, known_days=ACCURACY_DAYS, methods=("run_rate",)
        )
        seconds = time.perf_counter() - start
        chosen, baseline = fleet_module.summary(cases), fleet_module.summary(rate)
        print(f"{name} ({seconds:.0f} s):")
        print("  day  cases  90 % band holds the total  MAPE chosen  MAPE run rate  ratio")
        for day, row in chosen.iterrows():
            base = baseline.loc[day]
            print(
                f"  {day:3d}  {int(row.cases):5d}  {100 * row.coverage:25.1f} %  "
                f"{100 * row.mape:9.2f} %  {100 * base.mape:11.2f} %  {row.mape / base.mape:5.2f}"
            )
        kept = cases[cases.actual > 0]
        share = kept.method.value_counts(normalize=True).round(2).to_dict()
        print(f"  run rate's own band holds the total {100 * baseline.coverage.mean():.1f} %")
        print(f"  methods chosen: {share}")


def main(argv=None):
    args = parse_args(argv)
    forecast = load_forecast()
    sys.path.insert(0, str(PROJECT_DIR / "tools"))
    start = time.perf_counter()
    if args.accuracy:
        return accuracy(forecast, args)
    source = {"synthetic": synthetic_usage, "simulator": simulator_usage, "hard": hard_usage}
    values, billing_day, limit = source[args.source](args)
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
    start = time.perf_counter()
    forecast.forecast_usage(usage, **common)  # the first call imports scikit-learn
    first_s = time.perf_counter() - start
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
    print(f"  first call {first_s:7.2f} s  (the same forecast, first in the process)")
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
