"""Dates and billing cycles of ``lib.forecast`` (numpy and pandas, no Odoo import).

All dates are days (``numpy.datetime64[D]``); cycle ends are inclusive (the cycle's last day).
"""

import numpy as np
import pandas as pd

DAY = np.timedelta64(1, "D")


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
