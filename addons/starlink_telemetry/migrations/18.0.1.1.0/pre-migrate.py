"""18.0.1.1.0: the telemetry store of 18.0.1.0.0 (one wide row per sample) steps aside.

Its table and its daily partitions are renamed (``starlink_telemetry_raw_legacy``,
``starlink_telemetry_legacy_p<day>``) and its view dropped, so that the module creates the
narrow store under the same names; ``post-migrate`` moves the samples across.
"""

LEGACY_TABLE = "starlink_telemetry_raw_legacy"


def rename_legacy_store(cr):
    """Rename the 18.0.1.0.0 store, if the database has one. Returns True when renamed."""
    cr.execute(
        """SELECT 1 FROM information_schema.columns
            WHERE table_name = 'starlink_telemetry_raw' AND column_name = 'device_id'"""
    )
    if not cr.fetchone():
        return False
    cr.execute("DROP VIEW IF EXISTS starlink_telemetry_sample")
    cr.execute(
        """SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'starlink_telemetry_raw'::regclass"""
    )
    for (name,) in cr.fetchall():
        cr.execute(f'ALTER TABLE "{name}" RENAME TO "starlink_telemetry_legacy_p{name[-8:]}"')
    cr.execute(f'ALTER TABLE starlink_telemetry_raw RENAME TO "{LEGACY_TABLE}"')
    return True


def migrate(cr, version):
    if version:
        rename_legacy_store(cr)
