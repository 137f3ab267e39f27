#!/usr/bin/env bash
# Regenerates the sample data in this folder with the project's own simulator.
# Deterministic: the same seeds always write the same bytes.
#
#   SampleData/generate.sh            (from the package root)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product nta-size >/dev/null
bin=.build/release/nta-size

# 100 nm polystyrene-like beads, 40 s at 30 fps, no motion blur, σ = 30 nm, written as a tracker
# with a 5-localisation stub filter would (the analysis then applies its own 10-localisation cut).
"$bin" simulate -o SampleData/beads-100nm --mixture mono100 --frames 1200 --concentration 2e9 \
  --min-written-length 5 --seed 100 --mass-decimals 0

# An EV-like product: vesicles ~100 nm (n = 1.39), small particles ~40 nm, dense debris ~200 nm,
# with a 10 ms exposure (motion blur) and a slow drift.
"$bin" simulate -o SampleData/ev-mixture --mixture ev-mix --frames 750 --concentration 2e9 \
  --exposure-ms 10 --drift-nm-per-frame 15,-5 --min-written-length 5 --seed 200 --mass-decimals 0
