#!/usr/bin/env bash
# Which simulated feature biases the estimated blur coefficient R and σ on the held-out file's geometry? Simulates
# ~10M-localisation files with one feature of the held-out set (Benchmarks/scripts/side-by-side.sh) removed at a
# time, and prints R (truth 0.05: 10 ms exposure at 30 fps), its distance from the truth in standard errors, and σ
# (truth 35 nm), each analysed as users run nta-size (settings as flags, exposure unknown; the one-lag histogram
# path: R and σ come from the video nuisance, which does not depend on the estimator), then with
# --no-drift-correction.
#
# Usage: Benchmarks/scripts/drift-nuisance-ablation.sh [WORKDIR]   (default /tmp/nta-drift-ablation; ~2 min on 2 cores)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
exe="${NTA_SIZE:-$root/.build/release/nta-size}"
[ -x "$exe" ] || swift build -c release --package-path "$root" >&2
work=${1:-/tmp/nta-drift-ablation}
mkdir -p "$work/as-user"
cd "$work"
base=(--mixture "exo:95/1.3*0.6@1.40,debris:300/1.7*0.4@1.55" --frames 2500 --captures 40 --capture-frames continuing
      --fps 30 --nm-per-pixel 145 --temperature 21 --exposure-ms 10 --sigma-nm 35 --concentration 8.5e8 --seed 778)
# run NAME [analysis flags] -- [simulation flags]
run() {
  local name=$1; shift
  local analysis=()
  while [ "$1" != "--" ]; do analysis+=("$1"); shift; done; shift
  [ -s "$name.csv" ] || "$exe" simulate -o "$name" --mass-decimals 0 "${base[@]}" "$@" >/dev/null
  ln -sf "../$name.csv" "as-user/$name.csv"
  "$exe" analyze "as-user/$name.csv" --fps 30 --nm-per-pixel 145 --temperature 21 --bootstrap 0 --estimator msd1 \
    --distribution histogram --output json "${analysis[@]}" -o "$name.json" 2>/dev/null
  python3 - "$name.json" "$name ${analysis[*]}" <<'PY'
import json, sys
n = json.load(open(sys.argv[1]))["videos"][0]["nuisance"]
r, se = n["blurCoefficient"], n["blurCoefficientStandardError"]
print("%-42s R %.5f ± %.5f (%+.1f SE from 0.05)  σ %.1f nm" % (sys.argv[2], r, se, (r - 0.05) / se, n["localisationSigmaNm"]))
PY
}
all=(--sheet-waist-um 4 --threshold 0.2 --memory 1 --detection-probability 0.97 --drift-nm-per-frame -3,1)
run heldout-like -- "${all[@]}"
run heldout-like --no-drift-correction -- "${all[@]}"
run no-memory -- --sheet-waist-um 4 --threshold 0.2 --memory 0 --detection-probability 0.97 --drift-nm-per-frame -3,1
run no-drift -- --sheet-waist-um 4 --threshold 0.2 --memory 1 --detection-probability 0.97
run all-detected -- --sheet-waist-um 4 --threshold 0.2 --memory 1 --drift-nm-per-frame -3,1
run uniform-sheet -- --memory 1 --detection-probability 0.97 --drift-nm-per-frame -3,1
run uniform-sheet --no-drift-correction -- --memory 1 --detection-probability 0.97 --drift-nm-per-frame -3,1
run none --
