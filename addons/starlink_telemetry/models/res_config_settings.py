from odoo import fields, models

from .starlink_telemetry_hourly import ROLLUP_RETENTION_MONTHS
from .starlink_telemetry_sample import RAW_RETENTION_DAYS
from .starlink_terminal import HEALTH_DEFAULTS


class ResConfigSettings(models.TransientModel):
    """Starlink settings. Each default is the constant the model reading it falls back to."""

    _inherit = "res.config.settings"

    starlink_raw_retention_days = fields.Integer(
        string="Raw Telemetry Retention (days)",
        config_parameter="starlink_telemetry.raw_retention_days",
        default=RAW_RETENTION_DAYS,
        help="15-second samples older than this are dropped; hourly rollups are kept.",
    )
    starlink_rollup_retention_months = fields.Integer(
        string="Hourly Rollup Retention (months)",
        config_parameter="starlink_telemetry.rollup_retention_months",
        default=ROLLUP_RETENTION_MONTHS,
    )
    starlink_health_offline_minutes = fields.Integer(
        string="Offline After (minutes)",
        config_parameter="starlink_telemetry.health_offline_minutes",
        default=HEALTH_DEFAULTS["offline_minutes"],
        help="A terminal with no telemetry for this long is offline.",
    )
    starlink_health_degraded_latency_ms = fields.Float(
        string="Degraded Latency (ms)",
        config_parameter="starlink_telemetry.health_degraded_latency_ms",
        default=HEALTH_DEFAULTS["degraded_latency_ms"],
    )
    starlink_health_degraded_ping_drop_percent = fields.Float(
        string="Degraded Ping Drop (%)",
        config_parameter="starlink_telemetry.health_degraded_ping_drop_percent",
        default=HEALTH_DEFAULTS["degraded_ping_drop_percent"],
    )
    starlink_health_obstructed_percent = fields.Float(
        string="Obstructed Above (%)",
        config_parameter="starlink_telemetry.health_obstructed_percent",
        default=HEALTH_DEFAULTS["obstructed_percent"],
    )
    starlink_nonpayment_enabled = fields.Boolean(
        related="company_id.starlink_nonpayment_enabled", readonly=False
    )
    starlink_nonpayment_grace_days = fields.Integer(
        related="company_id.starlink_nonpayment_grace_days", readonly=False
    )
    starlink_nonpayment_action = fields.Selection(
        related="company_id.starlink_nonpayment_action", readonly=False
    )
    starlink_nonpayment_mail = fields.Boolean(
        related="company_id.starlink_nonpayment_mail", readonly=False
    )
