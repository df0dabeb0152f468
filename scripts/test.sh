#!/usr/bin/env bash
# The whole test suite: install, build host + plugins + test plugins, run the host's tests
# (unit, ABI conformance, end-to-end through the real binary) and every plugin package's tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
# The blocks here build against this checkout as their SDK (released, a block names the SDK by version).
export DATAPRODUCTS_SDK_PATH="${DATAPRODUCTS_SDK_PATH:-$PWD}"
scripts/format.sh --check   # the code's layout is .swift-format's (swift-format ships with the toolchain)
scripts/build-plugins.sh debug
scripts/build-test-plugins.sh debug
# Real servers for the connector tests, on loopback, in temp dirs, stopped on exit.
pg_out="$(scripts/test-postgres.sh start ${DATAPRODUCTS_TEST_PG_PORT:-})"
DATAPRODUCTS_TEST_PG="$(echo "$pg_out" | head -1)"
pg_dir="$(echo "$pg_out" | tail -1)"
export DATAPRODUCTS_TEST_PG DATAPRODUCTS_TEST_PG_DIR="$pg_dir"
log="$(mktemp)"
trap 'rm -f "$log"; scripts/test-postgres.sh stop "$pg_dir"' EXIT
# Servers the tests start must be stopped by them: any still running afterwards fails the suite.
servers='recorded_http_server.py|redis-server|moto.server|kafka-mock-cluster|prometheus-node-exporter|tcp_forward.py'
before="$(pgrep -f "$servers" | sort || true)"
# XCTest only (no Swift Testing suites here): its closing counts are summed below.
swift test --disable-swift-testing 2>&1 | tee -a "$log"   # HostTests and PluginKitTests
for dir in Plugins/*/; do
    if [ -d "$dir/Tests" ]; then swift test --disable-swift-testing --package-path "$dir" 2>&1 | tee -a "$log"; fi
done
sleep 1  # a server asked to stop at the bundle's end may take a moment to exit
left="$(comm -13 <(echo "$before") <(pgrep -f "$servers" | sort || true) | grep . || true)"
leftover_status=0
if [ -n "$left" ]; then
    echo "test servers still running after the tests (a test started them and did not stop them):"
    ps -o pid=,args= -p $(echo "$left" | paste -sd,) || true
    leftover_status=1
fi
# The Ansible deployment, deployed for real into a temp prefix (ansible-core and ansible-lint from PyPI).
ansible_status=0
ansible/tests/deploy-test.sh 2>&1 | tee -a "$log" || ansible_status=$?
# A block leaves the repository: Plugins/ml built and tested against the SDK released as a version,
# packed, installed, run, upgraded and rolled back (scripts/test-block-release.sh).
release_status=0
scripts/test-block-release.sh 2>&1 | tee -a "$log" || release_status=$?
# The parsers fuzzed for a bounded time each, from the committed corpora (a crash fails the suite).
fuzz_status=0
scripts/fuzz.sh "${DATAPRODUCTS_FUZZ_SECONDS:-60}" 2>&1 | tee -a "$log" || fuzz_status=$?
# One line for the whole suite; the last "Executed" line of each run holds that run's totals
# ("Executed N tests, with [S tests skipped and] F failures"); the Ansible and block-release checks add theirs.
awk '/^ansible: [0-9]+ passed, [0-9]+ failed/ {t += $2 + $4; fl += $4; seen = 1; next}
     /^block-release: [0-9]+ passed, [0-9]+ failed/ {t += $2 + $4; fl += $4; released = 1; next}
     /^fuzz: fuzz-[a-z]+ [0-9]+ s,/ {t += 1; next}
     /^fuzz: fuzz-[a-z]+ crashing input/ {fl += 1; next}
     /^Test Suite .All tests. (passed|failed)/ {grab=1; next}
     grab && /Executed [0-9]+ tests?, with/ {
         t += $2; f = $0; sub(/ failures?.*/, "", f); sub(/.* /, "", f); s = 0
         if ($0 ~ /skipped/) { s = $0; sub(/ tests? skipped.*/, "", s); sub(/.* /, "", s) }
         fl += f; sk += s; grab = 0 }
     END {if (!seen) {print "ansible: the deployment test did not finish"; fl += 1}
          if (!released) {print "block-release: the release test did not finish"; fl += 1}
          printf "%d passed, %d failed, %d skipped\n", t - fl - sk, fl, sk}' "$log"
[ "$leftover_status" -eq 0 ] || exit 1
[ "$fuzz_status" -eq 0 ] || exit 1
[ "$release_status" -eq 0 ] || exit 1
exit "$ansible_status"
