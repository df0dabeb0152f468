#!/usr/bin/env bash
# Builds the host and every plugin under Plugins/ (each its own SwiftPM package and .so), copies the
# libraries to build/plugins/ with each one's manifest (descriptor + sha256) beside it, packs each block
# as its artifact (build/artifacts/<name>-<version>.zip) and installs the artifacts into the checkout's
# deployment: registry.json here and build/plugins/<name>/ are what installing the blocks produces.
# Usage: scripts/build-plugins.sh [debug|release]   (default release)
set -euo pipefail
cd "$(dirname "$0")/.."
config="${1:-release}"
# The blocks here build against this checkout as their SDK (released, a block names the SDK by version).
export DATAPRODUCTS_SDK_PATH="${DATAPRODUCTS_SDK_PATH:-$PWD}"
jobs_flag=()
[ -n "${SWIFT_BUILD_JOBS:-}" ] && jobs_flag=(-j "$SWIFT_BUILD_JOBS")

swift build -c "$config" "${jobs_flag[@]}" --product dataproducts
host="$(swift build -c "$config" --show-bin-path)/dataproducts"
mkdir -p build/bin build/plugins
cp "$host" build/bin/dataproducts

for dir in Plugins/*/; do
    name="$(basename "$dir")"
    echo "building plugin $name"
    swift build -c "$config" "${jobs_flag[@]}" --package-path "$dir"
    lib="$(swift build -c "$config" --package-path "$dir" --show-bin-path)/lib$name.so"
    [ -f "$lib" ] || { echo "plugin $name did not produce lib$name.so" >&2; exit 1; }
    cp "$lib" "build/plugins/lib$name.so"
    build/bin/dataproducts plugins manifest "build/plugins/lib$name.so" >/dev/null
done
# The checkout's deployment is rebuilt from this build's artifacts (a rebuild keeps its version number).
rm -f registry.json
for dir in Plugins/*/; do
    name="$(basename "$dir")"
    rm -rf "build/plugins/$name"
    artifact="$(scripts/package-plugin.sh "build/plugins/lib$name.so" "$dir" build/artifacts)"
    build/bin/dataproducts plugins install "$artifact" --home . --new-plugin-dir build/plugins
done
build/bin/dataproducts plugins verify
