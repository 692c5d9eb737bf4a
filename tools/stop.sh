#!/usr/bin/env bash
# `make stop`: stops the servers started by `make run`, then the private PostgreSQL cluster.
source "$(dirname "$0")/setup.sh"
for pidfile in "$LOCAL_DIR"/*.pid; do
    [[ -f $pidfile ]] || continue
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
        log "Stopping $(basename "$pidfile" .pid) (pid $pid)"
        kill "$pid"
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    fi
    rm -f "$pidfile"
done
pg_stop
