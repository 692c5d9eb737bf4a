#!/usr/bin/env bash
# `make restore BACKUP=file.dump.zip [DB=starlink_prod]`: replaces database DB and its filestore
# by a backup of auto_backup (or Odoo's database manager: a zip with dump.sql and filestore/).
# The production run of DB (make prod) is stopped first and started again afterwards.
source "$(dirname "$0")/setup.sh"
BACKUP=${1:-${BACKUP:-}}
DB=${DB:-starlink_prod}
[[ -n $BACKUP ]] || die "usage: make restore BACKUP=path/to/backup.dump.zip [DB=$DB]"
[[ -s $BACKUP ]] || die "no backup at $BACKUP"
"$VENV_PY" -c "import sys, zipfile
sys.exit(not zipfile.is_zipfile(sys.argv[1]) or 'dump.sql' not in zipfile.ZipFile(sys.argv[1]).namelist())" \
    "$BACKUP" || die "$BACKUP is not a database backup (a zip holding dump.sql and filestore/)"
pg_start

running=
pidfile="$LOCAL_DIR/prod-$DB-odoo.pid"
if [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    running=1
    bash "$PROJECT_DIR/tools/prod.sh" stop
fi
# nothing else may hold the database while it is replaced
"$PG_BINDIR/psql" -d postgres -tAq -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
    WHERE datname = '$DB' AND pid <> pg_backend_pid()" >/dev/null
# The backup is loaded into a new database first: a backup that fails to load leaves the
# current database and filestore as they were. Only then is the current one replaced.
filestores="$LOCAL_DIR/filestore/filestore"
restoring="$DB-restoring"
"$PG_BINDIR/dropdb" --if-exists "$restoring"
rm -rf "${filestores:?}/$restoring"
log "Restoring '$DB' from $BACKUP (database and filestore)"
if ! "$VENV_PY" "$ODOO_SRC/odoo-bin" db -c "$ODOO_CONF" load "$restoring" "$BACKUP" \
    > "$LOCAL_DIR/log/restore-$DB.log" 2>&1; then
    tail -n 20 "$LOCAL_DIR/log/restore-$DB.log"
    "$PG_BINDIR/dropdb" --if-exists "$restoring"
    rm -rf "${filestores:?}/$restoring"
    [[ -n $running ]] && bash "$PROJECT_DIR/tools/prod.sh"
    die "the restore failed, '$DB' is unchanged (log: $LOCAL_DIR/log/restore-$DB.log)"
fi
"$PG_BINDIR/psql" -d postgres -tAq -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
    WHERE datname = '$DB' AND pid <> pg_backend_pid()" >/dev/null
"$PG_BINDIR/dropdb" --if-exists "$DB"
"$PG_BINDIR/psql" -d postgres -tAq -c "ALTER DATABASE \"$restoring\" RENAME TO \"$DB\"" \
    || die "could not rename '$restoring' to '$DB'"
rm -rf "${filestores:?}/$DB"
if [[ -d $filestores/$restoring ]]; then
    mv "$filestores/$restoring" "$filestores/$DB"
fi
log "Restored '$DB'"
if [[ -n $running ]]; then
    bash "$PROJECT_DIR/tools/prod.sh"
fi
