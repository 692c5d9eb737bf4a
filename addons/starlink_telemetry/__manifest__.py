{
    "name": "Starlink Reseller: Telemetry",
    "summary": "Starlink API V2 client, sync jobs, telemetry store, terminal health and forecasts",
    "version": "18.0.1.0.0",
    "category": "Services/Starlink",
    "author": "Starlink Reseller Suite",
    "website": "https://github.com/starlink-reseller-suite",
    "license": "LGPL-3",
    "depends": ["starlink_base"],
    "data": [],
    "installable": True,
}
