#!/usr/bin/env bash
# Issue 5: the progress exhaust at scale on PostgreSQL + Redis, beside the raw extraction floor.
# For each N: generate a seeded course (Benchmarks/gen_progress_course.py: M=40 leaves, 10 assessments,
# 2 attempts per user and assessment, encrypted PII), load it (COPY for the big tables, `dataproducts
# load` for the rest, redis-cli --pipe for the cache), queue its job_request row, then run the request
# end to end (PASSWORD zip into a local blob store) as production does (job in a child process) and
# in-process, and the floor: psql \copy of the rows the job reads to /dev/null plus a pipelined HGETALL
# of every user (hiredis, Benchmarks/floor/hgetall.c). Each timing is the median of REPEAT runs
# (default 3; 1 at a million), floor and job runs alternating. The COPY files and the fixture JSON lines are checked to load the same
# rows first. Needs the release build: scripts/build-plugins.sh release
# Usage: Benchmarks/progress-scale.sh [N ...]   (default: 10000 100000 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 1000000)
dp="$(pwd)/build/bin/dataproducts"
[ -x "$dp" ] || { echo "no $dp: run scripts/build-plugins.sh release first" >&2; exit 1; }
work="$(mktemp -d)"
pg_out="$(scripts/test-postgres.sh start)"; pg="$(echo "$pg_out" | head -1)"; pg_dir="$(echo "$pg_out" | tail -1)"
redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes --dir "$work" --pidfile "$work/redis.pid" >/dev/null
trap 'redis-cli -p $redis_port shutdown nosave >/dev/null 2>&1 || true; scripts/test-postgres.sh stop "$pg_dir"; rm -rf "$work"' EXIT
sed 's/{{ exhaust_batches_limit_per_channel | default(30) }}/30/' config/jobs/progress-exhaust.json > "$work/config.json"
cc -O2 -o "$work/hgetall" Benchmarks/floor/hgetall.c -lhiredis

enrolment_cols="userid, courseid, batchid, active, contentstatus, enrolleddate, enrolled_date, completedon, issued_certificates"
attempt_cols="user_id, course_id, batch_id, content_id, attempt_id, grand_total, total_max_score, total_score, last_attempted_on"
activity_cols="activity_type, activity_id, user_id, context_id, aggregates, agg"

reset_db() {
    psql "$pg" -q -c "DROP SCHEMA IF EXISTS sunbird_courses CASCADE; DROP SCHEMA IF EXISTS sunbird CASCADE;
                      DROP SCHEMA IF EXISTS dev_hierarchy_store CASCADE; DROP TABLE IF EXISTS job_request" 2>/dev/null
}
load_copy() {  # dir: the small JSON-lines tables through dataproducts load, the big ones by COPY
    "$dp" load "$1/tables" --into "postgres:$pg" --schema config/schema/postgres.sql > "$1/load.out"
    psql "$pg" -q -c "\\copy sunbird_courses.user_enrolments ($enrolment_cols) FROM '$1/tables/sunbird_courses.user_enrolments.tsv'" \
        -c "\\copy sunbird_courses.assessment_aggregator ($attempt_cols) FROM '$1/tables/sunbird_courses.assessment_aggregator.tsv'" \
        -c "\\copy sunbird_courses.user_activity_agg ($activity_cols) FROM '$1/tables/sunbird_courses.user_activity_agg.tsv'" \
        -c "ANALYZE"
}
dump() {  # the three big tables in key order
    psql "$pg" -q -c "COPY (SELECT $enrolment_cols FROM sunbird_courses.user_enrolments ORDER BY userid) TO STDOUT" \
        -c "COPY (SELECT $attempt_cols FROM sunbird_courses.assessment_aggregator ORDER BY user_id, content_id, attempt_id) TO STDOUT" \
        -c "COPY (SELECT $activity_cols FROM sunbird_courses.user_activity_agg ORDER BY user_id) TO STDOUT"
}
# The two formats load the same rows (the JSON lines through the product's own loader).
python3 Benchmarks/gen_progress_course.py 300 "$work/check-jsonl"
python3 Benchmarks/gen_progress_course.py 300 "$work/check-copy" --format=copy
reset_db; "$dp" load "$work/check-jsonl/tables" --into "postgres:$pg" --schema config/schema/postgres.sql >/dev/null; dump > "$work/a"
reset_db; load_copy "$work/check-copy"; dump > "$work/b"
cmp -s "$work/a" "$work/b" || { echo "COPY files and JSON lines load different rows" >&2; diff "$work/a" "$work/b" | head >&2; exit 1; }

measure() {  # out-file, command...: prints "wall cpu rss_kib"
    local out="$1"; shift
    /usr/bin/time -f "%e %U %S %M" -o "$work/t" "$@" > "$out" 2>"$work/err" || { cat "$work/err" "$out" >&2; exit 1; }
    awk '{printf "%s %.2f %d\n", $1, $2 + $3, $4}' "$work/t"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }

printf "%-9s %-11s %7s %7s %8s %11s %8s %6s %9s\n" N run wall_s cpu_s rss_MiB learners/s floor_s ratio setup_s
for n in "${sizes[@]}"; do
    d="$work/$n"
    repeat=${REPEAT:-$([ "$n" -ge 1000000 ] && echo 1 || echo 3)}
    t0=$(date +%s)
    python3 Benchmarks/gen_progress_course.py "$n" "$d" --format=copy
    reset_db; load_copy "$d"
    redis-cli -p "$redis_port" flushall >/dev/null
    redis-cli -p "$redis_port" --pipe < "$d/usercache.resp" >/dev/null
    rm -f "$d"/tables/*.tsv "$d/usercache.resp"
    "$dp" requests list --requests "postgres:$pg" >/dev/null  # creates job_request
    setup=$(( $(date +%s) - t0 ))
    # Floor, child and in-process runs alternate, so a slower minute of the machine hits all three.
    : > "$d/floor.times"; : > "$d/child.times"; : > "$d/in-process.times"
    for r in $(seq "$repeat"); do
        measure "$d/floor.out" sh -c "
            psql '$pg' -c \"\\copy (SELECT userid, active, enrolleddate, enrolled_date, completedon, contentstatus, certificates, issued_certificates FROM sunbird_courses.user_enrolments WHERE batchid = 'scale-batch' AND courseid = 'do_scale_course') TO '/dev/null'\" &&
            psql '$pg' -c \"\\copy (SELECT user_id, content_id, total_max_score, total_score, grand_total, last_attempted_on FROM sunbird_courses.assessment_aggregator WHERE course_id = 'do_scale_course' AND batch_id = 'scale-batch') TO '/dev/null'\" &&
            '$work/hgetall' $redis_port $n" | awk '{print $1}' >> "$d/floor.times"
        for mode in child in-process; do
            extra=(); [ "$mode" = in-process ] && extra=(--in-process)
            psql "$pg" -q -c "DELETE FROM job_request" -f "$d/job_request.sql"
            rm -rf "$d/blob"
            measure "$d/run.out" "$dp" requests run --job progress-exhaust --config "$work/config.json" \
                --requests "postgres:$pg" --store "postgres:$pg" --redis "redis://127.0.0.1:$redis_port/0" --http "canned:$d/http" \
                --blob "local:$d/blob" --log-file "$d/log" "${extra[@]}" >> "$d/$mode.times"
            grep -q "1 success" "$d/run.out" || { cat "$d/run.out" "$d/log" >&2; exit 1; }
        done
    done
    fw=$(median < "$d/floor.times")
    for mode in child in-process; do
        # The median run by wall time, with its CPU and peak RSS.
        read -r w c rss < <(sort -n "$d/$mode.times" | awk '{a[NR]=$0} END {print a[int((NR + 1) / 2)]}')
        printf "%-9s %-11s %7.2f %7.2f %8d %11.0f %8.2f %6.2f %9d\n" "$n" "$mode" "$w" "$c" $((rss / 1024)) \
            "$(echo "$n / $w" | bc -l)" "$fw" "$(echo "$w / $fw" | bc -l)" "$setup"
    done
    rm -rf "$d"
done
