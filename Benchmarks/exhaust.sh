#!/usr/bin/env bash
# On-demand exhaust at scale: one progress-exhaust request for a batch of N enrolments (synthetic,
# seeded) on the embedded store, and the queue drained by 1 and by 3 hosts (300 small requests on a
# PostgreSQL queue). Wall time and peak RSS from /usr/bin/time; build first:
#   scripts/build-plugins.sh release
# Usage: Benchmarks/exhaust.sh [N=100000]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 Benchmarks/gen_exhaust_store.py "$n" "$work"
dp=build/bin/dataproducts
sed 's/"batchesLimitPerChannel": {{ exhaust_batches_limit_per_channel | default(30) }}/"batchesLimitPerChannel": 30/' config/jobs/progress-exhaust.json > "$work/config.json"
$dp requests submit --requests "local:$work/q.jsonl" --job progress-exhaust --tag bench --channel org-1 --requested-by admin \
    --data '{"batchId": "bench-batch"}' --key bench >/dev/null
/usr/bin/time -f "progress exhaust, $n learners: wall %e s, peak RSS %M KiB (host; the job runs in a child)" \
    $dp requests run --job progress-exhaust --config "$work/config.json" --requests "local:$work/q.jsonl" --store "local:$work/tables" \
    --redis "local:$work/usercache.jsonl" --http "canned:$work/http" --blob "local:$work/blob" --log-file "$work/log"
$dp requests submit --requests "local:$work/q2.jsonl" --job progress-exhaust --tag bench --channel org-1 --requested-by admin \
    --data '{"batchId": "bench-batch"}' --key bench >/dev/null
/usr/bin/time -f "progress exhaust, $n learners, --in-process: wall %e s, peak RSS %M KiB" \
    $dp requests run --job progress-exhaust --config "$work/config.json" --requests "local:$work/q2.jsonl" --store "local:$work/tables" \
    --redis "local:$work/usercache.jsonl" --http "canned:$work/http" --blob "local:$work/blob2" --log-file "$work/log" --in-process
ls -l "$work"/blob/progress-exhaust/*/*.zip | awk '{print "report zip: " $5 " bytes"}'
