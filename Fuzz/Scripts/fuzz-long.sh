#!/usr/bin/env bash
# A long unattended run of one harness at the lowest priority, crashes/timeouts/OOMs recorded and skipped.
# Usage: Fuzz/Scripts/fuzz-long.sh HARNESS SECONDS BINARY_DIR WORK_DIR
# TIMEOUT (s, default 10) is wall-clock per input: raise it on a loaded machine and re-time any timeout found.
# Multi-line error messages are not findings in these runs (NTA_FUZZ_ALLOW_MULTILINE=1): their first
# instances are recorded in FUZZING.md; the regression and CI runs check them.
# The working corpus grows in WORK_DIR/corpus/HARNESS (never committed); artifacts go to WORK_DIR/artifacts/HARNESS.
set -euo pipefail
harness=$1 seconds=$2 bin=$3 work=$4
fuzz="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$work/corpus/$harness" "$work/artifacts/$harness"
export SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} NTA_FUZZ_ALLOW_MULTILINE=${NTA_FUZZ_ALLOW_MULTILINE:-1}
exec /usr/bin/time -v nice -n 19 "$bin/$harness" \
  -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
  -max_total_time="$seconds" -timeout="${TIMEOUT:-10}" -rss_limit_mb=4096 -malloc_limit_mb=4096 -detect_leaks=0 \
  -max_len=8192 -dict="$fuzz/Dictionaries/$harness.dict" \
  -artifact_prefix="$work/artifacts/$harness/" -print_final_stats=1 \
  "$work/corpus/$harness" "$fuzz/Corpus/$harness" $( [ -d "$fuzz/Regressions/$harness" ] && echo "$fuzz/Regressions/$harness" )
