#!/usr/bin/env bash
# Builds the plugins the test suite loads (after scripts/build-plugins.sh built the host) into
# build/test-plugins/: the separately built Swift test kit and the plain-C plugin in its ABI variants,
# and the Kafka mock-cluster server.
set -euo pipefail
cd "$(dirname "$0")/.."
config="${1:-release}"
out=build/test-plugins
mkdir -p "$out"
jobs_flag=()
[ -n "${SWIFT_BUILD_JOBS:-}" ] && jobs_flag=(-j "$SWIFT_BUILD_JOBS")

swift build -c "$config" "${jobs_flag[@]}" --package-path Tests/Plugins/swift-testkit
cp "$(swift build -c "$config" --package-path Tests/Plugins/swift-testkit --show-bin-path)/libswift-testkit.so" "$out/"

c_plugin() {  # name, then extra cc flags
    local name="$1"; shift
    cc -std=c11 -Wall -Wextra -Werror -O2 -shared -fPIC "$@" -o "$out/lib$name.so" Tests/Plugins/c-echo/c_echo.c
}
c_plugin c-echo -I Sources/PluginAPI/include
c_plugin c-faulty -I Sources/PluginAPI/include -DFAULT_JOBS -DPLUGIN_NAME='"c-faulty"'   # hands the host broken batches
c_plugin c-echo-abi10 -I Tests/ABICompat/v1.0 -DPLUGIN_NAME='"c-echo-abi10"'       # built against ABI 1.0
c_plugin c-echo-abi11 -I Tests/ABICompat/v1.1 -DPLUGIN_NAME='"c-echo-abi11"'       # built against ABI 1.1
c_plugin c-echo-abi12 -I Tests/ABICompat/v1.2 -DPLUGIN_NAME='"c-echo-abi12"'       # built against ABI 1.2
c_plugin c-echo-abi13 -I Tests/ABICompat/v1.3 -DPLUGIN_NAME='"c-echo-abi13"'       # built against ABI 1.3
c_plugin c-echo-abi14 -I Tests/ABICompat/v1.4 -DPLUGIN_NAME='"c-echo-abi14"'       # built against ABI 1.4
c_plugin c-echo-abi15 -I Tests/ABICompat/v1.5 -DPLUGIN_NAME='"c-echo-abi15"'       # built against ABI 1.5
c_plugin c-echo-abi16 -I Tests/ABICompat/v1.6 -DPLUGIN_NAME='"c-echo-abi16"'       # built against ABI 1.6
c_plugin c-echo-abi17 -I Tests/ABICompat/v1.7 -DPLUGIN_NAME='"c-echo-abi17"'       # built against ABI 1.7
c_plugin c-echo-abi18 -I Tests/ABICompat/v1.8 -DPLUGIN_NAME='"c-echo-abi18"'       # built against ABI 1.8
c_plugin c-echo-abi19 -I Tests/ABICompat/v1.9 -DPLUGIN_NAME='"c-echo-abi19"'       # built against ABI 1.9
c_plugin c-echo-abi110 -I Tests/ABICompat/v1.10 -DPLUGIN_NAME='"c-echo-abi110"'     # built against ABI 1.10
c_plugin c-echo-abi111 -I Tests/ABICompat/v1.11 -DPLUGIN_NAME='"c-echo-abi111"'     # built against ABI 1.11
c_plugin c-echo-abi2 -I Sources/PluginAPI/include -DCLAIM_MAJOR=2 -DPLUGIN_NAME='"c-echo-abi2"'
c_plugin c-echo-newer -I Sources/PluginAPI/include -DCLAIM_MINOR=99 -DPLUGIN_NAME='"c-echo-newer"'
c_plugin c-noentry -I Sources/PluginAPI/include -DNO_ENTRY -DPLUGIN_NAME='"c-noentry"'
# The Kafka-protocol broker the Kafka tests talk to: librdkafka's mock cluster behind a small CLI.
cc -std=c11 -Wall -Wextra -Werror -O2 -o "$out/kafka-mock-cluster" Tests/Servers/kafka_mock_cluster.c -lrdkafka
echo "test plugins in $out"
