#!/bin/bash
# Start of the Odoo container (docker-compose.yml): the suite's Python needs, then Odoo as user
# odoo with the master password and the database password taken from Docker secrets (the
# files named by ODOO_ADMIN_PASSWD_FILE, ODOO_DB_PASSWORD_FILE) or the environment
# (ODOO_ADMIN_PASSWD, ODOO_DB_PASSWORD). There is no default: without them Odoo does not start.
# The token of the monitoring status (/starlink/status) comes the same way, optional.
set -euo pipefail

secret() {  # secret NAME: $NAME, else the first line of the file $NAME_FILE
    local name=$1 file_var="${1}_FILE"
    if [[ -n ${!name:-} ]]; then
        printf %s "${!name}"
    elif [[ -n ${!file_var:-} && -s ${!file_var} ]]; then
        head -n1 "${!file_var}" | tr -d '\r\n'
    else
        echo "start.sh: set $name or ${name}_FILE (a Docker secret); refusing to start without it" >&2
        return 1
    fi
}
admin_passwd=$(secret ODOO_ADMIN_PASSWD)
db_password=$(secret ODOO_DB_PASSWORD)

pip install --break-system-packages --no-cache-dir -q -r /mnt/requirements/requirements-docker.txt
pip install --break-system-packages --no-cache-dir -q --no-deps -r /mnt/requirements/requirements-oca.txt

conf=/tmp/odoo.conf
install -m 600 -o odoo /dev/null "$conf"
{
    cat /etc/odoo/odoo.conf
    printf '\nadmin_passwd = %s\ndb_password = %s\n' "$admin_passwd" "$db_password"
} > "$conf"
mkdir -p /var/lib/odoo/backups && chown odoo: /var/lib/odoo/backups
if token=$(secret STARLINK_STATUS_TOKEN 2>/dev/null); then
    export STARLINK_STATUS_TOKEN=$token
fi
unset STARLINK_STATUS_TOKEN_FILE ODOO_ADMIN_PASSWD ODOO_DB_PASSWORD
exec su odoo -s /bin/bash -c 'exec odoo -c /tmp/odoo.conf "$@"' -- "$@"
