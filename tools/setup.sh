#!/usr/bin/env bash
# Prepares everything `make run` and `make test` need, and reuses what is already there:
#   1. system packages (PostgreSQL server, wkhtmltopdf, chromium, build headers)
#   2. the Odoo 18.0 source ($ODOO_SRC, else /opt/odoo-src/18.0, else a shallow clone)
#   3. the project venv (.venv) with Odoo's requirements, ours and the OCA addons
#   4. a PostgreSQL server: $PGHOST/$PGPORT when set, else a private cluster under .local/pg
#   5. the local Odoo configuration .local/odoo.conf
#   6. the Node tools of the tests (tools/package.json: axe-core) in .local/node_modules
# Sourced by the other scripts in tools/ (it exports ODOO_SRC, VENV_PY, ODOO_CONF, PG* variables).
set -euo pipefail

PROJECT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOCAL_DIR="$PROJECT_DIR/.local"
mkdir -p "$LOCAL_DIR/log"

log() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
warn() { printf '\033[1;33mWARNING:\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31mERROR:\033[0m %s\n' "$*" >&2; exit 1; }

# --- 1. system packages ------------------------------------------------------------------------
PG_BINDIR=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
missing=()
[[ -n $PG_BINDIR && -x $PG_BINDIR/initdb ]] || missing+=(postgresql)
command -v wkhtmltopdf >/dev/null || missing+=(wkhtmltopdf)
command -v chromium >/dev/null || missing+=(chromium)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
command -v pg_config >/dev/null || missing+=(libpq-dev)
[[ -f /usr/include/ldap.h ]] || missing+=(libldap2-dev)
[[ -f /usr/include/sasl/sasl.h ]] || missing+=(libsasl2-dev)
command -v git >/dev/null || missing+=(git)
command -v curl >/dev/null || missing+=(curl)
if ((${#missing[@]})); then
    cmd="apt-get install -y ${missing[*]}"
    if [[ $(id -u) == 0 ]]; then
        log "Installing system packages: ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get update -q
        DEBIAN_FRONTEND=noninteractive $cmd
        PG_BINDIR=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
    else
        die "missing system packages; run:  sudo apt-get update && sudo $cmd"
    fi
fi
# nginx (the reverse proxy of `make prod`) and openssl (its self-signed certificate): installed
# as root; elsewhere only `make prod` needs them, and its tests are skipped with the reason.
if ! command -v nginx >/dev/null && [[ ! -x /usr/sbin/nginx ]] || ! command -v openssl >/dev/null; then
    if [[ $(id -u) == 0 ]]; then
        log "Installing system packages: nginx openssl"
        { DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && \
          DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx openssl >/dev/null; } \
            || warn "nginx could not be installed: make prod and its tests need it"
    else
        warn "nginx is missing (make prod and its tests need it): sudo apt-get install -y nginx openssl"
    fi
fi

# --- 2. Odoo source ------------------------------------------------------------------------------
if [[ -z ${ODOO_SRC:-} ]]; then
    if [[ -f /opt/odoo-src/18.0/odoo-bin ]]; then
        ODOO_SRC=/opt/odoo-src/18.0
    else
        ODOO_SRC="$PROJECT_DIR/.odoo-src"
        if [[ ! -f $ODOO_SRC/odoo-bin ]]; then
            log "Cloning Odoo 18.0 into $ODOO_SRC"
            git clone --depth 1 -b 18.0 https://github.com/odoo/odoo "$ODOO_SRC"
        fi
    fi
fi
[[ -f $ODOO_SRC/odoo-bin ]] || die "ODOO_SRC=$ODOO_SRC holds no odoo-bin"
export ODOO_SRC

# --- 3. venv -------------------------------------------------------------------------------------
VENV="$PROJECT_DIR/.venv"
VENV_PY="$VENV/bin/python"
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
stamp_src=$(cat "$ODOO_SRC/requirements.txt" "$PROJECT_DIR/requirements.txt" \
    "$PROJECT_DIR/requirements-oca.txt" "$PROJECT_DIR/tools/build-constraints.txt" | sha1sum | cut -c1-16)
if [[ ! -f $VENV/.stamp || $(cat "$VENV/.stamp") != "$stamp_src" ]]; then
    log "Building the venv in $VENV (first run takes a few minutes)"
    [[ -x $VENV_PY ]] || "$PYTHON" -m venv "$VENV"
    # PIP_CONSTRAINT also reaches the isolated build environments of the old sdists.
    export PIP_CONSTRAINT="$PROJECT_DIR/tools/build-constraints.txt"
    "$VENV_PY" -m pip install -q --upgrade "pip<25" wheel "setuptools<70"
    "$VENV_PY" -m pip install -q -r "$ODOO_SRC/requirements.txt"
    "$VENV_PY" -m pip install -q -r "$PROJECT_DIR/requirements.txt"
    "$VENV_PY" -m pip install -q --no-deps -r "$PROJECT_DIR/requirements-oca.txt"
    unset PIP_CONSTRAINT
    echo "$stamp_src" > "$VENV/.stamp"
fi
export VENV VENV_PY

# --- 4. PostgreSQL -------------------------------------------------------------------------------
# An explicitly configured server (PGHOST) is used as is; otherwise a private cluster under
# .local/pg, on a unix socket only, owned by the `postgres` system user when we run as root
# (initdb and postgres refuse to run as root). When that user cannot reach the project folder
# (e.g. a clone under /root, mode 700), root's cluster lives in a folder of its own in the home
# of `postgres` instead, named after the project folder and a hash of its path.
PG_DIR="$LOCAL_DIR/pg"
if [[ $(id -u) == 0 && -z ${PGHOST:-} && ! -f $PG_DIR/data/PG_VERSION ]]; then
    pg_home=$(getent passwd postgres | cut -d: -f6)
    pg_elsewhere="${pg_home:-/var/lib/postgresql}/starlink-$(basename "$PROJECT_DIR" \
        | tr -cd 'A-Za-z0-9_.-' | cut -c1-20)-$(printf %s "$PROJECT_DIR" | sha1sum | cut -c1-10)"
    if [[ -d $pg_elsewhere ]] || ! runuser -u postgres -- test -x "$LOCAL_DIR"; then
        PG_DIR=$pg_elsewhere
    fi
fi
if [[ -n ${PGHOST:-} ]]; then
    DB_HOST=$PGHOST; DB_PORT=${PGPORT:-5432}; DB_USER=${PGUSER:-odoo}; DB_PASSWORD=${PGPASSWORD:-}
    PG_PRIVATE=0
else
    DB_HOST="$PG_DIR/run"; DB_PORT=${PGPORT:-5432}; DB_USER=odoo; DB_PASSWORD=
    PG_PRIVATE=1
    ((${#DB_HOST} < 90)) || die "project path too long for a PostgreSQL socket; set PGHOST instead"
fi
export PGHOST=$DB_HOST PGPORT=$DB_PORT PGUSER=$DB_USER PG_BINDIR PG_PRIVATE PG_DIR
[[ -n $DB_PASSWORD ]] && export PGPASSWORD=$DB_PASSWORD

as_pg() {  # run a PostgreSQL server command as its owner (from /: it may not reach ours)
    if [[ $(id -u) == 0 ]]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

pg_start() {
    [[ $PG_PRIVATE == 1 ]] || return 0
    if [[ ! -f $PG_DIR/data/PG_VERSION ]]; then
        log "Creating a private PostgreSQL cluster in $PG_DIR"
        mkdir -p "$PG_DIR/data" "$PG_DIR/run"
        if [[ $(id -u) == 0 ]]; then chown -R postgres: "$PG_DIR" && chmod 700 "$PG_DIR"; fi
        as_pg "$PG_BINDIR/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
        cat >> "$PG_DIR/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$PG_DIR/run'
port = $DB_PORT
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 512MB
work_mem = 32MB
max_connections = 200
EOF
    fi
    if ! "$PG_BINDIR/pg_isready" -q -h "$DB_HOST" -p "$DB_PORT"; then
        log "Starting PostgreSQL ($PG_DIR)"
        as_pg "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgresql.log" -w start >/dev/null
    fi
    as_pg "$PG_BINDIR/psql" -h "$DB_HOST" -p "$DB_PORT" -U postgres -d postgres -tAq -c \
        "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'odoo') THEN
         CREATE ROLE odoo LOGIN SUPERUSER; END IF; END\$\$;"
}

pg_stop() {
    [[ $PG_PRIVATE == 1 && -f $PG_DIR/data/postmaster.pid ]] || return 0
    log "Stopping PostgreSQL ($PG_DIR)"
    as_pg "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null || true
}

# --- 5. Odoo configuration -----------------------------------------------------------------------
ODOO_CONF="$LOCAL_DIR/odoo.conf"
cat > "$ODOO_CONF" <<EOF
; generated by tools/setup.sh for local runs; odoo.conf at the top is the Docker one
[options]
addons_path = $ODOO_SRC/odoo/addons,$ODOO_SRC/addons,$PROJECT_DIR/addons
data_dir = $LOCAL_DIR/filestore
db_host = $DB_HOST
db_port = $DB_PORT
db_user = $DB_USER
db_password = ${DB_PASSWORD:-False}
admin_passwd = admin
list_db = True
EOF
export ODOO_CONF PROJECT_DIR LOCAL_DIR

odoo_bin() { "$VENV_PY" "$ODOO_SRC/odoo-bin" -c "$ODOO_CONF" "$@"; }
odoo_shell() { "$VENV_PY" "$ODOO_SRC/odoo-bin" shell -c "$ODOO_CONF" "$@"; }
report_url() {  # report_url DB URL: wkhtmltopdf fetches the reports' styles from URL (Odoo's
    # own address; through a proxy or on another port than web.base.url's they would not load)
    "$PG_BINDIR/psql" -d "$1" -tAq -v ON_ERROR_STOP=1 -c "
        INSERT INTO ir_config_parameter (key, value, create_date, write_date)
        VALUES ('report.url', '$2', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
        ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, write_date = EXCLUDED.write_date"
}

# --- 6. Node tools of the tests --------------------------------------------------------------------
# axe-core (the portal's accessibility audit), pinned by tools/package-lock.json, installed with
# `npm ci` into .local/node_modules when the lock changed or the folder is missing. Without npm
# the audit tests are skipped (with their reason), nothing else needs it.
AXE_CORE_JS="$LOCAL_DIR/node_modules/axe-core/axe.min.js"
export AXE_CORE_JS
node_tools() {
    local stamp lock="$PROJECT_DIR/tools/package-lock.json" npm_log="$LOCAL_DIR/log/npm.log"
    [[ -f $lock ]] || return 0
    stamp=$(sha1sum "$lock" | cut -c1-16)
    [[ -f $AXE_CORE_JS && -f $LOCAL_DIR/node_modules/.stamp \
        && $(cat "$LOCAL_DIR/node_modules/.stamp") == "$stamp" ]] && return 0
    if ! command -v npm >/dev/null; then
        warn "npm not found: axe-core is not installed and the accessibility audit tests will be" \
            "skipped (install Node.js and npm, e.g. apt-get install npm)"
        return 0
    fi
    log "Installing the Node tools of the tests (tools/package-lock.json) into $LOCAL_DIR/node_modules"
    cp "$PROJECT_DIR/tools/package.json" "$lock" "$LOCAL_DIR/"
    if npm ci --prefix "$LOCAL_DIR" --no-audit --no-fund --ignore-scripts --loglevel=error \
        >"$npm_log" 2>&1; then
        echo "$stamp" > "$LOCAL_DIR/node_modules/.stamp"
    else
        warn "npm ci failed (see $npm_log): the accessibility audit tests will be skipped"
    fi
}
node_tools

STARLINK_MODULES=starlink_base,starlink_telemetry,starlink_portal,starlink_helpdesk,starlink_reports
export STARLINK_MODULES
