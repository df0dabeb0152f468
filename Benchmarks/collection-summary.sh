#!/usr/bin/env bash
# collection-summary-report-v2 at N enrolments over B batches (default 1,000,000 / 1,000) on PostgreSQL
# and Redis (own servers on loopback, in temp dirs), the content search answered by the recorded-answer
# server: one host, then 2 and 3 hosts started together draining the same run's work items. Wall from
# the first start to the last exit, batches/s, peak RSS per host (/usr/bin/time -v); the published
# report checked (every batch once, enrolments add up to N). All processes share this machine's cores.
# Release build first: scripts/build-plugins.sh release
# Usage: Benchmarks/collection-summary.sh [N=1000000] [B=1000]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}" b="${2:-1000}"
dp="$(pwd)/build/bin/dataproducts"
[ -x "$dp" ] || { echo "no $dp: run scripts/build-plugins.sh release first" >&2; exit 1; }
work="$(mktemp -d)"
pg_out="$(scripts/test-postgres.sh start)"; pg="$(echo "$pg_out" | head -1)"; pg_dir="$(echo "$pg_out" | tail -1)"
rport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" --daemonize yes --pidfile "$work/redis.pid" >/dev/null
http_pid=""
trap '[ -n "$http_pid" ] && kill "$http_pid" 2>/dev/null; kill "$(cat "$work/redis.pid")" 2>/dev/null; scripts/test-postgres.sh stop "$pg_dir"; rm -rf "$work"' EXIT

echo "== generating $n enrolments over $b batches"
python3 Benchmarks/gen_collection_summary.py "$n" "$b" "$work/data"
python3 Tests/Servers/recorded_http_server.py "$work/data/answers.json" > "$work/http.port" &
http_pid=$!
until [ -s "$work/http.port" ]; do sleep 0.1; done
hport=$(awk '{print $2}' "$work/http.port")
mkdir -p "$work/schema"
echo '{"id":"x","field":"x","value":"x"}' > "$work/schema/sunbird.system_settings.jsonl"
"$dp" load "$work/schema" --into "postgres:$pg" --schema config/schema/postgres.sql >/dev/null  # creates every table
psql "$pg" -q -c "\\copy sunbird_courses.course_batch (courseid, batchid, name, startdate, enddate, status) FROM '$work/data/course_batch.tsv'" \
    -c "\\copy sunbird_courses.user_enrolments (userid, courseid, batchid, active, completedon, enrolled_date, issued_certificates) FROM '$work/data/user_enrolments.tsv'" \
    -c "ANALYZE"
redis-cli -p "$rport" --pipe < "$work/data/users.resp" | tail -1 | sed 's/^/  user cache: /'

mkdir -p "$work/home/config/jobs" "$work/home/plugins"
cp build/plugins/liblern-lms.so build/plugins/liblern-lms.manifest.json "$work/home/plugins/"
python3 - "$work/home/registry.json" <<'PY'
import json, sys
reg = json.load(open("registry.json"))
reg["pluginDir"] = "plugins"
reg["plugins"] = [p for p in reg["plugins"] if p["name"] == "lern-lms"]
reg["environments"] = {"dev": ["lern-lms"]}
json.dump(reg, open(sys.argv[1], "w"))
PY

run_hosts() {  # hosts
    local k="$1" run="bench-$1-$RANDOM"
    cat > "$work/home/config/jobs/collection-summary-report-v2.json" <<JSON
{"search":{"type":"none"},"model":"org.sunbird.lms.audit.CollectionSummaryJobV2","modelParams":{"generateForAllBatches":true,
 "contentSearchUrl":"http://127.0.0.1:$hport/api/content/v1/search","workRunId":"$run"}}
JSON
    rm -rf "$work/home/reports" "$work/blob"
    local start pids=()
    start=$(date +%s.%N)
    for h in $(seq "$k"); do
        /usr/bin/time -v "$dp" run collection-summary-report-v2 --home "$work/home" --store "postgres:$pg" --redis "redis://127.0.0.1:$rport/0" \
            --http live --now 2024-01-01T06:00:00Z --log-file "$work/host$h.log" --publish "local:$work/blob" \
            > /dev/null 2> "$work/host$h.time" &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || { echo "a host failed:"; tail -5 "$work"/host*.time; exit 1; }; done
    local secs rss
    secs=$(echo "$(date +%s.%N) - $start" | bc)
    rss=$(for h in $(seq "$k"); do grep 'Maximum resident' "$work/host$h.time" | awk '{print $NF}'; done | sort -n | tail -1)
    python3 - "$work/blob/collection-summary-reports-v2/collection-summary-report-latest.json" "$n" "$b" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
per = {}
for r in rows: per[r["batchid"]] = per.get(r["batchid"], 0) + r["enrolleduserscount"]
assert len(per) == int(sys.argv[3]) and sum(per.values()) == int(sys.argv[2]), (len(per), sum(per.values()))
PY
    echo "  $k host(s): wall $(printf '%.1f' "$secs") s, $(echo "$b / $secs" | bc -l | xargs printf '%.1f') batches/s, $(echo "$n / $secs" | bc) enrolments/s, peak RSS $((rss / 1024)) MiB (largest host); report: $b batches, $n enrolments"
}
echo "== collection-summary-report-v2 (release build)"
for k in 1 2 3; do run_hosts "$k"; done
