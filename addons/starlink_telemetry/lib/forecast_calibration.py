"""Prediction bands of cycle totals calibrated on backtest errors (split conformal).

A band must hold the true total about as often as it says. The errors that matter are the
ones the forecast makes at the same day of a cycle, so the band of a line forecast on day
``k`` of its cycle is built from the backtest errors of forecasts made on day ``k`` (or
close to it) of previous cycles, of this line and of the whole fleet:

1. **Scores.** Each backtest fold gives a signed error in GB, ``actual - predicted``, divided
   by a scale known at the forecast origin (from the line's last 8 weeks: how much its weekly
   totals vary and its mean daily use, for the days left): errors of big and small, steady
   and bursty lines, of long and short horizons become comparable.
2. **The line's own factor.** A bursty line errs more than a steady one. A line's factor is
   the mean absolute score of its own folds, shrunk towards the fleet's with the weight of
   :data:`LINE_PRIOR` folds: a line with few folds keeps the fleet's width. The scores are
   divided by the factor computed *without* their own fold (leave one out), so the factor
   never flatters the fold it is tested on.
3. **Fleet quantiles by day of cycle.** The ``(1 - level) / 2`` and ``(1 + level) / 2``
   quantiles of these scores over the fleet, each fold weighted by how close its day of cycle
   is to the line's (Gaussian, :data:`POSITION_BANDWIDTH` days), with the finite-sample
   correction of split conformal prediction. Separate lower and upper quantiles: usage errs
   more upwards (a burst) than downwards.
4. **Band** = ``predicted + quantile x scale x factor``, never below the usage already
   known, and always around the point forecast.

Coverage holds on average over the fleet and over time when the past cycles are like the
coming one; a line that changes its ways (a level shift) widens the fleet's quantiles through
its errors.
"""

import numpy as np

LINE_PRIOR = 3.0  # weight, in folds, of the fleet's width in a line's own factor
POSITION_BANDWIDTH = 3.0  # days: how far the day of cycle of other folds still counts
MIN_SCALE = 1e-3  # GB


def line_factors(scores):
    """``(factor with every fold (lines,), factor without fold b (folds, lines))``.

    ``scores``: normalised signed errors ``(folds, lines)``, NaN where a fold is missing.
    Factors are relative to the fleet (1 = as wide as the fleet); lines without folds get 1.
    """
    absolute = np.abs(scores)
    known = np.isfinite(absolute)
    fleet = np.mean(absolute[known]) if known.any() else 1.0
    fleet = fleet if fleet > 0 else 1.0
    total = np.where(known, absolute, 0.0).sum(axis=0)
    count = known.sum(axis=0)

    def factor(total, count):
        return (total + LINE_PRIOR * fleet) / ((count + LINE_PRIOR) * fleet)

    leave_one_out = factor(total[None, :] - np.where(known, absolute, 0.0), count - known)
    return factor(total, count), leave_one_out


def weighted_quantiles(values, weights, levels):
    """Quantiles of ``values`` with ``weights`` (lower empirical quantile), per row of weights.

    ``values``: ``(n,)``; ``weights``: ``(rows, n)``; ``levels``: ``(rows, q)`` in [0, 1].
    Returns ``(rows, q)``.
    """
    order = np.argsort(values)
    ordered = values[order]
    cumulative = np.cumsum(weights[:, order], axis=1)
    cumulative /= cumulative[:, -1:]
    index = np.stack(
        [
            np.minimum((cumulative < levels[:, [q]]).sum(axis=1), len(values) - 1)
            for q in range(levels.shape[1])
        ],
        axis=1,
    )
    return ordered[index]


def position_quantiles(scores, positions, targets, level):
    """Lower and upper score quantiles for each day of cycle in ``targets``.

    ``scores``: ``(folds, lines)`` calibrated scores (NaN: none); ``positions``: the day of
    cycle of each line's folds ``(folds, lines)``; ``targets``: the days of cycle wanted.
    Returns ``(lower, upper)`` arrays shaped like ``targets`` (0 where nothing is known).
    """
    targets = np.asarray(targets, dtype=float)
    known = np.isfinite(scores)
    if not known.any():
        return np.zeros(targets.shape), np.zeros(targets.shape)
    values, at = scores[known], positions[known].astype(float)
    wanted, inverse = np.unique(targets, return_inverse=True)
    distance = (wanted[:, None] - at[None, :]) / POSITION_BANDWIDTH
    weights = np.exp(-0.5 * distance**2)
    effective = weights.sum(axis=1) ** 2 / (weights**2).sum(axis=1)
    alpha = (1.0 - level) / 2.0
    # split conformal: the ceil((n + 1)(1 - alpha)) / n-th value of n scores
    high = np.minimum((1.0 - alpha) * (1.0 + 1.0 / effective), 1.0)
    low = np.maximum(1.0 - high, 0.0)
    quantiles = weighted_quantiles(values, weights, np.stack([low, high], axis=1))
    lower, upper = quantiles[inverse, 0], quantiles[inverse, 1]
    return lower.reshape(targets.shape), upper.reshape(targets.shape)


def calibrated_band(errors, scales, positions, scale_now, position_now, level):
    """``(lower offset, upper offset)`` in GB around each line's point forecast.

    ``errors``: signed backtest errors ``actual - predicted`` in GB ``(folds, lines)`` (NaN
    where a fold is missing); ``scales``: the scale of each fold; ``positions``: day of cycle
    of each fold; ``scale_now``/``position_now``: the same for the current forecast. Returns
    ``(lower <= 0, upper >= 0, has_calibration)``: ``has_calibration`` is False when the fleet
    has no backtest fold at all (the offsets are then 0).
    """
    scores = errors / np.maximum(scales, MIN_SCALE)
    factor, leave_one_out = line_factors(scores)
    calibrated = scores / leave_one_out
    lower, upper = position_quantiles(calibrated, positions, position_now, level)
    width = np.maximum(scale_now, MIN_SCALE) * factor
    has_calibration = bool(np.isfinite(calibrated).any())
    return np.minimum(lower, 0.0) * width, np.maximum(upper, 0.0) * width, has_calibration
