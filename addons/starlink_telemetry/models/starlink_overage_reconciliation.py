from collections import defaultdict

from odoo import api, fields, models
from odoo.addons.starlink_base.lib.billing import overage_quantity
from odoo.tools import SQL

from .starlink_overage_line import values_key

# A difference up to this many GB is rounding (invoices keep GB to two decimals).
DIFFERENCE_TOLERANCE_GB = 0.01


class StarlinkOverageReconciliation(models.Model):
    """A service line's billing cycle as Starlink reported it in a usage answer: its summed
    overage lines next to the overage our billing counts from our daily usage.

    Written by the usage sync for every cycle it receives (the current and the previous
    one), whether Starlink reports overage in it or not: a cycle we bill overage for and
    Starlink does not (or the other way round) shows as a difference.
    """

    _name = "starlink.overage.reconciliation"
    _description = "Starlink Overage Reconciliation"
    _order = "cycle_start desc, service_line_id"
    _check_company_auto = True

    service_line_id = fields.Many2one(
        "starlink.service.line", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="service_line_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(
        related="service_line_id.partner_id", string="Client", store=True, index=True
    )
    product_id = fields.Many2one(
        "product.product",
        string="Plan",
        readonly=True,
        help="The plan in force at the end of the cycle, whose data limit our billing counts.",
    )
    cycle_start = fields.Date(required=True, readonly=True, index=True)
    cycle_end = fields.Date(required=True, readonly=True, help="Last day of the cycle.")
    overage_line_ids = fields.One2many(
        "starlink.overage.line", "reconciliation_id", string="Starlink Overage Lines"
    )
    starlink_line_count = fields.Integer(
        string="Starlink Lines", readonly=True, help="Number of Starlink's overage lines."
    )
    starlink_overage_gb = fields.Float(
        string="Starlink Overage (GB)",
        digits=(16, 3),
        readonly=True,
        help="Starlink's overage of the cycle: its overage lines summed.",
    )
    starlink_overage_price = fields.Float(
        string="Starlink Overage Price",
        digits=(16, 2),
        readonly=True,
        help="What Starlink charges for the cycle's overage (its overage lines' prices "
        "summed, before taxes, in the Starlink account's currency).",
    )
    our_overage_gb = fields.Float(
        string="Our Overage (GB)",
        digits=(16, 2),
        readonly=True,
        help="The overage our billing counts for the whole cycle from our daily usage: the "
        "plan's limit basis and data limit (plus the cycle's top-ups), rounded as invoiced. "
        "Refreshed by each usage sync.",
    )
    difference_gb = fields.Float(
        string="Difference (GB)",
        digits=(16, 2),
        compute="_compute_difference",
        store=True,
        help="Starlink's overage minus ours: positive when Starlink counts more than we bill.",
    )
    has_difference = fields.Boolean(
        compute="_compute_difference",
        store=True,
        index=True,
        help=f"Starlink's and our overage differ by more than {DIFFERENCE_TOLERANCE_GB} GB.",
    )

    _sql_constraints = [
        (
            "line_cycle_uniq",
            "unique(service_line_id, cycle_start)",
            "One reconciliation per service line and billing cycle.",
        ),
    ]

    @api.depends("starlink_overage_gb", "our_overage_gb")
    def _compute_difference(self):
        for record in self:
            difference = round(record.starlink_overage_gb - record.our_overage_gb, 3)
            record.difference_gb = difference
            record.has_difference = abs(difference) > DIFFERENCE_TOLERANCE_GB + 1e-9

    @api.depends("service_line_id", "cycle_start", "cycle_end")
    def _compute_display_name(self):
        for record in self:
            record.display_name = (
                f"{record.service_line_id.service_line_number or ''} "
                f"{record.cycle_start or ''} \u2013 {record.cycle_end or ''}"
            )

    # ------------------------------------------------------------------ sync

    @api.model
    def _starlink_sync(self, batch, line_ids):
        """Store the cycles of a parsed usage batch (``lib.usage.UsageBatch``).

        ``line_ids``: ``{service line number: id}`` of the account's known lines. For each
        (line, cycle) received: Starlink's summed overage, its set of overage lines (replaced
        when it changed, so that syncing twice stores each line once) and our own overage.
        Returns the numbers of the unknown service lines, whose cycles are left out.
        """
        cycles = {}
        unknown = set()
        for cycle in batch.cycles:
            line_id = line_ids.get(cycle.service_line_number)
            if line_id is None:
                unknown.add(cycle.service_line_number)
            else:
                cycles[(line_id, cycle.start_date)] = cycle
        if not cycles:
            return unknown
        overage = defaultdict(dict)
        for row in batch.overage_lines:
            key = (line_ids.get(row.service_line_number), row.cycle_start)
            if key in cycles:
                overage[key][row.position] = row
        existing = {
            (record.service_line_id.id, record.cycle_start): record
            for record in self.search(
                [
                    ("service_line_id", "in", list({key[0] for key in cycles})),
                    ("cycle_start", "in", list({key[1] for key in cycles})),
                ]
            )
        }
        records, to_create = self.browse(), []
        for key, cycle in cycles.items():
            values = {
                "cycle_end": cycle.end_date,
                "starlink_line_count": cycle.overage_line_count,
                "starlink_overage_gb": cycle.overage_gb,
                "starlink_overage_price": cycle.overage_price,
            }
            record = existing.get(key)
            if record is None:
                to_create.append(dict(values, service_line_id=key[0], cycle_start=key[1]))
                continue
            records |= record
            changed = {
                name: value
                for name, value in values.items()
                if record._fields[name].convert_to_cache(value, record) != record[name]
            }
            if changed:
                record.write(changed)
        records |= self.create(to_create)
        records._replace_overage_lines(overage)
        records._refresh_our_overage()
        return unknown

    def _replace_overage_lines(self, overage):
        """Replace each cycle's overage lines by the ones received, where they changed.

        ``overage``: ``{(line id, cycle start): {position: lib.usage.OverageLine}}``.
        """
        stale = self.env["starlink.overage.line"]
        to_create = []
        for record in self:
            received = overage.get((record.service_line_id.id, record.cycle_start), {})
            wanted = [
                values_key(
                    row.position,
                    row.overage_gb,
                    row.consumed_gb,
                    row.usage_limit_gb,
                    row.price_per_gb,
                    row.overage_price,
                    row.product_id,
                    row.overage_type,
                    row.active_from,
                )  # fmt: skip
                for _position, row in sorted(received.items())
            ]
            stored = record.overage_line_ids.sorted("sequence")
            if [line._values_key() for line in stored] == wanted:
                continue
            stale |= stored
            to_create += [
                {
                    "reconciliation_id": record.id,
                    "sequence": row.position,
                    "overage_gb": row.overage_gb,
                    "consumed_gb": row.consumed_gb,
                    "usage_limit_gb": row.usage_limit_gb,
                    "price_per_gb": row.price_per_gb,
                    "overage_price": row.overage_price,
                    "product_reference": row.product_id,
                    "overage_type": row.overage_type,
                    "active_from": row.active_from,
                }
                for _position, row in sorted(received.items())
            ]
        stale.unlink()
        self.env["starlink.overage.line"].create(to_create)

    def _refresh_our_overage(self):
        """Count our overage of each cycle as billing does, from the stored daily usage.

        The plan in force at the cycle's end (a downgrade's old plan until the next cycle),
        its limit basis and data limit plus the GB of the top-ups billed in the cycle; a plan
        without a limit has no overage. Read in two queries for the whole recordset.
        """
        if not self:
            return
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT v.id, SUM(u.priority_gb), SUM(u.opt_in_priority_gb), SUM(u.counted_gb)
                  FROM unnest(%s::int[], %s::int[], %s::date[], %s::date[])
                       AS v(id, line_id, first_day, last_day)
                  JOIN starlink_usage_daily u
                    ON u.service_line_id = v.line_id
                   AND u.date BETWEEN v.first_day AND v.last_day
                 GROUP BY v.id
                """,
                self.ids,
                [r.service_line_id.id for r in self],
                [r.cycle_start for r in self],
                [r.cycle_end for r in self],
            )
        )
        usage = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        topups = defaultdict(float)
        for charge in (
            self.env["contract.line"]
            .sudo()
            .search(
                [
                    ("starlink_service_line_id", "in", self.service_line_id.ids),
                    ("starlink_one_off", "=", True),
                    ("date_start", ">=", min(self.mapped("cycle_start"))),
                    ("date_start", "<=", max(self.mapped("cycle_end"))),
                ]
            )
        ):
            topups[(charge.starlink_service_line_id.id, charge.date_start)] += (
                charge.starlink_topup_gb
            )
        for record in self:
            line = record.service_line_id
            main = line.sudo().contract_line_id
            plan = main._starlink_plan_on(record.cycle_end) if main else line.product_id
            priority, opt_in, counted = usage.get(record.id, (0.0, 0.0, 0.0))
            quantity = 0.0
            if plan.starlink_data_limit_gb:
                limit = plan.starlink_data_limit_gb + sum(
                    gb
                    for (line_id, day), gb in topups.items()
                    if line_id == line.id and record.cycle_start <= day <= record.cycle_end
                )
                quantity = overage_quantity(
                    plan.starlink_limit_basis, limit, priority, opt_in, counted
                )
            values = {"our_overage_gb": quantity, "product_id": plan.id}
            if record.our_overage_gb != quantity or record.product_id != plan:
                record.write(values)

    # ------------------------------------------------------------------ actions

    def action_view_overage_lines(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Starlink Overage Lines"),
            "res_model": "starlink.overage.line",
            "views": [(False, "list")],
            "domain": [("reconciliation_id", "=", self.id)],
        }
