#!/bin/bash
# A private PostgreSQL cluster with the server's default settings (autovacuum on, fsync on) in a temporary directory,
# for the delivery benchmark: the shared server of this workplace runs with autovacuum off, which no production
# queue table survives. Uses the machine's own PostgreSQL binaries; never touches the shared server.
#
#   endure-bench/scripts/private-postgres.sh start [port]   # prints the admin JDBC URL to pass as --postgres
#   endure-bench/scripts/private-postgres.sh stop
set -euo pipefail
PORT="${2:-5433}"
DIR="${ENDURE_PRIVATE_PG_DIR:-/tmp/endure-private-pg}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$BIN/initdb" ] || { echo "no PostgreSQL binaries under /usr/lib/postgresql" >&2; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "${1:-}" in
  start)
    if [ ! -d "$DIR/data" ]; then
      mkdir -p "$DIR"; [ "$(id -u)" = 0 ] && chown postgres "$DIR"
      as_pg "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust >/dev/null
    fi
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=200" -w start >/dev/null
    echo "jdbc:postgresql://127.0.0.1:$PORT/postgres?user=postgres"
    ;;
  stop)
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null && rm -rf "$DIR"
    ;;
  *) echo "usage: $0 start [port] | stop" >&2; exit 2 ;;
esac
