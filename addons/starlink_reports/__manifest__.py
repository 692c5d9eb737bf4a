{
    "name": "Starlink Reseller: Reports",
    "summary": "Usage reports (PDF, XLSX), scheduled report mailing and analytics",
    "version": "18.0.1.0.0",
    "category": "Services/Starlink",
    "author": "Starlink Reseller Suite",
    "website": "https://github.com/starlink-reseller-suite",
    "license": "LGPL-3",
    "depends": ["starlink_telemetry", "report_xlsx"],
    "data": [],
    "installable": True,
}
