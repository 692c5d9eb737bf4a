"""Performance of a service line's terminals over a range, from their hourly rollups."""

from datetime import timedelta

# A terminal sends a sample every 15 seconds.
SAMPLES_PER_HOUR = 240
METRICS = (
    "latency_ms",
    "ping_drop_percent",
    "downlink_mbps",
    "uplink_mbps",
    "obstruction_percent",
)


def expected_hours(first_hour, range_start, range_end, now):
    """Hours a terminal could have reported in [range_start, range_end) up to ``now``.

    Counting starts at the terminal's first rollup (it did not exist before), so a new
    terminal is not shown as down for the days before it was installed.
    """
    start = max(first_hour, range_start)
    end = min(range_end, now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1))
    return max(0, int((end - start).total_seconds() // 3600))


def summarize(stats, range_start, range_end, now):
    """One summary of the terminals' ``stats`` over [range_start, range_end).

    ``stats``: one dict per terminal with ``first_hour`` (its first rollup ever), ``samples``
    (samples received in the range, at most 240 an hour), ``weight`` (every sample received,
    ``samples`` when missing) and ``<metric>_sum`` the sum of each metric of ``METRICS``
    weighted by the samples of its hour. Averages are weighted by samples (a full hour
    weighs more than a minute); availability is the share of the expected samples received.
    Returns a dict of the metrics, ``uptime_percent``, ``samples`` and ``hours`` — the
    metrics None when nothing was received.
    """
    samples = sum(row["samples"] or 0 for row in stats)
    weight = sum((row.get("weight", row["samples"]) or 0) for row in stats)
    hours = sum(
        expected_hours(row["first_hour"], range_start, range_end, now)
        for row in stats
        if row.get("first_hour")
    )
    summary = {"samples": samples, "hours": hours}
    for metric in METRICS:
        total = sum(row.get(f"{metric}_sum") or 0.0 for row in stats)
        summary[metric] = total / weight if weight else None
    summary["uptime_percent"] = (
        min(100.0, 100.0 * samples / (SAMPLES_PER_HOUR * hours)) if hours else None
    )
    return summary
