from odoo import fields, models

SYNC_STATES = [("ok", "Success"), ("warning", "Partial"), ("error", "Failed")]

STREAMS = [
    ("products", "Plans"),
    ("service_lines", "Service Lines"),
    ("terminals", "Terminals"),
    ("usage", "Daily Usage"),
    ("costs", "Starlink Costs"),
    ("telemetry", "Telemetry Stream"),
    ("maintenance", "Telemetry Maintenance"),
]


class StarlinkSyncStatus(models.Model):
    """The last synchronisation of one data stream of a Starlink account."""

    _name = "starlink.sync.status"
    _description = "Starlink Sync Status"
    _order = "account_id, stream"
    _rec_name = "stream"

    account_id = fields.Many2one(
        "starlink.account", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="account_id.company_id", store=True)
    stream = fields.Selection(STREAMS, required=True, readonly=True)
    last_run = fields.Datetime(readonly=True)
    last_success = fields.Datetime(readonly=True)
    state = fields.Selection(SYNC_STATES, readonly=True)
    record_count = fields.Integer(string="Records", readonly=True)
    error_count = fields.Integer(string="Errors", readonly=True)
    message = fields.Text(readonly=True)

    _sql_constraints = [
        ("account_stream_uniq", "unique(account_id, stream)", "One status per account and stream."),
    ]
