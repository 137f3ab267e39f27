#!/usr/bin/env bash
# Looks at the HTML report as a person would: renders SampleData/ev-mixture.csv to HTML, opens it in headless
# Chromium, takes a screenshot and checks it is not blank and shows the figures; dumps the DOM and checks the SVG
# figures and the D50 text (equal to the JSON's); and checks that a second run writes the same bytes.
#
#   scripts/screenshot-report.sh            check (exit 1 on a failed check)
#   scripts/screenshot-report.sh --readme   also regenerate docs/report-screenshot.png (the README's picture)
#
# Without a browser it prints one "SKIP screenshot-report: <reason>" line and exits 0 (77 with --require-browser).
# NTA_SIZE=path/to/nta-size uses that binary instead of building the debug one. Bounded: every browser call has a
# timeout.
set -euo pipefail
cd "$(dirname "$0")/.."

readme=0
require_browser=0
for arg in "$@"; do
  case "$arg" in
    --readme) readme=1 ;;
    --require-browser) require_browser=1 ;;
    *) echo "usage: $0 [--readme] [--require-browser]" >&2; exit 64 ;;
  esac
done

browser=""
for candidate in chromium chromium-browser google-chrome google-chrome-stable; do
  if command -v "$candidate" >/dev/null 2>&1; then browser=$(command -v "$candidate"); break; fi
done
if [[ -z "$browser" ]]; then
  echo "SKIP screenshot-report: no headless browser found (install the Debian package chromium)"
  exit $(( require_browser ? 77 : 0 ))
fi
command -v python3 >/dev/null 2>&1 || { echo "SKIP screenshot-report: python3 is needed to check the PNG"; exit $(( require_browser ? 77 : 0 )); }

if [[ -z "${NTA_SIZE:-}" ]]; then
  swift build --product nta-size >/dev/null
  NTA_SIZE=.build/debug/nta-size
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The simulator's field of view (640 × 480 px at 160 nm) and light sheet (5 µm): the sample's detection volume.
args=(analyze SampleData/ev-mixture.csv --field-of-view-um 102.4x76.8 --sheet-depth-um 5)
"$NTA_SIZE" "${args[@]}" --output html -o "$work/report.html"
"$NTA_SIZE" "${args[@]}" --output html -o "$work/again.html"
"$NTA_SIZE" "${args[@]}" --output json -o "$work/report.json"
"$NTA_SIZE" "${args[@]}" --output svg -o "$work/figure.svg"
cmp -s "$work/report.html" "$work/again.html" || { echo "FAIL screenshot-report: two runs wrote different HTML" >&2; exit 1; }
echo "report: $(wc -c < "$work/report.html") bytes of HTML, $(wc -c < "$work/figure.svg") bytes of SVG"

chrome() { timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
  --disable-extensions --user-data-dir="$work/profile" "$@" 2>/dev/null; }
chrome --window-size=1000,3600 --screenshot="$work/report.png" "file://$work/report.html" >/dev/null
chrome --dump-dom "file://$work/report.html" > "$work/dom.html"
[[ -s "$work/report.png" ]] || { echo "FAIL screenshot-report: the browser wrote no screenshot" >&2; exit 1; }

python3 - "$work" <<'EOF'
import json, struct, sys, zlib

work = sys.argv[1]

def read_png(path):
    """Decodes an 8-bit RGB or RGBA PNG (what Chromium writes) with the standard library only."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert depth == 8 and colour in (2, 6), f"unsupported PNG: depth {depth}, colour type {colour}"
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, channels, rows

width, height, channels, rows = read_png(f"{work}/report.png")
n, total, total2, blue = 0, 0.0, 0.0, 0
for row in rows[::2]:
    for x in range(0, width * channels, 2 * channels):
        r, g, b = row[x], row[x + 1], row[x + 2]
        lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
        n += 1; total += lum; total2 += lum * lum
        # The deconvolved distribution's line: Okabe–Ito blue #0072B2 (light theme) or sky blue #56B4E9 (dark).
        if (abs(r - 0x00) < 40 and abs(g - 0x72) < 40 and abs(b - 0xB2) < 40) or \
           (abs(r - 0x56) < 30 and abs(g - 0xB4) < 30 and abs(b - 0xE9) < 30):
            blue += 1
sd = (total2 / n - (total / n) ** 2) ** 0.5
print(f"screenshot: {width}×{height} px, luminance SD {sd:.1f}, {blue} sampled pixels of the distribution's blue")
problems = []
if sd < 10: problems.append(f"the screenshot is (nearly) blank: luminance SD {sd:.1f} < 10")
if blue < 50: problems.append(f"the size-distribution line is not visible: {blue} blue pixels < 50")

dom = open(f"{work}/dom.html", encoding="utf-8").read()
report = json.load(open(f"{work}/report.json", encoding="utf-8"))
d50 = "%.1f nm" % report["size"]["d50Nm"]
svgs = dom.count("<svg")
print(f"DOM: {svgs} svg elements; D50 {d50} shown: {('D50 ' + d50) in dom}")
if svgs < 2: problems.append(f"expected the size and intensity figures (≥ 2 svg elements), found {svgs}")
if ("D50 " + d50) not in dom: problems.append(f"the figure's D50 label does not read the JSON's {d50}")
if ("%.1f %%" % (100 * report["window"]["fraction"])) not in dom: problems.append("the window fraction differs from the JSON's")
for bad in ("<script", "src=\"http", "href=\"http"):
    if bad in dom.lower(): problems.append(f"the page contains {bad}")
if problems:
    for p in problems: print("FAIL screenshot-report: " + p, file=sys.stderr)
    sys.exit(1)
print("PASS screenshot-report")
EOF

if (( readme )); then
  # The top of the report (the counts and the size distribution), as the README shows it.
  mkdir -p docs
  chrome --window-size=1000,1240 --screenshot="$work/readme.png" "file://$work/report.html" >/dev/null
  cp "$work/readme.png" docs/report-screenshot.png
  echo "wrote docs/report-screenshot.png ($(wc -c < docs/report-screenshot.png) bytes)"
fi
