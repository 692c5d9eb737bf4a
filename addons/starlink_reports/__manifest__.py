{
    "name": "Starlink Reseller: Reports",
    "summary": "Usage reports (PDF, XLSX, CSV), scheduled report mailing and analytics",
    "description": """
QWeb PDF usage reports per client and period with server-side charts, the same figures as
XLSX (OCA report_xlsx) and CSV, report templates, scheduled reports mailed once per period
with a delivery log, the client's report history in the portal, and the reseller's analysis
(overview, usage trends, anomalies, capacity planning, revenue against cost per plan).
""",
    "version": "18.0.1.0.0",
    "category": "Services/Starlink",
    "author": "Starlink Reseller Suite",
    "website": "https://github.com/starlink-reseller-suite",
    "license": "LGPL-3",
    "depends": ["starlink_telemetry", "starlink_portal", "report_xlsx", "mail"],
    "external_dependencies": {"python": ["xlsxwriter"]},
    "data": [
        "security/ir.model.access.csv",
        "security/starlink_reports_security.xml",
        "data/ir_cron_data.xml",
        "data/mail_template_data.xml",
        "data/starlink_report_template_data.xml",
        "report/usage_report.xml",
        "report/usage_report_templates.xml",
        "wizard/starlink_usage_report_wizard_views.xml",
        "views/starlink_report_template_views.xml",
        "views/starlink_report_delivery_views.xml",
        "views/starlink_report_schedule_views.xml",
        "views/starlink_analysis_views.xml",
        "views/starlink_reports_portal_templates.xml",
        "views/starlink_reports_menus.xml",
    ],
    "demo": [
        "demo/starlink_reports_demo.xml",
    ],
    "installable": True,
}
