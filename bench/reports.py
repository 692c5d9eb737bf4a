"""Usage report benchmark (DESIGN.md §6, "reports": a monthly PDF ≤ 2 s and an XLSX ≤ 1 s per
client; targets for a 10-line client, the 200-line figure reported).

    bash bench/run.sh reports [--sizes 10,200] [--rounds 5] [--port 8305]

Seeds (not timed) one client per size in ``--sizes``, each line on one of three plans with a
terminal, a billing cycle of daily usage (``--days``, 31) and its hourly telemetry rollups
(the report's performance section), and a forecast of the current cycle. It starts a real
Odoo HTTP server (``odoo-bin``, no cron) on the database, because wkhtmltopdf reads the
report's styles over HTTP as in production, and points ``report.url`` at it. Then, in this
process, ``--rounds`` times per client after one warm-up: the PDF of the cycle
(``ir.actions.report._render_qweb_pdf``: data, QWeb, SVG charts, wkhtmltopdf) and the XLSX
(``report_xlsx``: data and workbook with its native charts), and the CSV. Printed: median and
best wall time, SQL queries, size and PDF pages of each, and the targets ``ok`` or
``MISSED`` (never asserted). The data (Starlink account ``ACC-BENCH-REPORTS``) is deleted at
the end (``--keep`` to keep it) or at the start of the next run.
"""

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta

from portal import free_port, start_server
from telemetry_ingest import log, start_odoo, verdict

ACCOUNT = "ACC-BENCH-REPORTS"
TARGET_PDF_S, TARGET_XLSX_S = 2.0, 1.0
PLANS = [  # name, price, limit GB, overage price per GB
    ("Bench Reports Local Priority 50 GB", 65.0, 50.0, 1.0),
    ("Bench Reports Local Priority 1 TB", 165.0, 1000.0, 0.5),
    ("Bench Reports Local Priority 2 TB", 290.0, 2000.0, 0.5),
]
QUIET = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-d", "--database", default=os.environ.get("BENCH_DB"))
    parser.add_argument("-c", "--config", default=os.environ.get("ODOO_CONF"))
    parser.add_argument("--sizes", default="10,200", help="lines of each client")
    parser.add_argument("--days", type=int, default=31, help="days of the billing cycle")
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds")
    parser.add_argument("--port", type=int, default=8305, help="HTTP port (else a free one)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the data at the end")
    args = parser.parse_args(argv)
    if not args.config or not args.database:
        parser.error("--config and --database (or ODOO_CONF and BENCH_DB) are required")
    args.sizes = [int(size) for size in args.sizes.split(",")]
    args.queries = False  # portal.start_server's option: no SQL log for this benchmark
    return args


class Seed:
    def __init__(self, env, args):
        self.env, self.args = env, args
        self.random = random.Random(args.seed)
        self.cycle_start = date(2026, 10, 5)
        self.cycle_end = self.cycle_start + timedelta(days=args.days - 1)

    def cleanup(self):
        env = self.env
        account = (
            env["starlink.account"]
            .with_context(active_test=False)
            .search([("account_number", "=", ACCOUNT)])
        )
        if account:
            lines = (
                env["starlink.service.line"]
                .with_context(active_test=False)
                .search([("account_id", "in", account.ids)])
            )
            terminals = (
                env["starlink.terminal"]
                .with_context(active_test=False)
                .search([("service_line_id", "in", lines.ids)])
            )
            env.cr.execute(
                "DELETE FROM starlink_telemetry_hourly WHERE terminal_id = ANY(%s)",
                [terminals.ids],
            )
            terminals.unlink()
            lines.unlink()
            account.unlink()
        env["res.partner"].with_context(active_test=False).search(
            [("ref", "=like", "BENCH-REPORTS-%")]
        ).unlink()
        env.cr.commit()

    def seed(self):
        env = self.env(context=dict(self.env.context, **QUIET))
        account = env["starlink.account"].create(
            {"name": "Bench reports", "account_number": ACCOUNT}
        )
        plans = env["product.product"].search([("name", "like", "Bench Reports %")])
        if len(plans) < len(PLANS):
            plans = env["product.product"].create(
                [
                    {"name": name, "type": "service", "is_starlink_plan": True,
                     "list_price": price, "starlink_data_limit_gb": limit,
                     "starlink_overage_price_gb": overage}
                    for name, price, limit, overage in PLANS
                ]
            )  # fmt: skip
        clients = {}
        for size in self.args.sizes:
            client = env["res.partner"].create(
                {"name": f"Bench Reports {size} lines", "is_company": True,
                 "ref": f"BENCH-REPORTS-{size}", "email": f"bench{size}@example.com"}
            )  # fmt: skip
            lines = env["starlink.service.line"].create(
                [
                    {"service_line_number": f"AST-BENCH-R{size:03d}-{index:04d}",
                     "nickname": f"Site {index + 1}", "account_id": account.id,
                     "partner_id": client.id, "product_id": plans[index % len(plans)].id,
                     "billing_day": self.cycle_start.day, "state": "active",
                     "date_start": date(2026, 1, 5),
                     "forecast_date": self.cycle_end, "forecast_total_gb": 900.0,
                     "forecast_lower_gb": 800.0, "forecast_upper_gb": 1000.0}
                    for index in range(size)
                ]
            )  # fmt: skip
            terminals = env["starlink.terminal"].create(
                [{"user_terminal_id": f"ut-bench-r{size}-{i}", "service_line_id": line.id}
                 for i, line in enumerate(lines)]
            )  # fmt: skip
            self._usage(lines)
            self._rollups(terminals)
            clients[size] = client
        env.cr.commit()
        return clients

    def _usage(self, lines):
        rows = []
        for line in lines:
            base = self.random.uniform(1.0, 40.0)
            for day in range(self.args.days):
                priority = max(0.0, self.random.gauss(base, base / 4))
                rows.append((line.id, self.cycle_start + timedelta(days=day), round(priority, 3),
                             0.0, round(priority / 5, 3), 0.05))  # fmt: skip
        self.env["starlink.usage.daily"]._upsert(rows)

    def _rollups(self, terminals):
        start = datetime.combine(self.cycle_start, datetime.min.time())
        hours = self.args.days * 24
        self.env.cr.execute(
            """INSERT INTO starlink_telemetry_hourly
                   (terminal_id, company_id, hour, sample_count, latency_avg_ms, latency_min_ms,
                    latency_max_ms, latency_p95_ms, ping_drop_avg, downlink_avg_mbps,
                    downlink_max_mbps, uplink_avg_mbps, uplink_max_mbps, obstruction_avg,
                    uptime_percent)
               SELECT t, %s, %s + make_interval(hours => h), 240, 35 + random() * 10, 25, 80,
                      60, random(), 120, 200, 15, 25, random() * 2, 100
                 FROM unnest(%s) AS t, generate_series(0, %s - 1) AS h""",
            [self.env.company.id, start, terminals.ids, hours],
        )


def measure(env, callback, rounds):
    """``(median s, best s, queries of the last round, result)`` after one warm-up."""
    callback()
    times, result, queries = [], None, 0
    for _round in range(rounds):
        env.invalidate_all()
        before = env.cr.sql_log_count
        started = time.perf_counter()
        result = callback()
        times.append(time.perf_counter() - started)
        queries = env.cr.sql_log_count - before
    return statistics.median(times), min(times), queries, result


def pdf_pages(content):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(content)
        handle.flush()
        info = subprocess.run(["pdfinfo", handle.name], capture_output=True, text=True).stdout
    return next((line.split()[-1] for line in info.splitlines() if line.startswith("Pages")), "?")


def main(argv=None):
    args = parse_args(argv)
    odoo, registry = start_odoo(args)
    port = free_port(args.port)
    logfile = os.path.join(tempfile.gettempdir(), f"bench-reports-{port}.log")
    results = {}
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        seed = Seed(env, args)
        seed.cleanup()
        log(f"seeding clients of {', '.join(map(str, args.sizes))} lines ({args.days} days) ...")
        clients = seed.seed()
        server, base = start_server(args, port, logfile)
        Param = env["ir.config_parameter"]
        previous_url = Param.get_param("report.url")
        Param.set_param("report.url", base)
        cr.commit()
        try:
            Report = env["ir.actions.report"]
            Builder = env["report.starlink_reports.usage_report"]
            data = {"date_from": seed.cycle_start.isoformat(),
                    "date_to": seed.cycle_end.isoformat()}  # fmt: skip
            for size, client in clients.items():
                log(f"client of {size} lines: PDF, XLSX, CSV x {args.rounds} ...")
                results[size] = {
                    "pdf": measure(
                        env,
                        lambda c=client: Report._render_qweb_pdf(
                            "starlink_reports.starlink_usage_report_action", c.ids, data=data
                        )[0],
                        args.rounds,
                    ),  # fmt: skip
                    "xlsx": measure(
                        env,
                        lambda c=client: Report._render(
                            "starlink_reports.starlink_usage_report_xlsx_action", c.ids, data
                        )[0],
                        args.rounds,
                    ),  # fmt: skip
                    "csv": measure(
                        env,
                        lambda c=client: Builder._report_csv(c, seed.cycle_start, seed.cycle_end),
                        args.rounds,
                    ),  # fmt: skip
                }
        finally:
            Param.set_param("report.url", previous_url or "")
            cr.commit()
            server.terminate()
            server.wait(timeout=30)
            if not args.keep:
                seed.cleanup()
    report(args, results)
    return 0


def report(args, results):
    log(f"\nreports benchmark ({platform.node()}, {os.cpu_count()} cores, "
        f"{args.days}-day cycle, {args.rounds} rounds after a warm-up)")  # fmt: skip
    log(f"{'client':>10} {'file':>5} {'median s':>9} {'best s':>7} {'queries':>8} "
        f"{'size kB':>8} {'pages':>6}  target")  # fmt: skip
    for size, files in results.items():
        for kind, (median, best, queries, content) in files.items():
            target = {"pdf": TARGET_PDF_S, "xlsx": TARGET_XLSX_S}.get(kind)
            check = (f"≤ {target:g} s {verdict(median <= target)}"
                     if target and size == min(results) else "")  # fmt: skip
            pages = pdf_pages(content) if kind == "pdf" else ""
            log(f"{size:>6} lines {kind:>5} {median:>9.2f} {best:>7.2f} {queries:>8} "
                f"{len(content) / 1024:>8.0f} {pages:>6}  {check}")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
