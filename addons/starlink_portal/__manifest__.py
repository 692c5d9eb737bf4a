{
    "name": "Starlink Reseller: Portal",
    "summary": "Client portal: service lines, usage, forecasts, alerts and reports",
    "version": "18.0.1.0.0",
    "category": "Services/Starlink",
    "author": "Starlink Reseller Suite",
    "website": "https://github.com/starlink-reseller-suite",
    "license": "LGPL-3",
    "depends": ["starlink_telemetry", "portal"],
    "data": [],
    "installable": True,
}
