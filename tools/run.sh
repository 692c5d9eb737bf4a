#!/usr/bin/env bash
# `make run`: set-up, a database with every starlink_* addon and demo data, then Odoo on :8069.
# A second run reuses the database (UPDATE=1 updates the addons first).
source "$(dirname "$0")/setup.sh"
pg_start

DB=${DB:-starlink}
HTTP_PORT=${HTTP_PORT:-8069}

installed=$("$PG_BINDIR/psql" -d "$DB" -tAq -c \
    "SELECT count(*) FROM ir_module_module WHERE name LIKE 'starlink\_%' AND state = 'installed'" \
    2>/dev/null || echo 0)
if [[ $installed != 5 ]]; then
    log "Creating database '$DB' with the Starlink addons and demo data (a few minutes)"
    odoo_bin -d "$DB" -i "$STARLINK_MODULES" --stop-after-init \
        --logfile "$LOCAL_DIR/log/install-$DB.log" --log-level=warn \
        || die "installation failed; see $LOCAL_DIR/log/install-$DB.log"
elif [[ -n ${UPDATE:-} ]]; then
    log "Updating the Starlink addons in '$DB'"
    odoo_bin -d "$DB" -u "$STARLINK_MODULES" --stop-after-init \
        --logfile "$LOCAL_DIR/log/update-$DB.log" --log-level=warn \
        || die "update failed; see $LOCAL_DIR/log/update-$DB.log"
fi

echo
echo "  Starlink Reseller Suite on http://localhost:$HTTP_PORT  (database '$DB')"
echo
echo "  Backend:  admin / admin"
echo "  Portal (password 'portal'):"
"$PG_BINDIR/psql" -d "$DB" -tAq -c "
    SELECT '    ' || u.login || '  (' || p.name || ')'
      FROM res_users u
      JOIN res_partner p ON p.id = u.partner_id
     WHERE u.active AND u.share AND u.login LIKE 'portal.%'
     ORDER BY u.login"
echo "  Logs: $LOCAL_DIR/log/odoo-$DB.log    Stop: make stop"
echo

exec "$VENV_PY" "$ODOO_SRC/odoo-bin" -c "$ODOO_CONF" -d "$DB" --db-filter="^$DB\$" \
    --http-port "$HTTP_PORT" --pidfile "$LOCAL_DIR/odoo.pid" \
    --logfile "$LOCAL_DIR/log/odoo-$DB.log"
