"""Backtest of ``lib.forecast`` and the choice of a method per line (numpy only).

"Today" is moved to the same day of each previous billing cycle; every method forecasts the
rest of that cycle (and the following one) from there, and the forecast totals are compared
with the actual ones (:func:`backtest_origins`). Each line gets the method with the lowest
mean absolute percentage error (MAPE), blended with the fleet-wide MAPE so that a few folds
do not pick a method by luck (:func:`choose_methods`). The folds' errors also calibrate the
bands of the totals (``lib.forecast_calibration``).
"""

from dataclasses import dataclass

import numpy as np

from .forecast_cycles import DAY, _previous_cycle
from .forecast_methods import _window, nanmean_rows, predict

ERROR_SCALE_WEEKS = 8  # weeks of usage behind the error scale of a forecast
LEVEL_ERROR = 0.1  # share of the level in the error scale (vs the weekly randomness)
CHOICE_SHRINK = 20.0  # weight (in folds) of the fleet-wide MAPE in a line's method score


class _Span:
    """Cumulative sums per line, for O(1) sums and completeness checks of column ranges."""

    def __init__(self, values):
        self.total = np.cumsum(np.nan_to_num(values), axis=1)
        self.unknown = np.cumsum(np.isnan(values), axis=1)

    def _diff(self, cumulative, first, last):
        rows = np.arange(len(first))
        width = cumulative.shape[1]
        high = cumulative[rows, np.clip(last, 0, width - 1)]
        return high - cumulative[rows, np.clip(first - 1, 0, width - 1)]

    def sum(self, first, last):
        """Sum of the known values of columns ``first..last`` per line (0 when empty)."""
        return np.where(last >= first, self._diff(self.total, first, last), 0.0)

    def complete(self, first, last):
        """Whether columns ``first..last`` are all known (and inside the matrix)."""
        gaps = self._diff(self.unknown, first, last)
        inside = (first >= 1) & (last >= first) & (last < self.total.shape[1])
        return (gaps == 0) & inside


@dataclass
class _Origin:
    """Forecasts of every line from one origin: now, or the same day of a previous cycle.

    Columns of the usage matrix: ``cut`` the last known day, ``first``/``last`` the days of
    the cycle, ``next_last`` the last day of the following cycle. ``known``: GB of the cycle
    up to the cut; ``recent``/``weekly_sd``: mean daily GB and standard deviation of the
    weekly totals over the last 8 weeks; ``rest``/``following``: GB forecast per method for
    the rest of the cycle and for the following cycle; ``actual``/``next_actual``: true
    totals of a backtest fold (NaN when unknown). ``scale``/``next_scale``: the error scales
    of both forecasts (:func:`_error_scale`).
    """

    cut: np.ndarray
    first: np.ndarray
    last: np.ndarray
    next_last: np.ndarray
    known: np.ndarray
    recent: np.ndarray
    weekly_sd: np.ndarray
    rest: dict
    following: dict
    daily: dict
    actual: np.ndarray = None
    next_actual: np.ndarray = None

    @property
    def position(self):
        """Day of the cycle of the origin (days known in the cycle)."""
        return self.cut - self.first + 1

    @property
    def scale(self):
        return _error_scale(self.recent, self.weekly_sd, self.last - self.cut)

    @property
    def next_scale(self):
        return _error_scale(self.recent, self.weekly_sd, self.next_last - self.last)


def _error_scale(mean, weekly_sd, days):
    """Typical error (GB) of a forecast of ``days`` days of use: the randomness of the sum
    (weekly totals vary by ``weekly_sd``) combined with an error on the level of
    :data:`LEVEL_ERROR` times the mean. Only its relative size across lines and horizons
    matters: the calibration turns it into GB with the backtest errors."""
    return np.sqrt(weekly_sd**2 * days / 7.0 + (LEVEL_ERROR * mean * days) ** 2)


def _origin(values, span, cut, first, last, next_last, methods, keep_daily=False):
    """Forecast every line with every method from ``cut`` to the following cycle's end."""
    horizon = max(int((next_last - cut).max(initial=1)), 1)
    step = np.arange(1, horizon + 1)[None, :]
    left = (last - cut)[:, None]
    in_cycle = step <= left
    in_next = (step > left) & (step <= (next_last - cut)[:, None])
    rest, following, daily = {}, {}, {}
    for method in methods:
        forecast = predict(method, values, cut, first, horizon)
        rest[method] = (forecast * in_cycle).sum(axis=1)
        following[method] = (forecast * in_next).sum(axis=1)
        if keep_daily:
            daily[method] = forecast
    window = _window(values, cut, 7 * ERROR_SCALE_WEEKS)
    recent = np.nan_to_num(nanmean_rows(window))
    weeks = np.where(np.isfinite(window), window, recent[:, None])
    weeks = weeks.reshape(len(cut), ERROR_SCALE_WEEKS, 7)
    weekly_sd = weeks.sum(axis=2).std(axis=1)  # unknown days count as the mean
    known = span.sum(first, cut)
    return _Origin(cut, first, last, next_last, known, recent, weekly_sd, rest, following, daily)


def backtest_origins(values, span, elapsed, cycle_start, billing_day, first_day, methods, cycles):
    """The backtest folds: one :class:`_Origin` per previous cycle with some usable line.

    Fold ``k`` pretends today is the same day of the ``k``-th previous cycle as now (at least
    one day before its end) and forecasts the rest of that cycle and the following one with
    every method. A fold counts for a line (its ``actual`` is known) when the whole cycle is
    known, is > 0 GB and the line had about as much history then as now (at most a week less
    in the last 8 weeks): a fold with less to go on than today's forecast would misjudge it.
    """
    cut_now = np.full(len(elapsed), values.shape[1] - 1)
    history = _history_days(values, cut_now) - 7
    origins = []
    for back in range(1, cycles + 1):
        start, end = _previous_cycle(cycle_start, billing_day, back)
        following_end = _previous_cycle(cycle_start, billing_day, back - 1)[1]
        first = (start - first_day) // DAY + 1
        last = (end - first_day) // DAY + 1
        next_last = (following_end - first_day) // DAY + 1
        cut = np.minimum(first + elapsed - 1, last - 1)
        enough = _history_days(values, cut) >= history
        if not enough.any():
            break  # older cycles have less history still
        usable = enough & span.complete(first, last)
        if not usable.any():
            continue
        origin = _origin(values, span, cut, first, last, next_last, methods)
        actual = span.sum(first, last)
        origin.actual = np.where(usable & (actual > 0), actual, np.nan)
        following = span.sum(last + 1, next_last)
        following_known = usable & span.complete(last + 1, next_last) & (following > 0)
        origin.next_actual = np.where(following_known, following, np.nan)
        origins.append(origin)
    return origins


def _history_days(values, cut):
    """Known days in the 8 weeks up to ``cut``, per line."""
    return np.isfinite(_window(values, cut, 7 * ERROR_SCALE_WEEKS)).sum(axis=1)


def relative_errors(folds, methods, lines):
    """Signed relative end-of-cycle errors ``(folds, methods, lines)``, NaN without a fold."""
    errors = np.full((len(folds), len(methods), lines), np.nan)
    for index, origin in enumerate(folds):
        for position, method in enumerate(methods):
            errors[index, position] = (origin.known + origin.rest[method]) / origin.actual - 1
    return errors


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


def held_out_choices(errors, methods):
    """``(folds, lines)``: the method each line would choose without fold ``k``'s errors.

    The error of that choice on fold ``k`` is an honest sample of the error of a chosen
    method (the choice on all folds flatters the folds it was made on).
    """
    choices = np.zeros((errors.shape[0], errors.shape[2]), dtype=int)
    for fold in range(errors.shape[0]):
        others = errors.copy()
        others[fold] = np.nan
        choices[fold] = choose_methods(others, methods)[0]
    return choices
