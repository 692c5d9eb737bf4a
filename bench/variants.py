"""Prototype alternatives of the telemetry ingestion SQL, timed by ``telemetry_ingest.py
--variants`` on the same batches as the real path.

Each variant is a copy of the steps of ``starlink.telemetry.sample._ingest`` with one thing
changed, run against a scratch partitioned table (``bench_raw_variant``) with the columns of
``starlink_telemetry_raw`` and the chosen indexes, one commit per batch. They measure where
the time goes and what a change would buy; the addon stays the reference, and the
``current`` variant checks that the copy runs at the addon's speed. Variants run
round-robin (every variant once per run, in a shuffled order), so a slow moment of the
machine hits them all alike.
"""

import io
import random
import statistics
import time
from datetime import timedelta

import psycopg2

STAGING = "bench_staging"
SCRATCH = "bench_raw_variant"
NULL = r"\N"


def _text(value):
    return (
        value.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ").replace("\r", " ")
        .replace("\x00", "")
    )  # fmt: skip


def fast_copy_buffer(rows):
    """``copy_buffer`` as proposed for the addon: one f-string per row, no call per value.

    Only the two free-text columns (device id, alerts) are escaped (also carriage returns,
    which end a COPY line, and NUL, which text cannot hold); the device type, timestamp and
    numbers are written with ``str``, ``None`` as ``\\N``. Same text as ``copy_buffer``
    unless a text holds a carriage return or NUL (which break the current one's COPY).
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


class StreamedCopy:
    """File-like COPY source formatting ``rows`` chunk by chunk as psycopg2 reads it.

    ``copy_expert`` sends each chunk while the next one is formatted, so the server parses
    and inserts rows (its own process, the other core) while Python formats the next ones,
    instead of waiting for the whole batch text to be built first.
    """

    def __init__(self, rows, formatter, chunk=2000):
        self.rows = rows
        self.formatter = formatter
        self.chunk = chunk
        self.position = 0

    def read(self, size=-1):
        part = self.rows[self.position : self.position + self.chunk]
        self.position += self.chunk
        return self.formatter(part).getvalue() if part else ""

    def seek(self, position):
        assert position == 0
        self.position = 0


def streamed(formatter):
    """A formatter returning a :class:`StreamedCopy` of ``formatter``."""

    def stream(rows):
        return StreamedCopy(rows, formatter)

    stream.__name__ = f"streamed {formatter.__name__}"
    return stream


class Scratch:
    """A table with the columns of ``starlink_telemetry_raw`` and the chosen indexes."""

    def __init__(self, bench, unique=("device_id", "ts"), terminal_index=True, partitioned=True,
                 brin_ts=False):  # fmt: skip
        self.bench = bench
        self.brin_ts = brin_ts
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
        if self.brin_ts:
            sql(f"CREATE INDEX ON {self.name} USING brin (ts)")
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
BASELINE = "baseline: COPY into a bare table"
BASELINE_FAST = "baseline: COPY into a bare table, fast_copy_buffer"
CURRENT = "current (copy of _ingest)"
OPTIMISTIC = "optimistic COPY into the store"
PROPOSED = "optimistic COPY, fast_copy_buffer"
# name: (table options, ingest options, in the key set)
VARIANTS = {
    BASELINE: (BARE, {"bare": True}, True),
    BASELINE_FAST: (BARE, {"bare": True, "formatter": fast_copy_buffer}, True),
    CURRENT: ({}, {}, True),
    "no (terminal_id, ts) index": (NO_TERMINAL_INDEX, {}, False),
    "unique (ts, device_id) instead of (device_id, ts)": (
        {"unique": ("ts", "device_id")}, {}, False
    ),
    "INSERT into the day partition (no routing)": ({}, {"direct": True}, False),
    "MERGE ... WHEN NOT MATCHED instead of ON CONFLICT": ({}, {"merge": True}, False),
    "plain INSERT (no ON CONFLICT: not idempotent)": ({}, {"conflict": False}, False),
    "fast_copy_buffer": ({}, {"formatter": fast_copy_buffer}, True),
    "streamed fast_copy_buffer": ({}, {"formatter": streamed(fast_copy_buffer)}, False),
    OPTIMISTIC: ({}, {"optimistic": True}, True),
    "optimistic COPY, no terminal index": (NO_TERMINAL_INDEX, {"optimistic": True}, False),
    PROPOSED: ({}, {"optimistic": True, "formatter": fast_copy_buffer}, True),
    "optimistic COPY, fast_copy_buffer, no terminal index": (
        NO_TERMINAL_INDEX, {"optimistic": True, "formatter": fast_copy_buffer}, True
    ),
    "optimistic COPY, fast_copy_buffer, BRIN (ts) instead of terminal index": (
        {"terminal_index": False, "brin_ts": True},
        {"optimistic": True, "formatter": fast_copy_buffer},
        True,
    ),
}  # fmt: skip
# the second pass (every row already stored) is also timed for these
AGAIN = (CURRENT, PROPOSED)


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


def run_variants(bench, batches, copy_batches, repeat, everything=False):
    """``{variant: (median wall rows/s, median CPU rows/s)}``; prints the time per step of
    the current SQL and of the optimistic COPY. ``copy_batches``: rows with terminal ids.
    Only the key variants unless ``everything``."""
    rows = sum(map(len, batches))
    variants = {name: v[:2] for name, v in VARIANTS.items() if everything or v[2]}
    sample = copy_batches[0][:5000]
    assert fast_copy_buffer(sample).getvalue() == bench.module.copy_buffer(sample).getvalue()
    measures = {name: [] for name in variants}
    measures.update({f"{name}, second pass": [] for name in AGAIN})
    steps = {}
    for run in range(1, repeat + 1):
        order = list(variants)
        random.Random(run).shuffle(order)  # no variant always runs right after another
        for name in order:
            table_options, options = variants[name]
            scratch = Scratch(bench, **table_options)
            ingest = make_ingest(bench, scratch, steps.setdefault(name, {}), **options)
            data = copy_batches if options.get("bare") else batches
            first, second = _run(bench, scratch, ingest, data, again=name in AGAIN)
            measures[name].append(first)
            if second is not None:
                measures[f"{name}, second pass"].append(second)
        print(f"  variants: run {run} of {repeat} done", flush=True)
    for name in (CURRENT, PROPOSED):
        timing = steps[name]
        total = sum(timing.values())
        print(f"  wall time per step, {name} ({rows:,} rows, both passes, per run):")
        for step, seconds in timing.items():
            print(f"    {step:<28} {seconds / repeat:7.2f} s  {100 * seconds / total:5.1f} %")

    def median(values, clock):
        return statistics.median(m["rows"] / m[clock] for m in values)

    return {name: (median(m, "wall"), median(m, "cpu")) for name, m in measures.items()}
