#!/usr/bin/env bash
# Whether two nta-size builds give byte-identical outputs: the check behind "same bits" in BENCHMARKS.md.
#
# Usage: Benchmarks/scripts/same-outputs.sh BIN_A BIN_B
#   Runs both builds on the same inputs and compares every output with cmp, one line per case (SAME or DIFF), and
#   exits 1 when any differs:
#   - SampleData/*.csv with their sidecars (JSON), and without them, settings as flags (JSON);
#   - ../shared/formats/* when that directory is there (JSON);
#   - the side-by-side's 10M files in $NTA_BENCH_DATA_DIR (default /tmp/swift-nta-benchmarks) when they are there,
#     as users run them (no sidecar, exposure unknown): the default path's JSON, and the held-out file's per-track
#     table with --bootstrap 0 (every track's D and SE, 17 significant digits).
# The outputs stay in a temporary directory, printed at the end.
set -uo pipefail
if [ $# -ne 2 ]; then echo "usage: $0 BIN_A BIN_B" >&2; exit 64; fi
A=$(realpath "$1"); B=$(realpath "$2")
root=$(cd "$(dirname "$0")/../.." && pwd)
data=${NTA_BENCH_DATA_DIR:-/tmp/swift-nta-benchmarks}
out=$(mktemp -d)
differ=0
# case NAME ARGS…: both builds, exit status appended to each output.
case_() {
  local name=$1; shift
  "$A" "$@" -o "$out/$name.a" 2>/dev/null; echo "exit $?" >> "$out/$name.a"
  "$B" "$@" -o "$out/$name.b" 2>/dev/null; echo "exit $?" >> "$out/$name.b"
  if cmp -s "$out/$name.a" "$out/$name.b"; then echo "SAME $name"; else echo "DIFF $name"; differ=1; fi
}
bare=$(mktemp -d)
for f in "$root"/SampleData/*.csv; do
  [[ $f == *.truth.csv ]] && continue
  name=$(basename "$f" .csv)
  case_ "sample-$name" analyze "$f" --output json
  ln -s "$f" "$bare/$name.csv"
  case_ "sample-$name-flags" analyze "$bare/$name.csv" --fps 30 --nm-per-pixel 160 --temperature 22 --output json
done
if [ -d "$root/../shared/formats" ]; then
  for f in "$root"/../shared/formats/*; do
    [[ $f == *.md ]] && continue
    case_ "shared-$(basename "$f")" analyze "$f" --output json
  done
fi
run10M() {
  local name=$1 dir=$2; shift 2
  [ -f "$data/$dir/tracks.csv" ] || { echo "(no $data/$dir: skipped)"; return; }
  mkdir -p "$bare/$dir" && ln -sf "$data/$dir/tracks.csv" "$bare/$dir/tracks.csv"
  case_ "$name" analyze "$bare/$dir/tracks.csv" "$@" --output json
}
run10M evlike-10M evlike-10M-cli-v1 --fps 30 --nm-per-pixel 160 --temperature 22
run10M independent-10M independent-10M-v1 --fps 25 --nm-per-pixel 100 --temperature 24
run10M heldout-10M heldout-10M-v1 --fps 30 --nm-per-pixel 145 --temperature 21
if [ -f "$data/heldout-10M-v1/tracks.csv" ]; then
  case_ heldout-10M-tracks analyze "$bare/heldout-10M-v1/tracks.csv" --fps 30 --nm-per-pixel 145 --temperature 21 \
    --bootstrap 0 --output tracks
fi
rm -rf "$bare"
echo "outputs: $out"
exit $differ
