#!/usr/bin/env bash
# The embedded SQLite queue's cost against its history (release build first: scripts/build-plugins.sh
# release): one progress-exhaust request (a 1-learner batch) claimed, run and recorded on a queue that
# already holds H finished requests, for each H; then `requests stats` on the same queue. The cost of a
# claim must not grow with finished rows (issue 31: 0.03 s at 0, 7.0 s and 412 MB at 200,000 before
# the queue selected through indexed columns).
# Usage: Benchmarks/queue-history.sh [H...]   (default: 0 20000 200000)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(0 20000 200000)
dp="$(pwd)/build/bin/dataproducts"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 Benchmarks/gen_exhaust_store.py 1 "$work/small" >/dev/null
sed 's/{{ exhaust_batches_limit_per_channel | default(30) }}/100000/' Plugins/lern-lms/jobs/progress-exhaust.json > "$work/config.json"
timed() {  # label, command...
    local label="$1"; shift
    /usr/bin/time -f "%e %M" -o "$work/t" "$@" > "$work/out" 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    read -r wall rss < "$work/t"
    printf "  %-44s wall %6.3f s  peak RSS %4d MiB   %s\n" "$label" "$wall" $((rss / 1024)) "$(tail -1 "$work/out" | cut -c1-60)"
}
for h in "${sizes[@]}"; do
    q="$work/q-$h.sqlite"
    $dp requests submit --requests "sqlite:$q" --job progress-exhaust --tag seed --channel org-1 --requested-by seed \
        --data '{"batchId": "bench-batch"}' --key bench --request-id SEED >/dev/null
    # H finished requests as the host records them: the row's JSON and its indexed columns.
    python3 - "$q" "$h" <<'PY'
import hashlib, json, sqlite3, sys
db = sqlite3.connect(sys.argv[1]); n = int(sys.argv[2])
def rows():
    for i in range(n):
        data, by = '{"batchId": "batch-%d"}' % i, "user-%d" % i
        row = {"tag": "hist:org-1", "request_id": "H%d" % i, "job_id": "progress-exhaust", "status": "SUCCESS",
               "request_data": data, "requested_by": by, "requested_channel": "org-1",
               "dt_job_submitted": "2026-01-01 00:00:00.000", "download_urls": ["progress-exhaust/H%d/batch.zip" % i],
               "dt_job_completed": "2026-01-01 00:01:00.000", "execution_time": 900, "err_message": "", "iteration": 0,
               "encryption_key": "k"}
        dup = hashlib.md5(("%s|k|%s" % (data, by)).encode()).hexdigest().upper()
        yield (row["tag"], row["request_id"], json.dumps(row), "progress-exhaust", "SUCCESS", 0, row["dt_job_submitted"],
               row["dt_job_completed"], dup)
db.execute("DELETE FROM dp_job_request")
db.executemany("INSERT INTO dp_job_request (tag, request_id, row, job_id, status, iteration, submitted, completed, duplicate_hash)"
               " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows())
db.commit()
PY
    $dp requests submit --requests "sqlite:$q" --job progress-exhaust --tag bench --channel org-1 --requested-by admin \
        --data '{"batchId": "bench-batch"}' --key bench --request-id R1 >/dev/null
    echo "== $h finished requests ($(du -m "$q" | cut -f1) MiB queue file)"
    timed "one request, claim to outcome" $dp requests run --job progress-exhaust --config "$work/config.json" \
        --requests "sqlite:$q" --store "local:$work/small/tables" --redis "local:$work/small/usercache.jsonl" \
        --http "canned:$work/small/http" --blob "local:$work/blob-$h" --log-file "$work/log-$h"
    timed "requests stats" $dp requests stats --requests "sqlite:$q"
done
