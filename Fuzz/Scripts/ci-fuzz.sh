#!/usr/bin/env bash
# CI: build the libFuzzer harnesses (release, address sanitizer) and run each for a bounded time over its
# committed seed corpus and its fixed-crash regressions. Fails on any crash, hang or huge allocation.
# About 3 minutes of build and 1–2 minutes of fuzzing on 2 cores. Linux only (libFuzzer ships with the
# swift.org Linux toolchain). Usage: Fuzz/Scripts/ci-fuzz.sh [SECONDS_PER_HARNESS]
set -euo pipefail
seconds=${1:-20}
root="$(cd "$(dirname "$0")/../.." && pwd)"
harnesses=(FuzzTrajectoryCSV FuzzInstrumentDetect FuzzAnalysis FuzzSettingsText)

if [ "$(uname -s)" != Linux ]; then echo "ci-fuzz: skipped (libFuzzer harnesses build on Linux only)"; exit 0; fi

# SwiftPM names the path dependency `..` after the checkout's folder; a checkout folder named `fuzz`
# would clash with the Fuzz package's own identity, so such a checkout is built from a copy.
build_root=$root
if [ "$(basename "$root" | tr '[:upper:]' '[:lower:]')" = fuzz ]; then
  build_root="$(mktemp -d)/swift-nta"
  mkdir -p "$build_root"
  (cd "$root" && tar --exclude='.build*' --exclude=.git -cf - .) | (cd "$build_root" && tar xf -)
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# (gold warns "Cannot export local symbol" for every ASan helper; the log keeps them out of sight.)
if ! (cd "$build_root/Fuzz" && swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library \
      -Xswiftc -g --scratch-path .build-fuzz > "$work/build.log" 2>&1); then
  grep -v "Cannot export local symbol" "$work/build.log" | tail -40
  echo "ci-fuzz: the fuzz package did not build"; exit 1
fi
bin="$build_root/Fuzz/.build-fuzz/release"
for h in "${harnesses[@]}"; do [ -x "$bin/$h" ] || { echo "ci-fuzz: $h did not build"; exit 1; }; done
# No Swift backtracer (libFuzzer prints the sanitizer stack); Foundation leaks a buffer reading an empty file
# (FUZZING.md, F6), so leak detection is off.
export SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0
status=0
for h in "${harnesses[@]}"; do
  # Multi-line errors are failures in every harness (O4/O5 fixed).
  unset NTA_FUZZ_ALLOW_MULTILINE
  timeout=10; [ "$h" = FuzzAnalysis ] && timeout=30   # one analysis takes up to ~3 s of CPU under ASan
  mkdir -p "$work/$h" "$work/artifacts-$h"
  dirs=("$root/Fuzz/Corpus/$h")
  [ -d "$root/Fuzz/Regressions/$h" ] && dirs+=("$root/Fuzz/Regressions/$h")
  for open in "$root/Fuzz/Regressions/open/$h"/*; do
    [ -e "$open" ] && echo "ci-fuzz: $h: not run, open crash $(basename "$open") (FUZZING.md)"
  done
  echo "ci-fuzz: $h for ${seconds}s"
  # A fixed seed: CI explores a prefix of the sequence the committed runs explored (FUZZING.md), so it
  # fails only on a regression, never on the luck of a new mutation.
  if ! "$bin/$h" -seed=1 -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb=4096 -malloc_limit_mb=4096 \
       -detect_leaks=0 -max_len=8192 -dict="$root/Fuzz/Dictionaries/$h.dict" -print_final_stats=1 \
       -artifact_prefix="$work/artifacts-$h/" "$work/$h" "${dirs[@]}" > "$work/$h.log" 2>&1; then
    echo "ci-fuzz: $h FAILED"; grep -v "^\s*$" "$work/$h.log" | tail -60
    for a in "$work/artifacts-$h"/*; do [ -e "$a" ] && { echo "input (base64):"; base64 -w0 "$a" | head -c 4000; echo; }; done
    status=1
  else
    grep -E "stat::number_of_executed_units|DONE" "$work/$h.log" | tail -2
  fi
done
exit $status
