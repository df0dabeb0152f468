#!/usr/bin/env bash
# Connector throughput through the ABI, beside the raw client doing the same work:
#  - rows/s streamed from a PostgreSQL table of N rows into a plugin (and peak RSS), vs psql \copy
#  - users/s read from Redis with pipelined HMGET into a plugin, vs redis-cli --pipe
# Starts its own PostgreSQL and Redis on loopback. Needs a release build:
#   scripts/build-plugins.sh release && scripts/build-test-plugins.sh release
# Usage: Benchmarks/connectors.sh [N=1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"
bin=build/bin/dataproducts
work="$(mktemp -d)"
pg_out="$(scripts/test-postgres.sh start)"; pg="$(echo "$pg_out" | head -1)"; pg_dir="$(echo "$pg_out" | tail -1)"
redis_port=56399
redis-server --port $redis_port --bind 127.0.0.1 --save "" --appendonly no --daemonize yes --dir "$work" --pidfile "$work/redis.pid" >/dev/null
trap 'redis-cli -p $redis_port shutdown nosave >/dev/null 2>&1 || true; scripts/test-postgres.sh stop "$pg_dir"; rm -rf "$work"' EXIT

mkdir -p "$work/home/plugins" "$work/home/config/jobs" "$work/home/data"
cp build/test-plugins/libswift-testkit.so "$work/home/plugins/"
$bin plugins manifest "$work/home/plugins/libswift-testkit.so" >/dev/null
abi=$(grep -o '"abi": "[0-9.]*"' "$work/home/plugins/libswift-testkit.manifest.json" | cut -d'"' -f4)
echo "{\"pluginDir\":\"plugins\",\"plugins\":[{\"name\":\"swift-testkit\",\"version\":\"0.1.0\",\"owner\":\"t\",\"block\":\"test\",\"abi\":\"$abi\",\"jobs\":[\"test-count\"]}]}" > "$work/home/registry.json"

timed() {  # label, command...: wall seconds and peak RSS
    local label="$1"; shift
    /usr/bin/time -f "%e %M" -o "$work/t" "$@" > /dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    read -r wall rss < "$work/t"
    printf "  %-44s wall %6.2f s  peak RSS %5d MiB  %9.0f rows/s\n" "$label" "$wall" $((rss / 1024)) "$(echo "$n / $wall" | bc -l)"
}

echo "== PostgreSQL: $n rows of sunbird.location (id, code, name, parentid, type)"
psql "$pg" -q -c "CREATE SCHEMA sunbird; CREATE TABLE sunbird.location (id text PRIMARY KEY, code text, name text, parentid text, type text);
  INSERT INTO sunbird.location SELECT 'loc-' || g, (g::bigint * 7919 % 1000000)::text, 'LOCATION NAME ' || g, 'parent-' || (g / 50), 'district' FROM generate_series(1, $n) g; ANALYZE sunbird.location;"
echo '{"modelParams":{"table":"sunbird.location","columns":"id:utf8,code:utf8,name:utf8,parentid:utf8,type:utf8","batchRows":5000}}' > "$work/home/config/jobs/test-count.json"
timed "psql \\copy (the raw floor)" psql "$pg" -c "\\copy (SELECT id, code, name, parentid, type FROM sunbird.location) TO '/dev/null'"
timed "dataproducts test-count (child process)" $bin run test-count --home "$work/home" --store "postgres:$pg" --log-file "$work/log"
timed "dataproducts test-count (--in-process)" $bin run test-count --home "$work/home" --store "postgres:$pg" --log-file "$work/log" --in-process

echo "== Redis: $n users user:<i> with 5 fields, pipelined HMGET of all 5"
python3 - "$n" > "$work/load.resp" <<'PY'
import sys
n = int(sys.argv[1])
out = sys.stdout
def cmd(*a):
    out.write("*%d\r\n" % len(a) + "".join("$%d\r\n%s\r\n" % (len(x.encode()), x) for x in a))
for i in range(n):
    cmd("HSET", "user:%d" % i, "firstname", "First%d" % i, "lastname", "Last%d" % i, "email", "u%d@example.org" % i,
        "state", "State%d" % (i % 36), "district", "District%d" % (i % 700))
PY
redis-cli -p $redis_port --pipe < "$work/load.resp" > /dev/null
python3 - "$n" > "$work/read.resp" <<'PY'
import sys
n = int(sys.argv[1])
for i in range(n):
    a = ["HMGET", "user:%d" % i, "firstname", "lastname", "email", "state", "district"]
    sys.stdout.write("*%d\r\n" % len(a) + "".join("$%d\r\n%s\r\n" % (len(x), x) for x in a))
PY
echo "{\"modelParams\":{\"redisUsers\":$n,\"fields\":[\"firstname\",\"lastname\",\"email\",\"state\",\"district\"]}}" > "$work/home/config/jobs/test-count.json"
timed "redis-cli --pipe HMGET (the raw floor)" sh -c "redis-cli -p $redis_port --pipe < '$work/read.resp'"
timed "dataproducts test-count (child process)" $bin run test-count --home "$work/home" --redis "redis://127.0.0.1:$redis_port/0" --log-file "$work/log"
