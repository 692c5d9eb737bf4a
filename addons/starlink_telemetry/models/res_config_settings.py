from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    starlink_raw_retention_days = fields.Integer(
        string="Raw Telemetry Retention (days)",
        config_parameter="starlink_telemetry.raw_retention_days",
        default=8,
        help="15-second samples older than this are dropped; hourly rollups are kept.",
    )
    starlink_rollup_retention_months = fields.Integer(
        string="Hourly Rollup Retention (months)",
        config_parameter="starlink_telemetry.rollup_retention_months",
        default=13,
    )
    starlink_health_offline_minutes = fields.Integer(
        string="Offline After (minutes)",
        config_parameter="starlink_telemetry.health_offline_minutes",
        default=5,
        help="A terminal with no telemetry for this long is offline.",
    )
    starlink_health_degraded_latency_ms = fields.Float(
        string="Degraded Latency (ms)",
        config_parameter="starlink_telemetry.health_degraded_latency_ms",
        default=100.0,
    )
    starlink_health_degraded_ping_drop_percent = fields.Float(
        string="Degraded Ping Drop (%)",
        config_parameter="starlink_telemetry.health_degraded_ping_drop_percent",
        default=5.0,
    )
    starlink_health_obstructed_percent = fields.Float(
        string="Obstructed Above (%)",
        config_parameter="starlink_telemetry.health_obstructed_percent",
        default=10.0,
    )
