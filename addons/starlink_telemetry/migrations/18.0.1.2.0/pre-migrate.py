"""18.0.1.2.0: latency and signal quality are stored as scaled ``smallint``s.

In the store of 18.0.1.1.0 they were ``real``s (``latency_ms``, ``signal_quality``, in the
raw rows and as arrays in the compacted rows); they become ``latency`` (0.1 ms, at most
3,276.7 ms) and ``signal`` (1/10,000), as ping drop and obstruction already were. The view
reading both shapes depends on these columns: it is dropped here and the module's ``init``
creates it again.
"""

# (old column, new column, scale) of both tables
CHANGES = (("latency_ms", "latency", 10), ("signal_quality", "signal", 10_000))


def scale_measures(cr):
    """Convert the two columns of the raw and compacted tables (and their partitions, by
    ALTER TABLE of the parent), if the database has the 18.0.1.1.0 store. Returns True when
    converted."""
    cr.execute(
        """SELECT 1 FROM information_schema.columns
            WHERE table_name = 'starlink_telemetry_raw' AND column_name = 'latency_ms'"""
    )
    if not cr.fetchone():
        return False
    cr.execute("DROP VIEW IF EXISTS starlink_telemetry_sample")
    # ALTER COLUMN ... USING takes no subquery: the arrays are converted by a function (and
    # NULL stays NULL: least() would ignore it)
    cr.execute(
        """CREATE FUNCTION pg_temp.starlink_scaled(real[], integer) RETURNS smallint[]
           LANGUAGE sql IMMUTABLE AS $$
               SELECT array_agg(CASE WHEN v * $2 > 32767 THEN 32767
                                     ELSE round(v * $2) END::smallint ORDER BY n)
                 FROM unnest($1) WITH ORDINALITY AS a(v, n)
           $$"""
    )
    for old, new, scale in CHANGES:
        cr.execute(
            f"""ALTER TABLE starlink_telemetry_raw ALTER COLUMN {old} TYPE smallint
                USING CASE WHEN {old} * {scale} > 32767 THEN 32767
                           ELSE round({old} * {scale}) END"""
        )
        cr.execute(f"ALTER TABLE starlink_telemetry_raw RENAME COLUMN {old} TO {new}")
        # a new type resets the column's compression: the rewrite compresses with the
        # session's default, lz4 meanwhile; lz4 is set again for the rows to come
        cr.execute("SET default_toast_compression = lz4")
        cr.execute(
            f"""ALTER TABLE starlink_telemetry_compact ALTER COLUMN {old} TYPE smallint[]
                USING pg_temp.starlink_scaled({old}, {scale})"""
        )
        cr.execute("RESET default_toast_compression")
        cr.execute(f"ALTER TABLE starlink_telemetry_compact ALTER COLUMN {old} SET COMPRESSION lz4")
        cr.execute(f"ALTER TABLE starlink_telemetry_compact RENAME COLUMN {old} TO {new}")
    cr.execute("DROP FUNCTION pg_temp.starlink_scaled(real[], integer)")
    return True


def migrate(cr, version):
    if version:
        scale_measures(cr)
