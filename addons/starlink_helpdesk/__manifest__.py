{
    "name": "Starlink Reseller: Helpdesk",
    "summary": "Tickets linked to service lines and terminals, opened by outages before the "
    "client calls, with the terminal's telemetry",
    "version": "18.0.1.0.0",
    "category": "Services/Starlink",
    "author": "Starlink Reseller Suite",
    "website": "https://github.com/starlink-reseller-suite",
    "license": "LGPL-3",
    "depends": ["starlink_portal", "helpdesk_mgmt", "helpdesk_mgmt_sla"],
    "data": [
        "security/starlink_helpdesk_security.xml",
        "security/starlink_helpdesk_technician_security.xml",
        "data/helpdesk_data.xml",
        "data/mail_template_data.xml",
        "data/helpdesk_sla_data.xml",
        "views/helpdesk_ticket_views.xml",
        "views/helpdesk_ticket_technician_views.xml",
        "views/starlink_alert_rule_views.xml",
        "views/starlink_service_line_views.xml",
        "views/starlink_terminal_views.xml",
        "wizard/starlink_terminal_swap_wizard_views.xml",
    ],
    "demo": [
        "demo/starlink_helpdesk_demo.xml",
    ],
    "installable": True,
}
