"""18.0.1.1.0: the samples of the 18.0.1.0.0 store move to the narrow store."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if version:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env["starlink.telemetry.sample"]._migrate_legacy_store()
