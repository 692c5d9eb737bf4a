from odoo import api, fields, models


class StarlinkAccount(models.Model):
    """A reseller's Starlink account and the credentials used to reach the Starlink API."""

    _name = "starlink.account"
    _description = "Starlink Account"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "name"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    account_number = fields.Char(
        required=True,
        tracking=True,
        help="The Starlink account number, e.g. ACC-1234567-12345-12.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    active = fields.Boolean(default=True)
    api_base_url = fields.Char(
        string="API Base URL",
        required=True,
        default="https://starlink.com/api",
        help="Root of the Starlink Public API; the client calls <base>/public/v2/...",
    )
    token_url = fields.Char(
        string="Token URL",
        required=True,
        default="https://starlink.com/api/auth/connect/token",
        help="OAuth2 client-credentials endpoint that issues API tokens.",
    )
    client_id = fields.Char(string="Client ID", groups="base.group_system", copy=False)
    client_secret = fields.Char(groups="base.group_system", copy=False)
    service_line_ids = fields.One2many("starlink.service.line", "account_id")
    terminal_ids = fields.One2many("starlink.terminal", "account_id")
    service_line_count = fields.Integer(compute="_compute_counts")
    terminal_count = fields.Integer(compute="_compute_counts")
    last_sync_date = fields.Datetime(readonly=True, copy=False)
    last_sync_status = fields.Selection(
        selection=[("ok", "Success"), ("warning", "Partial"), ("error", "Failed")],
        readonly=True,
        copy=False,
    )
    last_sync_message = fields.Text(readonly=True, copy=False)

    _sql_constraints = [
        (
            "account_number_company_uniq",
            "unique(account_number, company_id)",
            "This Starlink account number already exists in this company.",
        ),
    ]

    @api.depends("service_line_ids", "terminal_ids")
    def _compute_counts(self):
        line_counts = dict(
            self.env["starlink.service.line"]._read_group(
                [("account_id", "in", self.ids)], ["account_id"], ["__count"]
            )
        )
        terminal_counts = dict(
            self.env["starlink.terminal"]._read_group(
                [("account_id", "in", self.ids)], ["account_id"], ["__count"]
            )
        )
        for account in self:
            account.service_line_count = line_counts.get(account, 0)
            account.terminal_count = terminal_counts.get(account, 0)

    def action_view_service_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "starlink_base.starlink_service_line_action"
        )
        action["domain"] = [("account_id", "=", self.id)]
        action["context"] = {"default_account_id": self.id}
        return action

    def action_view_terminals(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "starlink_base.starlink_terminal_action"
        )
        action["domain"] = [("account_id", "=", self.id)]
        action["context"] = {"default_account_id": self.id}
        return action
