"""Per-line forecast methods of ``lib.forecast``, vectorised across lines (numpy only).

``run_rate``, ``seasonal_naive`` (weekly pattern) and ``trend_weekly`` (trend + weekday
least squares) forecast the daily usage of every line after its last known day with array
operations on the whole usage matrix (:func:`predict`), plus the array helpers they share
with the backtest (``lib.forecast_backtest``) and the entry point.
"""

import numpy as np

RUN_RATE_MIN_DAYS = 7  # fewer known days in the cycle: use the last 14 days instead
RUN_RATE_FALLBACK_DAYS = 14
SEASONAL_WEEKS = 4
TREND_WEEKS = 8
TREND_MIN_DAYS = 21  # fewer known days in the 8-week window: seasonal naive instead
TREND_PRIOR = 0.05  # prior std of the slope (relative change over the 8 weeks)
MAX_CYCLE_DAYS = 31


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
