from odoo import api, fields, models

HEALTH = [
    ("unknown", "Unknown"),
    ("online", "Online"),
    ("degraded", "Degraded"),
    ("obstructed", "Obstructed"),
    ("offline", "Offline"),
]

INVENTORY_STATES = [
    ("in_stock", "In Stock"),
    ("deployed", "Deployed"),
    ("returned", "Returned / RMA"),
    ("retired", "Retired"),
]


class StarlinkTerminal(models.Model):
    """A Starlink user terminal (dish + router kit) and its latest known state."""

    _name = "starlink.terminal"
    _description = "Starlink Terminal"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "user_terminal_id"
    _rec_names_search = ["user_terminal_id", "kit_serial", "dish_serial"]
    _check_company_auto = True

    user_terminal_id = fields.Char(
        string="User Terminal ID",
        required=True,
        copy=False,
        index=True,
        tracking=True,
        help="The userTerminalId given by Starlink.",
    )
    kit_serial = fields.Char(
        compute="_compute_kit_serial",
        store=True,
        readonly=False,
        copy=False,
        index=True,
        tracking=True,
        help="Serial number of the kit, as printed on the box (the stock serial when linked).",
    )
    dish_serial = fields.Char(copy=False, tracking=True, help="Serial number of the dish.")
    lot_id = fields.Many2one(
        "stock.lot",
        string="Stock Serial",
        check_company=True,
        copy=False,
        tracking=True,
        help="The serial number in Inventory this kit was sold from.",
    )
    product_id = fields.Many2one(
        "product.product",
        string="Hardware",
        check_company=True,
        help="The kit product (e.g. Starlink Standard Kit).",
    )
    account_id = fields.Many2one(
        "starlink.account", string="Starlink Account", check_company=True, index=True
    )
    service_line_id = fields.Many2one(
        "starlink.service.line",
        string="Service Line",
        check_company=True,
        index=True,
        tracking=True,
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Client",
        compute="_compute_partner_id",
        store=True,
        readonly=False,
        check_company=True,
        index=True,
        tracking=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    active = fields.Boolean(default=True)
    inventory_state = fields.Selection(
        selection=INVENTORY_STATES,
        compute="_compute_inventory_state",
        store=True,
        tracking=True,
        index=True,
        help="Where the kit is, from the stock moves of its serial: in an internal location "
        "(In Stock), delivered to a client (Deployed), back from a client or sent back to the "
        "vendor (Returned / RMA), scrapped (Retired). A kit with no stock history is Deployed "
        "when it is on a service line.",
    )
    router_ids = fields.Char(string="Router IDs", help="Router identifiers, comma separated.")
    software_version = fields.Char()
    latitude = fields.Float(digits=(10, 6))
    longitude = fields.Float(digits=(10, 6))
    health = fields.Selection(
        selection=HEALTH, default="unknown", required=True, tracking=True, index=True
    )
    last_seen = fields.Datetime(help="Time of the latest telemetry sample received.")
    active_alerts = fields.Char(help="Alerts the terminal currently reports.")
    downlink_mbps = fields.Float(string="Downlink (Mbps)", digits=(10, 2))
    uplink_mbps = fields.Float(string="Uplink (Mbps)", digits=(10, 2))
    latency_ms = fields.Float(string="Latency (ms)", digits=(10, 1))
    ping_drop_percent = fields.Float(string="Ping Drop (%)", digits=(10, 2))
    obstruction_percent = fields.Float(string="Obstruction (%)", digits=(10, 2))
    signal_quality = fields.Float(digits=(10, 2))
    uptime_seconds = fields.Integer(string="Uptime (s)")

    _sql_constraints = [
        (
            "user_terminal_id_uniq",
            "unique(user_terminal_id)",
            "This user terminal ID already exists.",
        ),
    ]

    @api.depends("user_terminal_id", "kit_serial")
    def _compute_display_name(self):
        for terminal in self:
            name = terminal.user_terminal_id or ""
            terminal.display_name = (
                f"{name} ({terminal.kit_serial})" if terminal.kit_serial else name
            )

    @api.depends("lot_id")
    def _compute_kit_serial(self):
        for terminal in self.filtered("lot_id"):
            terminal.kit_serial = terminal.lot_id.name

    @api.depends("service_line_id.partner_id")
    def _compute_partner_id(self):
        for terminal in self.filtered("service_line_id"):
            terminal.partner_id = terminal.service_line_id.partner_id

    @api.depends("lot_id", "service_line_id")
    def _compute_inventory_state(self):
        states = self.lot_id._starlink_inventory_states()
        for terminal in self:
            terminal.inventory_state = states.get(terminal.lot_id.id) or (
                "deployed" if terminal.service_line_id else False
            )

    @api.onchange("service_line_id")
    def _onchange_service_line_id(self):
        if self.service_line_id:
            self.account_id = self.service_line_id.account_id
