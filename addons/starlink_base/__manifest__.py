{
    "name": "Starlink Reseller: Base",
    "summary": "Starlink accounts, service lines, terminals, plans and daily usage",
    "description": """
Core of the Starlink Reseller Suite: the data model (Starlink accounts, service lines,
terminals, plans on products, daily usage), roles and record rules, and the backend views.
""",
    "version": "18.0.1.1.0",
    "category": "Services/Starlink",
    "author": "Starlink Reseller Suite",
    "website": "https://github.com/starlink-reseller-suite",
    "license": "LGPL-3",
    "depends": [
        "mail",
        "portal",
        "product",
        "stock",
        "sale_management",
        "crm",
        "account",
        "contract",
    ],
    "data": [
        "security/starlink_base_security.xml",
        "security/ir.model.access.csv",
        "views/starlink_account_views.xml",
        "views/starlink_service_line_views.xml",
        "views/starlink_terminal_views.xml",
        "views/starlink_usage_daily_views.xml",
        "views/product_template_views.xml",
        "views/res_partner_views.xml",
        "views/starlink_base_menus.xml",
    ],
    "demo": [
        "demo/starlink_base_demo.xml",
    ],
    "application": True,
    "installable": True,
}
