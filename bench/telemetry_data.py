"""Stream answers of the telemetry benchmark: generated once by the Starlink simulator's own
code (no HTTP), cached under ``.local/bench/``, then moved to the last full hours."""

import gzip
import json
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import orjson
from telemetry_ingest import log

PROJECT_DIR = Path(__file__).resolve().parent.parent
# Stream answers are generated for this fixed hour, then moved to the last full hours
# (the full path refuses samples older than the raw retention).
GENERATION_ANCHOR = datetime(2026, 1, 5)
ACCOUNT = "ACC-BENCH"


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
    payloads = [orjson.loads(text) for text in texts]  # as the API client parses them
    return payloads, time.process_time() - start, sum(map(len, texts))


def move_to_recent_hours(payloads, hours, end):
    """Shift the timestamps so the data covers the ``hours`` before ``end`` (UTC). The rows
    stamped before the first hour (the stream's window starts a moment before it: a sample
    of almost every device) are left out, so that the measured hours are whole hours."""
    delta_ns = int((end - timedelta(hours=hours) - GENERATION_ANCHOR).total_seconds()) * 10**9
    first_ns = int((GENERATION_ANCHOR - datetime(1970, 1, 1)).total_seconds()) * 10**9
    for payload in payloads:
        data = payload["data"]
        position = {
            kind: columns.index("UtcTimestampNs")
            for kind, columns in data["columnNamesByDeviceType"].items()
        }
        data["values"] = [row for row in data["values"] if row[position[row[0]]] >= first_ns]
        for row in data["values"]:
            row[position[row[0]]] += delta_ns
