#!/usr/bin/env bash
# The Lern data-fix jobs at scale on PostgreSQL (own server on loopback, in a temp dir): wall time,
# rows/s and peak RSS of course-batch-status-updater over N batches, score-metric-migration-job and
# assessment-score-metric-correction (dry run; content a valid, content b invalid: half the attempts
# reported) over N attempts, old-certificate-migration-job (dry run, batchId all) over N certificates,
# cassandra-migration (N enrolments over report_user_enrolments, beside psql \copy out and in of the
# same rows) and collection-reconciliation-job (dry run) over N enrolments
# (Benchmarks/gen_lern_jobs.py), with `--now 2024-01-01`; no HTTP for the
# updater (its index and learning-service calls fail fast and are logged: the job's own cost is
# measured), canned content reads for the correction.
# Release build first: scripts/build-plugins.sh release
# Usage: Benchmarks/lern-jobs.sh [N=1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"
dp="$(pwd)/build/bin/dataproducts"
[ -x "$dp" ] || { echo "no $dp: run scripts/build-plugins.sh release first" >&2; exit 1; }
work="$(mktemp -d)"
pg_out="$(scripts/test-postgres.sh start)"; pg="$(echo "$pg_out" | head -1)"; pg_dir="$(echo "$pg_out" | tail -1)"
trap 'scripts/test-postgres.sh stop "$pg_dir"; rm -rf "$work"' EXIT
python3 Benchmarks/gen_lern_jobs.py "$n" "$work/data"
echo '{"id":"custodianOrgId","field":"custodianOrgId","value":"custodian"}' > "$work/sunbird.system_settings.jsonl"
"$dp" load "$work" --into "postgres:$pg" --schema config/schema/postgres.sql >/dev/null  # creates every table
psql "$pg" -q \
    -c "\\copy sunbird_courses.course_batch (courseid, batchid, name, startdate, start_date, enddate, end_date, enrollmenttype, createdfor, status) FROM '$work/data/course_batch.tsv'" \
    -c "\\copy sunbird_courses.assessment_aggregator (course_id, batch_id, user_id, content_id, attempt_id, total_score, total_max_score, grand_total, last_attempted_on) FROM '$work/data/assessment_aggregator.tsv'" \
    -c "\\copy sunbird_courses.user_activity_agg (activity_type, activity_id, user_id, context_id, agg, aggregates, agg_last_updated, agg_details) FROM '$work/data/user_activity_agg.tsv'" \
    -c "\\copy sunbird.cert_registry (id, createdat, data, isrevoked, recipient, related) FROM '$work/data/cert_registry.tsv'" \
    -c "\\copy dev_hierarchy_store.content_hierarchy (identifier, hierarchy) FROM '$work/data/content_hierarchy.tsv'" \
    -c "\\copy sunbird_courses.user_enrolments (userid, courseid, batchid, contentstatus, completedon, enrolled_date, status) FROM '$work/data/user_enrolments.tsv'" \
    -c "\\copy sunbird_courses.user_content_consumption (userid, courseid, batchid, contentid, status, lastcompletedtime) FROM '$work/data/user_content_consumption.tsv'" \
    -c "CREATE TEMP TABLE t (courseid text, batchid text, cert_templates jsonb)" \
    -c "\\copy t FROM '$work/data/cert_templates.tsv'" \
    -c "UPDATE sunbird_courses.course_batch b SET cert_templates = t.cert_templates FROM t WHERE b.courseid = t.courseid AND b.batchid = t.batchid" \
    -c "ANALYZE"
timed() {  # label rows command...
    local label="$1" rows="$2"; shift 2
    /usr/bin/time -f "%e %M" -o "$work/t" "$@" > "$work/out" 2> "$work/err" || { cat "$work/err" >&2; exit 1; }
    read -r wall rss < "$work/t"
    printf "  %-34s %9d rows  wall %7.2f s  %9.0f rows/s  peak RSS %4d MiB\n" "$label" "$rows" "$wall" "$(echo "$rows / $wall" | bc -l)" $((rss / 1024))
}
timed "course-batch-status-updater" "$n" "$dp" run course-batch-status-updater --store "postgres:$pg" --now 2024-01-01 --log-file "$work/log1"
grep -o '"inProgress":[0-9]*,\|"completed":[0-9]*\|"unStarted":[0-9]*' "$work/log1" | tail -3 | tr '\n' ' ' | sed 's/^/    changed: /'; echo
timed "score-metric-migration-job" "$n" ${PREFIX2:-} "$dp" run score-metric-migration-job --store "postgres:$pg" --log-file "$work/log2"
grep -o '"totalRecordsUpdated":[0-9]*' "$work/log2" | tail -1 | sed 's/^/    /'
mkdir -p "$work/http"
cat > "$work/http/answers.json" <<'JSON'
{"answers": [
 {"method": "GET", "path": "/api/content/v1/read/do_content_a", "body": {"responseCode": "OK", "result": {"content": {"contentType": "SelfAssess", "totalQuestions": 0}}}},
 {"method": "GET", "path": "/api/content/v1/read/do_content_b", "body": {"responseCode": "OK", "result": {"content": {"contentType": "SelfAssess", "totalQuestions": 4}}}}
]}
JSON
timed "assessment-score-metric-correction" "$n" "$dp" run assessment-score-metric-correction --store "postgres:$pg" --now 2024-01-01 \
    --set 'score_correction_batches=["scale-batch"]' --http "canned:$work/http" --output "$work/reports" --log-file "$work/log3"
wc -l "$work"/reports/score_correction/assessment-invalid-attempts-records-*.csv | awk '{print "    invalid attempts reported: " $1 - 1}'
floor_start=$(date +%s.%N)
psql "$pg" -q -c "\\copy (SELECT * FROM sunbird_courses.course_batch) TO '/dev/null'" -c "\\copy (SELECT * FROM sunbird_courses.assessment_aggregator) TO '/dev/null'"
printf "  %-34s %9d rows  wall %7.2f s (psql \\\\copy of both tables to /dev/null)\n" "floor" $((2 * n)) "$(echo "$(date +%s.%N) - $floor_start" | bc -l)"
timed "old-certificate-migration-job" "$n" "$dp" run old-certificate-migration-job --store "postgres:$pg" --now 2024-01-01 \
    --set old_cert_migration_batch_ids=all --output "$work/reports" --log-file "$work/log4"
grep -o '"eventsSent":[0-9]*' "$work/log4" | tail -1 | sed 's/^/    /'
rm -rf "$work/reports"
timed "cassandra-migration" "$n" "$dp" run cassandra-migration --store "postgres:$pg" --target-store "postgres:$pg" --log-file "$work/log5"
grep -o '"total-records-migrated":[0-9]*' "$work/log5" | tail -1 | sed 's/^/    /'
copy_start=$(date +%s.%N)
psql "$pg" -q -c "\\copy sunbird_courses.user_enrolments TO '$work/enrolments.copy'"
psql "$pg" -q -c "BEGIN" -c "TRUNCATE sunbird_courses.report_user_enrolments" \
    -c "\\copy sunbird_courses.report_user_enrolments FROM '$work/enrolments.copy'" -c "COMMIT"
copy_wall="$(echo "$(date +%s.%N) - $copy_start" | bc -l)"
printf "  %-34s %9d rows  wall %7.2f s (psql \\\\copy out, then TRUNCATE + \\\\copy in, one transaction)\n" "migrator floor" "$n" "$copy_wall"
timed "collection-reconciliation-job" "$n" "$dp" run collection-reconciliation-job --store "postgres:$pg" --now 2024-01-01 \
    --output "$work/reports" --log-file "$work/log6"
grep -o '"contentStatusMapUpdCount":[0-9]*,"missingCompletionDateCount":[0-9]*,"blankEnrolmentCount":[0-9]*,"certIssuedCount":[0-9]*' "$work/log6" | tail -1 | sed 's/^/    /'
