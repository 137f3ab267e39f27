#!/usr/bin/env bash
# Re-runs crash inputs through a harness and prints, per input, the fatal message and the first frames
# inside the library's Sources/NTA* targets (file:line), so crashes can be grouped by their trap site.
# Usage: Fuzz/Scripts/triage.sh BINARY INPUT...
set -uo pipefail
bin=$1; shift
export SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
for input in "$@"; do
  out=$("$bin" -timeout=10 -rss_limit_mb=4096 -malloc_limit_mb=4096 -detect_leaks=0 "$input" 2>&1)
  msg=$(printf '%s\n' "$out" | grep -m1 -E "Fatal error|ERROR: AddressSanitizer|ERROR: libFuzzer: (timeout|out-of-memory|malloc)|multi-line|SUMMARY" | cut -c1-220)
  site=$(printf '%s\n' "$out" | grep -E "Sources/NTA[A-Za-z]*/" | head -3 | sed -E 's/.* in (\S+) .*(Sources\/NTA[A-Za-z]*\/[^ ]+).*/\2 \1/' | cut -c1-200 | paste -sd'|')
  printf '%s\t%s\t%s\n' "$(basename "$input")" "$msg" "$site"
done
