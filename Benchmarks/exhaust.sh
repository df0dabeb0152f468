#!/usr/bin/env bash
# On-demand exhausts at scale (release build first: scripts/build-plugins.sh release):
#  1. one progress-exhaust request over a batch of N synthetic, seeded learners — on the embedded
#     store, then on PostgreSQL + Redis (own servers on loopback) — wall time and peak RSS;
#  2. queue throughput: R small requests on a PostgreSQL queue drained by 1 host, then by 3 at once.
# Usage: Benchmarks/exhaust.sh [N=100000] [R=300]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
reqs="${2:-300}"
dp="$(pwd)/build/bin/dataproducts"
work="$(mktemp -d)"
pg_out="$(scripts/test-postgres.sh start)"; pg="$(echo "$pg_out" | head -1)"; pg_dir="$(echo "$pg_out" | tail -1)"
redis_port=56398
redis-server --port $redis_port --bind 127.0.0.1 --save "" --appendonly no --daemonize yes --dir "$work" --pidfile "$work/redis.pid" >/dev/null
trap 'redis-cli -p $redis_port shutdown nosave >/dev/null 2>&1 || true; scripts/test-postgres.sh stop "$pg_dir"; rm -rf "$work"' EXIT

python3 Benchmarks/gen_exhaust_store.py "$n" "$work"
sed 's/{{ exhaust_batches_limit_per_channel | default(30) }}/100000/' Plugins/lern-lms/jobs/progress-exhaust.json > "$work/config.json"
timed() {  # label, command...
    local label="$1"; shift
    /usr/bin/time -f "%e %M" -o "$work/t" "$@" > "$work/out" 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    read -r wall rss < "$work/t"
    printf "  %-58s wall %6.2f s  peak RSS %5d MiB   %s\n" "$label" "$wall" $((rss / 1024)) "$(tail -1 "$work/out" | sed 's/ in [0-9.]* s$//')"
}
submit() {  # queue, request id
    $dp requests submit --requests "$1" --job progress-exhaust --tag bench --channel org-1 --requested-by "admin-$2" \
        --data '{"batchId": "bench-batch"}' --key bench --request-id "$2" >/dev/null
}
run=(requests run --job progress-exhaust --config "$work/config.json" --http "canned:$work/http" --log-file "$work/log")

echo "== one progress exhaust over $n learners (PASSWORD zip)"
submit "local:$work/q1.jsonl" R1
timed "local store, local user cache, child process" $dp "${run[@]}" --requests "local:$work/q1.jsonl" \
    --store "local:$work/tables" --redis "local:$work/usercache.jsonl" --blob "local:$work/blob1"
submit "local:$work/q2.jsonl" R2
timed "local store, local user cache, --in-process" $dp "${run[@]}" --requests "local:$work/q2.jsonl" \
    --store "local:$work/tables" --redis "local:$work/usercache.jsonl" --blob "local:$work/blob2" --in-process
$dp load "$work/tables" --into "postgres:$pg" --schema config/schema/postgres.sql >/dev/null
python3 - "$work/usercache.jsonl" > "$work/cache.resp" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    j = json.loads(line)
    a = ["HSET", j["key"]] + [x for kv in j["fields"].items() for x in kv]
    sys.stdout.write("*%d\r\n" % len(a) + "".join("$%d\r\n%s\r\n" % (len(x.encode()), x) for x in a))
PY
redis-cli -p $redis_port --pipe < "$work/cache.resp" >/dev/null
submit "postgres:$pg" R3
timed "PostgreSQL tables + queue, Redis user cache, child process" $dp "${run[@]}" --requests "postgres:$pg" \
    --store "postgres:$pg" --redis "redis://127.0.0.1:$redis_port/0" --blob "local:$work/blob3"
ls -l "$work"/blob3/progress-exhaust/*/*.zip | awk '{printf "  report zip: %d bytes\n", $5}'

echo "== queue throughput: $reqs requests for a 1-learner batch, PostgreSQL queue"
python3 Benchmarks/gen_exhaust_store.py 1 "$work/small"
psql "$pg" -q -c "TRUNCATE job_request"
psql "$pg" -q -c "INSERT INTO job_request (tag, request_id, job_id, status, request_data, requested_by, requested_channel, download_urls, iteration, encryption_key) SELECT 'bench', 'Q' || g, 'progress-exhaust', 'SUBMITTED', '{\"batchId\": \"bench-batch\"}', 'u' || g, 'org-1', '{}', 0, 'k' FROM generate_series(1, $reqs) g"
small=(--requests "postgres:$pg" --store "local:$work/small/tables" --redis "local:$work/small/usercache.jsonl" --http "canned:$work/small/http")
timed "1 host" $dp requests run --job progress-exhaust --config "$work/config.json" "${small[@]}" --blob "local:$work/b1" --log-file "$work/l1"
psql "$pg" -q -c "UPDATE job_request SET status = 'SUBMITTED', download_urls = '{}', processed_batches = NULL"
start=$(date +%s.%N)
for i in 1 2 3; do
    $dp requests run --job progress-exhaust --config "$work/config.json" "${small[@]}" --blob "local:$work/b3" --log-file "$work/l3-$i" > "$work/h$i" &
done
wait
printf "  %-58s wall %6.2f s   %s\n" "3 hosts at once" "$(echo "$(date +%s.%N) - $start" | bc)" "$(cat "$work"/h1 "$work"/h2 "$work"/h3 | sed 's/ in [0-9.]* s$//' | tr '\n' ';')"
psql "$pg" -Atc "SELECT status, count(*) FROM job_request GROUP BY status" | sed 's/^/  rows: /'
