#!/usr/bin/env bash
# Paired A/B of one pipeline stage's CPU time, from nta-size's --timings, as users run the CLI.
#
# Usage: Benchmarks/scripts/stage-ab.sh BIN_A BIN_B RUNS "STAGE" -- analyze FILE [flags…]
#   Runs A then B, RUNS times, and sums the CPU seconds of every --timings line whose stage name contains STAGE
#   (e.g. "refine and polish": the full fit's and R's refit's; "per-track estimates"; "bootstrap"). Prints each
#   run's figures and the median of the A/B ratios: alternating the two keeps the machine's slow and fast phases
#   (which move whole runs by 2×) out of the ratio.
# Example (the curvature cut, 9a75252, against its parent):
#   Benchmarks/scripts/stage-ab.sh ./nta-new ./nta-old 6 "refine and polish" -- \
#     analyze heldout-10M-v1/as-user/tracks.csv --fps 30 --nm-per-pixel 145 --temperature 21 -o /dev/null
set -euo pipefail
if [ $# -lt 6 ] || [ "$5" != "--" ]; then
  echo "usage: $0 BIN_A BIN_B RUNS STAGE -- ARGS…" >&2
  exit 64
fi
A=$1; B=$2; RUNS=$3; STAGE=$4; shift 5
cpu() {
  "$@" --timings 2>&1 >/dev/null | awk -v stage="$STAGE" '
    index($0, "timing: ") && index($0, stage) { for (i = 1; i <= NF; i++) if ($i == "(CPU") { v = $(i + 1); total += v + 0 } }
    END { printf "%.3f\n", total }'
}
for _ in $(seq "$RUNS"); do
  echo "$(cpu "$A" "$@") $(cpu "$B" "$@")"
done | python3 -c '
import statistics, sys
pairs = [tuple(map(float, line.split())) for line in sys.stdin if line.strip()]
print("A CPU s:", " ".join("%.3f" % a for a, _ in pairs))
print("B CPU s:", " ".join("%.3f" % b for _, b in pairs))
print("median A %.3f, B %.3f; median of A/B %.3f" % (statistics.median(a for a, _ in pairs),
      statistics.median(b for _, b in pairs), statistics.median(a / b for a, b in pairs if b > 0)))'
