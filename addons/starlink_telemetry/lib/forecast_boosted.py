"""Gradient-boosted end-of-cycle model across lines, a candidate method of ``lib.forecast``.

One model for the whole fleet (scikit-learn ``HistGradientBoostingRegressor``), trained on
the backtest folds of every line: at the same day of a previous cycle, what was known then
(:func:`features`) and how much the line used in the rest of that cycle. It learns what the
per-line methods cannot: how much to trust a short cycle-to-date on a bursty line, that a
weekend cabin's rest of cycle depends on the weekends left, that a line silent for days is
likely in an outage, and so on. No Python loop over lines: features are array operations,
training and prediction are batched.

Target and loss: the rest-of-cycle usage divided by ``base`` (the line's mean daily GB over
the last 8 weeks times the days left), fitted with the absolute error weighted by
``base / actual cycle total``: the weighted error is then exactly the absolute percentage
error of the cycle total, the measure the methods are chosen on (MAPE).

Honest backtest: lines are split in two halves (even and odd rows); each half's folds are
predicted by the model trained on the other half, so the backtest error of this method is
measured out of sample like the others'. The current cycle is predicted by the mean of both
models (each trained on past cycles only).
"""

import numpy as np

FEATURE_WEEKS = 8
MIN_SAMPLES = 300  # training samples (line folds) per half of the fleet, else no model
MIN_DAILY_GB = 1e-3  # a line below this mean daily use over 8 weeks is not modelled
MAX_WEIGHT = 50.0
OPENMP_THREADS = 1
PARAMS = {
    "loss": "absolute_error",
    "learning_rate": 0.1,
    "max_iter": 100,
    "max_leaf_nodes": 15,
    "min_samples_leaf": 40,
    "early_stopping": False,
    "random_state": 0,
}


def _window(values, cut, width):
    """``values[i, cut[i] - width + 1 : cut[i] + 1]`` per line (column 0 of values is NaN)."""
    columns = np.clip(cut[:, None] + np.arange(1 - width, 1), 0, values.shape[1] - 1)
    return values[np.arange(len(cut))[:, None], columns]


def _mean(values, known, axis=-1):
    count = known.sum(axis=axis)
    total = np.where(known, values, 0.0).sum(axis=axis)
    return np.divide(total, count, out=np.zeros(count.shape), where=count > 0)


def features(values, cut, start, horizon, known_gb, remaining):
    """Features of every line at its forecast origin, and ``base`` (GB).

    ``values``: usage matrix (column 0 NaN padding); ``cut``: last known column; ``start``:
    column of the cycle start; ``horizon``: days left in the cycle; ``known_gb``: usage of the
    cycle to date; ``remaining``: rest-of-cycle GB forecast by each per-line method (a list of
    arrays). Returns ``(X, base)``; ``base`` is 0 for a line without recent use.
    """
    width = 7 * FEATURE_WEEKS
    window = _window(values, cut, width)
    known = np.isfinite(window)
    filled = np.where(known, window, 0.0)
    count = known.sum(axis=1)
    mean = _mean(window, known)
    base = np.where(mean >= MIN_DAILY_GB, mean, 0.0) * horizon
    scale = np.maximum(mean, MIN_DAILY_GB)
    elapsed = cut - start + 1

    def recent(days):
        return _mean(window[:, -days:], known[:, -days:]) / scale

    deviation = np.where(known, window - mean[:, None], 0.0)
    spread = np.sqrt(_mean(deviation**2, known))
    weeks = filled.reshape(len(cut), FEATURE_WEEKS, 7).sum(axis=2)
    week_cv = weeks.std(axis=1) / np.maximum(weeks.mean(axis=1), MIN_DAILY_GB)
    both = known[:, 1:] & known[:, :-1]
    lagged = _mean(deviation[:, 1:] * deviation[:, :-1], both)
    zero = known & (filled <= 0.0)
    ordered = np.sort(np.where(known, window, np.inf), axis=1)
    median = np.take_along_axis(ordered, np.maximum(count - 1, 0)[:, None] // 2, 1)[:, 0]
    median = np.where(count > 0, median, 0.0)
    columns = [
        elapsed,
        horizon,
        np.log1p(mean),
        known_gb / np.maximum(elapsed, 1) / scale,
        recent(1),
        recent(3),
        recent(7),
        recent(14),
        recent(28),
        zero.sum(axis=1) / np.maximum(count, 1),
        zero[:, -7:].sum(axis=1) / 7.0,
        spread / scale,
        week_cv,
        median / scale,
        filled.max(axis=1) / scale,
        lagged / np.maximum(spread**2, 1e-12),
        count / width,
    ]
    columns += [forecast / np.maximum(scale * horizon, MIN_DAILY_GB) for forecast in remaining]
    return np.column_stack(columns).astype(float), base


def cross_fit(samples, line_of_sample, current):
    """Fit the model on the folds and predict them out of sample, and the current cycle.

    ``samples``: ``(X, base, remaining_actual, actual_total)`` of the valid folds (one row
    per line and fold), ``line_of_sample``: the row of each sample's line; ``current``:
    ``(X, base)`` of every line now. Returns ``(remaining of the folds, remaining now)`` in
    GB, or ``None`` when a half of the fleet has fewer than :data:`MIN_SAMPLES` samples.
    """
    x, base, remaining, actual = samples
    usable = base > 0
    half = line_of_sample % 2
    if min((usable & (half == h)).sum() for h in (0, 1)) < MIN_SAMPLES:
        return None
    # imported here: scikit-learn takes about a second to import, only worth it when used
    from sklearn.ensemble import HistGradientBoostingRegressor  # noqa: PLC0415
    from threadpoolctl import threadpool_limits  # noqa: PLC0415

    target = remaining / np.where(usable, base, 1.0)
    weight = np.clip(base / np.where(usable, actual, 1.0), 0.0, MAX_WEIGHT)
    x_now, base_now = current
    folds = np.zeros(len(base))
    now = np.zeros(len(base_now))
    # one OpenMP thread: with a thread per core, a busy neighbour on one core (another Odoo
    # worker) made the fit 6 times slower; on one thread it costs 10 % on an idle machine
    with threadpool_limits(limits=OPENMP_THREADS, user_api="openmp"):
        for h in (0, 1):
            train = usable & (half == h)
            model = HistGradientBoostingRegressor(**PARAMS)
            model.fit(x[train], target[train], sample_weight=weight[train])
            other = usable & (half != h)
            if other.any():
                folds[other] = model.predict(x[other])
            now += model.predict(x_now) / 2.0
    return np.clip(folds, 0.0, None) * base, np.clip(now, 0.0, None) * base_now
