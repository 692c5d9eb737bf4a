"""Telemetry ingestion benchmark (DESIGN.md §6, first line).

Measures, in one run and on the same rows, and prints as ratios (never asserts timings):

* ``ours``      ``starlink.telemetry.sample._ingest(rows)`` per batch of decoded terminal
                samples, one commit per batch (COPY into a temporary staging table, then
                ``INSERT ... ON CONFLICT DO NOTHING`` into the daily-partitioned store);
* ``re-ingest`` the same batches again: idempotency, 0 new rows expected;
* ``COPY``      baseline 1: raw PostgreSQL ``COPY`` of the same rows, formatted by the same
                ``copy_buffer``, into a bare table of the same columns (no index, no
                partitions), one commit per batch;
* ``ORM``       baseline 2: a per-record ``create`` loop on ``starlink.telemetry.hourly`` (the
                closest regular Odoo model: a row of telemetry numbers per terminal, a unique
                constraint and a few indexes), one commit at the end, extrapolated per row;
* ``stream``    the full path of a stream poll: ``decode_stream(payload)`` then
                ``_ingest_batch(batch)`` and a commit, on stream answers built by the Starlink
                simulator's own generator (terminals, routers and IP allocations).

Every phase runs ``--repeat`` times after a warm-up, phases interleaved; medians are
reported. Two clocks: wall time (what the targets are about) and CPU time of this process
plus its PostgreSQL backend (read from ``/proc``, when the server is local), which barely
moves when other processes share the cores. The projection for a day of 10,000 terminals
(57.6 M terminal samples) uses the median wall rate of ``ours``.

Runs against its own database (``starlink_bench`` by default; ``bench/run.sh`` creates it):
the raw telemetry table is rebuilt from the model's ``init()`` at start, a throwaway set of
terminals is created, and partitions, baseline table, rollups and terminals are removed at
the end (or at the start of the next run, if this one is interrupted). ``--variants`` also
times prototype alternatives of the ingestion SQL (``bench/variants.py``).
"""

import argparse
import gzip
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
# Stream answers are generated for this fixed hour, then moved to the last full hours
# (the full path refuses samples older than the raw retention).
GENERATION_ANCHOR = datetime(2026, 1, 5)
ACCOUNT = "ACC-BENCH"
BARE_TABLE = "bench_telemetry_bare"
SCRATCH_TABLE = "bench_raw_variant"
TARGET_COPY, TARGET_ORM, TARGET_DAY_MIN = 0.5, 20.0, 15.0
SERVER_RETRIES = 2


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-d", "--database", default=os.environ.get("BENCH_DB", "starlink_bench"))
    parser.add_argument("-c", "--config", default=os.environ.get("ODOO_CONF"))
    parser.add_argument("--terminals", type=int, default=2000, help="terminals in the fleet")
    parser.add_argument("--hours", type=int, default=1, help="hours of telemetry (<= 168)")
    parser.add_argument("--batch-size", type=int, default=65000, help="rows per batch")
    parser.add_argument("--repeat", type=int, default=3, help="measured runs (median)")
    parser.add_argument("--orm-rows", type=int, default=2000, help="records of the ORM loop")
    parser.add_argument(
        "--stream-answers",
        type=int,
        default=4,
        help="stream answers put through decode + _ingest_batch per run (0: all)",
    )
    parser.add_argument("--seed", type=int, default=8101, help="simulator seed (bench fleet)")
    parser.add_argument(
        "--cache-dir",
        default=os.environ.get("BENCH_CACHE", str(PROJECT_DIR / ".local" / "bench")),
        help="where generated stream answers are kept between runs",
    )
    parser.add_argument(
        "--variants",
        nargs="?",
        const="key",
        choices=("key", "all"),
        help="also time prototype alternatives of the ingestion (the key ones, or all)",
    )
    parser.add_argument(
        "--scale-hours",
        type=int,
        default=0,
        help="also ingest the rows again as N further hours of one day (<= 23), to see the "
        "rate as the day partition grows",
    )
    parser.add_argument(
        "--variants-repeat", type=int, help="runs of the variants (default: --repeat)"
    )
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    if not args.config:
        parser.error("no Odoo configuration: pass -c or set ODOO_CONF (bench/run.sh does)")
    if not 0 <= args.scale_hours <= 23:
        parser.error("--scale-hours must be between 0 and 23 (one day partition)")
    if not 1 <= args.hours <= 168:
        parser.error("--hours must be between 1 and 168 (the raw retention is 8 days)")
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


# ------------------------------------------------------------------------- stream answers
def generate_payloads(args):
    """Stream answers for ``args.hours`` hours from the simulator's generator (JSON texts)."""
    sys.path.insert(0, str(PROJECT_DIR / "tools"))
    from starlink_simulator.faults import FaultState  # noqa: PLC0415
    from starlink_simulator.fleet import Fleet  # noqa: PLC0415
    from starlink_simulator.stats import Stats  # noqa: PLC0415
    from starlink_simulator.stream import StreamState  # noqa: PLC0415
    from starlink_simulator.telemetry import TelemetryModel  # noqa: PLC0415

    fleet = Fleet(args.seed, args.terminals, GENERATION_ANCHOR.date())
    span = args.hours * 3600
    stream = StreamState(
        TelemetryModel(fleet), FaultState(), Stats(), backlog_s=span, retention_s=span + 3600
    )
    now = (GENERATION_ANCHOR - datetime(1970, 1, 1)).total_seconds() + span - 1
    texts = []
    while stream.pending(ACCOUNT, now):
        texts.append(json.dumps(stream.read(ACCOUNT, now, args.batch_size)))
    return texts


def load_payloads(args):
    """Parsed stream answers (generated once per fleet and size, then read from the cache)."""
    cache = Path(args.cache_dir)
    path = cache / f"stream-s{args.seed}-t{args.terminals}-h{args.hours}-b{args.batch_size}.gz"
    if path.exists():
        with gzip.open(path, "rt") as handle:
            texts = handle.read().splitlines()
    else:
        log(f"generating the stream answers with the simulator (once; cache {path}) ...")
        start = time.perf_counter()
        texts = generate_payloads(args)
        log(f"  {len(texts)} answers in {time.perf_counter() - start:.0f} s")
        cache.mkdir(parents=True, exist_ok=True)
        with gzip.open(path.with_suffix(".tmp"), "wt", compresslevel=1) as handle:
            handle.write("\n".join(texts))
        path.with_suffix(".tmp").rename(path)
    start = time.process_time()
    payloads = [json.loads(text) for text in texts]
    return payloads, time.process_time() - start, sum(map(len, texts))


def move_to_recent_hours(payloads, hours):
    """Shift the timestamps so the data covers the last full ``hours`` (UTC)."""
    end = datetime.utcnow().replace(minute=0, second=0, microsecond=0)
    delta_ns = int((end - timedelta(hours=hours) - GENERATION_ANCHOR).total_seconds()) * 10**9
    for payload in payloads:
        data = payload["data"]
        position = {
            kind: columns.index("UtcTimestampNs")
            for kind, columns in data["columnNamesByDeviceType"].items()
        }
        for row in data["values"]:
            row[position[row[0]]] += delta_ns


def sample_rows(batches, mbps):
    """Terminal samples as ``_ingest`` tuples, built exactly as ``_ingest_batch`` does."""
    rows = []
    for batch in batches:
        for s in batch.terminals:
            rows.append(
                (
                    s.device_id, "u", s.ts, mbps(s.downlink_bps), mbps(s.uplink_bps),
                    s.ping_drop, s.latency_ms, s.obstruction, s.uptime, s.signal_quality,
                    ",".join(s.alerts) or None,
                )
            )  # fmt: skip
    return rows


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

    def __init__(self, env, module):
        self.env = env
        self.cr = env.cr
        self.module = module  # models/starlink_telemetry_sample.py: copy_buffer, SAMPLE_COLUMNS
        self.Sample = env["starlink.telemetry.sample"]
        self.meter = Meter(self.cr)

    def sql(self, query, params=None):
        self.cr.execute(query, params)

    # ------------------------------------------------------------------- set-up
    def rebuild_store(self):
        """Raw table and view exactly as the current model code creates them.

        Also removes what an interrupted run may have left behind.
        """
        self.sql(f"DROP TABLE IF EXISTS {BARE_TABLE}, {SCRATCH_TABLE} CASCADE")
        self.sql("DROP TABLE IF EXISTS starlink_telemetry_raw CASCADE")
        self.Sample.init()
        self.cr.commit()

    def partitions(self):
        self.sql(
            """SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
               WHERE i.inhparent = 'starlink_telemetry_raw'::regclass"""
        )
        return [name for (name,) in self.cr.fetchall()]

    def reset_store(self):
        """Empty store and baseline table, then a checkpoint: every phase starts alike."""
        for name in self.partitions():
            self.sql(f"DROP TABLE {name}")
        self.sql(f"DROP TABLE IF EXISTS {BARE_TABLE}")
        self.cr.commit()
        self.sql("CHECKPOINT")

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
        self.sql(f"DROP TABLE IF EXISTS {SCRATCH_TABLE} CASCADE")
        for name in self.partitions():
            self.sql(f"DROP TABLE {name}")
        self.sql(f"DROP TABLE IF EXISTS {BARE_TABLE}")
        ids = [terminal_ids]
        self.sql("DELETE FROM starlink_telemetry_hourly WHERE terminal_id = ANY(%s)", ids)
        self.sql("DELETE FROM starlink_terminal WHERE id = ANY(%s)", ids)
        self.cr.commit()

    # ------------------------------------------------------------------- phases
    def run_copy(self, batches):
        """Baseline 1: same formatting, COPY into a bare table of the same columns."""
        self.reset_store()
        self.sql(
            f"""CREATE TABLE {BARE_TABLE} (LIKE starlink_telemetry_raw
                INCLUDING DEFAULTS INCLUDING IDENTITY)"""
        )
        self.cr.commit()
        copy = f"COPY {BARE_TABLE} ({', '.join(self.module.SAMPLE_COLUMNS)}) FROM STDIN"
        with self.meter.measure(sum(map(len, batches))) as result:
            for batch in batches:
                self.cr._obj.copy_expert(copy, self.module.copy_buffer(batch))
                self.cr.commit()
        return result

    def run_ours(self, batches, fresh=True):
        """Our path: ``_ingest`` per batch, one commit per batch."""
        if fresh:
            self.reset_store()
        with self.meter.measure(sum(map(len, batches))) as result:
            new = 0
            for batch in batches:
                new += self.Sample._ingest(batch)
                self.cr.commit()
        result["new"] = new
        return result

    def run_stream(self, payloads, decode_stream):
        """Full path of a poll: decode an answer, store it, commit (decode timed apart)."""
        self.reset_store()
        decode = {"rows": 0, "wall": 0.0, "cpu": 0.0}
        with self.meter.measure() as result:
            for payload in payloads:
                wall, cpu = time.perf_counter(), time.process_time()
                batch = decode_stream(payload)
                decode["wall"] += time.perf_counter() - wall
                decode["cpu"] += time.process_time() - cpu
                decode["rows"] += batch.row_count
                self.Sample._ingest_batch(batch)
                self.cr.commit()
                result["rows"] += len(batch.terminals) + len(batch.routers)
        return result, decode

    def run_scale(self, rows, hours, batch_size):
        """``_ingest`` of ``rows`` moved to hour 0, 1, ... of one day (two days ago): one
        measure per hour, the day partition growing as a real day's would."""
        self.reset_store()
        first = min(row[2] for row in rows).replace(minute=0, second=0, microsecond=0)
        day = datetime.utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
        day -= timedelta(days=2)
        measures = []
        for hour in range(hours):
            delta = day + timedelta(hours=hour, minutes=1) - first
            batches = chunks([(r[0], r[1], r[2] + delta, *r[3:]) for r in rows], batch_size)
            measures.append(self.run_ours(batches, fresh=False))
        self.sql("SELECT pg_total_relation_size(%s)", [self.Sample._partition_name(day.date())])
        return measures, self.cr.fetchone()[0]

    def run_orm(self, terminal_ids, count):
        """Baseline 2: ``create`` one record at a time, one commit at the end."""
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


def pg_settings(cr):
    cr.execute(
        """SELECT name, setting FROM pg_settings WHERE name IN
           ('server_version', 'fsync', 'synchronous_commit', 'shared_buffers', 'wal_level')"""
    )
    return dict(cr.fetchall())


# ------------------------------------------------------------------------- report
def verdict(ok):
    return "ok" if ok else "MISSED"


def report(args, runs, facts, variants):
    wall = {name: rate(measures, "wall") for name, measures in runs.items()}
    cpu = {name: rate(measures, "cpu") for name, measures in runs.items()}
    has_cpu = cpu["ours"] == cpu["ours"]  # not NaN
    labels = {
        "copy": "COPY into a bare table (baseline 1)",
        "orm": "ORM create loop, hourly (baseline 2)",
        "ours": "_ingest (ours)",
        "reingest": "_ingest again, same rows (0 new)",
        "decode": "decode_stream (Python)",
        "stream": "decode + _ingest_batch + commit",
    }
    log()
    log(f"results, median of {args.repeat} runs (rows/s; higher is better)")
    log(f"  {'':<40}{'wall clock':>14}{'CPU clock' if has_cpu else '':>14}")
    for name, label in labels.items():
        if runs.get(name):
            cpu_text = f"{cpu[name]:>14,.0f}" if has_cpu else ""
            log(f"  {label:<40}{wall[name]:>14,.0f}{cpu_text}")
    log(
        f"  new rows: first pass {facts['new'][-1]:,} of {facts['rows']:,}; "
        f"second pass {facts['renew'][-1]:,} (idempotent: "
        f"{'yes' if not any(facts['renew']) else 'NO'})"
    )
    if runs.get("stream"):
        log(
            f"  stream answers: JSON parse {facts['stream_rows'] / facts['parse_s']:,.0f} "
            f"rows/s (CPU, {facts['payload_mb']:,.0f} MB); decode + store counts terminal and "
            "router rows stored"
        )
    log()

    def ratio_line(label, key, target, unit=""):
        per_run = [
            o["rows"] / o["wall"] / (b["rows"] / b["wall"])
            for o, b in zip(runs["ours"], runs[key], strict=False)
        ]
        value = wall["ours"] / wall[key]
        text = f"  {label} {value:7.2f}{unit}  (target >= {target:g}{unit}; runs "
        text += f"{min(per_run):.2f}-{max(per_run):.2f}"
        if has_cpu:
            text += f"; CPU clock {cpu['ours'] / cpu[key]:.2f}{unit}"
        log(f"{text})  {verdict(value >= target)}")
        return value

    facts["ours_over_copy"] = ratio_line("ours / COPY", "copy", TARGET_COPY)
    facts["ours_over_orm"] = ratio_line("ours / ORM ", "orm", TARGET_ORM, "x")
    day_rows = DAY_TERMINALS * SAMPLES_PER_TERMINAL_DAY
    minutes = day_rows / wall["ours"] / 60
    facts["day_minutes"] = minutes
    text = (
        f"  a day of {DAY_TERMINALS:,} terminals ({day_rows / 1e6:.1f} M samples) through "
        f"_ingest: {minutes:.1f} min (target < {TARGET_DAY_MIN:g} min"
    )
    if has_cpu:
        text += f"; CPU clock {day_rows / cpu['ours'] / 60:.1f} min"
    log(f"{text})  {verdict(minutes < TARGET_DAY_MIN)}")
    if runs.get("stream"):
        stream_minutes = 2 * day_rows / wall["stream"] / 60
        facts["day_minutes_stream"] = stream_minutes
        log(
            f"  the same day through decode + _ingest_batch (terminal and router rows, "
            f"{2 * day_rows / 1e6:.1f} M): {stream_minutes:.1f} min"
        )
    if facts.get("scale"):
        rates = facts["scale"]
        log(
            f"  growing day partition ({len(rates)} hours of {facts['rows']:,} rows, "
            f"{facts['scale_size_mb']:,.0f} MB with indexes): _ingest "
            + ", ".join(f"{r:,.0f}" for r in rates)
            + " rows/s, hour by hour"
        )
    if variants:
        base = variants["baseline: COPY into a bare table"][0]
        fast = variants["baseline: COPY into a bare table, fast_copy_buffer"][0]
        log()
        log(
            "prototype variants (bench/variants.py), median of "
            f"{args.variants_repeat or args.repeat} round-robin runs"
        )
        log(f"  {'':<64}{'wall rows/s':>12}{'/ COPY':>8}{'/ fast COPY':>12}{'CPU rows/s':>12}")
        log("  (fast COPY: the same bare-table COPY with fast_copy_buffer)")
        for name, (v_wall, v_cpu) in variants.items():
            log(
                f"  {name:<64}{v_wall:>12,.0f}{v_wall / base:>8.2f}{v_wall / fast:>12.2f}"
                + (f"{v_cpu:>12,.0f}" if has_cpu else "")
            )
    return wall, cpu


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


def measure(args, odoo, registry, module, decode_stream, facts, payloads, pairs, rows):
    """Warm-up, then ``args.repeat`` runs of every phase; returns the measures."""
    batches = chunks(rows, args.batch_size)
    stream_payloads = payloads[: args.stream_answers] if args.stream_answers else payloads
    facts["new"], facts["renew"] = [], []
    runs = {name: [] for name in ("copy", "ours", "reingest", "stream", "decode", "orm")}
    variants = {}
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        bench = Bench(env, module)
        settings = pg_settings(cr)
        log(
            f"telemetry ingestion: {args.terminals:,} terminals x {args.hours} h = "
            f"{len(rows):,} terminal samples, {len(batches)} batches of <= {args.batch_size:,};"
            f" stream path: {len(stream_payloads)} of {len(payloads)} answers "
            f"({sum(len(p['data']['values']) for p in stream_payloads):,} rows)"
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
        # the baseline COPY gets the rows as _ingest completes them (terminal id resolved)
        by_device = bench.Sample._terminal_ids_by_device(set(pairs))
        copy_batches = chunks([(*row, by_device.get(row[0])) for row in rows], args.batch_size)
        try:
            bench.run_copy(copy_batches[:1])  # warm-up: caches, temporary table, code paths
            bench.run_ours([batches[0][:10000]])
            bench.run_stream(payloads[:1], decode_stream)
            bench.run_orm(terminal_ids, min(200, args.orm_rows))
            for run in range(1, args.repeat + 1):
                runs["copy"].append(bench.run_copy(copy_batches))
                runs["ours"].append(bench.run_ours(batches))
                facts["new"].append(runs["ours"][-1]["new"])
                runs["reingest"].append(bench.run_ours(batches, fresh=False))
                facts["renew"].append(runs["reingest"][-1]["new"])
                if stream_payloads:
                    stored, decode = bench.run_stream(stream_payloads, decode_stream)
                    runs["stream"].append(stored)
                    runs["decode"].append(decode)
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
            if args.scale_hours:
                scale = bench.run_scale(rows, args.scale_hours, args.batch_size)
                facts["scale"] = [m["rows"] / m["wall"] for m in scale[0]]
                facts["scale_size_mb"] = scale[1] / 1e6
            if args.variants:
                sys.path.insert(0, str(BENCH_DIR))
                from variants import run_variants  # noqa: PLC0415

                variants = run_variants(
                    bench,
                    batches,
                    copy_batches,
                    args.variants_repeat or args.repeat,
                    args.variants == "all",
                )
        finally:
            try:
                bench.cleanup(terminal_ids)
            except (psycopg2.OperationalError, psycopg2.InterfaceError) as exc:
                log(f"clean-up failed ({str(exc).strip()}); the next run removes the leftovers")
    return runs, variants, settings


# ------------------------------------------------------------------------- main
def main(argv=None):
    args = parse_args(argv)
    payloads, parse_s, payload_bytes = load_payloads(args)
    move_to_recent_hours(payloads, args.hours)
    odoo, registry = start_odoo(args)
    from odoo.addons.starlink_telemetry.lib.telemetry import decode_stream  # noqa: PLC0415
    from odoo.addons.starlink_telemetry.models import (  # noqa: PLC0415
        starlink_telemetry_sample as module,
    )

    decoded = [decode_stream(payload) for payload in payloads]
    pairs = {}  # user terminal id -> router id
    for batch in decoded:
        for sample in batch.terminals:
            pairs.setdefault(sample.device_id, None)
        for router in batch.routers:
            pairs[router.dish_id] = router.device_id
    rows = sample_rows(decoded, module._mbps)
    del decoded
    stream_rows = sum(len(p["data"]["values"]) for p in payloads)
    facts = {
        "rows": len(rows),
        "stream_rows": stream_rows,
        "parse_s": parse_s,
        "payload_mb": payload_bytes / 1e6,
    }
    for attempt in range(1, SERVER_RETRIES + 2):
        try:
            runs, variants, settings = measure(
                args, odoo, registry, module, decode_stream, facts, payloads, pairs, rows
            )
            break
        except (psycopg2.OperationalError, psycopg2.InterfaceError) as exc:
            # the PostgreSQL server is shared: another process may restart it mid-run
            if attempt > SERVER_RETRIES:
                raise
            log(f"lost the database server ({str(exc).strip()}); starting the runs again")
            wait_for_server(odoo, args.database)

    wall, cpu = report(args, runs, facts, variants)
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "arguments": vars(args),
                    "facts": facts,
                    "median_rows_per_s": {"wall": wall, "cpu": cpu},
                    "runs": runs,
                    "variants": variants,
                    "postgresql": settings,
                },
                indent=2,
                default=str,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
