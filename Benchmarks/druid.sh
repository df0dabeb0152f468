#!/usr/bin/env bash
# 1. Druid answers streamed into a plugin: a recorded groupBy answer of N rows (about 200 bytes a
#    row) served over loopback HTTP by the recorded-answer server, read by the host's Druid connector
#    (split element by element, each row converted as upstream does) and handed to a plugin that
#    counts the rows; rows/s and peak RSS, beside curl fetching the same answer to /dev/null.
# 2. The report merge: druid_reports with a mergeConfig (rollup 1, DAY, 400 days) whose answer is a
#    delta of N/10 rows for a new day, merged into a published report of N rows (100 days) in the
#    local blob store: wall and peak RSS of the whole run (answer, files, merge, backups, JSON form).
# Needs a release build: scripts/build-plugins.sh release && scripts/build-test-plugins.sh release
# Usage: Benchmarks/druid.sh [N=1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"
bin=build/bin/dataproducts
work="$(mktemp -d)"
server_pid=""
trap '[ -n "$server_pid" ] && kill $server_pid 2>/dev/null; rm -rf "$work"' EXIT

mkdir -p "$work/home/plugins" "$work/home/config/jobs" "$work/home/data" "$work/answers"
cp build/test-plugins/libswift-testkit.so build/plugins/libobsrv.so "$work/home/plugins/"
$bin plugins manifest "$work/home/plugins/libswift-testkit.so" >/dev/null
$bin plugins manifest "$work/home/plugins/libobsrv.so" >/dev/null
abi=$(grep -o '"abi": "[0-9.]*"' "$work/home/plugins/libswift-testkit.manifest.json" | cut -d'"' -f4)
echo "{\"pluginDir\":\"plugins\",\"plugins\":[{\"name\":\"swift-testkit\",\"version\":\"0.1.0\",\"owner\":\"t\",\"block\":\"test\",\"abi\":\"$abi\",\"jobs\":[\"test-count\"]},{\"name\":\"obsrv\",\"version\":\"1.0.0\",\"owner\":\"t\",\"block\":\"obsrv\",\"abi\":\"$abi\",\"jobs\":[\"druid_reports\"]}]}" > "$work/home/registry.json"

python3 - "$n" "$work/answers/groupby.json" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    f.write("[")
    for i in range(n):
        f.write(("," if i else "") + '{"version":"v1","timestamp":"2020-05-05T00:00:00.000Z","event":{"state":"State %d","district":"District %d","producer":"prod.diksha.app","total_plays":%d,"total_time_spent":%d.25,"unknown_device":null}}' % (i % 36, i % 700, i, i * 3))
    f.write("]")
PY
python3 - "$n" "$work/answers/delta.json" "$work/blob/druid-reports/plays.csv" <<'PY'
import datetime, os, sys
n, delta, report = int(sys.argv[1]), sys.argv[2], sys.argv[3]
os.makedirs(os.path.dirname(report), exist_ok=True)
with open(delta, "w") as f:
    f.write("[")
    for i in range(n // 10):
        f.write(("," if i else "") + '{"version":"v1","timestamp":"2020-05-05T00:00:00.000Z","event":{"state":"State %d","district":"District %d","total_plays":%d}}' % (i % 36, i, i))
    f.write("]")
with open(report, "w") as f:
    f.write("Date,State,District,Total plays\n")
    for i in range(n):
        day = datetime.date(2020, 5, 5) - datetime.timedelta(days=100 - i // (n // 100))  # the 100 days before the delta's
        f.write("%s,State %d,District %d,%d.0\n" % (day.isoformat(), i % 36, i % (n // 100), i))
PY
echo '{"answers":[{"method":"POST","path":"/druid/v2/","bodyContains":"summary-events","bodyFile":"groupby.json"},{"method":"POST","path":"/druid/v2/","bodyContains":"plays-events","bodyFile":"delta.json"}]}' > "$work/answers/answers.json"
python3 Tests/Servers/recorded_http_server.py "$work/answers/answers.json" > "$work/port" 2>/dev/null &
server_pid=$!
for _ in $(seq 50); do grep -q PORT "$work/port" 2>/dev/null && break; sleep 0.1; done
port=$(awk '{print $2}' "$work/port")
echo '{"modelParams":{"druidQuery":{"queryType":"groupBy","dataSource":"summary-events","intervals":"LastDay","dimensions":[{"fieldName":"state"},{"fieldName":"district"},{"fieldName":"producer"}],"aggregations":[{"type":"longSum","name":"total_plays","fieldName":"total_plays"},{"type":"doubleSum","name":"total_time_spent","fieldName":"total_time_spent"}]}}}' > "$work/home/config/jobs/test-count.json"

timed() {  # label, command...: wall seconds and peak RSS
    local label="$1"; shift
    /usr/bin/time -f "%e %M" -o "$work/t" "$@" > /dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    read -r wall rss < "$work/t"
    printf "  %-44s wall %6.2f s  peak RSS %5d MiB  %9.0f rows/s\n" "$label" "$wall" $((rss / 1024)) "$(echo "$n / $wall" | bc -l)"
}

echo "== Druid groupBy answer of $n rows ($(du -m "$work/answers/groupby.json" | cut -f1) MiB), loopback HTTP"
timed "curl to /dev/null (the transport floor)" curl -s -X POST -o /dev/null "http://127.0.0.1:$port/druid/v2/" -d '{"dataSource":"summary-events"}'
timed "dataproducts test-count (child process)" $bin run test-count --home "$work/home" --druid "http://127.0.0.1:$port" --log-file "$work/log"
grep -o '"inputEvents":[0-9]*' "$work/log" | tail -1

echo "== report merge: a delta of $((n / 10)) rows into a published report of $n rows"
cat > "$work/home/config/jobs/druid_reports.json" <<'JSON'
{"modelParams":{"reportConfig":{"id":"plays","dateRange":{"staticInterval":"LastDay"},"metrics":[{"metric":"plays","label":"plays","druidQuery":{"queryType":"groupBy","dataSource":"plays-events","intervals":"LastDay","dimensions":[{"fieldName":"state"},{"fieldName":"district"}],"aggregations":[{"type":"longSum","name":"total_plays","fieldName":"total_plays"}]}}],
 "labels":{"state":"State","district":"District","total_plays":"Total plays"},"output":[{"type":"csv","metrics":["total_plays"],"dims":["date"],"fileParameters":["id","dims","date"]}],
 "mergeConfig":{"frequency":"DAY","rollup":1,"rollupAge":"DAY","rollupRange":400,"reportPath":"plays.csv"}}}}
JSON
timed "dataproducts druid_reports (merge)" $bin run druid_reports --home "$work/home" --druid "http://127.0.0.1:$port" --blob "local:$work/blob" --now 2020-05-06 --log-file "$work/log"
echo "  merged report: $(($(wc -l < "$work/blob/druid-reports/plays.csv") - 1)) rows, backup $(ls "$work/blob/report-backups/druid-reports/")"
# PROFILE=file: also record the in-process run with perf (call graphs) into that file.
if [ -n "${PROFILE:-}" ]; then
    perf record -g -o "$PROFILE" $bin run test-count --home "$work/home" --druid "http://127.0.0.1:$port" --log-file "$work/log" --in-process >/dev/null 2>&1 || true
fi
