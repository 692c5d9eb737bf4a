{
    "name": "Starlink Reseller: Helpdesk",
    "summary": "Tickets linked to Starlink service lines and terminals",
    "version": "18.0.1.0.0",
    "category": "Services/Starlink",
    "author": "Starlink Reseller Suite",
    "website": "https://github.com/starlink-reseller-suite",
    "license": "LGPL-3",
    "depends": ["starlink_telemetry", "helpdesk_mgmt"],
    "data": [],
    "installable": True,
}
