"""Daily usage forecasts of service lines, vectorised across lines (no Odoo import).

Usage is a dense ``(lines x days)`` matrix of the GB that count against the plan's limit
(:class:`UsageMatrix`, built from a long table by :func:`pivot_usage`). :func:`forecast_usage`
forecasts every line at once:

* four methods, each computed for all lines with array operations: ``run_rate``,
  ``seasonal_naive`` (weekly), ``trend_weekly`` (trend + weekday least squares) and
  ``boosted``, a gradient-boosted model of the rest of the cycle trained across the fleet
  (``lib.forecast_boosted``, scikit-learn; left out when the fleet is too small to train it);
* a backtest per line on its own history: "today" is moved to the same day of each previous
  billing cycle, every method forecasts the rest of that cycle (and the following one) and
  the forecast total is compared with the actual one. Each line gets the method with the
  lowest mean absolute percentage error (MAPE), blended with the fleet-wide MAPE so that a
  few folds do not pick a method by luck;
* bands of the cycle totals calibrated on those backtest errors, of the line and of the
  fleet, at the same day of cycle (split conformal, ``lib.forecast_calibration``): a 90 %
  band holds the true total about 90 % of the time. The lower bound of a total never goes
  below the usage already known.

All dates are days (``numpy.datetime64[D]``); cycle ends are inclusive (the cycle's last day).
Data lags a day: with ``today`` the last usable day is ``today - 1``; later columns are ignored.

The building blocks live in their own modules: dates and billing cycles
(``lib.forecast_cycles``), the per-line methods (``lib.forecast_methods``) and the backtest
with the method choice (``lib.forecast_backtest``); their names used elsewhere are
re-exported here.
"""

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from . import forecast_boosted, forecast_calibration
from .forecast_backtest import (
    _origin,
    _Span,
    backtest_origins,
    choose_methods,
    held_out_choices,
    relative_errors,
)
from .forecast_cycles import DAY, cycle_bounds, month_anchor, to_days
from .forecast_cycles import _previous_cycle as _previous_cycle
from .forecast_methods import MAX_CYCLE_DAYS, _window, daily_spread
from .forecast_methods import TREND_MIN_DAYS as TREND_MIN_DAYS
from .forecast_methods import TREND_PRIOR as TREND_PRIOR
from .forecast_methods import TREND_WEEKS as TREND_WEEKS
from .forecast_methods import _trend_design as _trend_design
from .forecast_methods import nanmedian_rows as nanmedian_rows

MODEL_VERSION = "forecast-2.0"
BASE_METHODS = ("run_rate", "seasonal_naive", "trend_weekly")  # per line, array operations
BOOSTED = "boosted"  # across lines, lib.forecast_boosted
METHODS = (*BASE_METHODS, BOOSTED)
METHOD_LABELS = {
    "run_rate": "Run rate",
    "seasonal_naive": "Weekly pattern",
    "trend_weekly": "Trend and weekly pattern",
    "boosted": "Fleet model (gradient boosting)",
}
BACKTEST_CYCLES = 5


# --------------------------------------------------------------------------- input
@dataclass(frozen=True)
class UsageMatrix:
    """Daily billable GB: ``values[i, j]`` is line ``line_ids[i]`` on ``first_day + j``.

    NaN means unknown (before the line's history starts, or a missing day kept unknown).
    """

    line_ids: np.ndarray
    first_day: np.datetime64
    values: np.ndarray

    @property
    def last_day(self):
        """Date of the last column."""
        return self.first_day + (self.values.shape[1] - 1) * DAY

    def until(self, day):
        """The matrix cut after ``day`` (nothing after it is kept)."""
        stop = int((to_days(day) - self.first_day) // DAY) + 1
        return UsageMatrix(self.line_ids, self.first_day, self.values[:, : max(stop, 0)])


def pivot_usage(data, line_ids=None, first_day=None, last_day=None, missing="zero"):
    """Build a :class:`UsageMatrix` from a long table of ``(line_id, date, gb)``.

    ``data``: a DataFrame with columns ``line_id``, ``date``, ``gb`` or an iterable of such
    triples. Several rows of one line and day are summed; negative or NaN values are dropped.
    ``line_ids`` fixes the rows and their order (lines without usage get an empty row);
    ``first_day``/``last_day`` the columns (default: the data's range).
    ``missing``: what a day without a row is, between the line's first row and ``last_day``:
    ``"zero"`` (default; the Starlink API omits days without usage) or ``"nan"`` (unknown; the
    methods ignore it and the cycle-to-date actual counts known days only). Days before a
    line's first row are always unknown (NaN).
    """
    if missing not in ("zero", "nan"):
        raise ValueError("missing must be 'zero' or 'nan', got %r" % (missing,))
    frame = (
        data
        if isinstance(data, pd.DataFrame)
        else pd.DataFrame(list(data), columns=["line_id", "date", "gb"])
    )
    gb = pd.to_numeric(frame["gb"], errors="coerce").to_numpy(dtype=float)
    days = to_days(frame["date"]) if len(frame) else np.array([], dtype="datetime64[D]")
    if line_ids is None:
        codes, ids = pd.factorize(frame["line_id"], sort=True)
        line_ids = np.asarray(ids)
    else:
        line_ids = np.asarray(line_ids)
        codes = pd.Index(line_ids).get_indexer(frame["line_id"])
    first_day = to_days(first_day) if first_day is not None else days.min()
    last_day = to_days(last_day) if last_day is not None else days.max()
    width = int((last_day - first_day) // DAY) + 1
    column = (days - first_day) // DAY
    keep = (codes >= 0) & (column >= 0) & (column < width) & np.isfinite(gb) & (gb >= 0)
    flat = codes[keep] * width + column[keep]
    size = len(line_ids) * width
    sums = np.bincount(flat, weights=gb[keep], minlength=size).reshape(len(line_ids), width)
    seen = np.bincount(flat, minlength=size).reshape(len(line_ids), width) > 0
    values = np.where(seen, sums, np.nan)
    if missing == "zero":
        started = np.logical_or.accumulate(seen, axis=1)
        values[started & ~seen] = 0.0
    return UsageMatrix(line_ids, first_day, values)


def _per_line(value, usage, name, dtype=None):
    """A scalar, a sequence aligned with ``usage.line_ids`` or a Series indexed by line id."""
    if isinstance(value, pd.Series):
        value = value.reindex(usage.line_ids)
        if value.isna().any():
            raise ValueError("%s is missing for some lines" % name)
        value = value.to_numpy()
    value = to_days(value) if dtype == "date" else np.asarray(value, dtype=dtype)
    return np.broadcast_to(value, usage.line_ids.shape)


# --------------------------------------------------------------------------- fleet model
def _fit_boosted(values, folds, now):
    """Train the fleet-wide boosted model on the folds (``lib.forecast_boosted``).

    Adds its forecasts to ``rest[BOOSTED]`` of every origin (NaN on folds without a true
    total) and returns True, or False when the fleet is too small to train it.
    """
    if not folds:
        return False
    samples, rows = [], []
    for origin in folds:
        x, base = forecast_boosted.features(
            values, origin.cut, origin.first, origin.last - origin.cut, origin.known,
            [origin.rest[method] for method in BASE_METHODS],
        )  # fmt: skip
        valid = np.isfinite(origin.actual)
        rest = origin.actual - origin.known
        samples.append((x[valid], base[valid], rest[valid], origin.actual[valid]))
        rows.append(np.nonzero(valid)[0])
    current = forecast_boosted.features(
        values, now.cut, now.first, now.last - now.cut, now.known,
        [now.rest[method] for method in BASE_METHODS],
    )  # fmt: skip
    stacked = tuple(np.concatenate(column) for column in zip(*samples))
    fitted = forecast_boosted.cross_fit(stacked, np.concatenate(rows), current)
    if fitted is None:
        return False
    folds_rest, now.rest[BOOSTED] = fitted
    offset = 0
    for origin, valid_rows in zip(folds, rows):
        origin.rest[BOOSTED] = np.full(len(origin.cut), np.nan)
        origin.rest[BOOSTED][valid_rows] = folds_rest[offset : offset + len(valid_rows)]
        offset += len(valid_rows)
    return True


# --------------------------------------------------------------------------- result
@dataclass
class ForecastResult:
    """Forecast of every line, as of the last known day ``as_of`` (a ``date``).

    ``lines``: one row per line: ``line_id, method, model_version, backtest_mape`` (fraction,
    NaN without backtest), ``backtest_folds`` (the line's folds), ``as_of, cycle_start,
    cycle_end, actual_to_date, predicted_total, lower_total, upper_total`` (the band of the
    cycle total at ``band_level``), ``band_source`` (``backtest``: calibrated on backtest
    errors; ``spread``: no fold in the fleet, from the daily spread), ``limit_gb, limit_date``
    (NaT: not crossed in this cycle), ``overage_gb, next_cycle_start, next_cycle_end,
    next_predicted_total, next_lower_total, next_upper_total`` and ``mape_<method>`` per method.
    ``daily``: one row per line and forecast day of the rest of the current cycle and the whole
    next cycle: ``line_id, date, predicted_gb, lower_gb, upper_gb, cycle``
    (``current``/``next``). GB everywhere; dates as ``datetime64``.

    Daily bounds follow the cycle band: a line's ``lower_gb``/``upper_gb`` over the rest of
    the current cycle add up to ``lower_total``/``upper_total`` minus the usage to date (the
    band's distance to the forecast is spread over the days in proportion to the daily
    forecast, evenly if it is 0), and over the next cycle to ``next_lower_total``/
    ``next_upper_total``. Their cumulative sums from the usage to date draw the band of the
    cumulative usage, which ends on the calibrated band of the total; only that end point is
    calibrated, a bound of a single day is not a band of that day's usage.
    """

    lines: pd.DataFrame
    daily: pd.DataFrame
    as_of: object
    model_version: str = MODEL_VERSION

    def line_records(self):
        """``lines`` as dicts of plain Python values (``date``, ``float``, None if missing)."""
        return _records(self.lines)

    def daily_records(self):
        """``daily`` rows plus the line's ``method``, ``model_version`` and ``backtest_mape``,
        as dicts of plain values: the rows of ``starlink.usage.forecast``."""
        extra = self.lines[["line_id", "method", "model_version", "backtest_mape"]]
        return _records(self.daily.merge(extra, on="line_id", how="left"))


def _records(frame):
    """DataFrame rows as dicts; datetimes become ``date``, NaN/NaT become None."""
    out = frame.astype(object).where(frame.notna(), None)
    for column in frame.columns:
        if frame[column].dtype.kind == "M":
            out[column] = [None if v is None else v.date() for v in out[column]]
    return out.to_dict("records")


# --------------------------------------------------------------------------- entry point
def _cycles(usage, today, cycle_start, cycle_end, billing_day):
    """Billing day, current cycle ``(start, end)`` and next cycle ``(start, end)`` per line."""
    if cycle_start is not None:
        cycle_start = _per_line(cycle_start, usage, "cycle_start", "date")
    if billing_day is None:
        if cycle_start is None:
            raise ValueError("cycle_start or billing_day is required")
        month = cycle_start.astype("datetime64[M]").astype("datetime64[D]")
        billing_day = (cycle_start - month) // DAY + 1
    billing_day = _per_line(billing_day, usage, "billing_day", np.int64)
    if cycle_start is None:
        cycle_start = cycle_bounds(billing_day, today)[0]
    if cycle_end is None:
        cycle_end = cycle_bounds(billing_day, cycle_start)[1]
    cycle_end = _per_line(cycle_end, usage, "cycle_end", "date")
    next_start = cycle_end + DAY
    next_end = month_anchor(next_start.astype("datetime64[M]") + 1, billing_day) - DAY
    return billing_day, cycle_start, cycle_end, next_start, next_end


def forecast_usage(
    usage,
    cycle_start=None,
    cycle_end=None,
    limit_gb=0.0,
    today=None,
    billing_day=None,
    methods=METHODS,
    backtest_cycles=BACKTEST_CYCLES,
    level=0.9,
):
    """Forecast the rest of the current cycle and the next cycle of every line of ``usage``.

    ``usage``: a :class:`UsageMatrix`. Per-line arguments are scalars, sequences aligned with
    ``usage.line_ids`` or Series indexed by line id. ``cycle_start``/``cycle_end``: the current
    cycle (inclusive), default computed from ``billing_day`` and ``today``; ``billing_day``
    (default: the cycle start's day) also places the previous cycles (backtest) and the next
    one. ``limit_gb``: data limit, 0 = unlimited. ``today``: default the day after the matrix's
    last column; usage after ``today - 1`` is ignored. ``methods``: the candidates (``boosted``
    is left out when the fleet is too small to train it). ``level``: band coverage.

    The fleet-wide parts (the boosted model, the method choice's prior, the band quantiles)
    learn from every line passed: forecast the whole fleet in one call, or large batches.
    Returns a :class:`ForecastResult`.
    """
    today = to_days(today) if today is not None else usage.last_day + DAY
    as_of = min(today - DAY, usage.last_day)
    billing_day, cycle_start, cycle_end, next_start, next_end = _cycles(
        usage, today, cycle_start, cycle_end, billing_day
    )
    if np.any(cycle_end < as_of) or np.any(cycle_end < cycle_start):
        raise ValueError("each line's current cycle must end after the last known day")
    limit = np.nan_to_num(_per_line(limit_gb, usage, "limit_gb", float).astype(float))
    methods = tuple(methods)
    shapes = tuple(m for m in methods if m != BOOSTED) or BASE_METHODS
    computed = BASE_METHODS if BOOSTED in methods else shapes

    width = max(int((as_of - usage.first_day) // DAY) + 1, 0)
    values = np.full((len(usage.line_ids), width + 1), np.nan)  # column 0: NaN padding
    values[:, 1:] = usage.values[:, :width]
    span = _Span(values)

    def column(day):
        return (day - usage.first_day) // DAY + 1

    cut = np.full(len(usage.line_ids), width)
    start = column(cycle_start)
    now = _origin(
        values, span, cut, start, column(cycle_end), column(next_end), computed, keep_daily=True
    )
    folds = backtest_origins(
        values, span, cut - start + 1, cycle_start, billing_day, usage.first_day, computed,
        backtest_cycles,
    )  # fmt: skip
    if BOOSTED in methods and not (len(usage.line_ids) and _fit_boosted(values, folds, now)):
        methods = shapes
    errors = relative_errors(folds, methods, len(cut))
    chosen, mape = choose_methods(errors, methods)
    shape_index = choose_methods(relative_errors(folds, shapes, len(cut)), shapes)[0]
    rows = np.arange(len(chosen))

    horizon = now.daily[computed[0]].shape[1]
    days = as_of + (np.arange(horizon) + 1) * DAY
    current = (days[None, :] >= cycle_start[:, None]) & (days[None, :] <= cycle_end[:, None])
    following = (days[None, :] > cycle_end[:, None]) & (days[None, :] <= next_end[:, None])
    shape = np.stack([now.daily[m] for m in shapes])[shape_index, rows]
    daily = _chosen_daily(now, methods, chosen, shape, current)
    known = now.known
    predicted = known + (daily * current).sum(axis=1)
    next_predicted = (daily * following).sum(axis=1)

    # bands of the cycle totals, calibrated on the backtest errors at the same day of cycle
    held_out = held_out_choices(errors, methods)
    names = np.asarray(methods)[chosen]
    next_method = np.where(names == BOOSTED, np.asarray(shapes)[shape_index], names)
    next_index = (np.asarray(computed)[:, None] == next_method[None, :]).argmax(axis=0)
    low, high, calibrated = _band(folds, methods, held_out, now, level, "rest")
    next_low, next_high, next_calibrated = _band(
        folds, computed, next_index, now, level, "following"
    )
    if not (calibrated and next_calibrated):  # no fold in the fleet: a normal band instead
        z = NormalDist().inv_cdf(0.5 + level / 2.0)
        sigma_day = daily_spread(values, cut)
        if not calibrated:
            high = z * sigma_day * np.sqrt(current.sum(axis=1))
            low = -high
        if not next_calibrated:
            next_high = z * sigma_day * np.sqrt(following.sum(axis=1))
            next_low = -next_high
    lower_total = np.maximum(predicted + low, known)
    upper_total = predicted + high
    next_lower = np.maximum(next_predicted + next_low, 0.0)
    next_upper = next_predicted + next_high

    lines = pd.DataFrame(
        {
            "line_id": usage.line_ids,
            "method": np.asarray(methods, dtype=object)[chosen],
            "model_version": MODEL_VERSION,
            "backtest_mape": mape[chosen, rows],
            "backtest_folds": np.isfinite(errors[:, 0, :]).sum(axis=0),
            "as_of": pd.Timestamp(as_of),
            "cycle_start": cycle_start,
            "cycle_end": cycle_end,
            "actual_to_date": known,
            "predicted_total": predicted,
            "lower_total": lower_total,
            "upper_total": upper_total,
            "band_level": level,
            "band_source": "backtest" if calibrated else "spread",
            "limit_gb": limit,
            "limit_date": _limit_dates(values, cut, start, known, daily, current, limit, days),
            "overage_gb": np.where(limit > 0, np.clip(predicted - limit, 0.0, None), 0.0),
            "next_cycle_start": next_start,
            "next_cycle_end": next_end,
            "next_predicted_total": next_predicted,
            "next_lower_total": next_lower,
            "next_upper_total": next_upper,
        }
    )
    for position, method in enumerate(methods):
        lines["mape_" + method] = mape[position]
    for method in METHODS:
        if "mape_" + method not in lines:
            lines["mape_" + method] = np.nan
    lower = _spread_band(daily, current, lower_total - predicted) + _spread_band(
        daily, following, next_lower - next_predicted
    )
    upper = _spread_band(daily, current, upper_total - predicted) + _spread_band(
        daily, following, next_upper - next_predicted
    )
    table = _daily_table(
        usage.line_ids, days, daily, daily + lower, daily + upper, current, following
    )
    return ForecastResult(lines=lines, daily=table, as_of=pd.Timestamp(as_of).date())


def _chosen_daily(now, methods, chosen, shape, current):
    """Daily forecasts ``(lines, horizon)`` of each line's chosen method.

    The boosted model forecasts the rest of the cycle as a total: its days follow the shape
    of the line's best per-line method (scaled to the total; evenly when that shape is 0),
    and the next cycle is that per-line method's.
    """
    rows = np.arange(len(chosen))
    candidates = [now.daily[m] if m != BOOSTED else shape for m in methods]
    daily = np.stack(candidates)[chosen, rows]
    if BOOSTED in methods:
        boosted = np.asarray(methods)[chosen] == BOOSTED
        total = now.rest[BOOSTED]
        in_cycle = (shape * current).sum(axis=1)
        days_left = np.maximum(current.sum(axis=1), 1)
        weights = np.where(
            (in_cycle > 0)[:, None], shape / np.where(in_cycle > 0, in_cycle, 1.0)[:, None],
            1.0 / days_left[:, None],
        )  # fmt: skip
        scaled = np.where(current, weights * total[:, None], shape)
        daily = np.where(boosted[:, None], scaled, daily)
    return daily


def _band(folds, methods, choice, now, level, part):
    """Offsets ``(lower, upper)`` in GB of the band of the rest of the cycle (``part`` =
    ``rest``) or of the following cycle (``following``), and whether it is calibrated.

    ``choice``: index in ``methods`` of the method whose errors count, per fold and line
    (the held-out choice, ``(folds, lines)``) or per line (the following cycle).
    """
    rows = np.arange(len(now.cut))
    if not folds:
        empty = np.zeros(len(rows))
        return empty, empty, False
    errors, scales, positions = [], [], []
    for index, origin in enumerate(folds):
        if part == "rest":
            forecast = np.stack([origin.rest[m] for m in methods])[choice[index], rows]
            errors.append(origin.actual - origin.known - forecast)
            scales.append(origin.scale)
        else:
            forecast = np.stack([origin.following[m] for m in methods])[choice, rows]
            errors.append(origin.next_actual - forecast)
            scales.append(origin.next_scale)
        positions.append(origin.position)
    scale_now = now.scale if part == "rest" else now.next_scale
    return forecast_calibration.calibrated_band(
        np.array(errors), np.array(scales), np.array(positions), scale_now, now.position, level
    )


def _spread_band(daily, days, offset):
    """Spread each line's band ``offset`` (GB) over ``days`` in proportion to ``daily``."""
    in_part = np.where(days, daily, 0.0)
    total = in_part.sum(axis=1)
    count = np.maximum(days.sum(axis=1), 1)
    weights = np.where(
        (total > 0)[:, None], in_part / np.where(total > 0, total, 1.0)[:, None],
        days / count[:, None],
    )  # fmt: skip
    return weights * offset[:, None]


def _daily_table(line_ids, days, daily, lower, upper, current, following):
    """Long table of the daily forecasts of both cycles."""
    line_index, day_index = np.nonzero(current | following)
    return pd.DataFrame(
        {
            "line_id": line_ids[line_index],
            "date": days[day_index],
            "predicted_gb": daily[line_index, day_index],
            "lower_gb": np.clip(lower[line_index, day_index], 0.0, None),
            "upper_gb": upper[line_index, day_index],
            "cycle": np.where(current[line_index, day_index], "current", "next"),
        }
    )


def _limit_dates(values, cut, start, known, daily, current, limit, days):
    """First day the cycle's cumulative usage exceeds the limit (actual, then forecast)."""
    window = _window(values, cut, MAX_CYCLE_DAYS)
    age = np.arange(MAX_CYCLE_DAYS - 1, -1, -1)
    in_cycle = age[None, :] < (cut - start + 1)[:, None]
    past = np.cumsum(np.where(in_cycle, np.nan_to_num(window), 0.0), axis=1) > limit[:, None]
    future = (known[:, None] + np.cumsum(daily * current, axis=1) > limit[:, None]) & current
    past_day = days[0] - DAY - age[np.argmax(past, axis=1)] * DAY
    future_day = days[np.argmax(future, axis=1)]
    result = np.where(past.any(axis=1), past_day, future_day)
    crossed = (limit > 0) & (past.any(axis=1) | future.any(axis=1))
    return np.where(crossed, result, np.datetime64("NaT"))
