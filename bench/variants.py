"""Prototype alternatives of the telemetry ingestion SQL, timed by ``telemetry_ingest.py
--variants`` on the same batches as the real path.

Each variant is a copy of the steps of ``starlink.telemetry.sample._ingest`` with one thing
changed, run against a scratch partitioned table (``bench_raw_*``) shaped like the real one
(its columns and indexes are copied from ``starlink_telemetry_raw``), one commit per batch.
They exist to measure where the time goes and what a change would buy; the addon is the
reference, and the ``current`` variant checks that the copy matches its speed.
"""

import io
import statistics
import time
from datetime import timedelta

import psycopg2

STAGING = "bench_staging"
NULL = r"\N"


def _copy_value(value):
    if value is None:
        return r"\N"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")
    return str(value)


def fast_copy_buffer(rows):
    """Same COPY text as ``copy_buffer``, with the conversions done per column type.

    Only the text columns go through the escaping; numbers and timestamps are formatted by
    ``str`` directly (``None`` -> ``\\N``): one Python call per value fewer.
    """
    out = []
    append = out.append
    for dev, kind, ts, down, up, drop, lat, obst, upt, qual, alerts, term in rows:
        append(
            f"{_copy_value(dev)}\t{kind}\t{ts}\t"
            f"{NULL if down is None else down}\t{NULL if up is None else up}\t"
            f"{NULL if drop is None else drop}\t{NULL if lat is None else lat}\t"
            f"{NULL if obst is None else obst}\t{NULL if upt is None else upt}\t"
            f"{NULL if qual is None else qual}\t"
            f"{NULL if alerts is None else _copy_value(alerts)}\t"
            f"{NULL if term is None else term}\n"
        )
    return io.StringIO("".join(out))


class Scratch:
    """A partitioned table like ``starlink_telemetry_raw`` with chosen indexes."""

    def __init__(self, bench, name, unique=("device_id", "ts"), terminal_index=True,
                 collate_c=False):  # fmt: skip
        self.bench = bench
        self.name = name
        self.unique = unique
        self.terminal_index = terminal_index
        self.collate_c = collate_c

    def create(self):
        sql = self.bench.sql
        sql(f"DROP TABLE IF EXISTS {self.name} CASCADE")
        sql(
            f"""CREATE TABLE {self.name} (LIKE starlink_telemetry_raw
                INCLUDING DEFAULTS INCLUDING IDENTITY) PARTITION BY RANGE (ts)"""
        )
        if self.collate_c:
            sql(f'ALTER TABLE {self.name} ALTER device_id TYPE varchar COLLATE "C"')
        if self.unique:
            sql(f"ALTER TABLE {self.name} ADD UNIQUE ({', '.join(self.unique)})")
        if self.terminal_index:
            sql(f"CREATE INDEX ON {self.name} (terminal_id, ts)")
        sql("SELECT pg_get_serial_sequence(%s, 'id')", [self.name])
        self.sequence = self.bench.cr.fetchone()[0]
        self.bench.cr.commit()

    def ensure_partitions(self, days):
        for day in sorted(days):
            self.bench.sql(
                f"""CREATE TABLE IF NOT EXISTS {self.partition(day)} PARTITION OF {self.name}
                    FOR VALUES FROM (%s) TO (%s)""",
                (day, day + timedelta(days=1)),
            )

    def partition(self, day):
        return f"{self.name}_p{day:%Y%m%d}"

    def drop(self):
        self.bench.sql(f"DROP TABLE IF EXISTS {self.name} CASCADE")
        self.bench.cr.commit()


def _staging(cr):
    cr.execute(
        f"""CREATE TEMP TABLE IF NOT EXISTS {STAGING} (
               device_id varchar, device_type char(1), ts timestamp, downlink_mbps real,
               uplink_mbps real, ping_drop_rate real, latency_ms real,
               obstruction_percent real, uptime_s integer, signal_quality real,
               alerts varchar, terminal_id integer
           ) ON COMMIT DELETE ROWS"""
    )


def make_ingest(bench, scratch, formatter=None, direct=False, order=None, conflict=True,
                merge=False, optimistic=False, timings=None):  # fmt: skip
    """An ``_ingest``-like function on ``scratch`` with the given changes.

    ``optimistic``: COPY straight into the store under a savepoint; only when that hits a
    unique violation (re-delivered rows) go through the staging table and ON CONFLICT.
    """
    module = bench.module
    columns = ", ".join(module.SAMPLE_COLUMNS)
    formatter = formatter or module.copy_buffer
    Sample = bench.Sample
    cr = bench.cr
    steps = timings if timings is not None else {}

    def tick(name, start):
        now = time.perf_counter()
        steps[name] = steps.get(name, 0.0) + now - start
        return now

    def ingest(rows):
        t = time.perf_counter()
        terminals = Sample._terminal_ids_by_device({row[0] for row in rows})
        rows = [(*row, terminals.get(row[0])) for row in rows]
        days = {row[2].date() for row in rows}
        scratch.ensure_partitions(days)
        target = scratch.name
        if direct and len(days) == 1:
            target = scratch.partition(next(iter(days)))
        t = tick("map terminals, partitions", t)
        buffer = formatter(rows)
        t = tick("format COPY text", t)
        if optimistic:
            cr.execute("SAVEPOINT bench_copy")
            try:
                cr._obj.copy_expert(f"COPY {target} ({columns}) FROM STDIN", buffer)
            except psycopg2.errors.UniqueViolation:
                cr.execute("ROLLBACK TO SAVEPOINT bench_copy")
                buffer.seek(0)
            else:
                cr.execute("RELEASE SAVEPOINT bench_copy")
                t = tick("COPY into the store", t)
                cr.commit()
                tick("commit", t)
                return len(rows)
            t = tick("failed COPY into the store", t)
        _staging(cr)
        cr.execute(f"TRUNCATE {STAGING}")
        cr._obj.copy_expert(f"COPY {STAGING} ({columns}) FROM STDIN", buffer)
        t = tick("COPY into staging", t)
        order_by = f" ORDER BY {order}" if order else ""
        if merge:
            cr.execute(
                f"""MERGE INTO {target} r USING {STAGING} s
                    ON r.device_id = s.device_id AND r.ts = s.ts
                    WHEN NOT MATCHED THEN INSERT ({columns})
                    VALUES ({', '.join('s.' + c for c in module.SAMPLE_COLUMNS)})"""
            )
        elif conflict and target != scratch.name:
            # PostgreSQL 15 applies the parent's identity only when inserting via the parent
            cr.execute(
                f"""INSERT INTO {target} (id, {columns})
                    SELECT nextval('{scratch.sequence}'), {columns} FROM {STAGING}{order_by}
                    ON CONFLICT (device_id, ts) DO NOTHING"""
            )
        elif conflict:
            cr.execute(
                f"""INSERT INTO {target} ({columns}) SELECT {columns} FROM {STAGING}{order_by}
                    ON CONFLICT (device_id, ts) DO NOTHING"""
            )
        else:
            cr.execute(f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {STAGING}")
        count = cr.rowcount
        t = tick("INSERT into the store", t)
        cr.commit()
        tick("commit", t)
        return count

    return ingest


def _time(bench, scratch, ingest, batches, again=False):
    """Measures of one pass over ``batches`` into a fresh ``scratch`` (and of a second)."""
    rows = sum(map(len, batches))
    scratch.create()
    bench.cr.execute("CHECKPOINT")
    with bench.meter.measure(rows) as first:
        new = sum(ingest(batch) for batch in batches)
    assert new == rows, f"{new} new rows of {rows}"
    second = None
    if again:
        with bench.meter.measure(rows) as second:
            new = sum(ingest(batch) for batch in batches)
        assert new == 0, f"re-ingest stored {new} rows"
    scratch.drop()
    return first, second


VARIANTS = {
    # name: (table options, ingest options)
    "current (copy of _ingest)": ({}, {}),
    "no (terminal_id, ts) index": ({"terminal_index": False}, {}),
    "unique (ts, device_id)": ({"unique": ("ts", "device_id")}, {}),
    "insert ORDER BY device_id, ts": ({}, {"order": "device_id, ts"}),
    "insert into the day partition": ({}, {"direct": True}),
    "MERGE ... WHEN NOT MATCHED": ({}, {"merge": True}),
    "plain INSERT (no ON CONFLICT)": ({}, {"conflict": False}),
    "typed formatter (fast_copy_buffer)": ({}, {"formatter": fast_copy_buffer}),
    "optimistic COPY into the store": ({}, {"optimistic": True}),
    "optimistic COPY, no terminal index": ({"terminal_index": False}, {"optimistic": True}),
    "optimistic COPY, typed formatter": ({}, {"optimistic": True, "formatter": fast_copy_buffer}),
    "optimistic COPY, typed formatter, no terminal index": (
        {"terminal_index": False}, {"optimistic": True, "formatter": fast_copy_buffer}
    ),
}  # fmt: skip
# re-ingest (all rows already stored) is also timed for these
AGAIN = {"current (copy of _ingest)", "optimistic COPY into the store"}


def run_variants(bench, batches, repeat):
    """``{variant: (median wall rows/s, median CPU rows/s)}``; runs interleaved (fair under
    load). Prints the time per step of the current SQL and of the optimistic COPY."""
    rows = sum(map(len, batches))
    measures = {name: [] for name in VARIANTS}
    measures.update({f"{name}, re-ingest": [] for name in AGAIN})
    steps = {}
    for run in range(1, repeat + 1):
        for name, (table_options, options) in VARIANTS.items():
            scratch = Scratch(bench, "bench_raw_variant", **table_options)
            ingest = make_ingest(bench, scratch, timings=steps.setdefault(name, {}), **options)
            first, second = _time(bench, scratch, ingest, batches, again=name in AGAIN)
            measures[name].append(first)
            if second is not None:
                measures[f"{name}, re-ingest"].append(second)
        print(f"  variants, run {run} of {repeat} done", flush=True)
    for name in ("current (copy of _ingest)", "optimistic COPY into the store"):
        timing = steps[name]
        total = sum(timing.values())
        print(f"  wall time per step, {name} ({rows:,} rows, first pass + re-ingest, per run):")
        for step, seconds in timing.items():
            print(f"    {step:<28} {seconds / repeat:7.2f} s  {100 * seconds / total:5.1f} %")

    def median(values, clock):
        return statistics.median(m["rows"] / m[clock] for m in values)

    return {
        name: (median(values, "wall"), median(values, "cpu")) for name, values in measures.items()
    }
