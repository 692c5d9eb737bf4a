"""Prototype alternatives of the telemetry ingestion SQL, timed by ``telemetry_ingest.py
--variants`` on the same batches as the real path.

Each variant is a copy of the steps of ``starlink.telemetry.sample._ingest`` with one thing
changed, run against a scratch partitioned table (``bench_raw_variant``) with the columns of
``starlink_telemetry_raw`` and the chosen indexes, one commit per batch. They measure where
the time goes and what a change would buy; the addon stays the reference, and the
``current`` variant checks that the copy runs at the addon's speed. Variants run
round-robin (every variant once per run), so a slow moment of the machine hits them all.
"""

import io
import statistics
import time
from datetime import timedelta

import psycopg2

STAGING = "bench_staging"
SCRATCH = "bench_raw_variant"
NULL = r"\N"


def _text(value):
    return value.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def fast_copy_buffer(rows):
    """Same COPY text as ``copy_buffer``, one f-string per row instead of a call per value.

    Only the two text columns that can hold anything (device id, alerts) are escaped;
    device type, timestamp and numbers are written with ``str`` (``None`` as ``\\N``).
    """
    return io.StringIO(
        "".join(
            f"{_text(dev)}\t{kind}\t{ts}\t"
            f"{NULL if down is None else down}\t{NULL if up is None else up}\t"
            f"{NULL if drop is None else drop}\t{NULL if lat is None else lat}\t"
            f"{NULL if obst is None else obst}\t{NULL if upt is None else upt}\t"
            f"{NULL if qual is None else qual}\t{NULL if alerts is None else _text(alerts)}\t"
            f"{NULL if term is None else term}\n"
            for dev, kind, ts, down, up, drop, lat, obst, upt, qual, alerts, term in rows
        )
    )


class Scratch:
    """A table with the columns of ``starlink_telemetry_raw`` and the chosen indexes."""

    def __init__(self, bench, unique=("device_id", "ts"), terminal_index=True, partitioned=True):
        self.bench = bench
        self.name = SCRATCH
        self.unique = unique
        self.terminal_index = terminal_index
        self.partitioned = partitioned
        self.sequence = None

    def create(self):
        sql = self.bench.sql
        sql(f"DROP TABLE IF EXISTS {self.name} CASCADE")
        sql(
            f"""CREATE TABLE {self.name} (LIKE starlink_telemetry_raw
                INCLUDING DEFAULTS INCLUDING IDENTITY)"""
            + (" PARTITION BY RANGE (ts)" if self.partitioned else "")
        )
        if self.unique:
            sql(f"ALTER TABLE {self.name} ADD UNIQUE ({', '.join(self.unique)})")
        if self.terminal_index:
            sql(f"CREATE INDEX ON {self.name} (terminal_id, ts)")
        sql("SELECT pg_get_serial_sequence(%s, 'id')", [self.name])
        self.sequence = self.bench.cr.fetchone()[0]
        self.bench.cr.commit()

    def ensure_partitions(self, days):
        if not self.partitioned:
            return
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


def make_ingest(bench, scratch, steps, formatter=None, direct=False, conflict=True,
                merge=False, optimistic=False, bare=False):  # fmt: skip
    """An ``_ingest``-like function into ``scratch`` with the given changes.

    ``optimistic``: COPY straight into the store under a savepoint; only when that hits a
    unique violation (re-delivered rows) go through the staging table and ON CONFLICT.
    ``bare``: the baseline, a COPY of rows that already carry their terminal id.
    """
    module = bench.module
    columns = ", ".join(module.SAMPLE_COLUMNS)
    formatter = formatter or module.copy_buffer
    Sample = bench.Sample
    cr = bench.cr

    def tick(name, start):
        now = time.perf_counter()
        steps[name] = steps.get(name, 0.0) + now - start
        return now

    def ingest(rows):
        t = time.perf_counter()
        if bare:
            cr._obj.copy_expert(f"COPY {scratch.name} ({columns}) FROM STDIN", formatter(rows))
            cr.commit()
            tick("format + COPY + commit", t)
            return len(rows)
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
                t = tick("failed COPY into the store", t)
            else:
                cr.execute("RELEASE SAVEPOINT bench_copy")
                t = tick("COPY into the store", t)
                cr.commit()
                tick("commit", t)
                return len(rows)
        _staging(cr)
        cr.execute(f"TRUNCATE {STAGING}")
        cr._obj.copy_expert(f"COPY {STAGING} ({columns}) FROM STDIN", buffer)
        t = tick("COPY into staging", t)
        if merge:
            cr.execute(
                f"""MERGE INTO {target} r USING {STAGING} s
                    ON r.device_id = s.device_id AND r.ts = s.ts
                    WHEN NOT MATCHED THEN INSERT ({columns})
                    VALUES ({", ".join("s." + c for c in module.SAMPLE_COLUMNS)})"""
            )
        elif target != scratch.name:
            # PostgreSQL 15 applies the parent's identity only to rows inserted via the parent
            cr.execute(
                f"""INSERT INTO {target} (id, {columns})
                    SELECT nextval('{scratch.sequence}'), {columns} FROM {STAGING}
                    ON CONFLICT (device_id, ts) DO NOTHING"""
            )
        elif conflict:
            cr.execute(
                f"""INSERT INTO {target} ({columns}) SELECT {columns} FROM {STAGING}
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


BARE = {"unique": None, "terminal_index": False, "partitioned": False}
NO_TERMINAL_INDEX = {"terminal_index": False}
CURRENT = "current (copy of _ingest)"
OPTIMISTIC = "optimistic COPY into the store"
VARIANTS = {
    # name: (table options, ingest options)
    "baseline: COPY into a bare table": (BARE, {"bare": True}),
    "baseline: COPY into a bare table, fast_copy_buffer": (
        BARE, {"bare": True, "formatter": fast_copy_buffer}
    ),
    CURRENT: ({}, {}),
    "no (terminal_id, ts) index": (NO_TERMINAL_INDEX, {}),
    "unique (ts, device_id) instead of (device_id, ts)": ({"unique": ("ts", "device_id")}, {}),
    "INSERT into the day partition (no routing)": ({}, {"direct": True}),
    "MERGE ... WHEN NOT MATCHED instead of ON CONFLICT": ({}, {"merge": True}),
    "plain INSERT (no ON CONFLICT: not idempotent)": ({}, {"conflict": False}),
    "fast_copy_buffer": ({}, {"formatter": fast_copy_buffer}),
    OPTIMISTIC: ({}, {"optimistic": True}),
    "optimistic COPY, no terminal index": (NO_TERMINAL_INDEX, {"optimistic": True}),
    "optimistic COPY, no terminal index, fast_copy_buffer": (
        NO_TERMINAL_INDEX, {"optimistic": True, "formatter": fast_copy_buffer}
    ),
}  # fmt: skip
# the second pass (every row already stored) is also timed for these
AGAIN = (CURRENT, OPTIMISTIC, "optimistic COPY, no terminal index, fast_copy_buffer")


def _run(bench, scratch, ingest, batches, again):
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
        assert new == 0, f"the second pass stored {new} rows"
    scratch.drop()
    return first, second


def run_variants(bench, batches, copy_batches, repeat):
    """``{variant: (median wall rows/s, median CPU rows/s)}``; prints the time per step of
    the current SQL and of the optimistic COPY. ``copy_batches``: rows with terminal ids."""
    rows = sum(map(len, batches))
    sample = copy_batches[0][:5000]
    assert fast_copy_buffer(sample).getvalue() == bench.module.copy_buffer(sample).getvalue()
    measures = {name: [] for name in VARIANTS}
    measures.update({f"{name}, second pass": [] for name in AGAIN})
    steps = {}
    for run in range(1, repeat + 1):
        for name, (table_options, options) in VARIANTS.items():
            scratch = Scratch(bench, **table_options)
            ingest = make_ingest(bench, scratch, steps.setdefault(name, {}), **options)
            data = copy_batches if options.get("bare") else batches
            first, second = _run(bench, scratch, ingest, data, again=name in AGAIN)
            measures[name].append(first)
            if second is not None:
                measures[f"{name}, second pass"].append(second)
        print(f"  variants: run {run} of {repeat} done", flush=True)
    for name in (CURRENT, OPTIMISTIC):
        timing = steps[name]
        total = sum(timing.values())
        print(f"  wall time per step, {name} ({rows:,} rows, both passes, per run):")
        for step, seconds in timing.items():
            print(f"    {step:<28} {seconds / repeat:7.2f} s  {100 * seconds / total:5.1f} %")

    def median(values, clock):
        return statistics.median(m["rows"] / m[clock] for m in values)

    return {name: (median(m, "wall"), median(m, "cpu")) for name, m in measures.items()}
