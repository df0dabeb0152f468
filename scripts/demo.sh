#!/usr/bin/env bash
# Newcomer demo: install, build host + plugins, then do what a course admin's request does — queue an
# on-demand progress exhaust for batch-001 and let the host drain the queue — on the embedded `local`
# store (the upstream fixtures as JSON-lines tables, the embedded SQLite queue, the upstream tests' user
# cache and recorded API answers: no server needed). Shows the password-protected report.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
fixtures="${DATAPRODUCTS_FIXTURES:-../shared/fixtures}"
store="$fixtures/lern/exhaust/report_data"
[ -d "$store" ] || { echo "fixtures not found at $store (set DATAPRODUCTS_FIXTURES to the shared fixtures folder)" >&2; exit 1; }
scripts/build-plugins.sh release
demo=demo-run
rm -rf "$demo"
mkdir -p "$demo"
dp=build/bin/dataproducts
queue="sqlite:$demo/job_request.sqlite"
$dp requests submit --requests "$queue" --job progress-exhaust --tag do_1130928636168192001667_batch-001 \
    --channel b00bc992ef25f1a9a8d63291e20efc8d --requested-by user-002 --data '{"batchId": "batch-001"}' --key demo-password
$dp requests run --job progress-exhaust --requests "$queue" --store "local:$store" \
    --redis local:Tests/Fixtures/exhaust/usercache-progress.jsonl --http canned:config/demo/http \
    --blob "local:$demo/blob" --log-file "$demo/joblog.log"
echo
echo "== the request row"
$dp requests list --requests "$queue"
zip="$(find "$demo/blob" -name '*.zip' | head -1)"
echo
echo "== $zip (ZipCrypto, password demo-password)"
unzip -P demo-password -p "$zip"
echo
echo "The report is $(pwd)/$zip (job log: $demo/joblog.log)"
