#!/usr/bin/env bash
# Issue 11's side-by-side table and scaling study, as users run the tools: whole processes, timed by /usr/bin/time.
#
# Usage (from anywhere): Benchmarks/scripts/side-by-side.sh [RUNS] [FILES]
#   RUNS   timed runs per command (default 3; the table shows the median wall time and the largest peak RSS)
#   FILES  which inputs: "10M" (the benchmark's EV-like file, an independent-looking one and a held-out one), "scaling"
#          (1M, 10M, 100M EV-like files, nta-size default only), or "all" (default: 10M)
# nta-size is run as a tracker's user runs it: settings as flags, no sidecar, so the exposure is unknown (``as_user``).
# Inputs are simulated into $NTA_BENCH_DATA_DIR (default /tmp/swift-nta-benchmarks) the first time and reused.
# Needs a release build (`swift build -c release`, made if missing), python3 with numpy and pandas, and trackpy 0.7
# for its row (`pip install trackpy==0.7`; the row is left out, with a note, when trackpy is missing).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
runs=${1:-3}; which=${2:-10M}
data=${NTA_BENCH_DATA_DIR:-/tmp/swift-nta-benchmarks}
exe="$root/.build/release/nta-size"
[ -x "$exe" ] || swift build -c release --package-path "$root" >&2
mkdir -p "$data"

# simulate NAME ARGS…: $data/NAME/tracks.csv (+ sidecar, truth), written once.
simulate() {
  local name=$1; shift
  [ -s "$data/$name/tracks.csv" ] && return
  rm -rf "$data/$name.partial"; mkdir -p "$data/$name.partial"
  # Whole-unit mass (--mass-decimals 0), as these v1 inputs were written and measured.
  "$exe" simulate -o "$data/$name.partial/tracks" --mass-decimals 0 "$@" >&2
  mv "$data/$name.partial" "$data/$name"
}
# The benchmark harness's EV-like file (Benchmarks/Benchmarks/NTABenchmarks: SizeMixture.evLike, seed 20261122,
# 8.5e10 particles/mL, 30 fps, 160 nm/px, 5 µm sheet, σ 30 nm, no blur); FRAMES sets its size.
evlike() { simulate "evlike-$1-cli-v1" --mixture ev-mix --seed 20261122 --frames "$2" --concentration 8.5e10; }
# An independent-looking file: another mixture and geometry (25 fps, 100 nm/px, 24 °C, Gaussian sheet seen through an
# intensity threshold, 15 ms exposure, photon-independent σ 25 nm, drift, tracker memory 2, 95 % detection) and
# 30 captures of 3,000 frames in one file, frames numbered on (90,000 frames), ~10M localisations.
independent() {
  simulate independent-10M-v1 --mixture "vesicles:110/1.35*0.5@1.39,small:45/1.2*0.2@1.39,debris:230/1.6*0.3@1.55" \
    --seed 424242 --frames 3000 --captures 30 --capture-frames continuing --fps 25 --nm-per-pixel 100 --temperature 24 \
    --exposure-ms 15 --sigma-nm 25 --sheet-waist-um 3 --threshold 0.15 --memory 2 --detection-probability 0.95 \
    --drift-nm-per-frame 4,-2 --concentration 3e9
}
# A file never used while tuning (held out): other mixture, seed and geometry (30 fps, 145 nm/px, 21 °C, 10 ms
# exposure, σ 35 nm, a 4 µm Gaussian sheet through an intensity threshold, tracker memory 1, 97 % detection, drift),
# 40 captures of 2,500 frames numbered on, ~10M localisations.
heldout() {
  simulate heldout-10M-v1 --mixture "exo:95/1.3*0.6@1.40,debris:300/1.7*0.4@1.55" --seed 777 --frames 2500 \
    --captures 40 --capture-frames continuing --fps 30 --nm-per-pixel 145 --temperature 21 --exposure-ms 10 \
    --sigma-nm 35 --sheet-waist-um 4 --threshold 0.2 --memory 1 --detection-probability 0.97 \
    --drift-nm-per-frame -3,1 --concentration 8.5e8
}
# FILE as a user has it: a link to it in a sibling directory without the simulator's sidecar, so that nta-size knows
# only the settings given as flags (a tracker's export carries no exposure time); the Python scripts read the sidecar
# for the settings they need (frame rate, pixel size, temperature) from FILE itself.
as_user() {
  local dir; dir="$(dirname "$1")/as-user"
  mkdir -p "$dir"; ln -sf "$1" "$dir/tracks.csv"
  echo "$dir/tracks.csv"
}
# first ROWS data rows of FILE (its header kept) as FILE.ROWS.csv with the same sidecar: trackpy's input.
subset() {
  local file=$1 rows=$2 out="${1%.csv}.first$2.csv"
  [ -s "$out" ] || { head -n $((rows + 1)) "$file" > "$out.partial" && mv "$out.partial" "$out"; }
  cp "$file.settings.json" "$out.settings.json"
  echo "$out"
}
# The settings a user passes as flags (from the sidecar the simulator wrote; the exposure is not passed: most users
# do not know it, and nta-size runs on the link from ``as_user``, which has no sidecar to read it from).
flags() {
  python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print("--fps %s --nm-per-pixel %s --temperature %s" % (s["frameRateHz"], s["nanometersPerPixel"], s["temperatureCelsius"]))' "$1.settings.json"
}

# measure CMD…: RUNS runs (N_RUNS overrides it for one call); prints "median_wall_s max_rss_MB".
measure() {
  local walls=() rss=0 t tf; tf=$(mktemp)
  for _ in $(seq "${N_RUNS:-$runs}"); do
    /usr/bin/time -o "$tf" -f '%e %M' "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; }
    t=$(tail -n 1 "$tf")
    walls+=("${t% *}"); local m=${t#* }; [ "$m" -gt "$rss" ] && rss=$m
  done
  rm -f "$tf"
  local median; median=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "$median $((rss * 1024 / 1000000))"   # /usr/bin/time's %M is KiB; MB here are 10⁶ bytes, as the files' sizes
}

row() { printf '| %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4"; }
# rss_note RSS_MB FILE_MB: a note when nta-size's peak RSS is above issue 11's target of twice the file (a regression
# once: a reading kept alive by the CLI's loader made the pipeline copy every column, 552 → 710 MB on the held-out file).
rss_note() { [ "$1" -gt $(( 2 * $2 )) ] && echo "**peak RSS above 2× the file**"; true; }

table() {
  local file=$1 title=$2
  local size_mb rows; size_mb=$(( $(stat -c %s "$file") / 1000000 )); rows=$(( $(wc -l < "$file") - 1 ))
  local f; f=$(flags "$file")
  local user; user=$(as_user "$file")
  echo
  echo "#### $title: \`$(basename "$(dirname "$file")")/tracks.csv\`, $rows localisations, $size_mb MB"
  echo
  echo "nta-size reads FILE without a sidecar (settings as flags, exposure unknown); the Python scripts read the frame rate,"
  echo "pixel size and temperature from the simulator's sidecar."
  echo
  echo "| Command | Wall s (median of $runs) | Peak RSS MB | Note |"
  echo "|---|---:|---:|---|"
  local r
  # shellcheck disable=SC2086
  r=$(measure "$exe" analyze "$user" $f --output json); row "nta-size analyze FILE $f (default: ML, deconvolution, 100 bootstrap replicates)" ${r% *} ${r#* } "$(rss_note ${r#* } "$size_mb")"
  # shellcheck disable=SC2086
  r=$(measure "$exe" analyze "$user" $f --bootstrap 0 --output json); row "nta-size … --bootstrap 0" ${r% *} ${r#* } "$(rss_note ${r#* } "$size_mb")"
  # shellcheck disable=SC2086
  r=$(measure "$exe" analyze "$user" $f --estimator msd1 --distribution histogram --bootstrap 0 --output json); row "nta-size … --estimator msd1 --distribution histogram --bootstrap 0 (one-lag)" ${r% *} ${r#* } "$(rss_note ${r#* } "$size_mb")"
  r=$(measure python3 "$root/Benchmarks/compare/numpy_size.py" "$file" --repeat 1); row "numpy/pandas one-lag (Benchmarks/compare/numpy_size.py --repeat 1)" ${r% *} ${r#* } ""
  if python3 -c 'import trackpy' 2>/dev/null; then
    local sub; sub=$(subset "$file" 1000000)
    # trackpy loops over particles in Python: one run (its spread is small next to its size).
    r=$(N_RUNS=1 measure python3 "$root/Benchmarks/compare/trackpy_size.py" "$sub")
    local scaled; scaled=$(python3 -c "print(round(${r% *} * $rows / 1000000, 1))")
    row "trackpy $(python3 -c 'import trackpy; print(trackpy.__version__)') tp.imsd one-lag (Benchmarks/compare/trackpy_size.py) on the first 1M rows" "${r% *} (×$(python3 -c "print(round($rows/1e6,2))") ≈ $scaled)" ${r#* } "one run; extrapolated linearly in rows"
  else
    row "trackpy" "—" "—" "not installed (pip install trackpy==0.7)"
  fi
  r=$(measure wc -l "$file"); row "wc -l FILE (the floor: read every byte)" ${r% *} ${r#* } ""
  r=$(measure cat "$file"); row "cat FILE > /dev/null" ${r% *} ${r#* } ""
}

scaling() {
  echo
  echo "#### Scaling: nta-size default (100 bootstrap replicates) on EV-like files of 1M, 10M and 100M localisations"
  echo
  echo "| File | Localisations | MB | Wall s (median of $runs) | Peak RSS MB | s per 10M rows |"
  echo "|---|---:|---:|---:|---:|---:|"
  for spec in 1M:300 10M:3000 100M:30000; do
    evlike "${spec%:*}" "${spec#*:}"
    local file="$data/evlike-${spec%:*}-cli-v1/tracks.csv"
    local rows; rows=$(( $(wc -l < "$file") - 1 ))
    # The 100M file: one run (about two minutes).
    local n=$runs; [ "${spec%:*}" = 100M ] && n=1
    local r; r=$(N_RUNS=$n measure "$exe" analyze "$(as_user "$file")" $(flags "$file") --output json)
    printf '| %s | %d | %d | %s | %s | %s |\n' "evlike-${spec%:*}" "$rows" $(( $(stat -c %s "$file") / 1000000 )) ${r% *} ${r#* } \
      "$(python3 -c "print(round(${r% *} * 1e7 / $rows, 2))")"
  done
}

echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1e6}' /proc/meminfo); load before: $(cut -d' ' -f1-3 /proc/loadavg); commit $(git -C "$root" rev-parse --short HEAD); $(date -u +%FT%TZ)"
case "$which" in
  10M|all)
    evlike 10M 3000; independent; heldout
    table "$data/evlike-10M-cli-v1/tracks.csv" "The benchmark's EV-like file"
    table "$data/independent-10M-v1/tracks.csv" "An independent-looking file (30 captures, 90,000 frames, other geometry)"
    table "$data/heldout-10M-v1/tracks.csv" "A held-out file (40 captures, 100,000 frames, other mixture and geometry; never used while tuning)"
    if [ "$which" = all ]; then scaling; fi ;;
  scaling) scaling ;;
  *) echo "unknown FILES: $which (10M, scaling or all)" >&2; exit 64 ;;
esac
