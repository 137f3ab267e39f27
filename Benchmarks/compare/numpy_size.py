#!/usr/bin/env python3
"""The swift-nta end-to-end benchmark's job, done the vectorised numpy/pandas way.

Reads a trackpy-style CSV (particle, frame, x, y[, mass]) with pandas, groups
rows by particle, computes the gap-aware one-lag MSD per track
(D = sum |dr|^2 / (4 dt sum gaps)), converts D to a diameter by
Stokes-Einstein (water viscosity by the IAPWS 2009 correlation, as
swift-nta's default), and reports the number-weighted mean, SD, D10/D50/D90
and the 30-150 nm fraction of tracks with at least MIN_LENGTH localisations.
Tracks with a repeated frame are dropped, as swift-nta does.

Settings come from the `<file>.settings.json` sidecar the simulator writes.

Usage: python3 numpy_size.py FILE.csv [--repeat N] [--min-length 10]
Prints one line per stage with its wall time, then the summary.
"""

import argparse
import json
import math
import time

import numpy as np
import pandas as pd

BOLTZMANN = 1.380649e-23  # J/K, exact (SI 2019)
ZERO_CELSIUS = 273.15


def iapws_viscosity_mpas(t_celsius):
    theta = (t_celsius + ZERO_CELSIUS) / 300.0
    a = (280.68, 511.45, 61.131, 0.45903)
    b = (-1.9, -7.7, -19.6, -40.0)
    return sum(ai * theta**bi for ai, bi in zip(a, b)) / 1000.0


def analyse(path, min_length):
    stages = {}
    t0 = time.perf_counter()
    with open(path + ".settings.json") as f:
        settings = json.load(f)
    df = pd.read_csv(path, usecols=["particle", "frame", "x", "y"],
                     dtype={"particle": np.int64, "frame": np.int64, "x": np.float64, "y": np.float64},
                     engine="c")
    df = df.dropna()
    t1 = time.perf_counter()
    stages["read_csv"] = t1 - t0

    # Group: stable sort by (particle, frame), as a groupby would, then
    # per-row differences within each track.
    df = df.sort_values(["particle", "frame"], kind="stable")
    particle = df["particle"].to_numpy()
    frame = df["frame"].to_numpy()
    nm = settings["nanometersPerPixel"]
    x = df["x"].to_numpy() * nm
    y = df["y"].to_numpy() * nm
    t2 = time.perf_counter()
    stages["group (sort)"] = t2 - t1

    same = particle[1:] == particle[:-1]
    dx = np.diff(x)[same]
    dy = np.diff(y)[same]
    gaps = np.diff(frame)[same]
    step_track = particle[1:][same]
    tracks, lengths = np.unique(particle, return_counts=True)
    track_index = np.searchsorted(tracks, step_track)
    sum_sq = np.bincount(track_index, weights=dx * dx + dy * dy, minlength=len(tracks))
    sum_gaps = np.bincount(track_index, weights=gaps, minlength=len(tracks))
    duplicate = np.bincount(track_index, weights=(gaps == 0), minlength=len(tracks)) > 0
    keep = (lengths >= min_length) & ~duplicate & (sum_gaps > 0)
    dt = 1.0 / settings["frameRateHz"]
    d_um2_s = sum_sq[keep] / (4 * dt * sum_gaps[keep]) * 1e-6
    t3 = time.perf_counter()
    stages["one-lag MSD"] = t3 - t2

    temperature = settings["temperatureCelsius"]
    eta = settings.get("viscosityMillipascalSeconds") or iapws_viscosity_mpas(temperature)
    kelvin = temperature + ZERO_CELSIUS
    d_um2_s = d_um2_s[np.isfinite(d_um2_s) & (d_um2_s > 0)]
    diameters = BOLTZMANN * kelvin / (3 * math.pi * eta * 1e-3 * d_um2_s * 1e-12) * 1e9
    diameters = diameters[diameters < 10_000]
    upper = max(1000, math.ceil(diameters.max() + 1))
    histogram = np.bincount(diameters.astype(np.int64), minlength=upper).astype(np.float64)
    centres = np.arange(upper) + 0.5
    n = histogram.sum()
    mean = (histogram * centres).sum() / n
    sd = math.sqrt((histogram * (centres - mean) ** 2).sum() / n)
    d10, d50, d90 = np.percentile(diameters, [10, 50, 90])
    fraction = ((diameters >= 30) & (diameters <= 150)).mean()
    t4 = time.perf_counter()
    stages["Stokes-Einstein + stats"] = t4 - t3
    stages["total"] = t4 - t0
    summary = dict(rows=len(df), tracks=len(tracks), used=len(diameters), mean=mean, sd=sd,
                   d10=d10, d50=d50, d90=d90, window_fraction=fraction)
    return stages, summary


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--min-length", type=int, default=10)
    args = parser.parse_args()
    totals = []
    for run in range(args.repeat):
        stages, summary = analyse(args.file, args.min_length)
        totals.append(stages["total"])
        print(f"run {run + 1}: " + ", ".join(f"{k} {v:.3f} s" for k, v in stages.items()))
    print("summary:", {k: (round(v, 3) if isinstance(v, float) else v) for k, v in summary.items()})
    print(f"total wall: min {min(totals):.3f} s, median {float(np.median(totals)):.3f} s over {len(totals)} runs")


if __name__ == "__main__":
    main()
