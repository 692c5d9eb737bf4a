"""Daily usage forecasts of service lines, vectorised across lines (no Odoo import).

Usage is a dense ``(lines x days)`` matrix of billable GB (:class:`UsageMatrix`, built from a
long table by :func:`pivot_usage`). :func:`forecast_usage` forecasts every line at once:

* three methods, each computed for all lines with array operations: ``run_rate``,
  ``seasonal_naive`` (weekly) and ``trend_weekly`` (trend + weekday least squares);
* a backtest per line on its own history: "today" is moved to the same day of each previous
  billing cycle, every method forecasts the rest of that cycle and its end-of-cycle total is
  compared with the actual one. Each line gets the method with the lowest mean absolute
  percentage error (MAPE), blended with the fleet-wide MAPE so that two or three folds do not
  pick a method by luck;
* prediction intervals from the line's robust daily spread and its backtest error; the lower
  bound of a total never goes below the usage already known.

All dates are days (``numpy.datetime64[D]``); cycle ends are inclusive (the cycle's last day).
Data lags a day: with ``today`` the last usable day is ``today - 1``; later columns are ignored.
"""

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

MODEL_VERSION = "forecast-1.0"
METHODS = ("run_rate", "seasonal_naive", "trend_weekly")
DAY = np.timedelta64(1, "D")

RUN_RATE_MIN_DAYS = 7  # fewer known days in the cycle: use the last 14 days instead
RUN_RATE_FALLBACK_DAYS = 14
SEASONAL_WEEKS = 4
TREND_WEEKS = 8
TREND_MIN_DAYS = 21  # fewer known days in the 8-week window: seasonal naive instead
TREND_PRIOR = 0.05  # prior std of the slope (relative change over the 8 weeks)
BACKTEST_CYCLES = 3
CHOICE_SHRINK = 3.0  # weight (in folds) of the fleet-wide MAPE in a line's method score
MAX_CYCLE_DAYS = 31


# --------------------------------------------------------------------------- dates and cycles
def to_days(values):
    """Dates (``date``, ``datetime``, ISO strings, ``datetime64``) as ``datetime64[D]``."""
    if np.ndim(values) == 0:
        return np.datetime64(pd.Timestamp(values).date(), "D")
    array = values.to_numpy() if isinstance(values, pd.Series | pd.Index) else np.asarray(values)
    if array.dtype.kind != "M":
        array = pd.to_datetime(pd.Series(array)).to_numpy()
    return array.astype("datetime64[D]")


def month_anchor(months, billing_day):
    """Cycle start in each month (``datetime64[M]``): the billing day clamped to the month."""
    first = months.astype("datetime64[M]").astype("datetime64[D]")
    length = ((months.astype("datetime64[M]") + 1).astype("datetime64[D]") - first) // DAY
    return first + (np.minimum(billing_day, length) - 1) * DAY


def cycle_bounds(billing_day, day):
    """``(start, end)`` (both inclusive) of the billing cycle containing ``day``, per line.

    Same rule as ``starlink_base``'s billing cycles: a billing day missing from a month
    (29-31) starts the cycle on that month's last day; a cycle ends the day before the next.
    """
    billing_day = np.asarray(billing_day, dtype=np.int64)
    day = np.broadcast_to(to_days(day), billing_day.shape)
    month = day.astype("datetime64[M]")
    start = month_anchor(month, billing_day)
    start = np.where(day < start, month_anchor(month - 1, billing_day), start)
    end = month_anchor(start.astype("datetime64[M]") + 1, billing_day) - DAY
    return start, end


def _previous_cycle(cycle_start, billing_day, back):
    """``(start, end)`` of the cycle ``back`` cycles before the one starting ``cycle_start``."""
    month = cycle_start.astype("datetime64[M]")
    start = month_anchor(month - back, billing_day)
    return start, month_anchor(month - back + 1, billing_day) - DAY


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


# --------------------------------------------------------------------------- array helpers
def nanmean_rows(values, axis=-1):
    """Mean of the finite values along ``axis`` (NaN where there is none), no warnings."""
    known = np.isfinite(values)
    count = known.sum(axis=axis)
    total = np.where(known, values, 0.0).sum(axis=axis)
    return np.divide(total, count, out=np.full(count.shape, np.nan), where=count > 0)


def nanmedian_rows(values):
    """Median of the finite values along the last axis (NaN where there is none), fast."""
    ordered = np.sort(np.where(np.isfinite(values), values, np.inf), axis=-1)
    count = np.isfinite(values).sum(axis=-1)
    low = np.take_along_axis(ordered, np.maximum((count - 1) // 2, 0)[..., None], -1)[..., 0]
    high = np.take_along_axis(ordered, np.maximum(count // 2, 0)[..., None], -1)[..., 0]
    return np.where(count > 0, (low + high) / 2.0, np.nan)


def _window(values, cut, width):
    """``values[i, cut[i] - width + 1 : cut[i] + 1]`` for every line (column 0 is NaN padding)."""
    columns = np.clip(cut[:, None] + np.arange(1 - width, 1), 0, values.shape[1] - 1)
    return values[np.arange(len(cut))[:, None], columns]


# --------------------------------------------------------------------------- methods
def run_rate(values, cut, start, horizon):
    """Mean daily usage of the cycle to date (< 7 known days: of the last 14 days)."""
    window = _window(values, cut, MAX_CYCLE_DAYS)
    age = np.arange(MAX_CYCLE_DAYS - 1, -1, -1)  # days before the cut
    in_cycle = age[None, :] < (cut - start + 1)[:, None]
    cycle_days = (in_cycle & np.isfinite(window)).sum(axis=1)
    recent = np.broadcast_to(age < RUN_RATE_FALLBACK_DAYS, window.shape)
    mask = np.where((cycle_days >= RUN_RATE_MIN_DAYS)[:, None], in_cycle, recent)
    rate = np.nan_to_num(nanmean_rows(np.where(mask, window, np.nan)))
    return np.repeat(rate[:, None], horizon, axis=1)


def _weekly_profile(values, cut):
    """Mean of each weekday over the last weeks: ``(lines, 7)``, column 0 = the cut's day + 1."""
    window = _window(values, cut, 7 * SEASONAL_WEEKS).reshape(len(cut), SEASONAL_WEEKS, 7)
    profile = nanmean_rows(window, axis=1)
    overall = nanmean_rows(profile)
    return np.where(np.isfinite(profile), profile, np.nan_to_num(overall)[:, None]), window


def seasonal_naive(values, cut, start, horizon):
    """Each day: the mean of the same weekday over the last 4 weeks."""
    profile, _window_unused = _weekly_profile(values, cut)
    return profile[:, np.arange(horizon) % 7]


def _trend_design(rows, width):
    """Design matrix: intercept, trend (0 at the cut, 1 per window) and 6 weekday dummies."""
    t = np.arange(rows)
    design = np.zeros((rows, 8))
    design[:, 0] = 1.0
    design[:, 1] = (t - (width - 1)) / width
    phase = t % 7
    design[np.nonzero(phase)[0], phase[phase > 0] + 1] = 1.0
    return design


def trend_weekly(values, cut, start, horizon):
    """Linear trend + day-of-week least squares over the last 8 weeks, all lines at once.

    Each line is scaled by its mean; unknown days get zero weight. The weighted normal
    equations of all lines are built with two matrix products on a shared design matrix and
    solved for all lines at once (:func:`solve_spd`); a second solve shrinks the slope (ridge =
    the line's residual variance over the prior variance of a slope, :data:`TREND_PRIOR`),
    so noisy lines keep a nearly flat trend and clean trends are followed.
    Lines with fewer than 21 known days fall back to :func:`seasonal_naive`.
    """
    width = 7 * TREND_WEEKS
    window = _window(values, cut, width)
    known = np.isfinite(window)
    level = nanmean_rows(window)
    fit = (known.sum(axis=1) >= TREND_MIN_DAYS) & (level > 0)
    scale = np.where(fit, level, 1.0)
    target = np.where(known, window, 0.0) / scale[:, None]
    design = _trend_design(width + horizon, width)
    past, future = design[:width], design[width:]
    params = past.shape[1]
    outer = (past[:, :, None] * past[:, None, :]).reshape(width, params * params)
    gram = (known.astype(float) @ outer).reshape(len(cut), params, params)
    diagonal = np.arange(params)
    gram[:, diagonal, diagonal] += 1e-6  # keeps weekdays without data solvable
    rhs = target @ past
    beta = solve_spd(gram, rhs)
    residual = np.where(known, target - beta @ past.T, 0.0)
    noise = (residual**2).sum(axis=1) / np.maximum(known.sum(axis=1) - params, 1)
    gram[:, 1, 1] += noise / TREND_PRIOR**2  # ridge on the slope: noise / prior variance
    beta = solve_spd(gram, rhs)
    forecast = np.clip(beta @ future.T, 0.0, None) * scale[:, None]
    return np.where(fit[:, None], forecast, seasonal_naive(values, cut, start, horizon))


def solve_spd(matrices, rhs):
    """Solve ``matrices[i] @ x[i] = rhs[i]`` for a stack of small symmetric positive definite
    matrices: Gaussian elimination vectorised across the stack (a loop over the 8 columns),
    much faster than ``numpy.linalg.solve`` on thousands of 8 x 8 systems."""
    a, b = matrices.copy(), rhs.copy()
    size = a.shape[-1]
    for k in range(size - 1):
        factor = a[:, k + 1 :, k] / a[:, k, k, None]
        a[:, k + 1 :, k:] -= factor[:, :, None] * a[:, None, k, k:]
        b[:, k + 1 :] -= factor * b[:, k, None]
    x = np.empty_like(b)
    for k in range(size - 1, -1, -1):
        x[:, k] = (b[:, k] - (a[:, k, k + 1 :] * x[:, k + 1 :]).sum(axis=1)) / a[:, k, k]
    return x


METHOD_FUNCTIONS = {
    "run_rate": run_rate,
    "seasonal_naive": seasonal_naive,
    "trend_weekly": trend_weekly,
}


def predict(method, values, cut, start, horizon):
    """Daily forecasts ``(lines, horizon)`` of ``method`` for the days after ``cut``, >= 0.

    ``values``: usage matrix whose column 0 is NaN padding; ``cut``: column of each line's last
    known day; ``start``: column of each line's current cycle start.
    """
    forecast = METHOD_FUNCTIONS[method](values, cut, start, horizon)
    return np.clip(np.nan_to_num(forecast), 0.0, None)


def daily_spread(values, cut):
    """Robust standard deviation of a line's daily usage around its weekly profile."""
    profile, window = _weekly_profile(values, cut)
    residual = np.abs(window - profile[:, None, :]).reshape(len(cut), 7 * SEASONAL_WEEKS)
    correction = np.sqrt(SEASONAL_WEEKS / (SEASONAL_WEEKS - 1.0))
    return np.nan_to_num(1.4826 * correction * nanmedian_rows(residual))


# --------------------------------------------------------------------------- backtest
class _Span:
    """Cumulative sums per line, for O(1) sums and completeness checks of column ranges."""

    def __init__(self, values):
        self.total = np.cumsum(np.nan_to_num(values), axis=1)
        self.unknown = np.cumsum(np.isnan(values), axis=1)

    def _diff(self, cumulative, first, last):
        rows = np.arange(len(first))
        high = cumulative[rows, np.clip(last, 0, None)]
        return high - cumulative[rows, np.clip(first - 1, 0, None)]

    def sum(self, first, last):
        """Sum of the known values of columns ``first..last`` per line (0 when empty)."""
        return np.where(last >= first, self._diff(self.total, first, last), 0.0)

    def complete(self, first, last):
        """Whether columns ``first..last`` are all known (and inside the matrix)."""
        gaps = self._diff(self.unknown, first, last)
        return (gaps == 0) & (first >= 1) & (last >= first)


def backtest(values, span, elapsed, cycle_start, billing_day, first_day, methods, cycles):
    """Signed relative end-of-cycle errors ``(cycles, methods, lines)``, NaN if no fold.

    Fold ``k`` pretends today is the same day of the ``k``-th previous cycle as now (at least
    one day before its end), forecasts the rest of that cycle with every method and compares
    the predicted total with the actual one. A fold needs the whole cycle known and > 0 GB.
    """
    errors = np.full((cycles, len(methods), len(elapsed)), np.nan)
    actuals = np.full((cycles, len(elapsed)), np.nan)
    for back in range(1, cycles + 1):
        start, end = _previous_cycle(cycle_start, billing_day, back)
        first = (start - first_day) // DAY + 1
        last = (end - first_day) // DAY + 1
        cut = np.minimum(first + elapsed - 1, last - 1)
        horizon = last - cut
        actual = span.sum(first, last)
        valid = span.complete(first, last) & (actual > 0)
        if not valid.any():
            continue
        known, actual = span.sum(first, cut), np.where(valid, actual, np.nan)
        in_cycle = np.arange(horizon.max())[None, :] < horizon[:, None]
        for position, method in enumerate(methods):
            daily = predict(method, values, cut, first, int(horizon.max()))
            errors[back - 1, position] = (known + (daily * in_cycle).sum(axis=1)) / actual - 1
        actuals[back - 1] = actual
    return errors, actuals


def choose_methods(errors, methods, shrink=None):
    """Per line: index of the chosen method and the MAPE of every method ``(methods, lines)``.

    A line's score for a method is its own MAPE over its ``n`` folds blended with the
    fleet-wide MAPE of that method: ``(n * own + shrink * fleet) / (n + shrink)``. Lines without
    folds take the method that is best fleet-wide (the first method if no line has folds).
    """
    shrink = CHOICE_SHRINK if shrink is None else shrink
    absolute = np.abs(errors)
    folds = np.isfinite(absolute).sum(axis=0)  # (methods, lines)
    mape = nanmean_rows(np.moveaxis(absolute, 0, -1))  # (methods, lines)
    fleet = nanmean_rows(mape)
    fleet = np.where(np.isfinite(fleet), fleet, 0.0)
    score = (folds * np.nan_to_num(mape) + shrink * fleet[:, None]) / (folds + shrink)
    score = np.where(folds > 0, score, fleet[:, None])
    return np.argmin(score, axis=0), mape


# --------------------------------------------------------------------------- result
@dataclass
class ForecastResult:
    """Forecast of every line, as of the last known day ``as_of`` (a ``date``).

    ``lines``: one row per line: ``line_id, method, model_version, backtest_mape`` (fraction,
    NaN without backtest), ``as_of, cycle_start, cycle_end, actual_to_date, predicted_total,
    lower_total, upper_total, limit_gb, limit_date`` (NaT: not crossed in this cycle),
    ``overage_gb, next_cycle_start, next_cycle_end, next_predicted_total`` and
    ``mape_<method>`` per method. ``daily``: one row per line and forecast day of the rest of
    the current cycle and the whole next cycle: ``line_id, date, predicted_gb, lower_gb,
    upper_gb, cycle`` (``current``/``next``). GB everywhere; dates as ``datetime64``.
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
    last column; usage after ``today - 1`` is ignored. ``level``: interval coverage.
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

    width = max(int((as_of - usage.first_day) // DAY) + 1, 0)
    values = np.full((len(usage.line_ids), width + 1), np.nan)  # column 0: NaN padding
    values[:, 1:] = usage.values[:, :width]
    span = _Span(values)
    cut = np.full(len(usage.line_ids), width)
    start = (cycle_start - usage.first_day) // DAY + 1
    errors, actuals = backtest(
        values, span, cut - start + 1, cycle_start, billing_day, usage.first_day, methods,
        backtest_cycles,
    )  # fmt: skip
    chosen, mape = choose_methods(errors, methods)
    rows = np.arange(len(chosen))
    horizon = int(((next_end - as_of) // DAY).max(initial=1))
    daily = np.stack([predict(m, values, cut, start, horizon) for m in methods])[chosen, rows]

    days = as_of + (np.arange(horizon) + 1) * DAY
    current = (days[None, :] >= cycle_start[:, None]) & (days[None, :] <= cycle_end[:, None])
    following = (days[None, :] > cycle_end[:, None]) & (days[None, :] <= next_end[:, None])
    known = span.sum(np.maximum(start, 1), cut)
    predicted = known + (daily * current).sum(axis=1)
    z = NormalDist().inv_cdf(0.5 + level / 2.0)
    sigma_day = daily_spread(values, cut)
    sigma = _total_sigma(errors[:, chosen, rows], actuals, sigma_day, current.sum(1), predicted)
    lines = pd.DataFrame(
        {
            "line_id": usage.line_ids,
            "method": np.asarray(methods, dtype=object)[chosen],
            "model_version": MODEL_VERSION,
            "backtest_mape": mape[chosen, rows],
            "as_of": pd.Timestamp(as_of),
            "cycle_start": cycle_start,
            "cycle_end": cycle_end,
            "actual_to_date": known,
            "predicted_total": predicted,
            "lower_total": np.clip(predicted - z * sigma, known, None),
            "upper_total": predicted + z * sigma,
            "limit_gb": limit,
            "limit_date": _limit_dates(values, cut, start, known, daily, current, limit, days),
            "overage_gb": np.where(limit > 0, np.clip(predicted - limit, 0.0, None), 0.0),
            "next_cycle_start": next_start,
            "next_cycle_end": next_end,
            "next_predicted_total": (daily * following).sum(axis=1),
        }
    )
    for position, method in enumerate(methods):
        lines["mape_" + method] = mape[position]
    table = _daily_table(usage.line_ids, days, daily, z * sigma_day, current, following)
    return ForecastResult(lines=lines, daily=table, as_of=pd.Timestamp(as_of).date())


def _daily_table(line_ids, days, daily, spread, current, following):
    """Long table of the daily forecasts of both cycles."""
    line_index, day_index = np.nonzero(current | following)
    point = daily[line_index, day_index]
    return pd.DataFrame(
        {
            "line_id": line_ids[line_index],
            "date": days[day_index],
            "predicted_gb": point,
            "lower_gb": np.clip(point - spread[line_index], 0.0, None),
            "upper_gb": point + spread[line_index],
            "cycle": np.where(current[line_index, day_index], "current", "next"),
        }
    )


def _total_sigma(errors, actuals, sigma_day, remaining, predicted):
    """Standard deviation of the end-of-cycle total.

    The daily spread over the remaining days (``sigma_day * sqrt(days)``) combined with the
    line's backtest RMS error in GB (lines without folds: the fleet's median relative RMS);
    the backtest error alone is optimistic, as the method was chosen on those same folds.
    """
    rms = np.sqrt(nanmean_rows(np.moveaxis((errors * actuals) ** 2, 0, -1)))
    relative = np.sqrt(nanmean_rows(np.moveaxis(errors**2, 0, -1)))
    fleet = np.nanmedian(relative) if np.isfinite(relative).any() else 0.0
    rms = np.where(np.isfinite(rms), rms, fleet * predicted)
    return np.sqrt(sigma_day**2 * remaining + rms**2)


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
