#!/usr/bin/env bash
# Newcomer demo: install, build host + plugins, run the state admin geo report on the embedded
# `local` store (upstream fixtures as JSON-lines tables, no server), and show the report.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
fixtures="${DATAPRODUCTS_FIXTURES:-../shared/fixtures}"
store="$fixtures/lern/reports/reports_test_data"
[ -d "$store" ] || { echo "fixtures not found at $store (set DATAPRODUCTS_FIXTURES to the shared fixtures folder)" >&2; exit 1; }
scripts/build-plugins.sh release
rm -rf reports
build/bin/dataproducts run admin-geo-reports --env dev --store "local:$store" --output reports --log-file logs/joblog.log
echo
echo "== reports/geo-detail/ApSlug.csv"
cat reports/geo-detail/ApSlug.csv
echo "== reports/geo-summary/ApSlug.json"
cat reports/geo-summary/ApSlug.json
echo
echo "The report is in $(pwd)/reports/ (job log: logs/joblog.log)"
