from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

# The API credentials are sent to these addresses: only users who may read the credentials
# may point an account that has credentials somewhere else.
ENDPOINT_FIELDS = frozenset({"api_base_url", "token_url"})


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
    has_credentials = fields.Boolean(
        compute="_compute_has_credentials",
        help="Whether the API client id and secret are set; the credentials themselves are "
        "readable by Settings administrators only.",
    )
    service_line_ids = fields.One2many("starlink.service.line", "account_id")
    terminal_ids = fields.One2many("starlink.terminal", "account_id")
    service_line_count = fields.Integer(compute="_compute_counts")
    terminal_count = fields.Integer(compute="_compute_counts")

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

    @api.depends("client_id", "client_secret")
    def _compute_has_credentials(self):
        credentials = self._get_credential_states()
        for account in self:
            account.has_credentials = all(credentials.get(account._origin.id, (False, False)))

    # ------------------------------------------------------------------ CRUD

    def write(self, vals):
        if ENDPOINT_FIELDS & vals.keys() and not self.env.is_system():
            self._check_endpoint_change(vals)
        return super().write(vals)

    def _export_rows(self, fields, *, _is_toplevel_call=True):
        # Exported values are read through the transaction's cache, where a superuser read of
        # an account leaves its credentials: check the fields as read() does.
        self.check_field_access_rights("read", list({path[0] for path in fields if path}))
        return super()._export_rows(fields, _is_toplevel_call=_is_toplevel_call)

    # ------------------------------------------------------------------ actions

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

    # ------------------------------------------------------------------ credentials

    def _get_credential_states(self):
        """``{account id: (client id set, client secret set)}``, without reading the values.

        Asked in SQL: reading the credentials through the ORM, even as superuser, puts them
        in the transaction's cache, where later reads of the record find them unchecked.
        """
        ids = [account_id for account_id in self._origin.ids if account_id]
        if not ids:
            return {}
        self.flush_model(["client_id", "client_secret"])
        rows = self.env.execute_query(
            SQL(
                "SELECT id, COALESCE(client_id, '') != '', COALESCE(client_secret, '') != ''"
                " FROM %s WHERE id IN %s",
                SQL.identifier(self._table),
                tuple(ids),
            )
        )
        return {account_id: (has_id, has_secret) for account_id, has_id, has_secret in rows}

    def _check_endpoint_change(self, vals):
        """Refuse to redirect the credentials of an account to another server.

        An account's credentials are sent to its token URL and its tokens to its API base
        URL: a user who may not read the credentials may not change where they go.
        """
        credentials = self._get_credential_states()
        for account in self:
            changed = any(account[name] != vals[name] for name in ENDPOINT_FIELDS & vals.keys())
            if changed and any(credentials.get(account.id, ())):
                raise AccessError(
                    self.env._(
                        "Only Settings administrators can change the API endpoints of %s: "
                        "its credentials are sent to them.",
                        account.display_name,
                    )
                )
