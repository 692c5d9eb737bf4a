"""Daily usage anomalies: robust z-scores per line, vectorised across lines (no Odoo import).

Each day of each line is compared with the line's trailing window (the days before it, the
day itself excluded): ``z = (value - median) / scale`` with ``scale = 1.4826 * MAD``, the
median absolute deviation. With ``weekly=True`` (default) the median is that of the same
weekday in the window and the MAD that of every day around its own weekday's median, so a
normal weekly pattern (quiet weekdays, busy weekends) is not an anomaly; ``weekly=False``
uses the plain median and MAD of the window.

The scale has a floor (``min_scale_ratio`` of the median, and ``min_scale_gb``): constant
histories (MAD = 0) need no division by zero, and a tiny change on a very regular line is not
reported. Lines with fewer than ``min_history`` known days in the window are not tested.
"""

import numpy as np
import pandas as pd

from .forecast import DAY, nanmedian_rows, to_days

MAD_TO_SIGMA = 1.4826
CHUNK_CELLS = 4_000_000  # window cells handled at once (memory bound)


def robust_scores(values, window_weeks=4, weekly=True, min_scale_ratio=0.1, min_scale_gb=0.1):
    """``(z, median, scale, known)`` of every cell of ``values`` ``(lines, days)``.

    ``known``: number of known days in each cell's trailing window of ``7 * window_weeks``
    days. ``z`` is NaN where the value or the baseline is unknown.
    """
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
    scale = np.maximum(
        MAD_TO_SIGMA * mad, np.maximum(min_scale_ratio * np.abs(median), min_scale_gb)
    )
    z = (values - median) / scale
    known = np.isfinite(windows).sum(axis=2)
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
    window_weeks=4,
    min_history=14,
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
