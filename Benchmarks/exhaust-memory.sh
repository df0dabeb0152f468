#!/usr/bin/env bash
# Peak memory of the exhausts that progress-scale.sh does not run, at several sizes, on the embedded
# store (--store local:DIR, the user cache as --redis local:FILE) and on PostgreSQL + Redis:
#   response-exhaust, response-exhaust-v2   a course of N learners (gen_progress_course.py, 40 leaves,
#                                           1 assessment: 2 attempts, so 2N report rows)
#   userinfo-exhaust                        the same course, every learner consenting (N rows)
#   program-user-exhaust                    a program of N enrolments (gen_program_users.py)
# Prints wall time, peak RSS, and RSS against the smallest N's. Release build first:
# scripts/build-plugins.sh release
# Usage: Benchmarks/exhaust-memory.sh [N ...]   (default: 100000 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(100000 1000000)
dp="$(pwd)/build/bin/dataproducts"
[ -x "$dp" ] || { echo "no $dp: run scripts/build-plugins.sh release first" >&2; exit 1; }
work="$(mktemp -d)"
pg_out="$(scripts/test-postgres.sh start)"; pg="$(echo "$pg_out" | head -1)"; pg_dir="$(echo "$pg_out" | tail -1)"
redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes --dir "$work" --pidfile "$work/redis.pid" >/dev/null
trap 'redis-cli -p $redis_port shutdown nosave >/dev/null 2>&1 || true; scripts/test-postgres.sh stop "$pg_dir"; rm -rf "$work"' EXIT
sed 's/{{ exhaust_batches_limit_per_channel | default(30) }}/30/' Plugins/lern-lms/jobs/response-exhaust.json > "$work/response-exhaust.json"
sed 's/{{ exhaust_batches_limit_per_channel | default(30) }}/30/' Plugins/lern-lms/jobs/response-exhaust-v2.json > "$work/response-exhaust-v2.json"
sed 's/{{ exhaust_batches_limit_per_channel | default(30) }}/30/' Plugins/lern-lms/jobs/userinfo-exhaust.json > "$work/userinfo-exhaust.json"
cp Plugins/ml/jobs/program-user-exhaust.json "$work/program-user-exhaust.json"

run() {  # label job request-job channel dir data-json store redis: runs one request, prints a result line
    local label="$1" job="$2" rjob="$3" channel="$4" d="$5" data="$6" store="$7" redis="$8" q
    if [ "${store%%:*}" = postgres ]; then q="$store"; psql "$pg" -q -c "DELETE FROM job_request"; else q="local:$d/q.jsonl"; rm -f "$d/q.jsonl"; fi
    rm -rf "$d/blob"
    "$dp" requests submit --requests "$q" --job "$rjob" --tag bench --channel "$channel" --requested-by admin \
        --data "$data" --key bench-password --request-id "MEM-1" >/dev/null
    /usr/bin/time -f "%e %M" -o "$work/t" "$dp" requests run --job "$job" --request-job "$rjob" --config "$work/$job.json" \
        --requests "$q" --store "$store" --redis "$redis" --http "canned:$d/http" --blob "local:$d/blob" --log-file "$d/log" > "$work/out"
    grep -q "1 success" "$work/out" || { cat "$work/out" >&2; grep -o '"message":"[^"]*"' "$d/log" | tail -3 >&2; exit 1; }
    read -r wall rss < "$work/t"
    local base; base=$(grep -s "^$label " "$work/base" | cut -d' ' -f2 || true)
    [ -n "$base" ] || { echo "$label $rss" >> "$work/base"; base=$rss; }
    printf "%-8s %-22s %-9s %8.2f %8d %6.2f\n" "$n" "$job" "${store%%:*}" "$wall" $((rss / 1024)) "$(echo "$rss / $base" | bc -l)"
}
reset_pg() {
    psql "$pg" -q -c "DROP SCHEMA IF EXISTS sunbird_courses CASCADE; DROP SCHEMA IF EXISTS sunbird CASCADE;
        DROP SCHEMA IF EXISTS sunbird_programs CASCADE; DROP SCHEMA IF EXISTS dev_hierarchy_store CASCADE; DROP TABLE IF EXISTS job_request" 2>/dev/null
    redis-cli -p "$redis_port" flushall >/dev/null
}

printf "%-8s %-22s %-9s %8s %8s %6s\n" N job store wall_s rss_MiB vs_min
for n in "${sizes[@]}"; do
    # A course: the attempts go to PostgreSQL by COPY, the rest through our loader.
    c="$work/course-$n"
    python3 Benchmarks/gen_progress_course.py "$n" "$c" 40 1 --format=both --consents
    mkdir -p "$c/copy" "$c/small"; mv "$c"/tables/*.tsv "$c/copy/"
    for f in "$c"/tables/*.jsonl; do [ "$(basename "$f")" = sunbird_courses.assessment_aggregator.jsonl ] || ln -s "$f" "$c/small/"; done
    reset_pg
    "$dp" load "$c/small" --into "postgres:$pg" --schema config/schema/postgres.sql > /dev/null
    psql "$pg" -q -c "\\copy sunbird_courses.assessment_aggregator (user_id, course_id, batch_id, content_id, attempt_id, grand_total, total_max_score, total_score, last_attempted_on) FROM '$c/copy/sunbird_courses.assessment_aggregator.tsv'" -c "ANALYZE"
    redis-cli -p "$redis_port" --pipe < "$c/usercache.resp" >/dev/null
    "$dp" requests list --requests "postgres:$pg" >/dev/null  # creates job_request
    for job in response-exhaust response-exhaust-v2; do
        for store in "local:$c/tables" "postgres:$pg"; do
            redis="local:$c/usercache.jsonl"; [ "${store%%:*}" = postgres ] && redis="redis://127.0.0.1:$redis_port/0"
            run "$job-${store%%:*}" "$job" response-exhaust org-scale "$c" '{"batchId": "scale-batch"}' "$store" "$redis"
        done
    done
    for store in "local:$c/tables" "postgres:$pg"; do
        redis="local:$c/usercache.jsonl"; [ "${store%%:*}" = postgres ] && redis="redis://127.0.0.1:$redis_port/0"
        run "userinfo-${store%%:*}" userinfo-exhaust userinfo-exhaust org-scale "$c" '{"batchId": "scale-batch"}' "$store" "$redis"
    done
    rm -rf "$c"
    # A program.
    p="$work/program-$n"
    python3 Benchmarks/gen_program_users.py "$n" "$p"
    reset_pg
    "$dp" load "$p/tables" --into "postgres:$pg" --schema config/schema/postgres.sql > /dev/null
    redis-cli -p "$redis_port" --pipe < "$p/usercache.resp" >/dev/null
    "$dp" requests list --requests "postgres:$pg" >/dev/null
    for store in "local:$p/tables" "postgres:$pg"; do
        redis="local:$p/usercache.jsonl"; [ "${store%%:*}" = postgres ] && redis="redis://127.0.0.1:$redis_port/0"
        run "program-${store%%:*}" program-user-exhaust program-user-exhaust ORG_001 "$p" "$(cat "$p/request_data.json")" "$store" "$redis"
    done
    rm -rf "$p"
done
