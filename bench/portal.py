"""Client portal benchmark (DESIGN.md §6, "portal": a service line page with 13 months of
usage in ≤ 150 ms median and ≤ 30 SQL queries; the dashboard of a 200-line client ≤ 300 ms).

    bash bench/run.sh portal [--lines 200] [--requests 30] [--port 8304]

Seeds (not timed) a client with ``--lines`` active service lines on four plans, each with a
terminal and ``--history-days`` (395: 13 months) of daily usage, forecasts of the current
cycle (the forecasting code itself), a few open alerts, a Starlink contract (a contract line
per service line) and ``--invoices`` (13) posted monthly invoices with a line per service
line; the first line's terminal gets ``--raw-days`` (8) of raw 15-second telemetry through
the store's own fast path (``starlink.telemetry.sample._ingest``) rolled up by
``starlink.telemetry.hourly._rollup``, and hourly rollups further back over the whole
history; a portal user of the client. Then it starts a real Odoo HTTP server
(``odoo-bin``, threaded, no cron) on the benchmark database, logs in as that user with a
``requests.Session`` and sends, after ``--warmup`` rounds, ``--requests`` rounds of one GET
of each page below (in a shuffled order each round). The server time and the SQL query count
of each request come from Odoo's own request log line (``werkzeug`` at INFO ends with
``<query count> <query time> <remaining time>``): server time = query time + remaining time.

Printed: median and p90 server time, median client round trip, SQL time and queries per
request, the ratios to Odoo's own ``/my/invoices`` of the same user in the same run (``/my``
with ``--invoices 0``), and the targets, each ``ok`` or ``MISSED`` (never asserted).
``--queries`` also logs every SQL statement (slower: for the counts, not the times) and prints
the statements of each request by table. The data (Starlink account ``ACC-BENCH-PORTAL``) is
deleted at the end (``--keep`` to look at it in a browser) or at the start of the next run.
"""

import argparse
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import requests
from telemetry_ingest import Meter, log, pg_settings, start_odoo, verdict

ACCOUNT = "ACC-BENCH-PORTAL"
CLIENT_REF = "BENCH-PORTAL"
LOGIN, PASSWORD = "bench.portal@example.com", "bench-portal"
TARGET_LINE_MS, TARGET_LINE_QUERIES, TARGET_DASHBOARD_MS = 150.0, 30, 300.0
# name, monthly price, data limit (GB), overage price per GB
PLANS = [
    ("Bench Portal Local Priority 50 GB", 65.0, 50.0, 1.0),
    ("Bench Portal Local Priority 1 TB", 165.0, 1000.0, 0.5),
    ("Bench Portal Local Priority 2 TB", 290.0, 2000.0, 0.5),
    ("Bench Portal Global Priority 50 GB", 250.0, 50.0, 2.0),
]
QUIET = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}
RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ ")
STATEMENT = re.compile(r'^\s*(\w+)\b.*?\b(?:FROM|INTO|UPDATE)\s+"?(\w+)', re.I | re.S)
LOG_LINE = re.compile(
    r'werkzeug: \S+ - - \[[^]]*\] "GET (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3}) \S+ '
    r"(?P<queries>\d+) (?P<query_s>[\d.]+) (?P<other_s>[\d.]+)"
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-d", "--database", default=os.environ.get("BENCH_DB"))
    parser.add_argument("-c", "--config", default=os.environ.get("ODOO_CONF"))
    parser.add_argument("--lines", type=int, default=200, help="service lines of the client")
    parser.add_argument("--history-days", type=int, default=395, help="days of daily usage")
    parser.add_argument("--raw-days", type=int, default=8, help="days of raw telemetry")
    parser.add_argument("--invoices", type=int, default=13, help="posted monthly invoices")
    parser.add_argument("--requests", type=int, default=30, help="measured rounds")
    parser.add_argument("--warmup", type=int, default=3, help="rounds before measuring")
    parser.add_argument("--port", type=int, default=8304, help="HTTP port (else a free one)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the data at the end")
    parser.add_argument("--queries", action="store_true", help="list the SQL of each request")
    args = parser.parse_args(argv)
    if not args.config or not args.database:
        parser.error("pass -d and -c (bench/run.sh does)")
    if args.lines < 1 or args.history_days < 62 or args.requests < 2:
        parser.error("--lines ≥ 1, --history-days ≥ 62 and --requests ≥ 2")
    return args


# ------------------------------------------------------------------------- data
class Seed:
    def __init__(self, odoo, env, args):
        self.odoo, self.env, self.cr, self.args = odoo, env, env.cr, args
        self.rng = random.Random(args.seed)
        self.today = date.today()
        self.company = env.company
        self.facts = {}

    def sql(self, query, params=None):
        self.cr.execute(query, params)
        return self.cr.fetchall() if self.cr.description else None

    def cleanup(self):
        """Delete what a run seeded (in SQL: the ORM refuses to delete posted invoices)."""
        client, lines = self.sql(
            """SELECT array(SELECT id FROM res_partner WHERE ref = %s),
                      array(SELECT l.id FROM starlink_service_line l JOIN starlink_account a
                              ON a.id = l.account_id WHERE a.account_number = %s)""",
            [CLIENT_REF, ACCOUNT],
        )[0]
        for query in (
            "DELETE FROM mail_message WHERE model = 'account.move' AND res_id IN "
            "(SELECT id FROM account_move WHERE commercial_partner_id = ANY(%(client)s))",
            "DELETE FROM account_move WHERE commercial_partner_id = ANY(%(client)s)",
            "DELETE FROM contract_contract WHERE partner_id = ANY(%(client)s)",
            "DELETE FROM starlink_telemetry_raw WHERE device IN (SELECT d.id FROM "
            "starlink_telemetry_device d JOIN starlink_terminal t ON t.id = d.terminal_id "
            "WHERE t.service_line_id = ANY(%(lines)s))",
            "DELETE FROM starlink_telemetry_compact WHERE device IN (SELECT d.id FROM "
            "starlink_telemetry_device d JOIN starlink_terminal t ON t.id = d.terminal_id "
            "WHERE t.service_line_id = ANY(%(lines)s))",
            "DELETE FROM starlink_telemetry_device WHERE terminal_id IN "
            "(SELECT id FROM starlink_terminal WHERE service_line_id = ANY(%(lines)s))",
            "DELETE FROM starlink_terminal WHERE service_line_id = ANY(%(lines)s)",
            "DELETE FROM starlink_service_line WHERE id = ANY(%(lines)s)",
        ):
            self.sql(query, {"client": client, "lines": lines})
        self.cr.commit()
        self.env.invalidate_all()

    def ensure_base(self):
        """Account, plans, client company, its contact and portal user (kept between runs)."""
        env, company = self.env, self.company
        self.account = env["starlink.account"].search([("account_number", "=", ACCOUNT)]) or env[
            "starlink.account"
        ].create({"name": "Bench Portal", "account_number": ACCOUNT, "company_id": company.id})
        Product, self.plans = env["product.product"], env["product.product"]
        for index, (name, price, limit, overage) in enumerate(PLANS):
            code = f"BENCH-PORTAL-PLAN-{index}"
            self.plans |= Product.search([("default_code", "=", code)]) or Product.create({
                "name": name, "default_code": code, "type": "service", "is_starlink_plan": True,
                "starlink_data_limit_gb": limit, "starlink_overage_price_gb": overage,
                "list_price": price,
            })  # fmt: skip
        Partner = env["res.partner"]
        self.client = Partner.search([("ref", "=", CLIENT_REF)]) or Partner.create(
            {"name": "Bench Maritime Fleet", "ref": CLIENT_REF, "is_company": True,
             "email": "fleet@example.com", "lang": "en_US"}
        )  # fmt: skip
        if not env["res.users"].with_context(active_test=False).search([("login", "=", LOGIN)]):
            env["res.users"].with_context(no_reset_password=True).create({
                "login": LOGIN, "password": PASSWORD, "groups_id": [
                    (6, 0, [env.ref("base.group_portal").id])],
                "partner_id": Partner.create({"name": "Bench Portal User", "email": LOGIN,
                                              "parent_id": self.client.id}).id,
            })  # fmt: skip
        self.cr.commit()

    def seed(self):
        args, rng, env, today = self.args, self.rng, self.env, self.today
        first_day = today - timedelta(days=args.history_days)
        lines = env["starlink.service.line"].with_context(**QUIET).create([
            {
                "service_line_number": f"SL-BENCH-P-{index:04d}",
                "nickname": f"Vessel {index:04d}", "account_id": self.account.id,
                "company_id": self.company.id, "partner_id": self.client.id,
                "product_id": self.plans[index % len(self.plans)].id, "state": "active",
                # the first line is twelve days into its cycle
                "billing_day": (today - timedelta(days=12)).day if index == 0
                else rng.randint(1, 28),
                "date_start": first_day,
            }
            for index in range(args.lines)
        ])  # fmt: skip
        self.lines = lines
        env["starlink.terminal"].with_context(**QUIET).create([
            {
                "user_terminal_id": f"ut-bench-portal-{index:04d}",
                "dish_serial": f"BENCH-P-{index:04d}", "service_line_id": line.id,
                "account_id": self.account.id, "company_id": self.company.id,
                "health": rng.choices(("online", "degraded", "offline"), (90, 7, 3))[0],
                "last_seen": datetime.now() - timedelta(minutes=rng.randint(1, 30)),
            }
            for index, line in enumerate(lines)
        ])  # fmt: skip
        self.seed_usage(lines, first_day)
        lines._refresh_forecasts(today)
        self.seed_alerts(lines)
        self.seed_telemetry(lines[0].terminal_ids, first_day)
        if args.invoices:
            self.seed_billing(lines)
        self.cr.commit()
        # Statistics of the tables just filled, as autovacuum would have them on a live
        # database (plans made on the counts of the emptied tables are not what is measured).
        self.sql("ANALYZE")
        env.invalidate_all()

    def seed_usage(self, lines, first_day):
        rows = []
        for line in lines:
            daily = line.product_id.starlink_data_limit_gb / 30 * self.rng.uniform(0.3, 1.3)
            for offset in range(self.args.history_days):
                priority = round(daily * self.rng.uniform(0.4, 1.6), 3)
                standard = round(self.rng.uniform(0.0, 2.0), 3)
                rows.append((line.id, first_day + timedelta(days=offset), priority, 0.0,
                             standard, 0.01))  # fmt: skip
        self.facts["usage_rows"] = self.env["starlink.usage.daily"]._upsert(rows)

    def seed_alerts(self, lines):
        Rule, name = self.env["starlink.alert.rule"], "Bench portal usage"
        rule = Rule.search([("name", "=", name)]) or Rule.create(
            {"name": name, "rule_type": "usage", "threshold": 80, "notify_client": True}
        )
        picked = lines[:: max(1, len(lines) // 20)]
        self.env["starlink.alert"].create([
            {"name": f"{line.nickname} passed 80 % of its data", "rule_id": rule.id,
             "service_line_id": line.id, "key": f"bench:{line.id}", "state": "open"}
            for line in picked
        ])  # fmt: skip
        self.facts["alerts"] = len(picked)

    def seed_telemetry(self, terminal, first_day):
        """Raw samples every 15 s through ``_ingest``, their rollup, older rollups in SQL."""
        Sample = self.env["starlink.telemetry.sample"]
        now = datetime.utcnow().replace(second=0, microsecond=0)
        start = now - timedelta(days=self.args.raw_days)
        rng, device, rows = self.rng, terminal.user_terminal_id, []
        for step in range(self.args.raw_days * 24 * 240):
            rows.append((
                device, "u", start + timedelta(seconds=15 * step),
                rng.uniform(60, 220), rng.uniform(8, 30), rng.choice((0.0, 0.0, 0.0, 0.01)),
                rng.uniform(25, 60), rng.uniform(0, 2), 3600 + 15 * step, 1.0, None,
            ))  # fmt: skip
        stored = sum(Sample._ingest(rows[i : i + 65000]) for i in range(0, len(rows), 65000))
        rolled = self.env["starlink.telemetry.hourly"]._rollup(start, now, [terminal.id])
        self.sql(
            """INSERT INTO starlink_telemetry_hourly (terminal_id, company_id, partner_id, hour,
                   sample_count, latency_avg_ms, latency_min_ms, latency_max_ms, latency_p95_ms,
                   ping_drop_avg, downlink_avg_mbps, downlink_max_mbps, uplink_avg_mbps,
                   uplink_max_mbps, obstruction_avg, uptime_percent)
               SELECT %(id)s, %(company)s, %(partner)s, h, 240, 38 + 8 * sin(n / 7.0), 22,
                      90, 55, 0.4, 140 + 40 * sin(n / 11.0), 260, 18, 35, 0.6, 100
                 FROM generate_series(%(first)s::timestamp,
                                      %(start)s::timestamp - interval '1 hour',
                                      interval '1 hour') WITH ORDINALITY AS g(h, n)
               ON CONFLICT (terminal_id, hour) DO NOTHING""",
            {"id": terminal.id, "company": self.company.id, "partner": self.client.id,
             "first": first_day, "start": start.replace(minute=0)},
        )  # fmt: skip
        older = self.cr.rowcount
        terminal._update_health(now)
        self.facts.update(raw_samples=stored, rollups=rolled + older)

    def seed_billing(self, lines):
        """A contract line per service line, monthly invoices with a line per service line."""
        env, Command = self.env, self.odoo.Command
        Contract = env["contract.contract"].with_context(**QUIET)
        contract = Contract.create(
            Contract._prepare_starlink_contract_values(self.client, self.company)
        )
        ContractLine = env["contract.line"].with_context(**QUIET)
        contract_lines = ContractLine.create(
            [ContractLine._prepare_starlink_values(line, contract) for line in lines]
        )
        for line, contract_line in zip(lines, contract_lines):
            line.contract_line_id = contract_line
        moves = env["account.move"].with_context(**QUIET).create([
            {
                "move_type": "out_invoice", "partner_id": self.client.id,
                "invoice_date": self.today.replace(day=1) - timedelta(days=31 * month),
                "invoice_line_ids": [
                    Command.create({
                        "name": contract_line.name, "product_id": contract_line.product_id.id,
                        "quantity": 1.0, "price_unit": contract_line.product_id.lst_price,
                        "contract_line_id": contract_line.id,
                    })
                    for contract_line in contract_lines
                ],
            }
            for month in range(self.args.invoices)
        ])  # fmt: skip
        moves.action_post()
        self.facts["invoices"] = len(moves)


# ------------------------------------------------------------------------- server
def free_port(wanted):
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as odoo-bin binds
        try:
            sock.bind(("127.0.0.1", wanted))
        except OSError:
            sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(args, port, logfile):
    command = [
        sys.executable, os.path.join(os.environ.get("ODOO_SRC", "/opt/odoo-src/18.0"), "odoo-bin"),
        "-c", args.config, "-d", args.database, f"--db-filter=^{args.database}$",
        "--http-interface=127.0.0.1", f"--http-port={port}", "--workers=0",
        "--max-cron-threads=0", "--log-level=info", f"--logfile={logfile}",
    ] + ["--log-handler=odoo.sql_db:DEBUG"] * args.queries  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    base, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the Odoo server stopped (exit {server.returncode}); see {logfile}")
        try:
            if requests.get(f"{base}/web/login", timeout=5).status_code == 200:
                return server, base
        except requests.RequestException:
            pass
        time.sleep(1)
    server.terminate()
    sys.exit(f"the Odoo server did not answer on {base} within 3 minutes; see {logfile}")


def login(base):
    session = requests.Session()
    page = session.get(f"{base}/web/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    form = {"login": LOGIN, "password": PASSWORD, "csrf_token": token, "redirect": "/my"}
    if "/web/login" in session.post(f"{base}/web/login", data=form, timeout=60).url:
        sys.exit(f"login as {LOGIN} failed")
    return session


def pages(seed):
    """``(key, label, path, kind)`` of every measured request."""
    line, today = seed.lines[0], seed.today
    first = (today - timedelta(days=seed.args.history_days - 1)).isoformat()
    year = f"date_from={first}&date_to={today.isoformat()}&grouping=day"
    cards = ",".join(str(i) for i in seed.lines.sorted("service_line_number")[:24].ids)
    url = f"/my/starlink/lines/{line.id}"
    months = round(seed.args.history_days / 30.44)
    return [
        ("line", "line page, current cycle", url, "line"),
        ("line_year", f"line page, {months} months by day", f"{url}?{year}", "line"),
        ("charts", "line charts JSON, current cycle", f"{url}/charts", "json"),
        ("charts_year", f"line charts JSON, {months} months by day", f"{url}/charts?{year}",
         "json"),
        ("line_live", "line live values JSON", f"{url}/live", "json"),
        ("dashboard", f"dashboard of {len(seed.lines)} lines, page 1", "/my/starlink", "dashboard"),
        ("dashboard_usage", "dashboard, sorted by usage %", "/my/starlink?sortby=usage",
         "dashboard"),
        ("dashboard_live", "dashboard live values JSON (24 cards)",
         f"/my/starlink/live?line_ids={cards}", "json"),
        ("invoices", "Odoo's /my/invoices (baseline)", "/my/invoices", "baseline"),
        ("home", "Odoo's /my (baseline)", "/my", "baseline"),
    ]  # fmt: skip


def measure(args, session, base, plan, logfile):
    """Warm-up rounds, then measured rounds; returns ``{key: [measure, ...]}``."""
    rng = random.Random(args.seed)
    sent = []  # (key, path, client seconds) of the measured requests, in order
    for round_ in range(args.warmup + args.requests):
        if round_ == args.warmup:
            offset = os.path.getsize(logfile)
        for key, _label, path, _kind in rng.sample(plan, len(plan)):
            start = time.perf_counter()
            reply = session.get(base + path, timeout=120, allow_redirects=False)
            elapsed = time.perf_counter() - start
            if reply.status_code != 200:
                sys.exit(f"GET {path}: {reply.status_code} {reply.text[:300]}")
            if round_ >= args.warmup:
                sent.append((key, path, elapsed))
    logged = read_log(logfile, offset)  # each line is written before its response is sent
    if len(logged) != len(sent):
        sys.exit(f"{len(sent)} requests sent, {len(logged)} logged in {logfile}")
    results = {key: [] for key, *_rest in plan}
    for (key, path, elapsed), (match, statements) in zip(sent, logged):
        if match["path"] != path:
            sys.exit(f"request log out of order: {match['path']} for {path}")
        server = float(match["query_s"]) + float(match["other_s"])
        results[key].append(
            {"server_ms": 1000 * server, "client_ms": 1000 * elapsed,
             "query_ms": 1000 * float(match["query_s"]), "queries": int(match["queries"]),
             "statements": statements}
        )  # fmt: skip
    return results


def read_log(logfile, offset):
    """``[(request log match, Counter of the statements logged before it)]`` in order."""
    logged, statements, current = [], Counter(), None
    with open(logfile, encoding="utf-8", errors="replace") as handle:
        handle.seek(offset)
        for line in [*handle, "0000-00-00 00:00:00,000 end"]:
            if not RECORD.match(line):
                current = None if current is None else current + line
                continue
            if current is not None:  # the statement before this record is complete
                kind = STATEMENT.match(current)
                statements[f"{kind[1].upper()} {kind[2]}" if kind else current.split()[0]] += 1
                current = None
            if match := LOG_LINE.search(line):
                logged.append((match, statements))
                statements = Counter()
            elif "odoo.sql_db: [" in line and "query:" in line:
                current = line.split("query:", 1)[1]
    return logged


# ------------------------------------------------------------------------- report
def report(args, settings, seed, plan, results, port):
    stats = {}
    for key, *_rest in plan:
        measures, median = results[key], statistics.median
        server, queries = [m["server_ms"] for m in measures], [m["queries"] for m in measures]
        stats[key] = {
            "median": median(server), "p90": statistics.quantiles(server, n=10)[-1],
            "client": median(m["client_ms"] for m in measures), "queries": median(queries),
            "sql": median(m["query_ms"] for m in measures), "range": (min(queries), max(queries)),
        }  # fmt: skip
    facts = seed.facts
    log(
        f"\nPostgreSQL {settings['server_version'].split()[0]} (fsync={settings['fsync']}, "
        f"synchronous_commit={settings['synchronous_commit']}), Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, database {args.database}, "
        f"odoo-bin threaded on port {port}, no cron"
    )
    log(
        f"a client with {len(seed.lines)} lines x {args.history_days} days of usage "
        f"({facts['usage_rows']:,} rows), {facts['alerts']} open alerts, "
        f"{facts.get('invoices', 0)} posted invoices of {len(seed.lines)} lines; its first "
        f"line's terminal: {facts['raw_samples']:,} raw samples ({args.raw_days} days of 15 s) "
        f"and {facts['rollups']:,} hourly rollups"
    )
    log(f"{args.warmup} warm-up rounds, then {args.requests} rounds of each request "
        "(shuffled); times in ms; server = Odoo's request log (SQL + Python)\n")  # fmt: skip
    base_key = "invoices" if facts.get("invoices") else "home"
    base, base_label = stats[base_key], {p[0]: p[2] for p in plan}[base_key]
    log(f"{'request':<44}{'median':>8}{'p90':>8}{'client':>8}{'SQL':>7}{'queries':>9}"
        f"{'x time':>8}{'x queries':>10}")  # fmt: skip
    for key, label, _path, _kind in plan:
        s = stats[key]
        low, high = s["range"]
        queries = f"{s['queries']:.0f}" if low == high else f"{low}-{high}"
        log(
            f"{label:<44}{s['median']:>8.1f}{s['p90']:>8.1f}{s['client']:>8.1f}"
            f"{s['sql']:>7.1f}{queries:>9}{s['median'] / base['median']:>8.2f}"
            f"{s['queries'] / base['queries']:>10.2f}"
        )
    visit = stats["line"]["median"] + stats["charts"]["median"]
    log(f"\nratios (x): to Odoo's {base_label} of the same user ({facts.get('invoices', 0)} "
        f"invoices) in the same run; a line page visit (page + its charts JSON) "
        f"{visit:.0f} ms median, {visit / base['median']:.2f}x {base_label}")  # fmt: skip
    if args.queries:
        log("\nSQL statements of each request (the last measured one), by table:")
        for key, label, _path, _kind in plan:
            counts = results[key][-1]["statements"]
            log(f"  {label} ({sum(counts.values())}): "
                + ", ".join(f"{n} {kind}" for kind, n in counts.most_common()))  # fmt: skip
    log("\ntargets (DESIGN.md §6):")
    for key, label, _path, kind in plan:
        s, line = stats[key], kind == "line"
        if kind in ("line", "dashboard"):
            limit = TARGET_LINE_MS if line else TARGET_DASHBOARD_MS
            ok = s["median"] <= limit and (not line or s["queries"] <= TARGET_LINE_QUERIES)
            queries = f", {s['queries']:.0f} queries (≤ {TARGET_LINE_QUERIES})" if line else ""
            log(f"  {label:<40} median {s['median']:6.1f} ms (≤ {limit:.0f}){queries}: "
                f"{verdict(ok)}")  # fmt: skip


# ------------------------------------------------------------------------- main
def main(argv=None):
    args = parse_args(argv)
    odoo, registry = start_odoo(args)
    local = os.environ.get("LOCAL_DIR", Path(__file__).resolve().parent.parent / ".local")
    logfile = Path(local, "bench", "portal-server.log")  # the server's log, kept after a run
    logfile.parent.mkdir(parents=True, exist_ok=True)
    logfile.unlink(missing_ok=True)
    with registry.cursor() as cr:
        settings, seed = pg_settings(cr), Seed(odoo, odoo.api.Environment(cr, 1, {}), args)
        seed.cleanup()
        log(f"seeding a client with {args.lines} lines ...")
        with Meter(cr).measure() as seeding:
            seed.ensure_base()
            seed.seed()
        log(f"  seeded in {seeding['wall']:.0f} s; starting odoo-bin ...")
        plan = pages(seed)
    odoo.sql_db.close_all()
    port = free_port(args.port)
    server, base = start_server(args, port, logfile)
    try:
        session = login(base)
        log(f"  logged in as {LOGIN} on {base}; measuring ...")
        results = measure(args, session, base, plan, logfile)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    report(args, settings, seed, plan, results, port)
    errors = [x for x in logfile.read_text(errors="replace").splitlines() if " ERROR " in x]
    for line in errors[:5]:
        log(f"server error: {line[:300]}")
    if not args.keep:
        with registry.cursor() as cr:
            Seed(odoo, odoo.api.Environment(cr, odoo.SUPERUSER_ID, {}), args).cleanup()
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
