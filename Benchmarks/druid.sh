#!/usr/bin/env bash
# Druid answers streamed into a plugin: a recorded groupBy answer of N rows (about 150 bytes a row)
# served over loopback HTTP by the recorded-answer server, read by the host's Druid connector
# (split element by element, each row converted as upstream does) and handed to a plugin that
# counts the rows; rows/s and peak RSS, beside curl fetching the same answer to /dev/null.
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
cp build/test-plugins/libswift-testkit.so "$work/home/plugins/"
$bin plugins manifest "$work/home/plugins/libswift-testkit.so" >/dev/null
abi=$(grep -o '"abi": "[0-9.]*"' "$work/home/plugins/libswift-testkit.manifest.json" | cut -d'"' -f4)
echo "{\"pluginDir\":\"plugins\",\"plugins\":[{\"name\":\"swift-testkit\",\"version\":\"0.1.0\",\"owner\":\"t\",\"block\":\"test\",\"abi\":\"$abi\",\"jobs\":[\"test-count\"]}]}" > "$work/home/registry.json"

python3 - "$n" "$work/answers/groupby.json" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    f.write("[")
    for i in range(n):
        f.write(("," if i else "") + '{"version":"v1","timestamp":"2020-05-05T00:00:00.000Z","event":{"state":"State %d","district":"District %d","producer":"prod.diksha.app","total_plays":%d,"total_time_spent":%d.25,"unknown_device":null}}' % (i % 36, i % 700, i, i * 3))
    f.write("]")
PY
echo '{"answers":[{"method":"POST","path":"/druid/v2/","bodyFile":"groupby.json"}]}' > "$work/answers/answers.json"
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
timed "curl to /dev/null (the transport floor)" curl -s -X POST -o /dev/null "http://127.0.0.1:$port/druid/v2/" -d '{}'
timed "dataproducts test-count (child process)" $bin run test-count --home "$work/home" --druid "http://127.0.0.1:$port" --log-file "$work/log"
grep -o '"inputEvents":[0-9]*' "$work/log" | tail -1
# PROFILE=file: also record the in-process run with perf (call graphs) into that file.
if [ -n "${PROFILE:-}" ]; then
    perf record -g -o "$PROFILE" $bin run test-count --home "$work/home" --druid "http://127.0.0.1:$port" --log-file "$work/log" --in-process >/dev/null 2>&1 || true
fi
