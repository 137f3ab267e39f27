#!/usr/bin/env python3
"""The swift-nta end-to-end job with trackpy's own per-particle MSD (tp.imsd).

Reads a trackpy-style CSV with pandas, drops tracks shorter than MIN_LENGTH
(tp.filter_stubs), computes each particle's MSD at lag 1 with tp.imsd (which
pairs only consecutive frames: steps across a gap are not used, unlike
swift-nta's gap-aware one-lag MSD), D = MSD/(4 dt), Stokes-Einstein with the
IAPWS viscosity, and the D10/D50/D90 of the diameters.

trackpy loops over particles in Python, so it is slow: run it on a smaller
file and scale by the number of tracks.

Usage: python3 trackpy_size.py FILE.csv [--min-length 10]
"""

import argparse
import json
import math
import time

import numpy as np
import pandas as pd
import trackpy as tp

from numpy_size import BOLTZMANN, ZERO_CELSIUS, iapws_viscosity_mpas


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--min-length", type=int, default=10)
    args = parser.parse_args()
    tp.quiet()
    with open(args.file + ".settings.json") as f:
        settings = json.load(f)
    t0 = time.perf_counter()
    traj = pd.read_csv(args.file)
    t1 = time.perf_counter()
    traj = tp.filter_stubs(traj, args.min_length).reset_index(drop=True)
    t2 = time.perf_counter()
    msd = tp.imsd(traj, mpp=settings["nanometersPerPixel"] / 1000, fps=settings["frameRateHz"], max_lagtime=1)
    t3 = time.perf_counter()
    dt = 1.0 / settings["frameRateHz"]
    d_um2_s = msd.iloc[0].to_numpy() / (4 * dt)
    d_um2_s = d_um2_s[np.isfinite(d_um2_s) & (d_um2_s > 0)]
    t = settings["temperatureCelsius"]
    eta = settings.get("viscosityMillipascalSeconds") or iapws_viscosity_mpas(t)
    diameters = BOLTZMANN * (t + ZERO_CELSIUS) / (3 * math.pi * eta * 1e-3 * d_um2_s * 1e-12) * 1e9
    d10, d50, d90 = np.percentile(diameters, [10, 50, 90])
    t4 = time.perf_counter()
    gsd = math.exp(np.std(np.log(diameters), ddof=1))
    window = np.mean((diameters >= 30) & (diameters <= 150))
    print(f"rows {len(traj)}, tracks used {len(diameters)}: d10 {d10:.1f} d50 {d50:.1f} d90 {d90:.1f} nm, "
          f"GSD {gsd:.3f}, 30-150 nm fraction {window:.3f}")
    print(f"read_csv {t1 - t0:.3f} s, filter_stubs {t2 - t1:.3f} s, imsd {t3 - t2:.3f} s, "
          f"sizing {t4 - t3:.3f} s, total {t4 - t0:.3f} s")


if __name__ == "__main__":
    main()
