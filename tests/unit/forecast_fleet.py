"""A fleet of daily usage series unlike the simulator's, to test forecasts on (numpy only).

The simulator draws every line from one structure (level x weekly pattern x slow trend x
log-normal noise). Real fleets mix very different lines; :func:`hard_fleet` draws, from a
fixed numpy seed:

* ``steady``   home or business weekly pattern, heavy-tailed noise;
* ``trend``    a growing or shrinking line (-25 % to +25 % a month, compounded);
* ``shift``    a level shift (x 0.3 to x 3) on a random day, often inside the last cycles;
* ``weekend``  a cabin used Friday to Sunday on the weekends it is visited (70 %), a trickle
  of background data on other days;
* ``bursty``   maritime use: voyages (several days of heavy use) between long quiet spells;
* ``outages``  frequent runs of days without any data (power or dish outages).

Every line has heavy-tailed daily noise (log of a Student t with 3 degrees of freedom) and a
few outage days; each line keeps its billing day.
"""

from dataclasses import dataclass

import numpy as np

KINDS = ("steady", "trend", "shift", "weekend", "bursty", "outages")
KIND_WEIGHTS = (0.2, 0.2, 0.2, 0.15, 0.15, 0.1)
HOME = np.array([0.93, 0.93, 0.93, 0.95, 1.0, 1.2, 1.25])  # Monday first
BUSINESS = np.array([1.15, 1.15, 1.15, 1.15, 1.1, 0.65, 0.55])


@dataclass(frozen=True)
class Fleet:
    """``values[i, j]``: GB of line ``i`` on ``first_day + j``; ``kinds[i]`` its kind."""

    values: np.ndarray
    kinds: np.ndarray
    billing_day: np.ndarray
    first_day: np.datetime64


def _outages(rng, lines, days, start_rate, mean_length):
    """Boolean ``(lines, days)``: days inside an outage run (runs start at ``start_rate``)."""
    starts = rng.uniform(size=(lines, days)) < start_rate[:, None]
    lengths = rng.geometric(1.0 / np.asarray(mean_length)[:, None], size=(lines, days))
    end = np.where(starts, np.arange(days)[None, :] + lengths, -1)
    return np.maximum.accumulate(end, axis=1) > np.arange(days)[None, :]


def _two_state(rng, lines, days, p_start, p_stop):
    """Boolean ``(lines, days)`` Markov chain: "on" starts with ``p_start``, ends ``p_stop``."""
    state = np.zeros((lines, days), dtype=bool)
    on = rng.uniform(size=lines) < p_start / (p_start + p_stop)
    draws = rng.uniform(size=(lines, days))
    for day in range(days):
        on = np.where(on, draws[:, day] >= p_stop, draws[:, day] < p_start)
        state[:, day] = on
    return state


def hard_fleet(lines=600, days=320, seed=20260716, first_day="2025-10-01", billing_days=(1, 8, 16)):
    """Draw a :class:`Fleet` of ``lines`` lines over ``days`` days (same seed, same fleet).

    Billing days are drawn from ``billing_days``: with the default (1, 8, 16), a forecast run
    on the 23rd of a month sees the lines on days 22, 15 and 7 of their cycles.
    """
    rng = np.random.default_rng(seed)
    first_day = np.datetime64(first_day, "D")
    t = np.arange(days)
    weekday = (first_day + t).astype("datetime64[D]").view("int64") + 3  # Monday = 0
    weekday %= 7
    kinds = rng.choice(len(KINDS), size=lines, p=KIND_WEIGHTS)
    level = np.exp(rng.normal(np.log(8.0), 0.8, size=lines))
    business = rng.uniform(size=lines) < 0.35
    weekly = np.where(business[:, None], BUSINESS[weekday], HOME[weekday])
    shape = np.ones((lines, days))

    # trends: compounded monthly growth between -25 % and +25 %
    growth = rng.uniform(0.05, 0.25, size=lines) * rng.choice([-1.0, 1.0], size=lines)
    trend = np.exp(np.log1p(growth)[:, None] * (t - days)[None, :] / 30.4)
    shape = np.where((kinds == 1)[:, None], trend, shape)

    # level shifts on a random day (half of them in the last 100 days)
    late = rng.uniform(size=lines) < 0.5
    day = np.where(
        late, rng.integers(days - 100, days, size=lines), rng.integers(30, days, size=lines)
    )
    factor = np.exp(rng.uniform(np.log(0.3), np.log(3.0), size=lines))
    shifted = np.where(t[None, :] >= day[:, None], factor[:, None], 1.0)
    shape = np.where((kinds == 2)[:, None], shifted, shape)

    # weekend cabins: Friday to Sunday of the visited weekends, a trickle otherwise
    week = (t + (weekday[0] + 3) % 7) // 7  # weeks counted from Friday to Thursday
    visited = rng.uniform(size=(lines, week.max() + 1)) < 0.7
    weekend = (weekday >= 4)[None, :] & visited[:, week]
    cabin = np.where(weekend, 4.0, 0.1)
    shape = np.where((kinds == 3)[:, None], cabin, shape)
    weekly = np.where((kinds == 3)[:, None], 1.0, weekly)

    # maritime: voyages of ~8 days (x 3) every ~18 days, quiet in port (x 0.25)
    voyage = _two_state(rng, lines, days, 1.0 / 10.0, 1.0 / 8.0)
    maritime = np.where(voyage, 3.0, 0.25)
    shape = np.where((kinds == 4)[:, None], maritime, shape)
    weekly = np.where((kinds == 4)[:, None], 1.0, weekly)

    # heavy-tailed noise: log-Student-t (3 degrees of freedom), capped at x/÷ 20
    sigma = rng.uniform(0.1, 0.35, size=lines)
    noise = np.exp(np.clip(sigma[:, None] * rng.standard_t(3, size=(lines, days)), -3.0, 3.0))

    # outage days: a few for everyone, many for the "outages" lines
    rate = np.where(kinds == 5, rng.uniform(0.03, 0.08, size=lines), 0.004)
    down = _outages(rng, lines, days, rate, np.where(kinds == 5, 3.0, 1.5))

    values = level[:, None] * weekly * shape * noise
    values[down] = 0.0
    return Fleet(
        values=values,
        kinds=np.asarray(KINDS)[kinds],
        billing_day=rng.choice(np.asarray(billing_days), size=lines),
        first_day=first_day,
    )


def backtest_cases(forecast, fleet, todays, history_days=180, known_days=None, **options):
    """Forecast every line of ``fleet`` on each of ``todays`` and compare with the truth.

    ``forecast`` is the ``lib.forecast`` module; ``fleet`` a :class:`Fleet` (any usage
    matrix with billing days will do). Each run sees the ``history_days`` days before
    ``today`` only, leaves out the lines without any usage in them (as the Odoo model does)
    and has every line at its own day of cycle; with ``known_days`` (e.g. ``(7, 15, 22)``)
    only the lines that have that many days of their cycle known are kept. ``options`` go to
    ``forecast_usage``. Returns a DataFrame, one row per line and run: ``today, line, kind,
    known_days, actual, predicted, lower, upper, method, folds`` (the line's backtest folds).
    """
    import pandas as pd  # noqa: PLC0415 (the fleet itself needs numpy only)

    day = np.timedelta64(1, "D")
    cumulative = np.concatenate(
        [np.zeros((len(fleet.values), 1)), np.cumsum(np.nan_to_num(fleet.values), axis=1)], axis=1
    )
    frames = []
    for today in todays:
        today = np.datetime64(today, "D")
        first = today - history_days * day
        begin = int((first - fleet.first_day) // day)
        if begin < 0:
            raise ValueError("the fleet starts less than history_days before %s" % today)
        window = fleet.values[:, begin : begin + history_days]
        rows = np.nonzero(np.isfinite(window).any(axis=1))[0]  # lines with some history
        usage = forecast.UsageMatrix(rows, first, window[rows])
        result = forecast.forecast_usage(
            usage, billing_day=fleet.billing_day[rows], today=today, **options
        )
        lines = result.lines
        cycle_start = lines.cycle_start.to_numpy().astype("datetime64[D]")
        start = (cycle_start - fleet.first_day) // day
        end = (lines.cycle_end.to_numpy().astype("datetime64[D]") - fleet.first_day) // day
        if end.max(initial=0) >= fleet.values.shape[1]:
            raise ValueError("the fleet ends before the cycles of %s" % today)
        frame = pd.DataFrame(
            {
                "today": today,
                "line": rows,
                "kind": fleet.kinds[rows],
                "known_days": (today - cycle_start) // day,
                "actual": cumulative[rows, end + 1] - cumulative[rows, start],
                "predicted": lines.predicted_total.to_numpy(),
                "lower": lines.lower_total.to_numpy(),
                "upper": lines.upper_total.to_numpy(),
                "method": lines.method.to_numpy(),
                "folds": lines.backtest_folds.to_numpy(),
            }
        )
        if known_days is not None:
            frame = frame[frame.known_days.isin(known_days)]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def summary(cases):
    """Per ``known_days``: number of cases, band coverage and MAPE (cycles with usage only)."""
    cases = cases[cases.actual > 0].assign(
        inside=lambda f: (f.lower <= f.actual) & (f.actual <= f.upper),
        ape=lambda f: (f.predicted - f.actual).abs() / f.actual,
    )
    return cases.groupby("known_days").agg(
        cases=("ape", "size"), coverage=("inside", "mean"), mape=("ape", "mean")
    )
