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

# The Starlink API simulator is the demo's backend: one per demo account (make stop stops them),
# serving that account's demo lines and terminals as the database holds them
# (tools/demo_fleet.py), so that the synchronisation keeps every one of them, with the 8 hours
# of telemetry Starlink's stream keeps.
SIM_PORT=${SIM_PORT:-8765}
simulators=()
port=$SIM_PORT
seed=42
while IFS='|' read -r number lines; do
    [[ -n $number ]] || continue
    pidfile="$LOCAL_DIR/simulator-$port.pid"
    if ! { [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }; then
        fleet=(--terminals 1)
        if ((lines > 0)); then
            "$VENV_PY" "$PROJECT_DIR/tools/demo_fleet.py" "$DB" "$number" \
                > "$LOCAL_DIR/simulator-$port.json" || die "could not describe the fleet of $number"
            fleet=(--fleet "$LOCAL_DIR/simulator-$port.json")
        fi
        log "Starting the Starlink simulator for $number on port $port ($lines service lines)"
        PYTHONPATH="$PROJECT_DIR/tools" nohup "$VENV_PY" -m starlink_simulator --port "$port" \
            --account-number "$number" "${fleet[@]}" --seed "$seed" --stream-backlog 28800 \
            > "$LOCAL_DIR/log/simulator-$port.log" 2>&1 &
        echo $! > "$pidfile"
    fi
    simulators+=("$number=http://127.0.0.1:$port")
    port=$((port + 1)); seed=$((seed + 1))
done < <("$PG_BINDIR/psql" -d "$DB" -tAq -F '|' -c "
    SELECT a.account_number, count(l.id)
      FROM starlink_account a
      LEFT JOIN starlink_service_line l
        ON l.account_id = a.id AND l.state IN ('active', 'suspended')
     WHERE a.active AND a.id IN (SELECT res_id FROM ir_model_data
                                  WHERE module = 'starlink_base' AND model = 'starlink.account')
     GROUP BY a.id, a.account_number ORDER BY a.id")
# A local SMTP sink is the demo's outgoing mail server (tools/smtp_sink.py): mails reach
# "sent" and are kept as .eml files in .local/mail; make stop stops it.
SMTP_PORT=${SMTP_PORT:-8025}
pidfile="$LOCAL_DIR/smtp-sink.pid"
if ! { [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }; then
    log "Starting the SMTP sink on port $SMTP_PORT (mails in $LOCAL_DIR/mail)"
    nohup "$VENV_PY" "$PROJECT_DIR/tools/smtp_sink.py" --port "$SMTP_PORT" \
        --dir "$LOCAL_DIR/mail" > "$LOCAL_DIR/log/smtp-sink.log" 2>&1 &
    echo $! > "$pidfile"
fi
for sim in "${simulators[@]}"; do
    url=${sim#*=}
    for _ in $(seq 50); do curl -sf "$url/_sim/health" >/dev/null && break; sleep 0.2; done
    curl -sf "$url/_sim/health" >/dev/null \
        || die "the Starlink simulator $url did not start; see $LOCAL_DIR/log/simulator-*.log"
done
if [[ ${#simulators[@]} -gt 0 ]]; then
    linked=$("$PG_BINDIR/psql" -d "$DB" -tAq -c \
        "SELECT 1 FROM ir_config_parameter WHERE key = 'starlink.demo_simulator_linked'")
    if [[ -z $linked ]]; then
        log "Pointing the demo accounts at the simulators and running a first sync"
        SIMULATORS=$(IFS=,; echo "${simulators[*]}") SMTP_PORT=$SMTP_PORT odoo_shell -d "$DB" --no-http \
            --log-level=warn < "$PROJECT_DIR/tools/demo_simulator.py" \
            >> "$LOCAL_DIR/log/install-$DB.log" 2>&1 \
            || die "linking the demo to the simulators failed; see $LOCAL_DIR/log/install-$DB.log"
    fi
fi

report_url "$DB" "http://127.0.0.1:$HTTP_PORT" >/dev/null

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
echo "  Starlink API simulators: ${simulators[*]:-none}"
echo "  Mails (SMTP sink on port $SMTP_PORT): $LOCAL_DIR/mail/*.eml"
echo "  Logs: $LOCAL_DIR/log/odoo-$DB.log    Stop: make stop"
echo

exec "$VENV_PY" "$ODOO_SRC/odoo-bin" -c "$ODOO_CONF" -d "$DB" --db-filter="^$DB\$" \
    --http-port "$HTTP_PORT" --pidfile "$LOCAL_DIR/odoo.pid" \
    --logfile "$LOCAL_DIR/log/odoo-$DB.log"
