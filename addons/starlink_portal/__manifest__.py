{
    "name": "Starlink Reseller: Portal",
    "summary": "Client portal: service lines, usage, forecasts, alerts and reports",
    "version": "18.0.1.0.0",
    "category": "Services/Starlink",
    "author": "Starlink Reseller Suite",
    "website": "https://github.com/starlink-reseller-suite",
    "license": "LGPL-3",
    "depends": ["starlink_telemetry", "portal", "account", "auth_totp_portal"],
    "external_dependencies": {"python": ["xlsxwriter"]},
    "data": [
        "views/starlink_portal_templates.xml",
        "views/starlink_portal_line_templates.xml",
        "views/portal_templates.xml",
        "views/starlink_portal_chart_templates.xml",
    ],
    "assets": {
        "web.assets_frontend": [
            "starlink_portal/static/src/scss/starlink_portal.scss",
            "starlink_portal/static/src/scss/starlink_portal_charts.scss",
            "starlink_portal/static/src/js/starlink_portal_charts.js",
            "starlink_portal/static/src/js/starlink_portal_live.js",
        ],
        "web.assets_tests": [
            "starlink_portal/static/tests/tours/*.js",
        ],
    },
    "installable": True,
}
