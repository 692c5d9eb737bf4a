from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib.billing_cycle import cycle_bounds
from ..lib.usage_rules import overage_gb

# Usage columns summed over a line's current cycle.
CYCLE_SUMS = ("counted_gb", "priority_gb", "opt_in_priority_gb", "standard_gb", "non_billable_gb")

# Number of a line sold in Odoo and not created at Starlink yet: "NEW-<order>-<n>". Starlink's
# numbers never start with it, so the synchronisation (which matches lines by number) never
# mistakes one for a line at Starlink, and a draft it does not return is left alone.
PLACEHOLDER_PREFIX = "NEW-"

STATES = [
    ("draft", "Draft"),
    ("active", "Active"),
    ("suspended", "Suspended"),
    ("cancelled", "Cancelled"),
]


class StarlinkServiceLine(models.Model):
    """A Starlink service line: the subscription that connects a client's terminal(s)."""

    _name = "starlink.service.line"
    _description = "Starlink Service Line"
    _inherit = ["portal.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "service_line_number"
    _rec_names_search = ["service_line_number", "nickname", "partner_id.name"]
    _check_company_auto = True

    service_line_number = fields.Char(
        required=True,
        tracking=True,
        copy=False,
        index=True,
        help="The serviceLineNumber given by Starlink, e.g. SL-1234567-12345-12.",
    )
    nickname = fields.Char(tracking=True, help="A short name the client recognises.")
    account_id = fields.Many2one(
        "starlink.account",
        string="Starlink Account",
        required=True,
        check_company=True,
        index=True,
        tracking=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Client",
        check_company=True,
        index=True,
        tracking=True,
        help="The client (commercial entity) this line is sold to.",
    )
    product_id = fields.Many2one(
        "product.product",
        string="Plan",
        domain=[("is_starlink_plan", "=", True)],
        check_company=True,
        tracking=True,
    )
    data_limit_gb = fields.Float(
        related="product_id.starlink_data_limit_gb", string="Data Limit (GB)"
    )
    limit_basis = fields.Selection(related="product_id.starlink_limit_basis")
    state = fields.Selection(
        selection=STATES, default="draft", required=True, tracking=True, copy=False, index=True
    )
    date_start = fields.Date(string="Start Date", tracking=True, copy=False)
    date_end = fields.Date(string="End Date", tracking=True, copy=False)
    billing_day = fields.Integer(
        default=1,
        required=True,
        tracking=True,
        help="Day of the month a billing cycle starts (1-31). In shorter months the cycle "
        "starts on the last day of the month.",
    )
    public_ip = fields.Boolean(string="Public IP", help="A public IP address is provisioned.")
    address_reference = fields.Char(help="The addressReferenceId of the service address.")
    street = fields.Char()
    street2 = fields.Char()
    zip = fields.Char()
    city = fields.Char()
    state_id = fields.Many2one("res.country.state", string="Region")
    country_id = fields.Many2one("res.country")
    latitude = fields.Float(digits=(10, 6))
    longitude = fields.Float(digits=(10, 6))
    terminal_ids = fields.One2many("starlink.terminal", "service_line_id", string="Terminals")
    terminal_count = fields.Integer(compute="_compute_terminal_count")
    usage_ids = fields.One2many("starlink.usage.daily", "service_line_id", string="Daily Usage")
    contract_line_id = fields.Many2one(
        "contract.line",
        string="Contract Line",
        check_company=True,
        copy=False,
        help="The recurring invoicing line that bills this service line.",
    )
    billing_contract_id = fields.Many2one(
        related="contract_line_id.contract_id",
        string="Contract",
        groups="account.group_account_invoice",
        help="The client's recurring contract that bills this service line.",
    )
    sale_order_id = fields.Many2one(
        "sale.order",
        string="Sale Order",
        check_company=True,
        copy=False,
        index="btree_not_null",
        readonly=True,
        tracking=True,
        help="The sale order this line was sold on.",
    )
    sale_line_id = fields.Many2one(
        "sale.order.line",
        string="Sale Order Line",
        copy=False,
        index="btree_not_null",
        readonly=True,
        help="The order line of the plan this service line was created from.",
    )
    installation_date = fields.Date(
        tracking=True, copy=False, help="Day the kit is scheduled to be installed at the site."
    )
    installer_id = fields.Many2one(
        "res.users",
        string="Installer",
        domain=[("share", "=", False)],
        tracking=True,
        copy=False,
        help="Technician who installs the kit.",
    )
    cycle_start_date = fields.Date(string="Cycle Start", compute="_compute_cycle")
    cycle_end_date = fields.Date(string="Cycle End", compute="_compute_cycle")
    cycle_days_left = fields.Integer(string="Days Left", compute="_compute_cycle")
    cycle_usage_gb = fields.Float(
        string="Cycle Usage (GB)",
        compute="_compute_cycle_usage",
        help="Data of the current cycle that counts against the plan's limit (by Starlink's "
        "rule: priority data, opt-in priority included).",
    )
    cycle_usage_percent = fields.Float(string="Cycle Usage (%)", compute="_compute_cycle_usage")
    cycle_priority_gb = fields.Float(
        string="Cycle Priority (GB)",
        compute="_compute_cycle_usage",
        help="Priority data of the current cycle, opt-in priority included.",
    )
    cycle_opt_in_priority_gb = fields.Float(
        string="Cycle Opt-in Priority (GB)",
        compute="_compute_cycle_usage",
        help="Priority data used while opted into overage (a part of the priority data).",
    )
    cycle_standard_gb = fields.Float(string="Cycle Standard (GB)", compute="_compute_cycle_usage")
    cycle_non_billable_gb = fields.Float(
        string="Cycle Non-billable (GB)", compute="_compute_cycle_usage"
    )
    cycle_overage_gb = fields.Float(
        string="Cycle Overage (GB)",
        compute="_compute_cycle_usage",
        help="Data beyond the plan's limit this cycle: by Starlink's rule, the opt-in "
        "priority data past the limit.",
    )

    _sql_constraints = [
        (
            "service_line_number_account_uniq",
            "unique(service_line_number, account_id)",
            "This service line number already exists in this Starlink account.",
        ),
        (
            "billing_day_range",
            "CHECK(billing_day BETWEEN 1 AND 31)",
            "The billing day must be between 1 and 31.",
        ),
    ]

    # ------------------------------------------------------------------ computes

    @api.depends("service_line_number", "nickname")
    def _compute_display_name(self):
        for line in self:
            number = line.service_line_number or ""
            line.display_name = f"{number} ({line.nickname})" if line.nickname else number

    @api.depends("terminal_ids")
    def _compute_terminal_count(self):
        counts = dict(
            self.env["starlink.terminal"]._read_group(
                [("service_line_id", "in", self.ids)], ["service_line_id"], ["__count"]
            )
        )
        for line in self:
            line.terminal_count = counts.get(line, 0)

    def _compute_access_url(self):
        super()._compute_access_url()
        for line in self:
            line.access_url = f"/my/starlink/lines/{line.id}"

    @api.depends("billing_day", "company_id")
    @api.depends_context("starlink_date")
    def _compute_cycle(self):
        for line in self:
            today = line._starlink_today()
            if 1 <= line.billing_day <= 31:
                start, end = cycle_bounds(line.billing_day, today)
                line.cycle_start_date, line.cycle_end_date = start, end
                line.cycle_days_left = (end - today).days + 1
            else:
                line.cycle_start_date = line.cycle_end_date = False
                line.cycle_days_left = 0

    @api.depends(
        "billing_day",
        "usage_ids.counted_gb",
        "usage_ids.opt_in_priority_gb",
        "usage_ids.date",
        "data_limit_gb",
        "limit_basis",
    )
    @api.depends_context("starlink_date")
    def _compute_cycle_usage(self):
        usage = self._cycle_usage_by_line()
        empty = dict.fromkeys(CYCLE_SUMS, 0.0)
        for line in self:
            sums = usage.get(line.id, empty)
            limit = line.data_limit_gb
            line.cycle_usage_gb = sums["counted_gb"]
            line.cycle_usage_percent = 100.0 * sums["counted_gb"] / limit if limit else 0.0
            line.cycle_priority_gb = sums["priority_gb"]
            line.cycle_opt_in_priority_gb = sums["opt_in_priority_gb"]
            line.cycle_standard_gb = sums["standard_gb"]
            line.cycle_non_billable_gb = sums["non_billable_gb"]
            line.cycle_overage_gb = overage_gb(
                line.limit_basis,
                limit,
                sums["priority_gb"],
                sums["opt_in_priority_gb"],
                sums["counted_gb"],
            )

    def _cycle_usage_by_line(self):
        """Usage sums of each line in its current cycle, read in one grouped query.

        Returns ``{line_id: {column: GB}}`` for the columns of ``CYCLE_SUMS``.
        """
        lines = self.filtered(lambda line: line.id and 1 <= line.billing_day <= 31)
        if not lines:
            return {}
        bounds = {line.id: (line.cycle_start_date, line.cycle_end_date) for line in lines}
        groups = self.env["starlink.usage.daily"]._read_group(
            [
                ("service_line_id", "in", lines.ids),
                ("date", ">=", min(start for start, _end in bounds.values())),
                ("date", "<=", max(end for _start, end in bounds.values())),
            ],
            ["service_line_id", "date:day"],
            [f"{column}:sum" for column in CYCLE_SUMS],
        )
        usage = defaultdict(lambda: dict.fromkeys(CYCLE_SUMS, 0.0))
        for line, day, *sums in groups:
            start, end = bounds[line.id]
            if start <= day <= end:
                for column, value in zip(CYCLE_SUMS, sums):
                    usage[line.id][column] += value
        return usage

    def _starlink_today(self):
        """The day these lines' cycles, prorations and billing dates count from: today in
        their company's time zone, not the user's (``res.company._starlink_today``; lines
        of one company, the current company's day for none)."""
        return (self.company_id[:1] or self.env.company)._starlink_today()

    # ------------------------------------------------------------------ constraints

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for line in self:
            if line.date_start and line.date_end and line.date_end < line.date_start:
                raise ValidationError(
                    self.env._("The end date of %s is before its start date.", line.display_name)
                )

    @api.constrains("service_line_number", "state")
    def _check_placeholder_number(self):
        for line in self:
            if line.state in ("active", "suspended") and line.service_line_number.startswith(
                PLACEHOLDER_PREFIX
            ):
                raise ValidationError(
                    self.env._(
                        "%s is not at Starlink yet: give it the service line number Starlink "
                        "assigned before changing its state.",
                        line.display_name,
                    )
                )

    # ------------------------------------------------------------------ actions

    def _check_state(self, allowed, action):
        wrong = self.filtered(lambda line: line.state not in allowed)
        if wrong:
            raise UserError(
                self.env._(
                    "Cannot %(action)s %(lines)s: only lines in state %(states)s can be.",
                    action=action,
                    lines=", ".join(wrong.mapped("display_name")),
                    states=", ".join(dict(STATES)[state] for state in allowed),
                )
            )

    def action_activate(self):
        self._check_state(["draft"], self.env._("activate"))
        for line in self:
            line.write({"state": "active", "date_start": line.date_start or line._starlink_today()})

    def action_suspend(self):
        self._check_state(["active"], self.env._("suspend"))
        self.write({"state": "suspended"})

    def action_resume(self):
        self._check_state(["suspended"], self.env._("resume"))
        self.write({"state": "active"})

    def action_cancel(self):
        self._check_state(["draft", "active", "suspended"], self.env._("cancel"))
        for line in self:
            line.write({"state": "cancelled", "date_end": line.date_end or line._starlink_today()})
        # The contract line stops billing at the end date (its last period prorated).
        self.env["contract.line"]._starlink_end_billing(self.filtered("contract_line_id"))

    def action_start_billing(self):
        """Bill the lines on their client's contract (Sales & Support: who may edit lines)."""
        self.check_access("write")
        self.env["contract.line"]._starlink_start_billing(self)

    def action_view_contract(self):
        self.ensure_one()
        return self.billing_contract_id.get_formview_action()

    def action_view_terminals(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "starlink_base.starlink_terminal_action"
        )
        action["domain"] = [("service_line_id", "=", self.id)]
        action["context"] = {
            "default_service_line_id": self.id,
            "default_account_id": self.account_id.id,
        }
        return action

    def action_view_sale_order(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "res_id": self.sale_order_id.id,
            "views": [(False, "form")],
        }

    def action_view_usage(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "starlink_base.starlink_usage_daily_action"
        )
        action["domain"] = [("service_line_id", "=", self.id)]
        action["context"] = {"default_service_line_id": self.id}
        return action
