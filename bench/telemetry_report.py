"""The report of the telemetry benchmark (``telemetry_ingest.py``): rates, ratios against
the baseline, the 10,000-terminal day, bytes per sample and chart reads, each target line
ending with ``ok`` or ``MISSED``."""

from telemetry_ingest import (
    DAY_TERMINALS,
    SAMPLES_PER_TERMINAL_DAY,
    TARGET_CHART_MS,
    TARGET_COMPACT_BYTES,
    TARGET_DAY_MIN,
    TARGET_FULL_OVER_COPY,
    TARGET_HOT_BYTES,
    TARGET_ORM,
    log,
    rate,
    verdict,
)


def report(args, runs, facts):
    wall = {name: rate(measures, "wall") for name, measures in runs.items()}
    cpu = {name: rate(measures, "cpu") for name, measures in runs.items()}
    has_cpu = cpu["stream"] == cpu["stream"]  # not NaN
    labels = {
        "copy": "COPY, today's row shape (baseline)",
        "stream": "_ingest_payloads (full path)",
        "decode": "  decode_columns alone (Python)",
        "ours": "_ingest of tuples",
        "reingest": "_ingest again, same rows (0 new)",
        "orm": "ORM create loop, hourly",
    }
    log()
    log(f"results, median of {args.repeat} runs (rows/s; higher is better)")
    log(f"  {'':<42}{'wall clock':>14}{'CPU clock' if has_cpu else '':>14}")
    for name, label in labels.items():
        if runs.get(name):
            cpu_text = f"{cpu[name]:>14,.0f}" if has_cpu else ""
            log(f"  {label:<42}{wall[name]:>14,.0f}{cpu_text}")
    log(
        f"  new rows: first pass {facts['new'][-1]:,} of {facts['rows']:,}; "
        f"second pass {facts['renew'][-1]:,} (idempotent: "
        f"{'yes' if not any(facts['renew']) else 'NO'}); JSON parse "
        f"{facts['stream_rows'] / facts['parse_s']:,.0f} rows/s ({facts['payload_mb']:,.0f} MB,"
        " not counted)"
    )
    log()

    def ratio_line(label, key, base, target, unit=""):
        per_run = [
            o["rows"] / o["wall"] / (b["rows"] / b["wall"])
            for o, b in zip(runs[key], runs[base], strict=False)
        ]
        value = wall[key] / wall[base]
        text = f"  {label} {value:7.2f}{unit}  (target >= {target:g}{unit}; runs "
        text += f"{min(per_run):.2f}-{max(per_run):.2f}"
        if has_cpu:
            text += f"; CPU clock {cpu[key] / cpu[base]:.2f}{unit}"
        log(f"{text})  {verdict(value >= target)}")
        return value

    facts["full_over_copy"] = ratio_line("full path / COPY today's shape", "stream", "copy",
                                         TARGET_FULL_OVER_COPY, "x")  # fmt: skip
    facts["ours_over_orm"] = ratio_line("_ingest / ORM                ", "ours", "orm",
                                        TARGET_ORM, "x")  # fmt: skip
    day_rows = 2 * DAY_TERMINALS * SAMPLES_PER_TERMINAL_DAY
    minutes = day_rows / wall["stream"] / 60
    facts["day_minutes"] = minutes
    text = (
        f"  a day of {DAY_TERMINALS:,} terminals and their routers ({day_rows / 1e6:.1f} M "
        f"samples) through the full path: {minutes:.1f} min (target <= {TARGET_DAY_MIN:g} min"
    )
    if has_cpu:
        text += f"; CPU clock {day_rows / cpu['stream'] / 60:.1f} min"
    log(f"{text})  {verdict(minutes <= TARGET_DAY_MIN)}")
    log()
    log(f"bytes per sample on disk (heap + indexes + TOAST), {facts['samples']:,} samples")
    log(f"  today's row shape, with its two indexes  {facts['legacy_bytes']:8.1f}")
    log(f"  raw rows (a sample each)                 {facts['raw_bytes']:8.1f}")
    if facts.get("hot_day_bytes") is not None:
        hot = facts["hot_day_bytes"]
        log(
            f"  the hot day as stored ({args.chart_hours} h: {facts['hot_day_raw_hours']} hours "
            f"raw, the others compacted)  {hot:.1f}  (target <= {TARGET_HOT_BYTES:g})  "
            f"{verdict(hot <= TARGET_HOT_BYTES)}"
        )
    else:
        log("  the hot day as stored: not measured (--chart-hours 0)")
    log(
        f"  compacted hours                          {facts['compact_bytes']:8.1f}  (target <= "
        f"{TARGET_COMPACT_BYTES:g})  {verdict(facts['compact_bytes'] <= TARGET_COMPACT_BYTES)}"
    )
    if facts.get("compact_bytes_day") is not None:
        day = facts["compact_bytes_day"]
        log(
            f"  compacted, the {args.chart_hours} h store (whole hours)  {day:8.1f}  (target <= "
            f"{TARGET_COMPACT_BYTES:g})  {verdict(day <= TARGET_COMPACT_BYTES)}"
        )
    log(
        "    of which arrays (compressed): "
        + ", ".join(f"{c} {v:.1f}" for c, v in facts["compact_columns"].items())
    )
    compaction = facts["compaction"]
    log(
        f"  compaction: {facts['compacted_hours']} hours, {compaction['rows']:,} samples in "
        f"{compaction['wall']:.1f} s ({compaction['rows'] / compaction['wall']:,.0f} samples/s; "
        f"read back {facts['compacted_samples']:,})"
    )
    if facts.get("chart_raw_ms") is not None:
        log()
        log(
            f"a terminal's 24-hour chart (10-minute buckets, {facts['chart_points']:.0f} "
            f"points, the measured hours copied over {args.chart_hours} h: "
            f"{facts['chart_samples']:,} samples in the store), median of {args.chart_reads}"
        )
        for shape in ("raw", "compacted"):
            value = facts[f"chart_{shape}_ms"]
            log(
                f"  from {shape + ' rows':<15}{value:8.1f} ms  (target <= {TARGET_CHART_MS:g} ms)"
                f"  {verdict(value <= TARGET_CHART_MS)}"
            )
        seen = facts["last_seen_ms"]
        log(
            f"last seen of {args.terminals:,} terminals silent in the health window (health "
            f"refresh of each answer): {seen['recent']:.0f} ms when seen at their latest "
            f"sample, {seen['day']:.0f} ms when last seen a day ago (their day read; what every "
            f"answer cost before) = {seen['day'] / seen['recent']:.1f}x"
        )
    return wall, cpu
