#!/usr/bin/env python3
"""Writes the seed corpus Fuzz/Corpus/<harness>/ from SampleData/ (cut to a few hundred rows)
and from the hand-written fixtures of Tests/NTATests (transcribed here in the same layouts).
Real instrument exports (/work/shared/formats) are never copied: every seed is synthetic.
Run from the repository root: python3 Fuzz/Scripts/make-seeds.py"""
import math, os, struct

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
corpus = os.path.join(root, "Fuzz", "Corpus")

def write(harness, name, data):
    d = os.path.join(corpus, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))

def head(path, rows):
    with open(os.path.join(root, path), "rb") as f:
        lines = f.read().split(b"\n")
    return b"\n".join(lines[: rows + 1]) + b"\n"

def tracks(path, particles, per_track):
    """The first `per_track` rows of the first `particles` particles of a trackpy file (kept in file order)."""
    with open(os.path.join(root, path), "rb") as f:
        lines = f.read().split(b"\n")
    header, rows = lines[0], [l for l in lines[1:] if l]
    ids, kept, count = [], [], {}
    for l in rows:
        p = l.split(b",")[0]
        if p not in count:
            if len(ids) >= particles: continue
            ids.append(p); count[p] = 0
        if count[p] < per_track:
            count[p] += 1; kept.append(l)
    return header + b"\n" + b"\n".join(kept) + b"\n"

# --- trajectory files -------------------------------------------------------------------------
beads = tracks("SampleData/beads-100nm.csv", 12, 25)
ev = tracks("SampleData/ev-mixture.csv", 12, 25)
small = head("SampleData/beads-100nm.csv", 40)
mapped = b"id;t;x;y\r\n" + b"".join(b"%d;%d;%.3f;%.3f\r\n" % (k // 12, k % 12, 10 + 0.3 * math.sin(k), 20 + 0.2 * math.cos(k)) for k in range(48))
reader_fixtures = [
    b"particle,frame,x,y\n1,0,1.0,2.0\n1,1,1.5,2.5\n2,0,5,5\n2,1,5.1,5.2\n",
    b"\xef\xbb\xbfframe,particle,y,x,mass\r\n0,7,1e0,2E1,100\r\n1,7,1.1,20.5,nan\r\n2,7,inf,-inf,1e308\r\n",
    b"particle\tframe\tx\ty\n1\t0\t1\t2\n1\t2147483647\t1\t2\n",
    b"particle,frame,x,y\n",
    b"",
    b"particle,frame,x,y\r1,0,1,2\r1,1,2,3\n1,2,3,4\r\n",
    b'"particle","frame","x","y"\n"1","0","1.0","2.0"\n1,1,,\n',
]
write("FuzzTrajectoryCSV", "beads-12x25.csv", b"\x00" + beads)
write("FuzzTrajectoryCSV", "ev-12x25.csv", b"\x00" + ev)
write("FuzzTrajectoryCSV", "beads-head40-mapped.csv", b"\x01" + small)
write("FuzzTrajectoryCSV", "semicolon-mapped.csv", b"\x03" + mapped)
for i, f in enumerate(reader_fixtures):
    write("FuzzTrajectoryCSV", "fixture-%d.csv" % i, bytes([i % 4]) + f)

# --- instrument exports (hand-written fixtures of Tests/NTATests/Instruments) -----------------
particle_data = (b"Particle ID,Size/nm,Diffusion coefficient/nm^2 s^-1,Ln(Adjusted intensity)/AU,Start frame,Tracklength,Included in distribution?\n"
                 b"1,101.2,4.31e+06,7.5,0,25,TRUE\n2,95.0,4.6e+06,7.1,3,12,False\n3,88.4,4.9e+06,,10,30,1\n4,120.0,3.6e+06,8.0,11,8,No\n")
all_tracks = (b"Particle ID,Size/nm,Diffusion coefficient/nm^2 s^-1,Frame,X/pixels,Y/pixels,Ln(Adjusted intensity)/AU,Included in distribution?\n"
              + b"".join(b"%d,101.2,4.3e+06,%d,%.2f,%.2f,7.5,True\n" % (p, f, 10 + 50 * p + 0.4 * math.sin(f + p), 20 + 0.3 * math.cos(3 * f)) for p in range(1, 5) for f in range(14)))
all_tracks_utf16 = b"\xff\xfe" + all_tracks.decode().encode("utf-16-le")
trackmate = (b"LABEL,ID,TRACK_ID,QUALITY,POSITION_X,POSITION_Y,POSITION_Z,POSITION_T,FRAME,RADIUS,MEAN_INTENSITY_CH1\n"
             b"Label,Spot ID,Track ID,Quality,X,Y,Z,T,Frame,Radius,Mean intensity ch1\n"
             b"Label,Spot ID,Track ID,Quality,X,Y,Z,T,Frame,R,Mean ch1\n"
             b",,,(quality),(micron),(micron),(micron),(sec),,(micron),(counts)\n"
             + b"".join(b"ID%d,%d,%d,50.0,%.3f,%.3f,0.0,%.3f,%d,0.3,100\n" % (k, k, k // 12, 1.5 + 0.05 * math.sin(k) + k // 12, 2.5 + 0.04 * math.cos(k), 0.033 * (k % 12), k % 12) for k in range(36))
             + b"ID99,99,,10.0,5.0,5.0,0.0,0.0,0,0.3,50\n")
trackmate_single = b"TRACK_ID,POSITION_X,POSITION_Y,FRAME\n0,1.0,2.0,0\n0,1.1,2.1,1\n"
nano = (b"[Filenames]\na.avi\nb.avi\n\n[CaptureSettings]\nPixelSize=140,140\nFramesPerSecond=24.9825,25\n"
        b"Temperature=22.5,23\nViscosity=0.95,0.93\nShutter=30,30\nDilution=1000,0\nCameraLevel=16,16\n\n[Details]\nTimeCaptured=15:42:48  01/04/2021\n")

def zv(x):
    if x == 0: return "0.000E+0"
    e = int(math.floor(math.log10(abs(x)))); m = x / 10 ** e
    if abs(round(m * 1000)) >= 10000: e += 1; m = x / 10 ** e
    return "%.3f" % m + "E" + ("-" if e < 0 else "+") + str(abs(e))

def zeta(counts, eol="\n", rows=60, kind="Size Distribution"):
    lines = ["Original File:\tZ:\\20250219_0005_EV_size_488.avi\tSection:\t0.09999 [0]",
             "Software:\tZetaView (version 8.06.01 SP1)\tAnalyze:\t8.06.01 SP1", "Sample:\tfixture EV",
             "Conductivity: 60.000000\tsensed", "Temperature:\t24.930000\tsensed", "Viscosity:\t0.901280",
             "Particle Drift Check Result:\ttoo high", "Type of Measurement:\t" + kind,
             "Number of Traces:\t10\t(at 0.099990)\tAverage Number of Particles:\t5.000000\tDilution::\t100.000000",
             "Camera:\tFpSec 30 #Cycles 1 FRate 30.000000", "Micrometer per Pixel:\t0.713000", "Results (Pos 0.099993):",
             "Median Number (D50):\t96.250000", "Size Distribution", "Size / nm\tNumber\tConcentration / cm-3\tVolume / nm^3\tArea / nm^2"]
    for k in range(rows):
        n = counts.get(k, 0)
        lines.append("\t".join(zv(v) for v in [2.5 + 5 * k, n, n * 1e5, n * 100, n * 10]))
    lines.append("-1.000E+0\t-1.000E+0\t-1.000E+0\t-1.000E+0\t0.000E+0")
    for k in range(5): lines.append("\t".join(zv(v) for v in [4.683 * 1.037 ** k, 0, 0, 0, 0]))
    return eol.join(lines) + eol

def nanosight_summary(videos=("beads_00", "beads_01"), bins=200, eol="\r\n"):
    n = len(videos); out = []
    def row(cells): out.append(",".join('"%s"' % c if "," in c else c for c in cells) + ",")
    row(["NTA Experiment Summary File"]); row(["Created with NTA 3.4 Build 3.4.003"]); row([])
    row(["[Experiment Details]"]); row(["Software Version", "NTA 3.4 Build 3.4.003"]); row(["Experiment Name", "fixture.nano"])
    row(["Filename:"] + list(videos)); row(["Processed"] + ["Yes"] * n); row([])
    row(["[Conditions]"]); row(["Temperature/C"] + ["22.000"] * n); row(["Viscosity/cP"] + ["0.952941"] * n)
    row(["Camera Level"] + ["11"] * n); row(["Shutter/ms"] + ["22.250000"] * n); row(["Frame rate/fps"] + ["24.982500"] * n); row([])
    row(["[Settings]"]); row(["Detection Threshold"] + ["5"] * n); row(["Min Track Length"] + ["Auto"] * n)
    row(["Total frames analysed"] + ["749"] * n); row([])
    row(["[Results]"] + [""] * (n - 1) + ["", "Average", "Standard Error"])
    row(["Dilution factor (concentrations adjusted for this factor)"] + ["1.00e+03"] * n)
    row(["Concentration (Particles / ml)"] + ["1.23e+09"] * n + ["1.23e+09", "0.00e+00"])
    row(["Particles per frame"] + ["100.0"] * n + ["100.0", "0.0"]); row(["Completed tracks"] + ["4000"] * n); row([])
    row(["[Size Data]"]); row(["Analysis Method", "FTLA"]); row(["Weighting", "Number"])
    row(["Filename"] + list(videos) + ["Average", "Standard Error"])
    for key, v in [("Mean", "95.0"), ("Mode", "90.5"), ("SD", "12.0"), ("D10", "80.1"), ("D50", "94.2"), ("D90", "110.3")]:
        row([key] + [v] * n + [v, "0.0"])
    row(["Valid Tracks"] + ["1800.0"] * n); row(["Graph Data"])
    row(["Bin centre (nm)"] + ["Concentration (particles / ml)"] * n + ["Concentration average", "Standard Error"])
    for i in range(bins):
        c = round(2e8 * math.exp(-0.5 * ((i + 0.5 - 90) / 12) ** 2))
        row(["%.1f" % (i + 0.5)] + ["%d" % c] * n + ["%d" % c, "0"])
    row([]); row(["Percentile"] + ["Size (nm)"] * n)
    for p in range(0, 101): row([str(p)] + ["%.1f" % (70 + 0.4 * p)] * n)
    row([])
    return eol.join(out) + eol

instruments = {
    "nanosight-particledata.csv": particle_data,
    "nanosight-alltracks.csv": all_tracks,
    "nanosight-alltracks-utf16.csv": all_tracks_utf16,
    "trackmate-4header.csv": trackmate,
    "trackmate-1header.csv": trackmate_single,
    "nanosight-3.3.nano": nano,
    "zetaview-size.txt": zeta({18: 2, 19: 4, 20: 4}, "\r\n").encode("latin-1"),
    "zetaview-empty.txt": zeta({}, rows=0).encode(),
    "zetaview-profile.txt": zeta({}, kind="Zeta Potential").encode() + b"Mobility / \xb5\x00m/s\r\n",
    "nanosight-summary.csv": nanosight_summary().encode(),
    "nanosight-summary-1video.csv": nanosight_summary(("v",), bins=120, eol="\n").encode(),
    "trackpy-beads.csv": beads,
}
# NTA 2.x per-step export (Tests/NTATests/Instruments/NanoSightTrackStepTests.swift's fixture, transcribed)
track_steps = b"Particle ID, Track Step, X1, Y1, X2, Y2, Diffusion Co, Particle Size\n" + b"".join(
    b"%d, %d, %.6f, %.6f, %.6f, %.6f, 94.551525, 479.132879\n" % (p, k, 100.5 + p + 0.5 * k, 200.25 + (k % 3), 100.5 + p + 0.5 * (k + 1), 200.25 + ((k + 1) % 3))
    for p in (7, 9) for k in range(2, 12))
instruments["nanosight-2x-tracksteps.csv"] = track_steps
for name, data in instruments.items():
    write("FuzzInstrumentDetect", name, data)

# --- analysis: 50-byte settings header + a file ---------------------------------------------
def header(fps=30.0, px=160.0, temp=22.0, visc=None, exposure=None, minlen=None, bootstrap=0, estimator=0, histogram=False, exact=False, drift=True):
    mask = 0
    vals = [fps, px, temp, visc, exposure]
    for k, v in enumerate(vals):
        if v is not None: mask |= 1 << k
    if minlen is not None: mask |= 1 << 5
    if not drift: mask |= 1 << 6
    opts = bootstrap | (estimator << 2) | (0x40 if histogram else 0) | (0x80 if exact else 0)
    body = b"".join(struct.pack("<d", v if v is not None else 0.0) for v in vals) + struct.pack("<q", minlen or 0)
    return bytes([mask, opts]) + body

write("FuzzAnalysis", "beads-default.bin", header() + beads)
write("FuzzAnalysis", "ev-exposure-bootstrap.bin", header(exposure=15.0, bootstrap=2) + ev)
write("FuzzAnalysis", "beads-msd1-histogram.bin", header(estimator=6, histogram=True, minlen=5) + beads)
write("FuzzAnalysis", "ev-exact-nodrift.bin", header(visc=0.95, exact=True, drift=False, minlen=8) + ev)
write("FuzzAnalysis", "alltracks.bin", header(fps=25.0, temp=23.0) + all_tracks)
write("FuzzAnalysis", "particledata.bin", header(fps=25.0, temp=23.0, minlen=2) + particle_data)
write("FuzzAnalysis", "trackmate.bin", header(fps=30.0, temp=21.0, minlen=3) + trackmate)
write("FuzzAnalysis", "nanosight-summary.bin", header() + nanosight_summary(("v",), bins=120, eol="\n").encode())
write("FuzzAnalysis", "zetaview.bin", header() + zeta({18: 2, 19: 4, 20: 4}).encode())
write("FuzzAnalysis", "extremes.bin", header(fps=1e308, px=5e-324, temp=149.9, visc=float("inf"), exposure=float("nan"), minlen=2**62) + reader_fixtures[2])
write("FuzzAnalysis", "nanosight-2x-tracksteps.bin", header(px=166.0) + track_steps)
write("FuzzAnalysis", "empty-settings.bin", bytes(50) + reader_fixtures[0])
