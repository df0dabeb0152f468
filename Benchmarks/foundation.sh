#!/usr/bin/env bash
# Foundation numbers: plugin verify/load time, host start-to-job overhead (isolated and in-process),
# the geo report on the upstream fixtures, and on a synthetic store of N organisations.
# Needs a release build: scripts/build-plugins.sh release && scripts/build-test-plugins.sh release
# Usage: Benchmarks/foundation.sh [N=1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"
bin=build/bin/dataproducts
fixtures="${DATAPRODUCTS_FIXTURES:-../shared/fixtures}/lern/reports/reports_test_data"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== plugins verify (sha256 + manifest + ABI checks, then dlopen + descriptor), 5 runs"
for i in 1 2 3 4 5; do $bin plugins verify | sed 's/^/  /'; done

echo "== host start-to-job: a job that reads a 1-row table and writes a 1-row CSV, 20 runs each"
mkdir -p "$work/home/plugins" "$work/home/data" "$work/home/config/jobs"
cp build/test-plugins/libswift-testkit.so "$work/home/plugins/"
$bin plugins manifest "$work/home/plugins/libswift-testkit.so" >/dev/null
abi=$(grep -o '"abi": "[0-9.]*"' "$work/home/plugins/libswift-testkit.manifest.json" | cut -d'"' -f4)
cat > "$work/home/registry.json" <<JSON
{"pluginDir":"plugins","plugins":[{"name":"swift-testkit","version":"0.1.0","owner":"t","block":"test","abi":"$abi","jobs":["test-echo"]}]}
JSON
echo '{"a":"1"}' > "$work/home/data/t.x.jsonl"
echo '{"modelParams":{"table":"t.x","columns":"a:utf8"}}' > "$work/home/config/jobs/test-echo.json"
for mode in isolated in-process; do
    flag=(); [ "$mode" = in-process ] && flag=(--in-process)
    : > "$work/times"
    for i in $(seq 20); do
        start=$(date +%s%N)
        $bin run test-echo --home "$work/home" "${flag[@]}" --log-file "$work/log" >/dev/null
        echo $(( ($(date +%s%N) - start) / 100000 )) >> "$work/times"  # tenths of a millisecond
    done
    sort -n "$work/times" | awk -v m="$mode" '{a[NR]=$1} END {printf "  %s: median %.1f ms, min %.1f ms of 20 runs (wall, process start to exit)\n", m, (a[10]+a[11])/20, a[1]/10}'
done

geo() {  # store, label
    /usr/bin/time -v $bin run admin-geo-reports --env dev --store "local:$1" --output "$work/out-$2" \
        --log-file "$work/geo-$2.log" > "$work/geo-$2.out" 2> "$work/time-$2"
    local wall rss rows
    wall=$(grep 'Elapsed (wall' "$work/time-$2" | awk '{print $NF}')
    rss=$(grep 'Maximum resident' "$work/time-$2" | awk '{print $NF}')
    rows=$(grep -o '"inputEvents":[0-9]*' "$work/geo-$2.log" | tail -1 | cut -d: -f2)
    echo "  $2: wall $wall, peak RSS $((rss / 1024)) MiB, organisations scanned $rows, $(head -1 "$work/geo-$2.out")"
}
echo "== geo report on the upstream fixtures (/usr/bin/time -v)"
geo "$fixtures" fixtures
echo "== geo report on $n synthetic organisations"
python3 Benchmarks/gen_geo_store.py "$n" "$work/store"
echo "  store: $(du -sh "$work/store" | cut -f1)"
geo "$work/store" "synthetic-$n"
