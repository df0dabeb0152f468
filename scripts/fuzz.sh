#!/usr/bin/env bash
# Fuzzes the host's parsers with libFuzzer (Fuzz/<target>/main.swift; corpora in Fuzz/corpus/<target>):
#   scripts/fuzz.sh [SECONDS] [TARGET...]   each target SECONDS (default 60) from its committed corpus
#   FUZZ_KEEP=1 scripts/fuzz.sh 600         ... and merge what it found into the committed corpus
# Targets: fuzz-json (JSON parser), fuzz-template (config templates), fuzz-csv (CSV writer and reader,
# then the corpus checked against Python's csv module), fuzz-arrow (plugin batches), fuzz-request
# (queue rows). Built with -sanitize=fuzzer,address in .build-fuzz (DATAPRODUCTS_FUZZ=1 adds the
# targets to Package.swift). A crash fails the script, printing the input as base64: turn it into a
# regression test. Prints one line per target: seconds, executions, coverage, corpus size.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"; shift || true
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(fuzz-json fuzz-template fuzz-csv fuzz-arrow fuzz-request)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The Swift runtime's own crash handler would fight AddressSanitizer over a crashing input.
export SWIFT_BACKTRACE=enable=no ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
for t in "${targets[@]}"; do
    DATAPRODUCTS_FUZZ=1 swift build --build-path .build-fuzz -c release -Xswiftc -sanitize=fuzzer,address \
        -Xswiftc -enable-testing -Xswiftc -use-ld=lld --product "$t" >"$work/build.log" 2>&1 \
        || { tail -30 "$work/build.log"; echo "fuzz: building $t failed" >&2; exit 1; }
done
bin="$(DATAPRODUCTS_FUZZ=1 swift build --build-path .build-fuzz -c release --show-bin-path)"
failed=0
for t in "${targets[@]}"; do
    corpus="$work/$t"
    mkdir -p "$corpus" "$work/crashes-$t"
    cp Fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
    # -max_len: inputs long enough to nest past the JSON depth bound (512 levels, ~1 KB) and well beyond.
    "$bin/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=16384 -print_final_stats=1 \
        -artifact_prefix="$work/crashes-$t/" "$corpus" >"$work/$t.log" 2>&1
    status=$?
    runs=$(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$work/$t.log" | grep -o '[0-9]*$')
    cov=$(grep -E '(DONE|pulse|NEW) ' "$work/$t.log" | tail -1 | grep -o 'cov: [0-9]*' | grep -o '[0-9]*')
    echo "fuzz: $t ${seconds} s, ${runs:-0} executions, coverage ${cov:-?} edges, corpus $(ls "$corpus" | wc -l) inputs"
    if [ "$status" -ne 0 ]; then
        failed=1
        grep -E 'Fatal error|ERROR: |SUMMARY' "$work/$t.log" | head -5
        for c in "$work/crashes-$t"/*; do [ -f "$c" ] && echo "fuzz: $t crashing input (base64): $(base64 -w0 "$c")"; done
    fi
    if [ "$t" = fuzz-csv ] && [ "$status" -eq 0 ]; then
        # Every corpus input once more, its records and CSV text dumped, then read by Python's csv.
        DP_FUZZ_CSV_DUMP="$work/csv.jsonl" "$bin/$t" -runs=0 "$corpus" >/dev/null 2>&1
        python3 - "$work/csv.jsonl" <<'PY' || failed=1
import csv, io, json, sys
checked = skipped = 0
for line in open(sys.argv[1], encoding="utf-8"):
    case = json.loads(line)
    text, records = case["csv"], case["records"]
    if case["dialect"] == "rfc4180":
        got = list(csv.reader(io.StringIO(text, newline="")))
    else:
        # Spark leaves a backslash outside quotes as it is, which Python's escapechar would eat:
        # those records are read by Spark's rules (our reader, checked in the target) only.
        if any("\\" in f and not any(c in f for c in ',"\n\r') for r in records for f in r):
            skipped += 1
            continue
        got = list(csv.reader(io.StringIO(text, newline=""), escapechar="\\", doublequote=False))
    if got != records:
        print(f"fuzz: Python's csv reads {case['dialect']} {text!r} as {got!r}, written from {records!r}")
        sys.exit(1)
    checked += 1
print(f"fuzz: fuzz-csv corpus read back by Python's csv: {checked} inputs agree, {skipped} Spark-only (backslash outside quotes)")
PY
    fi
    if [ "${FUZZ_KEEP:-0}" = 1 ] && [ "$status" -eq 0 ]; then
        mkdir -p "$work/merged-$t"
        "$bin/$t" -merge=1 "$work/merged-$t" Fuzz/corpus/"$t" "$corpus" >/dev/null 2>&1
        rm -f Fuzz/corpus/"$t"/*
        cp "$work/merged-$t"/* Fuzz/corpus/"$t"/
        echo "fuzz: $t corpus merged into Fuzz/corpus/$t ($(ls Fuzz/corpus/"$t" | wc -l) inputs)"
    fi
done
exit "$failed"
