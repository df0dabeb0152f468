#!/usr/bin/env bash
# The user cache indexer at N users (default 1,000,000): a merge and a refresh into a real
# redis-server, a refresh into the embedded SQLite cache, and `redis-cli --pipe` of the same HSETs
# (the floor: the bytes on the wire with no reading, no joining). Wall and peak RSS by /usr/bin/time -v;
# a sample of hashes compared between the indexer's database and the pipe's.
# Needs a release build: scripts/build-plugins.sh release
# Usage: Benchmarks/user-cache.sh [N=1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"
bin="$PWD/build/bin/dataproducts"
work="$(mktemp -d)"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" --daemonize yes --pidfile "$work/redis.pid" >/dev/null
trap 'kill "$(cat "$work/redis.pid")" 2>/dev/null; rm -rf "$work"' EXIT
until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.1; done

echo "== generating $n users (tables + RESP of the same HSETs)"
python3 Benchmarks/gen_user_cache.py "$n" "$work/tables" "$work/hsets.resp"
start=$(date +%s.%N)
$bin load "$work/tables" --into "sqlite:$work/store.sqlite" >/dev/null
echo "  loaded into the embedded store in $(echo "$(date +%s.%N) - $start" | bc | xargs printf '%.1f') s"

indexer() {  # label, --redis value, refresh true|false
    /usr/bin/time -v $bin run user-cache-indexer --env dev --store "sqlite:$work/store.sqlite" --redis "$2" --set "user_cache_refresh=$3" \
        --log-file "$work/$1.log" > "$work/$1.out" 2> "$work/$1.time" || { cat "$work/$1.time"; exit 1; }
    local wall rss secs
    wall=$(grep 'Elapsed (wall' "$work/$1.time" | awk '{print $NF}')
    rss=$(grep 'Maximum resident' "$work/$1.time" | awk '{print $NF}')
    secs=$(echo "$wall" | awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')
    echo "  $1: wall $wall, $(echo "$n / $secs" | bc) users/s, peak RSS $((rss / 1024)) MiB"
}
echo "== indexer (release build, /usr/bin/time -v)"
indexer redis-merge "redis://127.0.0.1:$port/12" false
indexer redis-refresh "redis://127.0.0.1:$port/12" true
cp "$work/store.sqlite" "$work/cache.sqlite"
indexer sqlite-refresh "sqlite:$work/cache.sqlite" true

echo "== redis-cli --pipe of the same $n HSETs into db 13"
start=$(date +%s.%N)
/usr/bin/time -v redis-cli -p "$port" -n 13 --pipe < "$work/hsets.resp" > "$work/pipe.out" 2> "$work/pipe.time"
secs=$(echo "$(date +%s.%N) - $start" | bc)
echo "  redis-cli --pipe: $(printf '%.1f' "$secs") s, $(echo "$n / $secs" | bc) HSETs/s, peak RSS $(( $(grep 'Maximum resident' "$work/pipe.time" | awk '{print $NF}') / 1024 )) MiB; $(tail -1 "$work/pipe.out")"

echo "== the same hashes? 200 keys compared (db 12: indexer, db 13: pipe)"
same=0
for i in $(seq 0 $(( n / 200 > 0 ? n / 200 : 1 )) $((n - 1)) | head -200); do
    key=$(printf 'user:u%07d' "$i")
    a=$(redis-cli -p "$port" -n 12 HGETALL "$key" | paste - - | sort)
    b=$(redis-cli -p "$port" -n 13 HGETALL "$key" | paste - - | sort)
    [ "$a" = "$b" ] && [ -n "$a" ] && same=$((same + 1)) || { echo "  differ: $key"; diff <(echo "$a") <(echo "$b") | head -5; }
done
echo "  $same of 200 identical; db 12 holds $(redis-cli -p "$port" -n 12 DBSIZE) keys, db 13 $(redis-cli -p "$port" -n 13 DBSIZE)"
