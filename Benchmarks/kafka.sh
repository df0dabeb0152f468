#!/usr/bin/env bash
# The host's Kafka producer: N messages ({"n": i}, key k<i>) from the test kit's test-kafka job to
# librdkafka's mock cluster on loopback, every one acknowledged before the run ends; wall,
# messages/s and peak RSS, beside kcat producing the same lines (the raw floor), then kcat counts
# how many the partition took (its last offset). The mock broker is in-process memory, not a disk-backed Kafka: this measures
# the producer path, not a cluster.
# Needs: scripts/build-plugins.sh release && scripts/build-test-plugins.sh release
# Usage: Benchmarks/kafka.sh [N=1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"
bin=build/bin/dataproducts
work="$(mktemp -d)"
coproc MOCK { build/test-plugins/kafka-mock-cluster 1; }
trap 'exec {MOCK[1]}>&-; wait "$MOCK_PID" 2>/dev/null || true; rm -rf "$work"' EXIT
read -r _ brokers <&"${MOCK[0]}"
for t in dp.bench dp.floor; do echo "topic $t 1" >&"${MOCK[1]}"; read -r _ <&"${MOCK[0]}"; done

mkdir -p "$work/home/plugins" "$work/home/config/jobs" "$work/home/data"
cp build/test-plugins/libswift-testkit.so "$work/home/plugins/"
$bin plugins manifest "$work/home/plugins/libswift-testkit.so" >/dev/null
abi=$(grep -o '"abi": "[0-9.]*"' "$work/home/plugins/libswift-testkit.manifest.json" | cut -d'"' -f4)
echo "{\"pluginDir\":\"plugins\",\"plugins\":[{\"name\":\"swift-testkit\",\"version\":\"0.1.0\",\"owner\":\"t\",\"block\":\"test\",\"abi\":\"$abi\",\"jobs\":[\"test-kafka\"]}]}" > "$work/home/registry.json"
echo "{\"modelParams\":{\"topic\":\"dp.bench\",\"count\":$n}}" > "$work/home/config/jobs/test-kafka.json"
python3 -c "import sys; sys.stdout.writelines('k%d\t{\"n\":%d}\n' % (i, i) for i in range(int(sys.argv[1])))" "$n" > "$work/lines"

timed() {  # label, command...
    local label="$1"; shift
    /usr/bin/time -f "%e %M" -o "$work/t" "$@" > /dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    read -r wall rss < "$work/t"
    printf "  %-40s wall %6.2f s  peak RSS %5d MiB  %9.0f messages/s\n" "$label" "$wall" $((rss / 1024)) "$(echo "$n / $wall" | bc -l)"
}
echo "== $n messages to the mock cluster at $brokers"
timed "kcat -P (the raw floor, acks=all)" kcat -P -b "$brokers" -t dp.floor -K '\t' -X acks=all -l "$work/lines"
timed "dataproducts test-kafka (child process)" $bin run test-kafka --home "$work/home" --kafka "$brokers" --log-file "$work/log"
# The mock broker keeps only its newest message sets (it drops the oldest past a count), so the
# check is the log's end: the offset after the last message is how many the partition took.
last=$(kcat -C -b "$brokers" -t dp.bench -o -1 -c 1 -e -q -f '%o\n')
printf "  the partition's last offset + 1 = %d (kcat -C)\n" $((last + 1))
