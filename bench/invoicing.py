"""Recurring invoicing benchmark (DESIGN.md §6, "billing": 10,000 lines invoiced in < 5 min).

    bash bench/run.sh invoicing [--lines 10000] [--clients N] [--profile FILE]

Seeds (not timed) a throwaway set of ``--clients`` clients with ``--lines`` active service
lines between them, on four plans with a price, a data limit and an overage price; billing
days spread over the month (1-31); billing started for every line (one Starlink contract per
client, a contract line per service line) with the previous cycle invoiced in advance already
and its daily usage stored, about ``--overage-share`` of the lines past their limit. Then
measures, in the same run and one after the other, and prints (never asserts):

* ``ours``      the scheduled invoicing of ``contract.contract`` for one date on which every
                line is due once (``cron_recurring_create_invoice(date)``: batches of
                contracts, a commit per batch): per line the plan fee of the new cycle in
                advance and the overage of the previous one in arrears from the daily usage;
* ``again``     the same call for the same date: must bill nothing;
* ``baseline``  Odoo creating the same invoices (same partners, journal, date, products,
                quantities and prices) with one plain ``account.move.create(vals_list)``
                and a commit.

Printed: wall and CPU time (this process plus its PostgreSQL backend), invoices and invoice
lines per second, SQL queries per invoice, the ratio ours / baseline, whether the target is
met, and a sanity check (one invoice per client, a fee line per service line, an overage
line per line past its limit, the amounts expected from the seeded data, equal to the
baseline's). ``--profile FILE`` also runs ours under cProfile (slower) and prints where the
time and the queries go. The data lives in the company "Starlink Bench Invoicing" (created
once with its chart of accounts); its invoices, contracts, service lines and usage are
deleted at the end, or at the start of the next run when this one was interrupted.
"""

import argparse
import cProfile
import os
import platform
import pstats
import random
import re
import sys
from collections import Counter
from contextlib import contextmanager
from datetime import date, timedelta

from telemetry_ingest import Meter, log, pg_settings, start_odoo, verdict

COMPANY = "Starlink Bench Invoicing"
ACCOUNT = "ACC-BENCH-INV"
DATE_REF = date(2026, 7, 31)  # every billing day 1-31 has its cycle start on or before it
TARGET_LINES, TARGET_S = 10_000, 300.0
# name, monthly price, data limit (GB), overage price per GB
PLANS = [
    ("Bench Local Priority 50 GB", 65.0, 50.0, 1.0),
    ("Bench Local Priority 1 TB", 165.0, 1000.0, 0.5),
    ("Bench Local Priority 2 TB", 290.0, 2000.0, 0.5),
    ("Bench Global Priority 50 GB", 250.0, 50.0, 2.0),
]
BENCH_MODELS = ("account.move", "contract.contract", "starlink.service.line")
MAIL_TABLES = (
    ("mail_message", "model"),
    ("mail_followers", "res_model"),
    ("mail_activity", "res_model"),
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-d", "--database", default=os.environ.get("BENCH_DB", "starlink_bench"))
    parser.add_argument("-c", "--config", default=os.environ.get("ODOO_CONF"))
    parser.add_argument("--lines", type=int, default=TARGET_LINES, help="active service lines")
    parser.add_argument("--clients", type=int, help="clients (default: one per 10 lines)")
    parser.add_argument(
        "--overage-share", type=float, default=1 / 3, help="share of lines past their limit"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--profile", help="also profile our path (cProfile) into this file")
    parser.add_argument("--keep", action="store_true", help="keep the data at the end")
    args = parser.parse_args(argv)
    if not args.config:
        parser.error("no Odoo configuration: pass -c or set ODOO_CONF (bench/run.sh does)")
    args.clients = args.clients or max(1, args.lines // 10)
    if not 1 <= args.clients <= args.lines:
        parser.error("--clients must be between 1 and --lines")
    return args


@contextmanager
def counted(meter, odoo):
    """``meter.measure`` plus the SQL queries sent meanwhile (``queries``) and the machine's
    load average (``load``: the mean of the 1-minute figures at start and end)."""
    start, load = odoo.sql_db.sql_counter, os.getloadavg()[0]
    with meter.measure() as result:
        yield result
    result["queries"] = odoo.sql_db.sql_counter - start
    result["load"] = (load + os.getloadavg()[0]) / 2


# ------------------------------------------------------------------------- data
class Bench:
    def __init__(self, odoo, env, args):
        self.odoo, self.env, self.cr, self.args = odoo, env, env.cr, args
        self.rng = random.Random(args.seed)
        self.meter = Meter(self.cr)
        from odoo.addons.starlink_base.lib import billing, billing_cycle  # noqa: PLC0415

        self.billing, self.cycle_bounds = billing, billing_cycle.cycle_bounds

    def sql(self, query, params=None):
        self.cr.execute(query, params)
        return self.cr.fetchall() if self.cr.description else None

    def ensure_company(self):
        """The benchmark company, its chart of accounts, Starlink account and plans."""
        env = self.env
        company = env["res.company"].search([("name", "=", COMPANY)], limit=1)
        if not company:
            log(f"creating the company {COMPANY!r} and its chart of accounts (once) ...")
            company = env["res.company"].create({"name": COMPANY})
            env["account.chart.template"].try_loading(
                "generic_coa", company=company, install_demo=False
            )
        self.company = company
        self.env = env = env(context=dict(env.context, allowed_company_ids=[company.id]))
        self.account = env["starlink.account"].search([("account_number", "=", ACCOUNT)]) or env[
            "starlink.account"
        ].create({"name": "Bench Invoicing", "account_number": ACCOUNT, "company_id": company.id})
        self.plans = env["product.product"]
        for index, (name, price, limit, overage) in enumerate(PLANS):
            code = f"BENCH-INV-PLAN-{index}"
            plan = env["product.product"].search([("default_code", "=", code)])
            self.plans |= plan or env["product.product"].create(
                {
                    "name": name,
                    "default_code": code,
                    "type": "service",
                    "is_starlink_plan": True,
                    "starlink_data_limit_gb": limit,
                    "starlink_overage_price_gb": overage,
                    "list_price": price,
                    "company_id": company.id,
                }
            )
        self.cr.commit()

    def ensure_clients(self):
        """``--clients`` client companies (created once, reused by later runs)."""
        Partner = self.env["res.partner"]
        refs = [f"BENCH-INV-{index:05d}" for index in range(self.args.clients)]
        existing = {p.ref: p for p in Partner.search([("ref", "in", refs)])}
        us = self.env.ref("base.us")
        missing = [ref for ref in refs if ref not in existing]
        for partner in Partner.create(
            [
                {
                    "name": f"Bench Client {ref[-5:]}",
                    "ref": ref,
                    "is_company": True,
                    "country_id": us.id,
                    "lang": "en_US",
                    "company_id": self.company.id,
                }
                for ref in missing
            ]
        ):
            existing[partner.ref] = partner
        self.clients = Partner.browse([existing[ref].id for ref in refs])

    def cleanup(self):
        """Delete the invoices, contracts, service lines and usage of the benchmark company
        (in SQL: the ORM refuses nothing here, but would take minutes)."""
        company_id = self.company.id
        ids = {
            "account.move": "SELECT id FROM account_move WHERE company_id = %s",
            "contract.contract": "SELECT id FROM contract_contract WHERE company_id = %s",
            "starlink.service.line": "SELECT id FROM starlink_service_line WHERE company_id = %s",
        }
        for model in BENCH_MODELS:
            record_ids = [row[0] for row in self.sql(ids[model], [company_id])]
            if record_ids:
                for table, column in MAIL_TABLES:
                    self.sql(
                        f"DELETE FROM {table} WHERE {column} = %s AND res_id = ANY(%s)",
                        [model, record_ids],
                    )
        self.sql("DELETE FROM account_move WHERE company_id = %s", [company_id])
        self.sql("DELETE FROM contract_contract WHERE company_id = %s", [company_id])
        self.sql("DELETE FROM starlink_service_line WHERE company_id = %s", [company_id])
        self.cr.commit()
        self.env.invalidate_all()

    def dates(self, billing_day):
        """``(date_start, invoiced to, overage billed to, previous cycle)`` of a line: started
        two cycles before the one due on ``DATE_REF``, the previous cycle invoiced in advance,
        its overage still to bill."""
        current = self.cycle_bounds(billing_day, DATE_REF)[0]
        previous = self.cycle_bounds(billing_day, current - timedelta(days=1))
        before = self.cycle_bounds(billing_day, previous[0] - timedelta(days=1))
        return before[0], previous[1], before[1], previous

    def seed(self):
        """Service lines, contracts, contract lines and usage; returns what the invoicing of
        ``DATE_REF`` must produce."""
        args, rng, env = self.args, self.rng, self.env
        quiet = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}
        lines_vals, specs = [], []
        for index in range(args.lines):
            plan = self.plans[rng.randrange(len(self.plans))]
            day = rng.randint(1, 31)
            start, invoiced_to, overage_to, previous = self.dates(day)
            lines_vals.append(
                {
                    "service_line_number": f"SL-BENCH-{index:06d}",
                    "account_id": self.account.id,
                    "company_id": self.company.id,
                    "partner_id": self.clients[index * args.clients // args.lines].id,
                    "product_id": plan.id,
                    "state": "active",
                    "billing_day": day,
                    "date_start": start,
                }
            )
            over = rng.random() < args.overage_share
            specs.append((plan, invoiced_to, overage_to, previous, over))
        service_lines = env["starlink.service.line"].with_context(**quiet).create(lines_vals)
        Contract = env["contract.contract"].with_context(**quiet)
        contracts = Contract.create(
            [Contract._prepare_starlink_contract_values(c, self.company) for c in self.clients]
        )
        contract_of = dict(zip(self.clients.ids, contracts))
        ContractLine = env["contract.line"].with_context(**quiet)
        values = []
        for service_line, (_plan, invoiced_to, overage_to, _prev, _over) in zip(
            service_lines, specs
        ):
            vals = ContractLine._prepare_starlink_values(
                service_line, contract_of[service_line.partner_id.id]
            )
            vals.update(last_date_invoiced=invoiced_to, starlink_overage_date=overage_to)
            values.append(vals)
        for start in range(0, len(values), 2000):
            ContractLine.create(values[start : start + 2000])
        env.flush_all()
        self.sql(
            """UPDATE starlink_service_line s SET contract_line_id = c.id FROM contract_line c
                WHERE c.starlink_service_line_id = s.id AND s.company_id = %s""",
            [self.company.id],
        )
        expected = self.seed_usage(service_lines, specs)
        self.cr.commit()
        # Statistics of the tables just filled, as autovacuum would have them on a live
        # database (plans made on the counts of the emptied tables are not what is measured).
        self.sql("ANALYZE")
        env.invalidate_all()
        return expected

    def seed_usage(self, service_lines, specs):
        """Daily usage of each line's previous cycle; returns the expected invoicing."""
        rows, overage_lines, untaxed = [], 0, 0.0
        currency = self.company.currency_id  # rounds half up, as invoice lines do
        for service_line, (plan, _to, _ov, (first, last), over) in zip(service_lines, specs):
            limit = plan.starlink_data_limit_gb
            days = (last - first).days + 1
            total = limit * (self.rng.uniform(1.02, 1.4) if over else self.rng.uniform(0.2, 0.95))
            weights = [self.rng.uniform(0.5, 1.5) for _day in range(days)]
            cumulated = sum_priority = sum_opt_in = 0.0
            for offset, weight in enumerate(weights):
                priority = round(total * weight / sum(weights), 2)
                opt_in = round(max(0.0, min(priority, cumulated + priority - limit)), 2)
                cumulated += priority
                sum_priority, sum_opt_in = sum_priority + priority, sum_opt_in + opt_in
                standard = round(self.rng.uniform(0.0, 20.0), 2)
                rows.append((service_line.id, first + timedelta(days=offset), priority,
                             opt_in, standard, 0.0))  # fmt: skip
            quantity = self.billing.overage_quantity(
                "priority", limit, sum_priority, sum_opt_in, sum_priority
            )
            untaxed += plan.lst_price + currency.round(quantity * plan.starlink_overage_price_gb)
            overage_lines += bool(quantity)
        self.env["starlink.usage.daily"]._upsert(rows)
        return {
            "invoices": self.args.clients,
            "fee_lines": self.args.lines,
            "overage_lines": overage_lines,
            "untaxed": untaxed,
            "usage_rows": len(rows),
        }

    # --------------------------------------------------------------------- phases
    def invoices(self, since_id):
        """``(invoices, product lines, overage lines, untaxed, total)`` of the benchmark
        company's invoices with an id above ``since_id``."""
        self.env.flush_all()
        return self.sql(
            """SELECT count(DISTINCT m.id), count(l.id),
                      count(l.id) FILTER (WHERE l.name LIKE '%%: overage %%'),
                      coalesce(sum(l.price_subtotal), 0), coalesce(sum(l.price_total), 0)
                 FROM account_move m
                 LEFT JOIN account_move_line l ON l.move_id = m.id AND l.display_type = 'product'
                WHERE m.company_id = %s AND m.move_type = 'out_invoice' AND m.id > %s""",
            [self.company.id, since_id],
        )[0]

    def last_move_id(self):
        return self.sql("SELECT coalesce(max(id), 0) FROM account_move")[0][0]

    def run_ours(self, profile=None):
        """The scheduled invoicing for ``DATE_REF``, as the cron calls it (it commits)."""
        since = self.last_move_id()
        Contract = self.env["contract.contract"]
        with counted(self.meter, self.odoo) as result:
            if profile:
                profile.runcall(Contract.cron_recurring_create_invoice, DATE_REF)
            else:
                Contract.cron_recurring_create_invoice(DATE_REF)
            self.cr.commit()
        result["facts"] = self.invoices(since)
        result["since"] = since
        return result

    def baseline_values(self, since):
        """``account.move.create`` values of the invoices created after ``since``: same
        partner, journal, date, terms, and lines (name, product, quantity, price)."""
        moves = self.env["account.move"].search(
            [("company_id", "=", self.company.id), ("id", ">", since)], order="id"
        )
        vals_list = []
        for move in moves:
            vals_list.append(
                {
                    "move_type": "out_invoice",
                    "partner_id": move.partner_id.id,
                    "journal_id": move.journal_id.id,
                    "invoice_date": move.invoice_date,
                    "invoice_origin": move.invoice_origin,
                    "invoice_payment_term_id": move.invoice_payment_term_id.id,
                    "invoice_line_ids": [
                        self.odoo.Command.create(
                            {
                                "name": line.name,
                                "product_id": line.product_id.id,
                                "product_uom_id": line.product_uom_id.id,
                                "quantity": line.quantity,
                                "price_unit": line.price_unit,
                                "sequence": line.sequence,
                            }
                        )
                        for line in move.invoice_line_ids.sorted("sequence")
                    ],
                }
            )
        self.env.invalidate_all()
        return vals_list

    def run_baseline(self, vals_list):
        since = self.last_move_id()
        with counted(self.meter, self.odoo) as result:
            self.env["account.move"].with_company(self.company).create(vals_list)
            self.cr.commit()
        result["facts"] = self.invoices(since)
        return result


# ------------------------------------------------------------------------- profile
@contextmanager
def query_kinds(odoo, kinds):
    """Count the queries by statement and first table while inside (``kinds``: Counter)."""
    cursor_class = odoo.sql_db.Cursor
    execute = cursor_class.execute
    pattern = re.compile(r'^\s*(\w+)\b.*?\b(?:FROM|INTO|UPDATE)\s+"?(\w+)', re.I | re.S)

    def counting(self, query, params=None, log_exceptions=True):
        text = query.code if isinstance(query, odoo.tools.SQL) else str(query)
        match = pattern.match(text)
        kinds[f"{match[1].upper()} {match[2]}" if match else text.split()[0].upper()] += 1
        return execute(self, query, params, log_exceptions)

    cursor_class.execute = counting
    try:
        yield kinds
    finally:
        cursor_class.execute = execute


def print_profile(profile, path, kinds, invoices):
    profile.dump_stats(path)
    log(f"\nprofile of our path (cProfile, written to {path}): top 25 by cumulative time")
    stats = pstats.Stats(profile, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(25)
    log("queries of our path by statement and table (per invoice):")
    for kind, count in kinds.most_common(15):
        log(f"  {kind:<48} {count:>8,}  {count / max(invoices, 1):7.1f}")


# ------------------------------------------------------------------------- report
def report(args, settings, expected, ours, again, baseline):
    def rates(label, result):
        invoices, lines = result["facts"][0], result["facts"][1]
        wall, cpu = result["wall"], result["cpu"]
        per_invoice = result["queries"] / invoices if invoices else float("nan")
        log(
            f"{label:<34} {wall:7.1f} s wall {cpu:7.1f} s cpu {invoices / wall:6.1f} inv/s "
            f"{lines / wall:6.1f} inv. lines/s {result['queries']:>7,} queries "
            f"({per_invoice:.1f} per invoice), load {result['load']:.1f}"
        )
        return invoices / wall, invoices / cpu

    log(
        f"\nPostgreSQL {settings['server_version'].split()[0]} (fsync={settings['fsync']}, "
        f"synchronous_commit={settings['synchronous_commit']}), Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, database {args.database}"
    )
    log(
        f"{args.lines:,} service lines of {args.clients:,} clients, invoiced on {DATE_REF}: "
        f"{expected['usage_rows']:,} usage rows, {expected['overage_lines']:,} lines past "
        f"their limit; load: the machine's 1-minute load average during the phase (above "
        f"{os.cpu_count()}, other work competed for the CPUs)\n"
    )
    ours_wall, ours_cpu = rates("ours (scheduled invoicing)", ours)
    base_wall, base_cpu = rates("baseline (one account.move.create)", baseline)
    invoices, lines, overage, untaxed, total = ours["facts"]
    log(
        f"{'again, same date (bills nothing)':<34} {again['wall']:8.1f} s wall, "
        f"{again['facts'][0]} invoices, {again['queries']:,} queries"
    )
    queries = ours["queries"] / baseline["queries"]
    log(
        f"\nratio ours / baseline, invoices per second: {ours_wall / base_wall:.2f} on wall "
        f"time, {ours_cpu / base_cpu:.2f} on CPU time (ours sends {queries:.1f}x the queries)"
    )
    projected = ours["wall"] * TARGET_LINES / args.lines
    what = "measured" if args.lines == TARGET_LINES else f"projected from {args.lines:,}"
    log(
        f"10,000 service lines invoiced in {projected / 60:.1f} min ({what}; target < "
        f"{TARGET_S / 60:.0f} min): {verdict(projected < TARGET_S)}"
    )
    checks = [
        ("invoices = clients", invoices, expected["invoices"]),
        ("fee lines = service lines", lines - overage, expected["fee_lines"]),
        ("overage lines = lines past their limit", overage, expected["overage_lines"]),
        ("untaxed = expected from the seed", round(untaxed, 2), round(expected["untaxed"], 2)),
        ("baseline untaxed = ours", round(baseline["facts"][3], 2), round(untaxed, 2)),
        ("baseline total = ours", round(baseline["facts"][4], 2), round(total, 2)),
        ("invoices of the second run", again["facts"][0], 0),
    ]
    log("\nsanity checks:")
    for label, got, want in checks:
        log(f"  {label:<40} {got!s:>14} {'ok' if got == want else f'WRONG (expected {want})'}")
    return all(got == want for _label, got, want in checks)


# ------------------------------------------------------------------------- main
def main(argv=None):
    args = parse_args(argv)
    odoo, registry = start_odoo(args)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        bench = Bench(odoo, env, args)
        settings = pg_settings(cr)
        bench.ensure_company()
        bench.cleanup()
        log(f"seeding {args.lines:,} service lines of {args.clients:,} clients ...")
        with bench.meter.measure() as seeding:
            bench.ensure_clients()
            expected = bench.seed()
        log(f"  seeded in {seeding['wall']:.0f} s; invoicing ...")
        try:
            ours = bench.run_ours()
            log(f"  ours: {ours['wall']:.1f} s; the same date again ...")
            again = bench.run_ours()
            vals_list = bench.baseline_values(ours["since"])
            log("  baseline ...")
            baseline = bench.run_baseline(vals_list)
            ok = report(args, settings, expected, ours, again, baseline)
            if args.profile:
                log("\nprofiling our path on fresh data ...")
                bench.cleanup()
                expected = bench.seed()
                profile, kinds = cProfile.Profile(), Counter()
                with query_kinds(odoo, kinds):
                    profiled = bench.run_ours(profile)
                print_profile(profile, args.profile, kinds, profiled["facts"][0])
        finally:
            cr.rollback()
            if not args.keep:
                bench.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
