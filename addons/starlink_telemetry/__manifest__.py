{
    "name": "Starlink Reseller: Telemetry",
    "summary": "Starlink API V2 client, sync jobs, telemetry store, terminal health",
    "description": """
Talks to the Starlink Public API V2: synchronises plans, service lines, terminals and daily
usage, polls the telemetry stream into a partitioned store with hourly rollups, and keeps each
terminal's health up to date.
""",
    "version": "18.0.1.2.0",
    "category": "Services/Starlink",
    "author": "Starlink Reseller Suite",
    "website": "https://github.com/starlink-reseller-suite",
    "license": "LGPL-3",
    "depends": ["starlink_base"],
    "external_dependencies": {
        "python": ["numpy", "orjson", "pandas", "requests", "scikit-learn", "threadpoolctl"]
    },
    "data": [
        "security/ir.model.access.csv",
        "security/starlink_telemetry_security.xml",
        "data/ir_cron_data.xml",
        "data/mail_template_data.xml",
        "data/starlink_alert_rule_data.xml",
        "views/starlink_telemetry_hourly_views.xml",
        "views/starlink_alert_views.xml",
        "views/starlink_api_request_views.xml",
        "views/starlink_overage_reconciliation_views.xml",
        "views/starlink_cost_line_views.xml",
        "views/starlink_margin_report_views.xml",
        "views/contract_line_views.xml",
        "wizard/starlink_top_up_wizard_views.xml",
        "wizard/starlink_plan_change_wizard_views.xml",
        "wizard/starlink_activation_wizard_views.xml",
        "views/starlink_service_line_views.xml",
        "views/starlink_account_views.xml",
        "views/starlink_terminal_views.xml",
        "views/res_config_settings_views.xml",
        "views/res_partner_views.xml",
        "views/starlink_telemetry_menus.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "starlink_telemetry/static/src/stream_banner/*",
        ],
        "web.assets_tests": [
            "starlink_telemetry/static/tests/tours/*",
        ],
    },
    "installable": True,
}
