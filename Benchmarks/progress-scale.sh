#!/usr/bin/env bash
# The progress exhausts at scale, V1 and V2, on both stores, beside their floors and a DuckDB peer.
# For each N: one seeded course (Benchmarks/gen_progress_course.py: 40 leaves, 10 assessments, 2
# attempts per user and assessment) written as JSON lines and as COPY text, then per version:
#   local     the request from the JSON-lines files to the published PASSWORD zip (--store local:DIR,
#             --redis local:usercache.jsonl): whatever loading that takes is in the time;
#   sqlite    the same request on an embedded store loaded beforehand (load --into sqlite:FILE
#             --user-cache; the load is timed on its own line): the job alone;
#   duckdb    (V2) Benchmarks/peers/progress_v2_duckdb.py, the report as SQL over the same files
#             (only the CSV: no queue, API calls or zip), checked to give the same rows as ours;
#   postgres  the request on PostgreSQL + Redis, beside its floor: psql \copy of the rows the job
#             reads to /dev/null plus a pipelined HGETALL of every user (Benchmarks/floor/hgetall.c),
#             run one after the other.
# Every report is checked against the others (same rows). Each timing is the median of REPEAT runs
# (default 3; 1 at a million); runs of one N alternate. Needs the release build: scripts/build-plugins.sh release
# Usage: Benchmarks/progress-scale.sh [N ...]   (default: 100000 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(100000 1000000)
dp="$(pwd)/build/bin/dataproducts"
[ -x "$dp" ] || { echo "no $dp: run scripts/build-plugins.sh release first" >&2; exit 1; }
python3 -c 'import duckdb' 2>/dev/null || python3 -m pip install --quiet duckdb 2>/dev/null || python3 -m pip install --quiet --break-system-packages duckdb
work="$(mktemp -d)"
pg_out="$(scripts/test-postgres.sh start)"; pg="$(echo "$pg_out" | head -1)"; pg_dir="$(echo "$pg_out" | tail -1)"
redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes --dir "$work" --pidfile "$work/redis.pid" >/dev/null
trap 'redis-cli -p $redis_port shutdown nosave >/dev/null 2>&1 || true; scripts/test-postgres.sh stop "$pg_dir"; rm -rf "$work"' EXIT
cc -O2 -o "$work/hgetall" Benchmarks/floor/hgetall.c -lhiredis
for v in progress-exhaust progress-exhaust-v2; do
    sed 's/{{ exhaust_batches_limit_per_channel | default(30) }}/30/' "config/jobs/$v.json" > "$work/$v.json"
done

enrolment_cols="userid, courseid, batchid, active, contentstatus, enrolleddate, enrolled_date, completedon, issued_certificates"
attempt_cols="user_id, course_id, batch_id, content_id, attempt_id, grand_total, total_max_score, total_score, last_attempted_on"
activity_cols="activity_type, activity_id, user_id, context_id, aggregates, agg"
big="sunbird_courses.user_enrolments sunbird_courses.assessment_aggregator sunbird_courses.user_activity_agg"

measure() {  # out-file, command...: prints "wall cpu rss_kib"
    local out="$1"; shift
    /usr/bin/time -f "%e %U %S %M" -o "$work/t" "$@" > "$out" 2>"$work/err" || { cat "$work/err" "$out" >&2; exit 1; }
    awk '{printf "%s %.2f %d\n", $1, $2 + $3, $4}' "$work/t"
}
median_line() { sort -n | awk '{a[NR]=$0} END {print a[int((NR + 1) / 2)]}'; }
report_csv() {  # blob dir, out csv: the request's CSV out of its PASSWORD zip
    rm -rf "$work/unzip"; mkdir "$work/unzip"
    unzip -q -P bench-password -d "$work/unzip" "$1"/progress-exhaust/*/*.zip
    mv "$work"/unzip/*.csv "$2"
}
request_args() {  # job, queue spec, store spec, redis spec, blob dir: sets `args` (and empties the blob dir)
    rm -rf "$5"
    args=(requests run --job "$1" --request-job progress-exhaust --config "$work/$1.json" --requests "$2" --store "$3"
          --redis "$4" --http "canned:$d/http" --blob "local:$5" --log-file "$d/log")
}
local_queue() {  # file: a fresh local queue holding the request
    rm -f "$1"
    "$dp" requests submit --requests "local:$1" --job progress-exhaust --tag do_scale_course_scale-batch --channel org-scale \
        --requested-by admin --data '{"batchId": "scale-batch"}' --key bench-password --request-id "SCALE-$n" >/dev/null
}
pg_floor() {  # version: prints the shell command reading the rows that version reads, one after the other
    local activity="psql '$pg' -c \"\\copy (SELECT user_id, aggregates FROM sunbird_courses.user_activity_agg WHERE context_id = 'cb:scale-batch' AND activity_id = 'do_scale_course') TO '/dev/null'\""
    local attempts="psql '$pg' -c \"\\copy (SELECT user_id, content_id, total_max_score, total_score, grand_total FROM sunbird_courses.assessment_aggregator WHERE course_id = 'do_scale_course' AND batch_id = 'scale-batch' ORDER BY user_id) TO '/dev/null'\""
    echo "psql '$pg' -c \"\\copy (SELECT userid, active, enrolleddate, enrolled_date, completedon, contentstatus, certificates, issued_certificates FROM sunbird_courses.user_enrolments WHERE batchid = 'scale-batch' AND courseid = 'do_scale_course' ORDER BY userid) TO '/dev/null'\" &&
        $([ "$1" = progress-exhaust ] && echo "$attempts" || echo "$activity") && '$work/hgetall' $redis_port $n"
}

printf "%-8s %-20s %-9s %8s %7s %8s %8s %6s\n" N job store wall_s cpu_s rss_MiB floor_s ratio
for n in "${sizes[@]}"; do
    d="$work/$n"
    repeat=${REPEAT:-$([ "$n" -ge 1000000 ] && echo 1 || echo 3)}
    python3 Benchmarks/gen_progress_course.py "$n" "$d" --format=both
    mkdir -p "$d/copy" "$d/small"
    mv "$d"/tables/*.tsv "$d/copy/"
    for f in "$d"/tables/*.jsonl; do case " $big " in *" $(basename "$f" .jsonl) "*) ;; *) ln -s "$f" "$d/small/" ;; esac; done
    # PostgreSQL + Redis: the small tables through our loader, the big ones by COPY.
    psql "$pg" -q -c "DROP SCHEMA IF EXISTS sunbird_courses CASCADE; DROP SCHEMA IF EXISTS sunbird CASCADE;
                      DROP SCHEMA IF EXISTS dev_hierarchy_store CASCADE; DROP TABLE IF EXISTS job_request" 2>/dev/null
    "$dp" load "$d/small" --into "postgres:$pg" --schema config/schema/postgres.sql > /dev/null
    psql "$pg" -q -c "\\copy sunbird_courses.user_enrolments ($enrolment_cols) FROM '$d/copy/sunbird_courses.user_enrolments.tsv'" \
        -c "\\copy sunbird_courses.assessment_aggregator ($attempt_cols) FROM '$d/copy/sunbird_courses.assessment_aggregator.tsv'" \
        -c "\\copy sunbird_courses.user_activity_agg ($activity_cols) FROM '$d/copy/sunbird_courses.user_activity_agg.tsv'" -c "ANALYZE"
    rm -rf "$d/copy"
    redis-cli -p "$redis_port" flushall >/dev/null
    redis-cli -p "$redis_port" --pipe < "$d/usercache.resp" >/dev/null
    rm -f "$d/usercache.resp"
    "$dp" requests list --requests "postgres:$pg" >/dev/null  # creates job_request
    # The embedded store, loaded once (what V2 reads: every table but the attempts).
    mkdir -p "$d/v2tables"
    for f in "$d"/tables/*.jsonl; do [ "$(basename "$f")" = sunbird_courses.assessment_aggregator.jsonl ] || ln -s "$f" "$d/v2tables/"; done
    read -r w c rss < <(measure "$d/load.out" "$dp" load "$d/v2tables" --into "sqlite:$d/store.sqlite" --user-cache "$d/usercache.jsonl")
    printf "%-8s %-20s %-9s %8.2f %7.2f %8d\n" "$n" "(load for V2)" sqlite "$w" "$c" $((rss / 1024))
    for job in progress-exhaust progress-exhaust-v2; do
        stores=(local postgres); [ "$job" = progress-exhaust-v2 ] && stores=(local sqlite duckdb postgres)
        for s in "${stores[@]}"; do : > "$d/$job.$s.times"; done
        : > "$d/$job.floor.times"
        for r in $(seq "$repeat"); do
            for s in "${stores[@]}"; do
                case "$s" in
                local) local_queue "$d/q.jsonl"
                       request_args "$job" "local:$d/q.jsonl" "local:$d/tables" "local:$d/usercache.jsonl" "$d/blob-$s"
                       measure "$d/run.out" "$dp" "${args[@]}" ;;
                sqlite) local_queue "$d/q.jsonl"
                       request_args "$job" "local:$d/q.jsonl" "sqlite:$d/store.sqlite" "sqlite:$d/store.sqlite" "$d/blob-$s"
                       measure "$d/run.out" "$dp" "${args[@]}" ;;
                duckdb) measure "$d/run.out" python3 Benchmarks/peers/progress_v2_duckdb.py "$d" "$d/duckdb.csv" ;;
                postgres) psql "$pg" -q -c "DELETE FROM job_request" -f "$d/job_request.sql"
                       request_args "$job" "postgres:$pg" "postgres:$pg" "redis://127.0.0.1:$redis_port/0" "$d/blob-$s"
                       measure "$d/run.out" "$dp" "${args[@]}" ;;
                esac >> "$d/$job.$s.times"
                [ "$s" = duckdb ] || grep -q "1 success" "$d/run.out" || { cat "$d/run.out" "$d/log" >&2; exit 1; }
            done
            measure "$d/floor.out" sh -c "$(pg_floor "$job")" | awk '{print $1}' >> "$d/$job.floor.times"
        done
        fw=$(median_line < "$d/$job.floor.times")
        for s in "${stores[@]}"; do
            read -r w c rss < <(median_line < "$d/$job.$s.times")
            if [ "$s" = postgres ]; then
                printf "%-8s %-20s %-9s %8.2f %7.2f %8d %8.2f %6.2f\n" "$n" "$job" "$s" "$w" "$c" $((rss / 1024)) "$fw" "$(echo "$w / $fw" | bc -l)"
            else
                printf "%-8s %-20s %-9s %8.2f %7.2f %8d\n" "$n" "$job" "$s" "$w" "$c" $((rss / 1024))
            fi
        done
        # Same rows everywhere: local against PostgreSQL (and the embedded store and DuckDB for V2).
        report_csv "$d/blob-local" "$d/local.csv"; report_csv "$d/blob-postgres" "$d/postgres.csv"
        cmp -s "$d/local.csv" "$d/postgres.csv" || { echo "$job: local and postgres reports differ" >&2; exit 1; }
        if [ "$job" = progress-exhaust-v2 ]; then
            report_csv "$d/blob-sqlite" "$d/sqlite.csv"
            cmp -s "$d/local.csv" "$d/sqlite.csv" || { echo "$job: local and sqlite reports differ" >&2; exit 1; }
            python3 Benchmarks/peers/same_rows.py "$d/local.csv" "$d/duckdb.csv" >/dev/null || { echo "$job: DuckDB's rows differ" >&2; exit 1; }
        fi
        rm -f "$d"/*.csv
    done
    rm -rf "$d"
done
