#!/usr/bin/env bash
# Runs a benchmark of bench/ against its own database (created or updated when needed).
#   bash bench/run.sh telemetry [options of bench/telemetry_ingest.py]
#   bash bench/run.sh invoicing [options of bench/invoicing.py]
#   bash bench/run.sh portal [options of bench/portal.py]
#   bash bench/run.sh reports [options of bench/reports.py]
# Environment: BENCH_DB (default starlink_bench; starlink_bench_portal for the portal),
# BENCH_FRESH=1 to drop and recreate it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../tools/setup.sh"
pg_start

what=${1:-telemetry}
(($#)) && shift

# The portal benchmark serves its database over HTTP: its own database, with the portal.
case $what in
    portal) MODULES=starlink_portal; default_db=starlink_bench_portal ;;
    reports) MODULES=starlink_reports; default_db=starlink_bench_reports ;;
    *) MODULES=starlink_telemetry; default_db=starlink_bench ;;
esac
BENCH_DB=${BENCH_DB:-$default_db}
export BENCH_DB

if [[ ${BENCH_FRESH:-0} == 1 ]] && psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$BENCH_DB'" | grep -q 1; then
    log "Dropping $BENCH_DB"
    dropdb "$BENCH_DB"
fi
# The database follows the addons' code: installed when missing, updated when it changed.
stamp_file="$LOCAL_DIR/bench/$BENCH_DB.stamp"
addons=(starlink_base starlink_telemetry)
[[ $MODULES == starlink_telemetry ]] || addons+=("$MODULES")
stamp=$(cd "$PROJECT_DIR/addons" && find "${addons[@]}" -type f \
    \( -name '*.py' -o -name '*.xml' -o -name '*.csv' \) -print0 | sort -z | xargs -0 sha1sum | sha1sum | cut -c1-16)
mkdir -p "$LOCAL_DIR/bench"
installed=$(psql -d "$BENCH_DB" -tAc \
    "SELECT state FROM ir_module_module WHERE name = '$MODULES'" 2>/dev/null || true)
if [[ $installed != installed ]]; then
    log "Creating the benchmark database $BENCH_DB (about 2 minutes)"
    odoo_bin -d "$BENCH_DB" -i "$MODULES" --without-demo=all --stop-after-init --log-level=warn
    echo "$stamp" > "$stamp_file"
elif [[ ! -f $stamp_file || $(cat "$stamp_file") != "$stamp" ]]; then
    log "Updating $MODULES in $BENCH_DB (the addons changed)"
    odoo_bin -d "$BENCH_DB" -u "starlink_base,$MODULES" --stop-after-init --log-level=warn
    echo "$stamp" > "$stamp_file"
fi

case $what in
    telemetry) exec "$VENV_PY" "$PROJECT_DIR/bench/telemetry_ingest.py" -d "$BENCH_DB" -c "$ODOO_CONF" "$@" ;;
    invoicing) exec "$VENV_PY" "$PROJECT_DIR/bench/invoicing.py" -d "$BENCH_DB" -c "$ODOO_CONF" "$@" ;;
    portal) exec "$VENV_PY" "$PROJECT_DIR/bench/portal.py" -d "$BENCH_DB" -c "$ODOO_CONF" "$@" ;;
    reports) exec "$VENV_PY" "$PROJECT_DIR/bench/reports.py" -d "$BENCH_DB" -c "$ODOO_CONF" "$@" ;;
    *) die "unknown benchmark '$what' (known: telemetry, invoicing, portal, reports)" ;;
esac
