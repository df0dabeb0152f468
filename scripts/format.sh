#!/usr/bin/env bash
# Formats every tracked Swift file with the toolchain's swift-format and .swift-format;
# `--check` only lints (strict: any finding fails), which scripts/test.sh runs first.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.swift')
if [ "${1:-}" = "--check" ]; then
    swift format lint --strict --configuration .swift-format "${files[@]}" \
        || { echo "swift-format: run scripts/format.sh to format the files above" >&2; exit 1; }
else
    swift format format --in-place --configuration .swift-format "${files[@]}"
fi
