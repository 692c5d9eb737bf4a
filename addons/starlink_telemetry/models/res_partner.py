from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    starlink_alert_mail = fields.Boolean(
        string="Starlink Alert Mails",
        default=True,
        help="Mail this client when one of its service lines raises an alert.",
    )
    starlink_muted_rule_ids = fields.Many2many(
        "starlink.alert.rule",
        string="Muted Starlink Alerts",
        help="Alert rules this client does not want to be mailed about.",
    )
    starlink_alert_ids = fields.One2many("starlink.alert", "partner_id", string="Starlink Alerts")
