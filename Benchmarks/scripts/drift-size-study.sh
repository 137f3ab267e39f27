#!/usr/bin/env bash
# Sizes of drifting 100 nm beads at 1.6–113 particles a frame, the drift detected and subtracted (BENCHMARKS.md,
# "The drift correction's own steps at a balancing weight"): D50 (nm, mean of seeds 1–3) by nta-size as built, by a
# second build when given (e.g. one of ae81c91, whose drift held each track's own steps at full weight), and with
# --no-drift-correction. 100 nm beads, σ 30 nm, 30 fps, 160 nm/px, exposure unknown, default deconvolution,
# --bootstrap 0.
#
# Usage: Benchmarks/scripts/drift-size-study.sh [OTHER_NTA_SIZE] [WORKDIR]   (~1.5 min on 2 cores)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
exe="$root/.build/release/nta-size"
[ -x "$exe" ] || swift build -c release --package-path "$root" >&2
other=${1:-}
work=${2:-/tmp/nta-drift-size-study}
mkdir -p "$work/as-user"
cd "$work"
d50() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["videos"][0]["size"]["d50Nm"])' "$1"; }
printf '%-14s %10s %10s %10s\n' "particles/frame" "as built" "other" "uncorrected"
for spec in 3e7:20000 1e8:12000 3e8:6000 1e9:2000 3e9:700; do
  conc=${spec%:*} frames=${spec#*:}
  sums=(0 0 0)
  for seed in 1 2 3; do
    name=drift$conc-s$seed
    [ -s "$name.csv" ] || "$exe" simulate -o "$name" --mixture 100 --sigma-nm 30 --concentration "$conc" \
      --frames "$frames" --seed "$seed" --drift-nm-per-frame 60,-30 >/dev/null
    # As a tracker's user has the file: no sidecar beside it, so the exposure is unknown.
    ln -sf "../$name.csv" "as-user/$name.csv"
    flags=(--fps 30 --nm-per-pixel 160 --temperature 22 --bootstrap 0 --output json)
    "$exe" analyze "as-user/$name.csv" "${flags[@]}" -o "$name.built.json" 2>/dev/null
    "$exe" analyze "as-user/$name.csv" "${flags[@]}" --no-drift-correction -o "$name.none.json" 2>/dev/null
    sums[0]=$(python3 -c "print(${sums[0]} + $(d50 "$name.built.json"))")
    sums[2]=$(python3 -c "print(${sums[2]} + $(d50 "$name.none.json"))")
    if [ -n "$other" ]; then
      "$other" analyze "as-user/$name.csv" "${flags[@]}" -o "$name.other.json" 2>/dev/null
      sums[1]=$(python3 -c "print(${sums[1]} + $(d50 "$name.other.json"))")
    fi
  done
  # Localisations per frame of seed 1's file.
  perFrame=$(awk -F, 'NR > 1 { r++; f[$2] = 1 } END { n = 0; for (k in f) n++; printf "%.1f", r / n }' "drift$conc-s1.csv")
  printf '%-14s %10.1f %10s %10.1f\n' "$perFrame" "$(python3 -c "print(${sums[0]}/3)")" \
    "$([ -n "$other" ] && python3 -c "print('%.1f' % (${sums[1]}/3))" || echo -)" "$(python3 -c "print(${sums[2]}/3)")"
done
