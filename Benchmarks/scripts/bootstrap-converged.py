#!/usr/bin/env python3
"""Compare bootstrap replicates with the same replicates converged (issue 11: the bootstrap's stopping rule).

Needs a throwaway build with Benchmarks/experiments/bootstrap-dump.patch applied (`git apply`, then
`swift build -c release`): NTA_BOOTDUMP=FILE writes each replicate's index, E-steps and summaries, a line each;
NTA_BOOTTOL and NTA_BOOTCAP set the replicates' tolerance and E-step cap. The replicates are the same resamples in
every build, so they compare one by one. Example (held-out file, its usual flags):

  F=/tmp/swift-nta-benchmarks/heldout-10M-v1/as-user/tracks.csv; FLAGS="--fps 30 --nm-per-pixel 145 --temperature 21"
  NTA_BOOTDUMP=ref.txt NTA_BOOTTOL=1e-6 NTA_BOOTCAP=3000 ./nta-size analyze $F $FLAGS -o /dev/null
  NTA_BOOTDUMP=default.txt ./nta-size analyze $F $FLAGS -o /dev/null
  python3 Benchmarks/scripts/bootstrap-converged.py ref.txt default.txt

Prints, per summary, the candidate's bootstrap SE over the reference's (1 = the intervals are as wide as converged
replicates make them) and the largest replicate error in reference SEs.
"""
import sys

NAMES = ["d10", "d50", "d90", "mode", "geometricSD", "windowFraction"]


def load(path):
    rows = [list(map(float, line.split())) for line in open(path) if line.strip()]
    return [int(r[1]) for r in rows], [r[2:] for r in rows]


def sd(values):
    m = sum(values) / len(values)
    return (sum((v - m) ** 2 for v in values) / (len(values) - 1)) ** 0.5


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: bootstrap-converged.py REFERENCE CANDIDATE…")
    ref_steps, ref = load(sys.argv[1])
    ref_sd = [sd([r[j] for r in ref]) for j in range(len(NAMES))]
    print(f"{sys.argv[1]}: {len(ref)} replicates, {sum(ref_steps) / len(ref_steps):.1f} E-steps a replicate")
    for path in sys.argv[2:]:
        steps, rows = load(path)
        if len(rows) != len(ref):
            sys.exit(f"{path}: {len(rows)} replicates, the reference has {len(ref)}")
        print(f"{path}: {sum(steps) / len(steps):.1f} E-steps a replicate")
        for j, name in enumerate(NAMES):
            ratio = sd([r[j] for r in rows]) / ref_sd[j] if ref_sd[j] > 0 else float("nan")
            worst = max(abs(rows[i][j] - ref[i][j]) for i in range(len(ref))) / ref_sd[j] if ref_sd[j] > 0 else float("nan")
            print(f"  {name:15s} SE ratio {ratio:.3f}  largest error {worst:.2f} SE")


if __name__ == "__main__":
    main()
