from odoo import fields, models

NONPAYMENT_GRACE_DAYS = 15
NONPAYMENT_ACTIONS = [
    ("none", "None (reseller-side only)"),
    ("opt_out", "Opt out of priority data"),
    ("cancel", "Cancel the service line at Starlink"),
]


class ResCompany(models.Model):
    """Suspension for non-payment, set per company (Settings > Starlink)."""

    _inherit = "res.company"

    starlink_nonpayment_enabled = fields.Boolean(
        string="Suspend Unpaid Lines",
        default=True,
        help="Each day, suspend the service lines of a posted customer invoice left unpaid "
        "past its due date plus the grace days, and resume them once it is paid.",
    )
    starlink_nonpayment_grace_days = fields.Integer(
        string="Grace Days",
        default=NONPAYMENT_GRACE_DAYS,
        help="Days after an invoice's due date before its service lines are suspended: due "
        "on the 1st with 15 grace days, the line is suspended on the 17th.",
    )
    starlink_nonpayment_action = fields.Selection(
        NONPAYMENT_ACTIONS,
        string="Action at Starlink",
        default="none",
        required=True,
        help="What is sent to Starlink when a line is suspended (Starlink has no reversible "
        "pause).\n"
        "None: the suspension is reseller-side only; Starlink keeps serving the line.\n"
        "Opt out of priority data: past its plan's limit the line falls back to standard "
        "data; it is opted in again when it resumes (if it was opted in).\n"
        "Cancel: the line is deleted at Starlink. This cannot be undone: a client who pays "
        "afterwards needs a new activation.",
    )
    starlink_nonpayment_mail = fields.Boolean(
        string="Mail the Client",
        default=True,
        help="Mail the client when a line is suspended for non-payment and when it resumes.",
    )

    _sql_constraints = [
        (
            "starlink_nonpayment_grace_days_positive",
            "CHECK(starlink_nonpayment_grace_days >= 0)",
            "The grace days of the suspension for non-payment cannot be negative.",
        ),
    ]
