{
    "name": "Starlink Reseller: Backups",
    "summary": "Scheduled backups (OCA auto_backup) with the database manager off",
    "description": """
Production runs Odoo with list_db = False: the database manager is off, and Odoo's dump
function refuses to run while it is (auto_backup's backups failed with Access Denied). This
addon lets the scheduled backups of OCA auto_backup dump the database and its filestore all
the same; the database manager stays off. Installed by make prod and the Docker set-up.
""",
    "version": "18.0.1.0.0",
    "category": "Services/Starlink",
    "author": "Starlink Reseller Suite",
    "website": "https://github.com/starlink-reseller-suite",
    "license": "LGPL-3",
    "depends": ["auto_backup"],
    "data": [],
    "installable": True,
}
