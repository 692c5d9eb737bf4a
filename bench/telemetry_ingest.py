"""Telemetry ingestion benchmark (DESIGN.md §6, first line; issue #12).

Measures, in one run and on the same rows, and prints as ratios (never asserts timings):

* ``COPY``      baseline: raw PostgreSQL ``COPY`` of the rows in today's row shape (the wide
                row of 18.0.1.0.0, ``bench/telemetry_legacy.py``), formatted by that shape's
                ``copy_buffer``, into a bare table (no index, no partitions), one commit per
                batch; terminals and routers, as the stream delivers them;
* ``stream``    the full path of the stream poller catching up a backlog:
                ``_ingest_payloads(payloads)`` (each answer decoded in parts, each part
                stored while the next is decoded, the next answer decoded while the last
                part of one is stored) and a commit per answer, on stream answers built by
                the Starlink simulator's own generator (terminals, routers and IP
                allocations); ``decode_columns`` of the same answers is timed apart;
* ``ours``      ``starlink.telemetry.sample._ingest(rows)`` per batch of the same rows as
                tuples, one commit per batch;
* ``re-ingest`` the same batches again: idempotency, 0 new rows expected;
* ``ORM``       a per-record ``create`` loop on ``starlink.telemetry.hourly`` (the closest
                regular Odoo model), one commit at the end, extrapolated per row.

Then, on the stored hours: bytes per sample on disk (heap + indexes + TOAST) raw, in today's
shape (the baseline table with its two indexes) and compacted; the compaction's rate; the
hot day as the maintenance cron leaves it (the last two hours raw, the others compacted); and
the read time of a terminal's 24-hour chart (``starlink.terminal._telemetry_buckets``) from
raw rows and from compacted ones (the measured hours copied over the last ``--chart-hours``
hours in SQL first).

Every phase runs ``--repeat`` times after a warm-up, phases interleaved; medians are
reported. Two clocks: wall time (what the targets are about) and CPU time of this process
plus its PostgreSQL backend (read from ``/proc``, when the server is local). The projection
for a day of 10,000 terminals (115.2 M terminal and router samples) uses the median wall rate
of the full path.

Runs against its own database (``starlink_bench`` by default; ``bench/run.sh`` creates it):
the telemetry store is rebuilt from the model's ``init()`` at start, a throwaway set of
terminals is created, and partitions, baseline table, rollups and terminals are removed at
the end (or at the start of the next run, if this one is interrupted).
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import psycopg2

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
SAMPLES_PER_TERMINAL_DAY = 24 * 3600 // 15  # one sample every 15 s
DAY_TERMINALS = 10_000
BARE_TABLE = "bench_telemetry_bare"
# Targets of issue #12 (DESIGN.md §6)
TARGET_FULL_OVER_COPY, TARGET_ORM, TARGET_DAY_MIN = 2.0, 20.0, 20.0
TARGET_HOT_BYTES, TARGET_COMPACT_BYTES, TARGET_CHART_MS = 60.0, 12.0, 50.0
SERVER_RETRIES = 2
STORE_TABLES = ("starlink_telemetry_raw", "starlink_telemetry_compact")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-d", "--database", default=os.environ.get("BENCH_DB", "starlink_bench"))
    parser.add_argument("-c", "--config", default=os.environ.get("ODOO_CONF"))
    parser.add_argument("--terminals", type=int, default=2000, help="terminals in the fleet")
    parser.add_argument("--hours", type=int, default=1, help="hours of telemetry (<= 8)")
    parser.add_argument("--batch-size", type=int, default=65000, help="rows per batch")
    parser.add_argument("--repeat", type=int, default=3, help="measured runs (median)")
    parser.add_argument("--orm-rows", type=int, default=2000, help="records of the ORM loop")
    parser.add_argument(
        "--stream-answers",
        type=int,
        default=0,
        help="stream answers put through _ingest_payloads per run (0: all)",
    )
    parser.add_argument(
        "--chart-hours",
        type=int,
        default=24,
        help="hours the measured data is copied over for the chart reads (0: no chart phase)",
    )
    parser.add_argument("--chart-reads", type=int, default=7, help="chart reads (median)")
    parser.add_argument(
        "--explain", action="store_true", help="print the plan of a chart read of each shape"
    )
    parser.add_argument("--seed", type=int, default=8101, help="simulator seed (bench fleet)")
    parser.add_argument(
        "--cache-dir",
        default=os.environ.get("BENCH_CACHE", str(PROJECT_DIR / ".local" / "bench")),
        help="where generated stream answers are kept between runs",
    )
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    if not args.config:
        parser.error("no Odoo configuration: pass -c or set ODOO_CONF (bench/run.sh does)")
    if not 1 <= args.hours <= 8:
        parser.error("--hours must be between 1 and 8 (hours the stream keeps)")
    if not 0 <= args.chart_hours <= 48:
        parser.error("--chart-hours must be between 0 and 48")
    return args


def log(message=""):
    print(message, flush=True)


# ------------------------------------------------------------------------- clocks
class Meter:
    """Wall time, and CPU time of this process plus its PostgreSQL backend."""

    def __init__(self, cr):
        cr.execute("SELECT pg_backend_pid()")
        self.stat = f"/proc/{cr.fetchone()[0]}/stat"
        self.hz = os.sysconf("SC_CLK_TCK")
        try:
            self._backend()
        except OSError:  # server on another machine: wall time only
            self.stat = None

    def _backend(self):
        with open(self.stat) as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self.hz  # utime + stime

    def read(self):
        backend = self._backend() if self.stat else float("nan")
        return time.perf_counter(), time.process_time() + backend

    @contextmanager
    def measure(self, rows=0):
        """Yields a dict filled on exit: ``rows``, ``wall`` and ``cpu`` seconds."""
        result = {"rows": rows}
        wall, cpu = self.read()
        yield result
        end_wall, end_cpu = self.read()
        result["wall"], result["cpu"] = end_wall - wall, end_cpu - cpu


def rate(measures, clock):
    """Median rows/s over the measures of one phase."""
    values = [m["rows"] / m[clock] for m in measures if m.get(clock)]
    return statistics.median(values) if values else float("nan")


def chunks(rows, size):
    return [rows[i : i + size] for i in range(0, len(rows), size)]


# ------------------------------------------------------------------------- odoo
def start_odoo(args):
    sys.path.insert(0, os.environ.get("ODOO_SRC", "/opt/odoo-src/18.0"))
    import odoo  # noqa: PLC0415

    odoo.tools.config.parse_config(
        ["-c", args.config, "-d", args.database, "--log-level=warn", "--no-http"]
    )
    return odoo, odoo.modules.registry.Registry(args.database)


class Bench:
    """The phases, on one Odoo cursor (one PostgreSQL connection)."""

    def __init__(self, env, legacy, end):
        self.env = env
        self.end = end  # the end of the measured hours (UTC)
        self.cr = env.cr
        self.legacy = legacy  # bench/telemetry_legacy.py: today's shape
        self.Sample = env["starlink.telemetry.sample"]
        self.meter = Meter(self.cr)

    def sql(self, query, params=None):
        self.cr.execute(query, params)

    def fetch(self, query, params=None):
        self.cr.execute(query, params)
        return self.cr.fetchall()

    # ------------------------------------------------------------------- set-up
    def rebuild_store(self):
        """The store exactly as the current model code creates it (and what an interrupted
        run left behind removed)."""
        self.sql(f"DROP TABLE IF EXISTS {BARE_TABLE} CASCADE")
        for table in (*STORE_TABLES, "starlink_telemetry_compacted_hour"):
            self.sql(f"DROP TABLE IF EXISTS {table} CASCADE")
        self.sql("DELETE FROM starlink_telemetry_device")
        self.Sample.init()
        self.cr.commit()

    def partitions(self, table="starlink_telemetry_raw"):
        return [
            name
            for (name,) in self.fetch(
                """SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                   WHERE i.inhparent = %s::regclass""",
                [table],
            )
        ]

    def reset_store(self):
        """Empty store and baseline table, then a checkpoint: every phase starts alike."""
        for table in STORE_TABLES:
            for name in self.partitions(table):
                self.sql(f"DROP TABLE {name}")
        self.sql("DELETE FROM starlink_telemetry_compacted_hour")
        self.sql(f"DROP TABLE IF EXISTS {BARE_TABLE}")
        self.cr.commit()
        self.sql("CHECKPOINT")

    def store_bytes(self, table):
        return sum(
            self.fetch("SELECT pg_total_relation_size(%s)", [name])[0][0]
            for name in self.partitions(table)
        )

    def ensure_terminals(self, pairs):
        """Throwaway terminals ``{user terminal id: router id}``; returns their ids."""
        Terminal = self.env["starlink.terminal"].with_context(
            tracking_disable=True, mail_create_nolog=True, mail_notrack=True
        )
        existing = Terminal.with_context(active_test=False).search(
            [("user_terminal_id", "in", list(pairs))]
        )
        known = set(existing.mapped("user_terminal_id"))
        created = Terminal.create(
            [
                {"user_terminal_id": uid, "router_ids": router, "dish_serial": f"BENCH-{uid}"}
                for uid, router in pairs.items()
                if uid not in known
            ]
        )
        self.cr.commit()
        return (existing | created).ids

    def cleanup(self, terminal_ids):
        """Drop what the run stored."""
        self.cr.rollback()
        for table in STORE_TABLES:
            for name in self.partitions(table):
                self.sql(f"DROP TABLE {name}")
        self.sql("DELETE FROM starlink_telemetry_compacted_hour")
        self.sql(f"DROP TABLE IF EXISTS {BARE_TABLE}")
        ids = [terminal_ids]
        self.sql("DELETE FROM starlink_telemetry_device")
        self.sql("DELETE FROM starlink_telemetry_hourly WHERE terminal_id = ANY(%s)", ids)
        self.sql("DELETE FROM starlink_terminal WHERE id = ANY(%s)", ids)
        self.cr.commit()

    # ------------------------------------------------------------------- phases
    def run_copy(self, batches, indexes=False):
        """Baseline: today's shape and formatting, COPY into a bare table."""
        self.reset_store()
        self.sql(self.legacy.TABLE.format(name=BARE_TABLE))
        if indexes:
            self.sql(self.legacy.INDEXES.format(name=BARE_TABLE))
        self.cr.commit()
        copy = f"COPY {BARE_TABLE} ({', '.join(self.legacy.SAMPLE_COLUMNS)}) FROM STDIN"
        with self.meter.measure(sum(map(len, batches))) as result:
            for batch in batches:
                self.cr._obj.copy_expert(copy, self.legacy.copy_buffer(batch))
                self.cr.commit()
        return result

    def run_ours(self, batches, fresh=True):
        """``_ingest`` of tuples per batch, one commit per batch."""
        if fresh:
            self.reset_store()
        with self.meter.measure(sum(map(len, batches))) as result:
            new = 0
            for batch in batches:
                new += self.Sample._ingest(batch)
                self.cr.commit()
        result["new"] = new
        return result

    def run_stream(self, payloads, decode):
        """Full path of the poller in a backlog: ``_ingest_payloads`` of the answers (each
        decoded in parts while the part before is stored, the next answer decoded while
        the last part of one is stored), a commit as each answer is yielded; then, apart,
        the decoding alone."""
        self.reset_store()
        with self.meter.measure() as result:
            for batch, _result in self.Sample._ingest_payloads(payloads):
                self.cr.commit()
                result["rows"] += (
                    batch.row_count - batch.skipped_count - sum(batch.ignored.values())
                    - len(batch.ip_allocations)
                )  # fmt: skip
        decoded = {"rows": 0, "wall": 0.0, "cpu": 0.0}
        for payload in payloads:
            wall, cpu = time.perf_counter(), time.process_time()
            batch = decode(payload)
            decoded["wall"] += time.perf_counter() - wall
            decoded["cpu"] += time.process_time() - cpu
            decoded["rows"] += batch.row_count
        return result, decoded

    def run_orm(self, terminal_ids, count):
        """A per-record ``create`` loop, one commit at the end."""
        Hourly = self.env["starlink.telemetry.hourly"]
        hour0 = datetime.utcnow().replace(minute=0, second=0, microsecond=0)
        vals = []
        for i in range(count):
            hour, index = divmod(i, len(terminal_ids))
            vals.append(
                {
                    "terminal_id": terminal_ids[index],
                    "hour": hour0 - timedelta(hours=hour + 1),
                    "sample_count": 240,
                    "latency_avg_ms": 31.5 + i % 7,
                    "latency_min_ms": 22.0,
                    "latency_max_ms": 61.0,
                    "latency_p95_ms": 48.5,
                    "ping_drop_avg": 0.4,
                    "downlink_avg_mbps": 88.0 + i % 13,
                    "downlink_max_mbps": 240.0,
                    "uplink_avg_mbps": 12.5,
                    "uplink_max_mbps": 31.0,
                    "obstruction_avg": 0.2,
                    "uptime_percent": 100.0,
                }
            )
        delete = "DELETE FROM starlink_telemetry_hourly WHERE terminal_id = ANY(%s)"
        self.sql(delete, [terminal_ids])
        self.cr.commit()
        self.env.invalidate_all()
        with self.meter.measure(count) as result:
            for record in vals:
                Hourly.create(record)
            self.cr.commit()
        self.sql(delete, [terminal_ids])
        self.cr.commit()
        return result

    # ------------------------------------------------------------------- sizes, charts
    def sizes(self, payloads, decode, legacy_batches):
        """Bytes per sample: today's shape with its indexes, raw, compacted (all hours)."""
        facts = {}
        self.run_copy(legacy_batches, indexes=True)
        rows = sum(map(len, legacy_batches))
        self.sql(f"ANALYZE {BARE_TABLE}")
        facts["legacy_bytes"] = (
            self.fetch("SELECT pg_total_relation_size(%s)", [BARE_TABLE])[0][0] / rows
        )
        self.run_stream(payloads, decode)
        self.sql("ANALYZE starlink_telemetry_raw")
        samples = self.fetch("SELECT count(*) FROM starlink_telemetry_raw")[0][0]
        facts["samples"] = samples
        facts["raw_bytes"] = self.store_bytes("starlink_telemetry_raw") / samples
        with self.meter.measure(samples) as compaction:
            hours = self.Sample._compact(before=self.end, commit=True)
        facts["compaction"] = compaction
        facts["compacted_hours"] = len(hours)
        compacted = self.fetch(
            f"""SELECT count(*) FROM starlink_telemetry_compact c
                {self.module.COMPACT_UNNEST}"""
        )[0][0]
        facts["compacted_samples"] = compacted
        facts["compact_bytes"] = self.store_bytes("starlink_telemetry_compact") / compacted
        columns = ("offsets_ms", "downlink_mbps", "uplink_mbps", "latency", "signal",
                   "uptime_s", "alerts", "ping_drop", "obstruction")  # fmt: skip
        sums = self.fetch(
            "SELECT "
            + ", ".join(f"coalesce(sum(pg_column_size({c})), 0)" for c in columns)
            + " FROM starlink_telemetry_compact"
        )[0]
        facts["compact_columns"] = {c: size / compacted for c, size in zip(columns, sums)}
        return facts

    def spread_hours(self, hours, chart_hours):
        """Copy the stored hours over the last ``chart_hours`` hours (raw rows, in SQL)."""
        end = self.end
        days = {(end - timedelta(hours=h + 1)).date() for h in range(chart_hours)}
        self.Sample._ensure_partitions(days)
        self.cr.commit()
        for shift in range(hours, chart_hours, hours):
            self.sql(
                """INSERT INTO starlink_telemetry_raw
                   SELECT ts - %s * interval '1 hour', device, downlink_mbps, uplink_mbps,
                          latency, signal, uptime_s, alerts, ping_drop, obstruction
                     FROM starlink_telemetry_raw WHERE ts >= %s
                   ON CONFLICT DO NOTHING""",
                [shift, end - timedelta(hours=hours)],
            )
            self.cr.commit()
        self.sql("ANALYZE starlink_telemetry_raw")
        self.cr.commit()

    def chart_reads(self, terminal_ids, reads, explain=False):
        """Median wall ms of a terminal's 24-hour chart, a different terminal each read."""
        Terminal = self.env["starlink.terminal"]
        end = self.end  # the 24 hours of the store
        times, points = [], 0
        for terminal_id in terminal_ids[:reads]:
            self.env.invalidate_all()
            start = time.perf_counter()
            buckets = Terminal.browse(terminal_id)._telemetry_buckets(
                end - timedelta(hours=24), end, minutes=10
            )
            times.append((time.perf_counter() - start) * 1000)
            points += sum(1 for value in buckets.values() if value)
        if explain:
            self.sql(
                """EXPLAIN (ANALYZE, BUFFERS) SELECT count(*), avg(latency_ms)
                     FROM starlink_telemetry_sample WHERE terminal_id = %(id)s
                      AND device_type = 'u' AND ts >= %(start)s AND ts < %(end)s
                      AND hour >= date_trunc('hour', %(start)s::timestamp)
                      AND hour < %(end)s""",
                {"id": terminal_ids[0], "start": end - timedelta(hours=24), "end": end},
            )
            log("\n".join(line for (line,) in self.cr.fetchall()))
        return statistics.median(times), points / len(times)

    def last_seen_reads(self, terminal_ids):
        """Wall ms of ``_update_last_seen_before`` (part of the health refresh after each
        answer) for every terminal, all silent since the end of the store: last seen at their
        latest sample (each answer's case), then 24 hours ago (after a backlog: their whole
        day is read, as every answer did before the terminals' own last seen bounded it)."""
        terminals = self.env["starlink.terminal"].browse(terminal_ids)
        since = self.end + timedelta(minutes=5)
        self.sql(
            """UPDATE starlink_terminal t SET last_seen = m.ts
                 FROM (SELECT terminal_id, max(ts) AS ts FROM starlink_telemetry_sample
                        WHERE device_type = 'u' GROUP BY terminal_id) m
                WHERE t.id = m.terminal_id"""
        )
        times = {}
        for case, seen in (("recent", None), ("day", since - timedelta(hours=24))):
            if seen:
                self.sql("UPDATE starlink_terminal SET last_seen = %s WHERE id = ANY(%s)",
                         [seen, terminal_ids])  # fmt: skip
            self.env.invalidate_all()
            start = time.perf_counter()
            terminals._update_last_seen_before(since)
            times[case] = (time.perf_counter() - start) * 1000
        self.cr.rollback()
        self.env.invalidate_all()
        return times


def pg_settings(cr):
    cr.execute(
        """SELECT name, setting FROM pg_settings WHERE name IN
           ('server_version', 'fsync', 'synchronous_commit', 'shared_buffers', 'wal_level',
            'default_toast_compression')"""
    )
    return dict(cr.fetchall())


# ------------------------------------------------------------------------- report
def verdict(ok):
    return "ok" if ok else "MISSED"


def wait_for_server(odoo, database, timeout=120):
    odoo.sql_db.close_all()
    deadline = time.monotonic() + timeout
    while True:
        try:
            with odoo.sql_db.db_connect(database).cursor() as cr:
                cr.execute("SELECT 1")
            return
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(2)


def measure(args, odoo, registry, ctx, facts):
    """Warm-up, then ``args.repeat`` runs of every phase; sizes and charts; the measures."""
    payloads, pairs, rows, legacy = ctx["payloads"], ctx["pairs"], ctx["rows"], ctx["legacy"]
    decode = ctx["decode"]
    batches = chunks(rows, args.batch_size)
    stream_payloads = payloads[: args.stream_answers] if args.stream_answers else payloads
    facts["new"], facts["renew"] = [], []
    runs = {name: [] for name in ("copy", "stream", "decode", "ours", "reingest", "orm")}
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        bench = Bench(env, ctx["legacy_module"], ctx["end"])
        bench.module = ctx["module"]
        settings = pg_settings(cr)
        log(
            f"telemetry ingestion: {args.terminals:,} terminals and their routers x "
            f"{args.hours} h = {len(rows):,} samples, {len(batches)} batches of <= "
            f"{args.batch_size:,}; full path: {len(stream_payloads)} of {len(payloads)} answers"
            f" ({sum(len(p['data']['values']) for p in stream_payloads):,} rows)"
        )
        log(
            f"PostgreSQL {settings['server_version'].split()[0]} (fsync={settings['fsync']}, "
            f"synchronous_commit={settings['synchronous_commit']}, shared_buffers="
            f"{int(settings['shared_buffers']) * 8 // 1024} MB), Python "
            f"{platform.python_version()}, {os.cpu_count()} CPUs, database {args.database}; "
            f"warm-up + {args.repeat} runs"
            + ("" if bench.meter.stat else "; server not local: wall clock only")
        )
        bench.rebuild_store()
        terminal_ids = bench.ensure_terminals(pairs)
        # the baseline COPY gets today's rows as today's _ingest completed them
        by_device = bench.Sample._terminal_ids_by_device(set(pairs) | set(pairs.values()))
        copy_batches = chunks([(*row, by_device.get(row[0])) for row in legacy], args.batch_size)
        try:
            bench.run_copy(copy_batches[:1])  # warm-up: caches, temporary table, code paths
            bench.run_ours([batches[0][:10000]])
            bench.run_stream(payloads[:1], decode)
            bench.run_orm(terminal_ids, min(200, args.orm_rows))
            for run in range(1, args.repeat + 1):
                runs["copy"].append(bench.run_copy(copy_batches))
                stored, decoded = bench.run_stream(stream_payloads, decode)
                runs["stream"].append(stored)
                runs["decode"].append(decoded)
                runs["ours"].append(bench.run_ours(batches))
                facts["new"].append(runs["ours"][-1]["new"])
                runs["reingest"].append(bench.run_ours(batches, fresh=False))
                facts["renew"].append(runs["reingest"][-1]["new"])
                runs["orm"].append(bench.run_orm(terminal_ids, args.orm_rows))
                log(
                    f"  run {run}: "
                    + ", ".join(
                        f"{name} {measures[-1]['rows'] / measures[-1]['wall']:,.0f}"
                        for name, measures in runs.items()
                        if measures
                    )
                    + " rows/s (wall)"
                )
            facts.update(bench.sizes(payloads, decode, copy_batches))
            if args.chart_hours:
                bench.reset_store()
                for payload in payloads:
                    bench.Sample._ingest_batch(decode(payload))
                    bench.cr.commit()
                bench.spread_hours(args.hours, args.chart_hours)
                facts["chart_samples"] = bench.fetch("SELECT count(*) FROM starlink_telemetry_raw")[
                    0
                ][0]
                facts["chart_raw_ms"], facts["chart_points"] = bench.chart_reads(
                    terminal_ids, args.chart_reads, args.explain
                )
                # the hot day as the maintenance cron leaves it at the end of an hour (shipped
                # setting: hours compacted once closed for an hour): the hour being written and
                # the one before raw, the 22 others compacted
                end = bench.end
                bench.Sample._compact(before=end - timedelta(hours=2), commit=True)
                facts["hot_day_raw_hours"] = bench.fetch(
                    "SELECT count(DISTINCT date_trunc('hour', ts)) FROM starlink_telemetry_raw"
                )[0][0]  # hours with raw rows (the partitions of the hours to come are empty)
                facts["hot_day_bytes"] = (
                    bench.store_bytes("starlink_telemetry_raw")
                    + bench.store_bytes("starlink_telemetry_compact")
                ) / facts["chart_samples"]
                bench.Sample._compact(before=end, commit=True)
                facts["compact_bytes_day"] = (
                    bench.store_bytes("starlink_telemetry_compact") / facts["chart_samples"]
                )
                bench.sql("ANALYZE starlink_telemetry_compact")
                bench.cr.commit()
                facts["chart_compacted_ms"], points = bench.chart_reads(
                    terminal_ids, args.chart_reads, args.explain
                )
                facts["chart_points_compacted"] = points
                facts["last_seen_ms"] = bench.last_seen_reads(terminal_ids)
        finally:
            try:
                bench.cleanup(terminal_ids)
            except (psycopg2.OperationalError, psycopg2.InterfaceError) as exc:
                log(f"clean-up failed ({str(exc).strip()}); the next run removes the leftovers")
    return runs, settings


# ------------------------------------------------------------------------- main
def main(argv=None):
    args = parse_args(argv)
    from telemetry_data import load_payloads, move_to_recent_hours  # noqa: PLC0415

    payloads, parse_s, payload_bytes = load_payloads(args)
    # the end of the measured hours, once: the phases that follow may cross an hour
    end = datetime.utcnow().replace(minute=0, second=0, microsecond=0)
    move_to_recent_hours(payloads, args.hours, end)
    odoo, registry = start_odoo(args)
    from odoo.addons.starlink_telemetry.lib.telemetry import decode_stream  # noqa: PLC0415
    from odoo.addons.starlink_telemetry.lib.telemetry_columns import (  # noqa: PLC0415
        decode_columns,
    )
    from odoo.addons.starlink_telemetry.models import (  # noqa: PLC0415
        starlink_telemetry_sample as module,
    )

    sys.path.insert(0, str(BENCH_DIR))
    import telemetry_legacy  # noqa: PLC0415

    decoded = [decode_stream(payload) for payload in payloads]
    pairs = {}  # user terminal id -> router id
    for batch in decoded:
        for sample in batch.terminals:
            pairs.setdefault(sample.device_id, None)
        for router in batch.routers:
            pairs[router.dish_id] = router.device_id
    legacy = telemetry_legacy.legacy_rows(decoded)
    del decoded
    ctx = {
        "payloads": payloads,
        "pairs": pairs,
        "rows": legacy,  # the same tuples go to _ingest
        "legacy": legacy,
        "legacy_module": telemetry_legacy,
        "decode": decode_columns,
        "module": module,
        "end": end,
    }
    stream_rows = sum(len(p["data"]["values"]) for p in payloads)
    facts = {
        "rows": len(legacy),
        "stream_rows": stream_rows,
        "parse_s": parse_s,
        "payload_mb": payload_bytes / 1e6,
    }
    for attempt in range(1, SERVER_RETRIES + 2):
        try:
            runs, settings = measure(args, odoo, registry, ctx, facts)
            break
        except (psycopg2.OperationalError, psycopg2.InterfaceError) as exc:
            # the PostgreSQL server is shared: another process may restart it mid-run
            if attempt > SERVER_RETRIES:
                raise
            log(f"lost the database server ({str(exc).strip()}); starting the runs again")
            wait_for_server(odoo, args.database)

    from telemetry_report import report  # noqa: PLC0415

    wall, cpu = report(args, runs, facts)
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "arguments": vars(args),
                    "facts": facts,
                    "median_rows_per_s": {"wall": wall, "cpu": cpu},
                    "runs": runs,
                    "postgresql": settings,
                },
                indent=2,
                default=str,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
