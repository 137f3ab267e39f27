#!/usr/bin/env python3
"""A seeded mutation run of the nta-size CLI, as issue 8 asks: cut and corrupted copies of input files, each analysed
the way a user runs it, every outcome classified.

Usage (from anywhere):
  Fuzz/Scripts/mutation-run.py --cli .build/release/nta-size --out /tmp/mutation --per-file 150 FILE...

Each FILE gets --per-file mutated copies (seeded by --seed, the file's name and the copy's index: the same command
makes the same copies). A copy of a trajectory CSV (a header naming `particle` or `frame`) is analysed with the settings
as flags and the exposure unknown (`analyze COPY --fps 30 --nm-per-pixel 160 --temperature 22 --output json`); any other
file (an instrument export) with `analyze COPY --output json`. Outcomes:
  ok        exit 0 and a JSON report on standard output
  error     exit 1 with exactly one line on standard error, `file:line:column: …` or `file: …`
  flag      exit 64 (a setting out of range, named)
  BAD       anything else: a signal (trap, abort), another exit code, exit 1 with several lines or without the file's
            name, exit 0 without a JSON report, or no end within --timeout seconds (a hang)
Every BAD copy is kept in OUT/bad/ with its stderr; the summary goes to standard output.
"""
import argparse, concurrent.futures, hashlib, json, os, random, re, subprocess, sys, time

GARBAGE = [b"nan", b"NaN", b"inf", b"-inf", b"-1", b"0", b"1e308", b"-1e308", b"5e-324", b"1e-320", b"", b"abc",
           b"2147483648", b"-2147483649", b"9223372036854775808", b"-9223372036854775809", b"1,5", b"\"", b"\"x\"\"",
           b"0x1p3", b"+", b"-", b".", b"1e", b"1e+", b"\xff\xfe", b"\x00", b"  7  ", b"1.0.0", b"\xe2\x80\x8b1"]


def mutate(data: bytes, rng: random.Random) -> (bytes, str):
    """One of a dozen edits a file can suffer in transit or by hand, chosen and placed by `rng`."""
    lines = data.split(b"\n")
    kind = rng.randrange(13)
    if kind == 0:
        cut = rng.randrange(len(data) + 1)
        return data[:cut], f"truncated at byte {cut}"
    if kind == 1 and len(lines) > 1:
        i = rng.randrange(len(lines))
        return b"\n".join(lines[:i] + lines[i + 1:]), f"line {i + 1} deleted"
    if kind == 2 and len(lines) > 1:
        i = rng.randrange(len(lines)); n = rng.randrange(1, 50)
        return b"\n".join(lines[:i] + [lines[i]] * n + lines[i + 1:]), f"line {i + 1} repeated {n}×"
    if kind == 3 and len(lines) > 1:
        i = rng.randrange(len(lines))
        fields = re.split(rb"([,;\t])", lines[i])
        values = list(range(0, len(fields), 2))
        j = rng.choice(values)
        g = rng.choice(GARBAGE)
        fields[j] = g
        lines[i] = b"".join(fields)
        return b"\n".join(lines), f"line {i + 1} field {j // 2 + 1} set to {g!r}"
    if kind == 4 and data:
        out = bytearray(data)
        for _ in range(rng.randrange(1, 9)):
            out[rng.randrange(len(out))] = rng.randrange(256)
        return bytes(out), "bytes flipped"
    if kind == 5:
        at = rng.randrange(len(data) + 1)
        junk = bytes(rng.choice(b"\r\n\x00\xff,;\"\t 0123456789.-eE") for _ in range(rng.randrange(1, 20)))
        return data[:at] + junk + data[at:], f"{len(junk)} bytes inserted at {at}"
    if kind == 6 and len(lines) > 2:
        i, j = rng.randrange(1, len(lines)), rng.randrange(1, len(lines))
        lines[i], lines[j] = lines[j], lines[i]
        return b"\n".join(lines), f"lines {i + 1} and {j + 1} swapped"
    if kind == 7 and len(lines) > 2:
        body = lines[1:]
        rng.shuffle(body)
        return b"\n".join([lines[0]] + body), "data rows shuffled"
    if kind == 8:
        ending = rng.choice([b"\r", b"\r\n", b"\n\n"])
        return data.replace(b"\r\n", b"\n").replace(b"\n", ending), f"line endings {ending!r}"
    if kind == 9:
        return b"\xef\xbb\xbf" + data + rng.choice([b"", b"\x00", b"garbage,1,2", b"\n\n\n"]), "BOM and a tail"
    if kind == 10 and len(lines) > 1:
        # A column's values all scaled: frames far apart, huge coordinates, ids near the limits.
        i = rng.randrange(1, len(lines))
        factor = rng.choice([1e6, 1e12, -1, 1e-9, 2 ** 31])
        out = []
        col = rng.randrange(4)
        for k, line in enumerate(lines):
            fields = line.split(b",")
            if k > 0 and col < len(fields):
                try:
                    fields[col] = repr(float(fields[col]) * factor).encode()
                except ValueError:
                    pass
            out.append(b",".join(fields))
        return b"\n".join(out), f"column {col + 1} × {factor}"
    if kind == 11 and len(lines) > 1:
        return lines[0] + b"\n", "header only"
    if kind == 12 and lines:
        cols = lines[0].split(b",")
        rng.shuffle(cols)
        return b"\n".join([b",".join(cols)] + lines[1:]), "header's names shuffled"
    return data[: len(data) // 2], "halved"


def run_one(cli, path, timeout):
    with open(path, "rb") as f:
        head = f.read(4096)
    trajectories = re.search(rb"particle|frame", head.split(b"\n")[0] if head else b"", re.I) is not None
    args = [cli, "analyze", path, "--output", "json"]
    if trajectories:
        args += ["--fps", "30", "--nm-per-pixel", "160", "--temperature", "22"]
    start = time.monotonic()
    try:
        p = subprocess.run(args, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "BAD", f"no end within {timeout} s", "", timeout
    seconds = time.monotonic() - start
    err = p.stderr.decode("utf-8", "replace")
    lines = [l for l in err.split("\n") if l and not l.startswith("nta-size: warning")]
    if p.returncode == 0:
        try:
            json.loads(p.stdout)
            return "ok", "", err, seconds
        except ValueError:
            return "BAD", "exit 0 without a JSON report", err, seconds
    if p.returncode == 1:
        if len(lines) == 1 and os.path.basename(path) in lines[0]:
            return "error", lines[0], err, seconds
        return "BAD", f"exit 1 with {len(lines)} lines", err, seconds
    if p.returncode == 64:
        return "flag", lines[0] if lines else "", err, seconds
    return "BAD", f"exit {p.returncode}" + (" (signal)" if p.returncode < 0 or p.returncode > 128 else ""), err, seconds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--per-file", type=int, default=100)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    os.makedirs(os.path.join(a.out, "copies"), exist_ok=True)
    os.makedirs(os.path.join(a.out, "bad"), exist_ok=True)
    cases = []
    for file in a.files:
        with open(file, "rb") as f:
            data = f.read()
        base = os.path.basename(file)
        for k in range(a.per_file):
            key = hashlib.sha256(f"{a.seed}/{base}/{k}".encode()).digest()
            rng = random.Random(int.from_bytes(key[:8], "little"))
            mutated, how = mutate(data, rng)
            if rng.random() < 0.3:  # a second edit on a third of the copies
                mutated, second = mutate(mutated, rng)
                how += "; " + second
            stem, ext = os.path.splitext(base)
            path = os.path.join(a.out, "copies", f"{stem}.m{k:04d}{ext}")
            with open(path, "wb") as f:
                f.write(mutated)
            cases.append((file, k, how, path))
    counts, bad, slowest = {}, [], (0.0, "")
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
        futures = {pool.submit(run_one, a.cli, c[3], a.timeout): c for c in cases}
        for fut in concurrent.futures.as_completed(futures):
            file, k, how, path = futures[fut]
            outcome, detail, err, seconds = fut.result()
            if seconds > slowest[0]:
                slowest = (seconds, f"{os.path.basename(file)} copy {k} ({how})")
            counts.setdefault(os.path.basename(file), {}).setdefault(outcome, 0)
            counts[os.path.basename(file)][outcome] += 1
            if outcome == "BAD":
                keep = os.path.join(a.out, "bad", os.path.basename(path))
                os.replace(path, keep)
                with open(keep + ".stderr", "w") as f:
                    f.write(f"{how}\n{detail}\n{err}")
                bad.append((os.path.basename(file), k, how, detail))
            else:
                os.remove(path)
    print(f"Mutation run: seed {a.seed}, {a.per_file} copies per file, {len(cases)} runs, timeout {a.timeout:g} s\n")
    print("| File | ok | error (one line) | flag (64) | BAD |")
    print("|---|---:|---:|---:|---:|")
    total = {}
    for name in sorted(counts):
        c = counts[name]
        for key, value in c.items():
            total[key] = total.get(key, 0) + value
        print(f"| {name} | {c.get('ok', 0)} | {c.get('error', 0)} | {c.get('flag', 0)} | {c.get('BAD', 0)} |")
    print(f"| **all** | {total.get('ok', 0)} | {total.get('error', 0)} | {total.get('flag', 0)} | {total.get('BAD', 0)} |")
    print(f"\nSlowest run: {slowest[0]:.1f} s, {slowest[1]}")
    for name, k, how, detail in sorted(bad):
        print(f"- BAD {name} copy {k}: {how}: {detail}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
