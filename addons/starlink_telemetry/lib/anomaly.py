"""Daily usage anomalies: robust z-scores per line, vectorised across lines (no Odoo import).

Each day of each line is compared with the line's trailing window (default 8 weeks of the
days before it, the day itself excluded): ``z = (value - median) / scale`` with
``scale = 1.4826 * MAD``, the median absolute deviation. With ``weekly=True`` (default) the
median is that of the same weekday in the window and the MAD that of every day around its own
weekday's median (times a small-sample consistency factor), so a normal weekly pattern (quiet
weekdays, busy weekends) is not an anomaly; ``weekly=False`` uses the plain median and MAD.

The scale has a floor (``min_scale_ratio`` of the median, and ``min_scale_gb``): constant
histories (MAD = 0) need no division by zero, and a tiny change on a very regular line is not
reported. Lines with fewer than ``min_history`` known days in the window are not tested.
"""

import numpy as np
import pandas as pd

from .forecast import DAY, nanmedian_rows, to_days

MAD_TO_SIGMA = 1.4826
# Consistency factors of the MAD around the medians of g values (g = weeks in the window;
# normal data, simulated): a median of few values sits closer to them than the true centre.
WEEKDAY_MAD_FACTOR = {2: 1.35, 3: 1.98, 4: 1.38, 5: 1.35, 6: 1.27, 7: 1.21, 8: 1.19}
CHUNK_CELLS = 4_000_000  # window cells handled at once (memory bound)


def robust_scores(values, window_weeks=8, weekly=True, min_scale_ratio=0.1, min_scale_gb=0.1):
    """``(z, median, scale, known)`` of every cell of ``values`` ``(lines, days)``.

    ``known``: number of known days in each cell's trailing window of ``7 * window_weeks``
    days (``window_weeks >= 2``). ``z`` is NaN where the value or the baseline is unknown.
    """
    if window_weeks < 2:
        raise ValueError("window_weeks must be at least 2")
    lines, days = values.shape
    width = 7 * window_weeks
    padded = np.concatenate([np.full((lines, width), np.nan), values], axis=1)
    # windows[i, j] = values[i, j - width : j] (the days before day j)
    windows = np.lib.stride_tricks.sliding_window_view(padded, width, axis=1)[:, :days]
    median = np.full((lines, days), np.nan)
    mad = np.full((lines, days), np.nan)
    step = max(1, CHUNK_CELLS // max(lines * width, 1))
    for first in range(0, days, step):
        part = slice(first, min(first + step, days))
        median[:, part], mad[:, part] = _baseline(windows[:, part], weekly)
    known = np.isfinite(windows).sum(axis=2)
    if weekly:  # by the known weeks of each window (fewer at the start of a history)
        factors = [
            WEEKDAY_MAD_FACTOR.get(g, 1.0 + 1.3 / max(g, 1)) for g in range(window_weeks + 1)
        ]
        mad = mad * np.asarray(factors)[np.rint(known / 7.0).astype(int)]
    floor = np.maximum(min_scale_ratio * np.abs(median), min_scale_gb)
    scale = np.maximum(MAD_TO_SIGMA * mad, floor)
    z = (values - median) / scale
    return z, median, scale, known


def _baseline(windows, weekly):
    """Median (of the tested day's weekday when ``weekly``) and MAD of trailing windows."""
    lines, days, width = windows.shape
    if weekly:
        grouped = windows.reshape(lines, days, width // 7, 7)
        weekday = nanmedian_rows(np.swapaxes(grouped, -1, -2))  # (lines, days, 7)
        deviation = np.abs(grouped - weekday[:, :, None, :]).reshape(lines, days, width)
        # window position 0 falls on the tested day's weekday (width is a multiple of 7)
        return weekday[:, :, 0], nanmedian_rows(deviation)
    median = nanmedian_rows(windows)
    return median, nanmedian_rows(np.abs(windows - median[:, :, None]))


def detect_anomalies(
    usage,
    threshold=4.0,
    since=None,
    window_weeks=8,
    min_history=21,
    weekly=True,
    direction="both",
    min_scale_ratio=0.1,
    min_scale_gb=0.1,
):
    """Anomalous days of every line of ``usage`` (a ``forecast.UsageMatrix``).

    ``threshold``: smallest ``|z|`` reported; ``since``: first day tested (default: all);
    ``direction``: ``"both"``, ``"high"`` (spikes) or ``"low"`` (drops).
    Returns a DataFrame ``line_id, date, value, z, median, scale`` sorted by line and date.
    """
    if direction not in ("both", "high", "low"):
        raise ValueError("direction must be 'both', 'high' or 'low', got %r" % (direction,))
    values = np.asarray(usage.values, dtype=float)
    start = 0 if since is None else max(int((to_days(since) - usage.first_day) // DAY), 0)
    tested = values[:, max(start - 7 * window_weeks, 0) :]
    offset = start - max(start - 7 * window_weeks, 0)
    z, median, scale, known = (
        array[:, offset:]
        for array in robust_scores(tested, window_weeks, weekly, min_scale_ratio, min_scale_gb)
    )
    signed = {"both": np.abs(z), "high": z, "low": -z}[direction]
    hit = np.isfinite(z) & (known >= min_history) & (signed > threshold)
    rows, columns = np.nonzero(hit)
    return pd.DataFrame(
        {
            "line_id": np.asarray(usage.line_ids)[rows],
            "date": usage.first_day + (start + columns) * DAY,
            "value": values[rows, start + columns],
            "z": z[rows, columns],
            "median": median[rows, columns],
            "scale": scale[rows, columns],
        }
    )
