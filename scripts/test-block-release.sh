#!/usr/bin/env bash
# A building block leaves this repository and ships on its own (issue 32's proof), for Plugins/ml:
#  1. the SDK is released: this checkout's tracked files as a git repository of their own, tagged with
#     SDK.version (Sources/PluginKit/SDK.swift); SwiftPM reaches it through a mirror of the SDK's URL;
#  2. Plugins/ml is copied out to a folder of its own and made a git repository; it builds against the
#     SDK taken as a version (no DATAPRODUCTS_SDK_PATH) and runs its own tests there;
#  3. it is packed as its artifact and installed into a deployment built from this checkout (config/,
#     another block's artifact), and its job runs from the template it installed;
#  4. a second version is built, installed and run, then rolled back: the deployment is byte-identical.
# Needs build/bin/dataproducts and build/artifacts (scripts/build-plugins.sh) and ../shared/fixtures.
# Prints "block-release: N passed, N failed"; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
fixtures="${DATAPRODUCTS_FIXTURES:-$repo/../shared/fixtures}"
host="$repo/build/bin/dataproducts"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
unset DATAPRODUCTS_SDK_PATH
sdk_url="https://github.com/sunbird-dataproducts/dataproducts"
version="$(sed -n 's/.*static let version = "\(.*\)".*/\1/p' Sources/PluginKit/SDK.swift)"
passed=0 failed=0
check() {  # description, command...
    local what="$1"; shift
    if "$@" >"$work/check.out" 2>&1; then passed=$((passed + 1)); echo "ok - $what"
    else failed=$((failed + 1)); echo "not ok - $what"; sed 's/^/    /' "$work/check.out" | tail -40; fi
}
finish() { echo "block-release: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }
commit_all() { git -C "$1" add -A && git -C "$1" -c user.name=ci -c user.email=ci@example.invalid commit -qm "$2"; }

# 1. The SDK, released as a tagged repository
t_sdk() {
    mkdir "$work/sdk" && git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$work/sdk" &&
    git -C "$work/sdk" init -q && commit_all "$work/sdk" "SDK $version" && git -C "$work/sdk" tag "$version"
}
check "the SDK is released as tag $version" t_sdk

# 2. The block alone, against the SDK by version
block="$work/ml"
t_alone() {
    mkdir "$block" && git ls-files -z Plugins/ml | tar --null -T - -cf - | tar -xf - -C "$work" &&
    mv "$work/Plugins/ml"/* "$work/Plugins/ml"/.[!.]* "$block"/ 2>/dev/null; [ -f "$block/Package.swift" ] &&
    git -C "$block" init -q && commit_all "$block" "ml on its own" &&
    swift package --package-path "$block" config set-mirror --original "$sdk_url" --mirror "$work/sdk"
}
check "Plugins/ml becomes a repository of its own" t_alone
t_build() {
    swift build --package-path "$block" && grep -q "\"version\" : \"$version\"" "$block/Package.resolved" &&
    ! grep -q '"kind" : "fileSystem"' "$block/Package.resolved"
}
check "it builds against the SDK resolved as version $version" t_build
# Its tests need a host binary and the shared fixtures; PostgreSQL is $DATAPRODUCTS_TEST_PG, else the kit starts one.
t_tests() {
    DATAPRODUCTS_BIN="$host" DATAPRODUCTS_FIXTURES="$fixtures" swift test --disable-swift-testing --package-path "$block" > "$work/tests.out" 2>&1
    local status=$?
    grep -E "Executed [0-9]+ tests" "$work/tests.out" | tail -1
    [ $status -eq 0 ] || tail -40 "$work/tests.out"
    return $status
}
check "its own tests pass there, run through the host binary by the SDK's test kit" t_tests

# 3. Packed, installed into a deployment built from this checkout, run from its installed template
home="$work/home"
pack() {  # -> the artifact's path on stdout
    local lib="$work/lib-$1/libml.so"
    mkdir -p "$work/lib-$1" && cp "$block/.build/debug/libml.so" "$lib" && "$host" plugins manifest "$lib" >/dev/null &&
    scripts/package-plugin.sh "$lib" "$block" "$work/artifacts"
}
t_deploy() {
    mkdir -p "$home/config" && cp -R config/env config/druid "$home/config/" &&
    "$host" plugins install build/artifacts/lern-userorg-*.zip --home "$home" &&
    "$host" plugins install "$(pack 1)" --home "$home"
}
check "its artifact installs into a deployment beside another block" t_deploy
run_job() {  # one program user exhaust request, queued and drained on the embedded fixtures
    local q="$work/queue-$1.jsonl" data
    data='{"type":"program-user-exhaust","params":{"filters":[{"table_name":"program_enrollment","table_filters":[{"name":"program_id","operator":"=","value":"602512d8e6aefa27d9629bc3"}]},{"table_name":"user_consent","table_filters":[{"name":"object_id","operator":"=","value":"602512d8e6aefa27d9629bc3"}]}]},"title":"User Detail Report"}'
    "$host" requests submit --home "$home" --requests "local:$q" --job program-user-exhaust --tag "program_602512d8e6aefa27d9629bc3" \
        --channel ORG_001 --requested-by ml-test --data "$data" --key test1234 &&
    "$host" requests run --home "$home" --job program-user-exhaust --env dev --requests "local:$q" \
        --store "local:$fixtures/lern/exhaust/report_data" --redis "local:$block/Tests/Fixtures/usercache-ml.jsonl" \
        --http "canned:$repo/Tests/Fixtures/exhaust/http-progress" --blob "local:$work/blob-$1" --log-file "$work/joblog-$1.log" &&
    "$host" requests list --requests "local:$q" | grep -q '"status":"SUCCESS"' &&
    ls "$work/blob-$1"/ml_reports/program-user-exhaust/*.zip && [ ! -e "$home/config/jobs" ]  # the template was the block's
}
check "its job runs from the template it installed" run_job 1
snapshot() { (cd "$home" && find . -type f -exec sha256sum {} + | sort; find . -type l -printf '%p -> %l\n' | sort); }
snapshot > "$work/before"

# 4. A second version, then back
t_upgrade() {
    sed -i 's/version: "1.0.0"/version: "1.0.1"/' "$block/Sources/ML/Plugin.swift" && commit_all "$block" "ml 1.0.1" &&
    swift build --package-path "$block" && "$host" plugins install "$(pack 2)" --home "$home" &&
    [ "$(readlink "$home/plugins/ml/current")" = 1.0.1 ] && "$host" plugins verify --home "$home" | grep -q 'ml 1.0.1 .* OK'
}
check "version 1.0.1 installs and becomes current" t_upgrade
check "1.0.1 runs the job" run_job 2
t_rollback() { "$host" plugins rollback ml --to 1.0.0 --home "$home" && snapshot > "$work/after" && diff "$work/before" "$work/after"; }
check "rolling back to 1.0.0 leaves the deployment byte-identical to before the upgrade" t_rollback
finish
