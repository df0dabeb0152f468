#!/usr/bin/env bash
# The whole test suite: install, build host + plugins + test plugins, run the host's tests
# (unit, ABI conformance, end-to-end through the real binary) and every plugin package's tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
scripts/build-plugins.sh debug
scripts/build-test-plugins.sh debug
swift test
for dir in Plugins/*/; do
    if [ -d "$dir/Tests" ]; then swift test --package-path "$dir"; fi
done
