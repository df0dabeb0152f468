#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for tests: a fresh cluster in a temp dir, listening on
# 127.0.0.1 and a unix socket there, trust auth. Prints the conninfo on stdout; logs in the dir.
# Usage: scripts/test-postgres.sh start [PORT] | restart DIR | stop DIR
set -euo pipefail
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$bin/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
# The server must not inherit our caller's descriptors (a test runner's pipes would stay open as
# long as the server lives, and callers waiting for EOF would hang).
for fd in $(ls /proc/$$/fd); do [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null; done
as_owner() {  # initdb and postgres refuse to run as root
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "${1:-}" in
start)
    port="${2:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
    dir="$(mktemp -d /tmp/dp-pg.XXXXXX)"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >/dev/null \
        || { cat "$dir/server.log" >&2; exit 1; }
    echo "host=127.0.0.1 port=$port user=postgres dbname=postgres"
    echo "$dir"
    ;;
restart)
    dir="$2"
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w restart >/dev/null
    ;;
stop)
    dir="$2"
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
*) echo "usage: $0 start [PORT] | restart DIR | stop DIR" >&2; exit 64 ;;
esac
