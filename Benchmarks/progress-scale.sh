#!/usr/bin/env bash
# Issue 5: the progress exhaust at scale on PostgreSQL + Redis, beside the raw extraction floor.
# For each N: generate a seeded course (Benchmarks/gen_progress_course.py: M=40 leaves, 10 assessments,
# 2 attempts per user and assessment, encrypted PII), load it (dataproducts load, redis-cli --pipe),
# queue its job_request row, then run the request end to end (zipped report into a local blob store)
# and, beside it, the floor: psql \copy of the rows the job reads to /dev/null plus a pipelined HGETALL
# of the users. Release build first: scripts/build-plugins.sh release
# Usage: Benchmarks/progress-scale.sh [N ...]   (default: 10000 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
dp="$(pwd)/build/bin/dataproducts"
work="$(mktemp -d)"
pg_out="$(scripts/test-postgres.sh start)"; pg="$(echo "$pg_out" | head -1)"; pg_dir="$(echo "$pg_out" | tail -1)"
redis_port=56397
redis-server --port $redis_port --bind 127.0.0.1 --save "" --appendonly no --daemonize yes --dir "$work" --pidfile "$work/redis.pid" >/dev/null
trap 'redis-cli -p $redis_port shutdown nosave >/dev/null 2>&1 || true; scripts/test-postgres.sh stop "$pg_dir"; rm -rf "$work"' EXIT
sed 's/{{ exhaust_batches_limit_per_channel | default(30) }}/30/' config/jobs/progress-exhaust.json > "$work/config.json"

measure() {  # out-file, command...: "wall cpu rss_kib"
    local out="$1"; shift
    /usr/bin/time -f "%e %U %S %M" -o "$work/t" "$@" > "$out" 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    awk '{printf "%s %.2f %d\n", $1, $2 + $3, $4}' "$work/t"
}

printf "%-9s %-12s %8s %8s %9s %10s %9s %7s\n" N run wall_s cpu_s rss_MiB rows_per_s floor_s ratio
for n in "${sizes[@]}"; do
    d="$work/$n"
    python3 Benchmarks/gen_progress_course.py "$n" "$d"
    psql "$pg" -q -c "DROP SCHEMA IF EXISTS sunbird_courses CASCADE; DROP SCHEMA IF EXISTS sunbird CASCADE; DROP SCHEMA IF EXISTS dev_hierarchy_store CASCADE; DROP TABLE IF EXISTS job_request" 2>/dev/null
    $dp load "$d/tables" --into "postgres:$pg" --schema config/schema/postgres.sql > "$d/load.out"
    redis-cli -p $redis_port flushall >/dev/null
    redis-cli -p $redis_port --pipe < "$d/usercache.resp" >/dev/null
    $dp requests list --requests "postgres:$pg" >/dev/null  # creates job_request
    # The floor: the same inputs, extracted by the raw clients.
    python3 - "$n" > "$d/hgetall.resp" <<'PY'
import sys
for i in range(int(sys.argv[1])):
    k = "user:user-%08d" % i
    sys.stdout.write("*2\r\n$7\r\nHGETALL\r\n$%d\r\n%s\r\n" % (len(k), k))
PY
    read -r fw _ _ < <(measure "$d/floor.out" sh -c "
        psql '$pg' -c \"\\copy (SELECT userid, active, enrolleddate, enrolled_date, completedon, contentstatus, certificates, issued_certificates FROM sunbird_courses.user_enrolments WHERE batchid = 'scale-batch' AND courseid = 'do_scale_course') TO '/dev/null'\" &&
        psql '$pg' -c \"\\copy (SELECT user_id, content_id, total_max_score, total_score, grand_total, last_attempted_on FROM sunbird_courses.assessment_aggregator WHERE course_id = 'do_scale_course' AND batch_id = 'scale-batch') TO '/dev/null'\" &&
        redis-cli -p $redis_port --pipe < '$d/hgetall.resp'")
    for mode in child in-process; do
        psql "$pg" -q -c "DELETE FROM job_request" -f "$d/job_request.sql"
        extra=(); [ "$mode" = in-process ] && extra=(--in-process)
        read -r w c r < <(measure "$d/run.out" $dp requests run --job progress-exhaust --config "$work/config.json" \
            --requests "postgres:$pg" --store "postgres:$pg" --redis "redis://127.0.0.1:$redis_port/0" --http "canned:$d/http" \
            --blob "local:$d/blob-$mode" --log-file "$d/log" "${extra[@]}")
        grep -q "1 success" "$d/run.out" || { cat "$d/run.out" "$d/log" >&2; exit 1; }
        printf "%-9s %-12s %8.2f %8.2f %9d %10.0f %9.2f %7.2f\n" "$n" "$mode" "$w" "$c" $((r / 1024)) "$(echo "$n / $w" | bc -l)" "$fw" "$(echo "$w / $fw" | bc -l)"
    done
    rm -rf "$d"
done
