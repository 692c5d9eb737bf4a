#!/usr/bin/env bash
# `make prod`: the production set-up on this machine, without Docker: the shared nginx site
# (tools/deploy/nginx/starlink.conf.template) on Debian's nginx with a self-signed certificate, in
# front of a multi-worker Odoo (proxy_mode, list_db off, websocket on the gevent port).
#   make prod                 start (or restart) on https://localhost:8443 (database starlink_prod)
#   bash tools/prod.sh stop   stop that instance (make stop stops it too)
# Environment: DB, PROD_LISTEN (the address nginx listens on: 127.0.0.1, this machine only;
# 0.0.0.0 to serve the network; Odoo itself always listens on 127.0.0.1, behind nginx),
# PROD_HTTP_PORT (8080), PROD_HTTPS_PORT (8443), PROD_ODOO_PORT (8369),
# PROD_GEVENT_PORT (8372), PROD_WORKERS (2 per CPU core + 1), NGINX_* rates (tools/prod_config.py),
# TEMPLATE_DB (copy that database instead of installing a new one with demo data), UPDATE=1
# (update the Starlink addons of an existing database first).
# Secrets: ODOO_ADMIN_PASSWD, ODOO_DB_PASSWORD and STARLINK_STATUS_TOKEN, or the files named by
# <NAME>_FILE; otherwise a random one is generated once into .local/prod/<db>/secrets/ (mode 600).
# There is no default password.
source "$(dirname "$0")/setup.sh"

DB=${DB:-starlink_prod}
LISTEN=${PROD_LISTEN:-127.0.0.1}
case $LISTEN in  # where this script reaches nginx to check that it serves
    0.0.0.0 | '*') LOCAL_HOST=127.0.0.1 ;;
    '[::]') LOCAL_HOST='[::1]' ;;
    *) LOCAL_HOST=$LISTEN ;;
esac
HTTP_PORT=${PROD_HTTP_PORT:-8080}
HTTPS_PORT=${PROD_HTTPS_PORT:-8443}
ODOO_PORT=${PROD_ODOO_PORT:-8369}
GEVENT_PORT=${PROD_GEVENT_PORT:-8372}
WORKERS=${PROD_WORKERS:-$((2 * $(nproc) + 1))}
PROD_DIR="$LOCAL_DIR/prod/$DB"
ODOO_PID="$LOCAL_DIR/prod-$DB-odoo.pid"
NGINX_PID="$LOCAL_DIR/prod-$DB-nginx.pid"
NGINX_BIN=$(command -v nginx || echo /usr/sbin/nginx)

stop_pid() {  # stop_pid PIDFILE: TERM, then wait up to 20 s
    local pid
    [[ -f $1 ]] || return 0
    pid=$(cat "$1")
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    fi
    rm -f "$1"
}

if [[ ${1:-start} == stop ]]; then
    log "Stopping the production run of '$DB'"
    stop_pid "$ODOO_PID"
    stop_pid "$NGINX_PID"
    exit 0
fi

[[ -x $NGINX_BIN ]] || die "nginx is missing: sudo apt-get install -y nginx openssl"
pg_start
mkdir -p "$PROD_DIR/secrets" "$PROD_DIR/tls" "$PROD_DIR/nginx" "$LOCAL_DIR/log"
chmod 700 "$PROD_DIR/secrets"

secret() {  # secret NAME FILE: $NAME, else the file $NAME_FILE, else FILE (generated once)
    local name=$1 file_var="${1}_FILE" generated="$PROD_DIR/secrets/$2"
    if [[ -n ${!name:-} ]]; then
        printf %s "${!name}"
    elif [[ -n ${!file_var:-} ]]; then
        [[ -s ${!file_var} ]] || die "$file_var: ${!file_var} is empty or missing"
        head -n1 "${!file_var}" | tr -d '\r\n'
    else
        if [[ ! -s $generated ]]; then
            (umask 077 && openssl rand -base64 24 | tr -d '/+=\n' > "$generated")
        fi
        cat "$generated"
    fi
}
ADMIN_PASSWD=$(secret ODOO_ADMIN_PASSWD admin_passwd)
STATUS_TOKEN=$(secret STARLINK_STATUS_TOKEN status_token)
DB_PASSWORD=${ODOO_DB_PASSWORD:-${PGPASSWORD:-}}
if [[ -z $DB_PASSWORD && -n ${ODOO_DB_PASSWORD_FILE:-} ]]; then
    DB_PASSWORD=$(head -n1 "$ODOO_DB_PASSWORD_FILE" | tr -d '\r\n')
fi
# a server on a unix socket (the private cluster) may trust it; over TCP a password is needed
[[ -n $DB_PASSWORD || $PGHOST == /* ]] \
    || die "set ODOO_DB_PASSWORD (or ODOO_DB_PASSWORD_FILE, PGPASSWORD) for $PGHOST"

# --- the database ---------------------------------------------------------------------------------
stop_pid "$ODOO_PID"
installed=$("$PG_BINDIR/psql" -d "$DB" -tAq -c \
    "SELECT count(*) FROM ir_module_module WHERE name LIKE 'starlink\_%' AND state = 'installed'" \
    2>/dev/null || echo 0)
if [[ $installed != 5 ]]; then
    if [[ -n ${TEMPLATE_DB:-} ]]; then
        log "Copying database '$TEMPLATE_DB' into '$DB'"
        "$PG_BINDIR/dropdb" --if-exists "$DB"
        "$PG_BINDIR/createdb" -T "$TEMPLATE_DB" "$DB" || die "could not copy $TEMPLATE_DB"
        rm -rf "$LOCAL_DIR/filestore/filestore/$DB"
        if [[ -d $LOCAL_DIR/filestore/filestore/$TEMPLATE_DB ]]; then
            cp -a "$LOCAL_DIR/filestore/filestore/$TEMPLATE_DB" "$LOCAL_DIR/filestore/filestore/$DB"
        fi
    else
        log "Creating database '$DB' with the Starlink addons and demo data (a few minutes)"
        odoo_bin -d "$DB" -i "$STARLINK_MODULES" --stop-after-init \
            --logfile "$LOCAL_DIR/log/install-$DB.log" --log-level=warn \
            || die "installation failed; see $LOCAL_DIR/log/install-$DB.log"
    fi
elif [[ -n ${UPDATE:-} ]]; then
    log "Updating the Starlink addons in '$DB'"
    odoo_bin -d "$DB" -u "$STARLINK_MODULES" --stop-after-init \
        --logfile "$LOCAL_DIR/log/update-$DB.log" --log-level=warn \
        || die "update failed; see $LOCAL_DIR/log/update-$DB.log"
fi

# --- daily backups (OCA auto_backup): database + filestore, kept BACKUP_DAYS days --------------
BACKUP_DIR=${BACKUP_DIR:-$LOCAL_DIR/backups/$DB}
# (starlink_backup: auto_backup's dumps on a server whose database manager is off)
backup_state=$("$PG_BINDIR/psql" -d "$DB" -tAq -c \
    "SELECT state FROM ir_module_module WHERE name = 'starlink_backup'")
if [[ $backup_state != installed ]]; then
    log "Installing auto_backup and starlink_backup (daily backups) in '$DB'"
    odoo_bin -d "$DB" -i starlink_backup --stop-after-init \
        --logfile "$LOCAL_DIR/log/install-$DB.log" --log-level=warn \
        || die "installing auto_backup failed; see $LOCAL_DIR/log/install-$DB.log"
fi
BACKUP_DIR=$BACKUP_DIR BACKUP_DAYS=${BACKUP_DAYS:-14} odoo_shell -d "$DB" --no-http \
    --log-level=warn < "$PROJECT_DIR/tools/deploy/odoo/configure_backup.py" >> "$LOCAL_DIR/log/install-$DB.log" 2>&1 \
    || die "configuring the backups failed; see $LOCAL_DIR/log/install-$DB.log"

# --- Odoo: workers behind the proxy -------------------------------------------------------------
PROD_CONF="$PROD_DIR/odoo.conf"
(umask 077 && cat > "$PROD_CONF" <<EOF
; generated by tools/prod.sh (make prod): Odoo behind nginx, in workers
[options]
addons_path = $ODOO_SRC/odoo/addons,$ODOO_SRC/addons,$PROJECT_DIR/addons
data_dir = $LOCAL_DIR/filestore
db_host = $DB_HOST
db_port = $DB_PORT
db_user = $DB_USER
db_password = ${DB_PASSWORD:-False}
admin_passwd = $ADMIN_PASSWD
db_name = $DB
dbfilter = ^$DB\$
list_db = False
proxy_mode = True
http_interface = 127.0.0.1
http_port = $ODOO_PORT
gevent_port = $GEVENT_PORT
workers = $WORKERS
max_cron_threads = 1
limit_memory_soft = 2147483648
limit_memory_hard = 2684354560
limit_time_cpu = 600
limit_time_real = 1200
limit_request = 65536
logfile = $LOCAL_DIR/log/prod-$DB.log
EOF
)

# --- nginx with the shared site ----------------------------------------------------------------
TLS_CERT="$PROD_DIR/tls/fullchain.pem"
TLS_KEY="$PROD_DIR/tls/privkey.pem"
if [[ ! -s $TLS_CERT || ! -s $TLS_KEY ]]; then
    log "Self-signed certificate for localhost in $PROD_DIR/tls"
    (umask 077 && openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj /CN=localhost \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        -keyout "$TLS_KEY" -out "$TLS_CERT" 2>/dev/null) || die "openssl could not make a certificate"
fi
NGINX_CONF=$(ODOO_UPSTREAM=127.0.0.1:$ODOO_PORT ODOO_GEVENT_UPSTREAM=127.0.0.1:$GEVENT_PORT \
    NGINX_LISTEN_ADDRESS=$LISTEN NGINX_HTTP_PORT=$HTTP_PORT NGINX_HTTPS_PORT=$HTTPS_PORT \
    NGINX_TLS_CERT=$TLS_CERT NGINX_TLS_KEY=$TLS_KEY \
    "$VENV_PY" "$PROJECT_DIR/tools/prod_config.py" nginx "$PROD_DIR/nginx" "$NGINX_PID") \
    || die "the nginx site could not be rendered"
nginx_cmd=("$NGINX_BIN" -e "$PROD_DIR/nginx/error.log" -p "$PROD_DIR/nginx" -c "$NGINX_CONF")
"${nginx_cmd[@]}" -t -q || die "nginx refused $NGINX_CONF (see above)"
if [[ -f $NGINX_PID ]] && kill -0 "$(cat "$NGINX_PID")" 2>/dev/null; then
    "${nginx_cmd[@]}" -s reload
else
    log "Starting nginx on $LISTEN:$HTTP_PORT (redirects) and $LISTEN:$HTTPS_PORT (TLS)"
    "${nginx_cmd[@]}" || die "nginx did not start; see $PROD_DIR/nginx/error.log"
fi

report_url "$DB" "http://127.0.0.1:$ODOO_PORT" >/dev/null  # not through nginx's TLS
log "Starting Odoo ($WORKERS workers, 1 cron thread) on 127.0.0.1:$ODOO_PORT/$GEVENT_PORT"
STARLINK_STATUS_TOKEN=$STATUS_TOKEN nohup "$VENV_PY" "$ODOO_SRC/odoo-bin" -c "$PROD_CONF" \
    --pidfile "$ODOO_PID" >> "$LOCAL_DIR/log/prod-$DB.out" 2>&1 &
for _ in $(seq 150); do
    curl -ksf "https://$LOCAL_HOST:$HTTPS_PORT/web/health" >/dev/null && break
    kill -0 $! 2>/dev/null || break
    sleep 0.4
done
curl -ksf "https://$LOCAL_HOST:$HTTPS_PORT/web/health" >/dev/null \
    || die "Odoo did not answer through nginx; see $LOCAL_DIR/log/prod-$DB.log"

echo
echo "  Starlink Reseller Suite (production run) on https://localhost:$HTTPS_PORT  (database '$DB')"
echo "  http://localhost:$HTTP_PORT redirects there; the certificate is self-signed."
if [[ $LISTEN == 127.* || $LISTEN == '[::1]' ]]; then
    echo "  nginx listens on $LISTEN: this machine only (PROD_LISTEN=0.0.0.0 serves the network)"
else
    echo "  nginx listens on $LISTEN"
fi
echo "  Odoo: $WORKERS workers on 127.0.0.1:$ODOO_PORT, websocket on :$GEVENT_PORT, log $LOCAL_DIR/log/prod-$DB.log"
echo "  Backups: daily into $BACKUP_DIR (make restore BACKUP=file DB=$DB)"
echo "  Secrets (master password, status token): $PROD_DIR/secrets/ unless given in the environment"
echo "  Stop: DB=$DB bash tools/prod.sh stop  (or make stop)"
echo
