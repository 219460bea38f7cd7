"""Real-world precision benchmark: findings per project by tier, precision and recall
on the hand-labelled samples.

    python benchmarks/realworld/fetch.py          # once: the pinned releases
    python benchmarks/realworld/run.py [names...] # lint them, default and --strict

Labels live in ``labels.tsv`` beside this file, one finding a line:
``project  version  file  line  code  verdict  reason  fact  sample``, with verdict R
(a realistic workload wraps it), U (int32 and reaches an address, but no realistic
size wraps it) or W (the analysis is wrong); ``fact`` says what would let a static
tool decide it, ``sample`` which random draw it came from (``sample.py`` draws
fresh ones, never a finding already labelled). A label is matched to a finding by project, file,
line and code. Precision is R / labelled default-tier findings; recall is the
share of all labelled R findings that the default tier still reports (each one it
no longer reports is listed, with whether --strict still does).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from fetch import DEFAULT_DEST, fetch, load_manifest  # noqa: E402


def lint(dirs: list[Path], strict: bool) -> tuple[list[dict], float]:
    # The corpus sits under this repository's .gitignore (it is never committed):
    # lint it as a release of its own, with its files not ignored.
    cmd = [sys.executable, "-m", "tritonlint", "check", "--exit-zero", "--format", "json", "--no-respect-gitignore"]
    if strict:
        cmd.append("--strict")
    t0 = time.perf_counter()
    root = dirs[0].parent
    # REALWORLD_SOURCE measures a snapshot of the linter (`git archive`) while the
    # working tree changes under it
    env = {**os.environ, "PYTHONPATH": os.environ.get("REALWORLD_SOURCE", str(HERE.parents[1]))}
    proc = subprocess.run(cmd + [d.name for d in dirs], capture_output=True, text=True, cwd=root, env=env)
    elapsed = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"tritonlint failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return json.loads(proc.stdout or "[]"), elapsed


def key(project: str, root: Path, finding: dict) -> tuple[str, str, int, str]:
    rel = (root / finding["filename"]).resolve().relative_to(root.resolve())
    return project, rel.as_posix(), finding["location"]["row"], finding["code"]


def load_labels(path: Path) -> dict[tuple[str, str, int, str], str]:
    return {k: v for k, (v, _sample) in load_labelled(path).items()}


def load_labelled(path: Path) -> dict[tuple[str, str, int, str], tuple[str, str]]:
    """(project, file, line, code) -> (verdict, sample)."""
    out = {}
    if not path.is_file():
        return out
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t"):
            key = (row["project"], row["file"], int(row["line"]), row["code"])
            out[key] = (row["verdict"].strip().upper(), (row.get("sample") or "").strip())
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*")
    ap.add_argument("--dest", type=Path, default=DEFAULT_DEST)
    ap.add_argument("--labels", type=Path, default=HERE / "labels.tsv")
    ap.add_argument("--dump", type=Path, help="write the default-tier findings (JSON) here, for sampling")
    args = ap.parse_args(argv)
    labelled = load_labelled(args.labels)
    labels = {k: v for k, (v, _s) in labelled.items()}
    by_sample: dict[str, Counter] = {}
    projects = [p for p in load_manifest() if not args.names or p["name"] in args.names]
    print(f"{'project':<24}{'default':>9}{'strict':>9}{'secs':>8}{'labelled':>10}{'R':>5}{'U':>5}{'W':>5}"
          f"{'precision':>11}{'R recall':>10}")
    dump = {}
    totals = Counter()
    lost_r: list[str] = []
    for project in projects:
        dirs = fetch(project, args.dest)
        root = dirs[0].parent
        default, secs = lint(dirs, strict=False)
        strict, _ = lint(dirs, strict=True)
        name = project["name"]
        default_keys = {key(name, root, f) for f in default}
        strict_keys = {key(name, root, f) for f in strict}
        judged = Counter(labels[k] for k in default_keys if k in labels)
        for k in default_keys:
            if k in labelled:
                verdict, sample = labelled[k]
                by_sample.setdefault(sample or "-", Counter())[verdict] += 1
        # every labelled R counts, also one --strict no longer prints (judged bounded, or
        # gone): a recall over the R findings still in some tier would hide exactly those
        labelled_r = {k for k, v in labels.items() if k[0] == name and v == "R"}
        kept_r = labelled_r & default_keys
        for k in sorted(labelled_r - default_keys):
            where = "unrealistic in --strict" if k in strict_keys else "not reported even with --strict"
            lost_r.append(f"{k[0]} {k[1]}:{k[2]} {k[3]} ({where})")
        n = sum(judged.values())
        precision = f"{judged['R'] / n:.0%}" if n else "-"
        recall = f"{len(kept_r)}/{len(labelled_r)}" if labelled_r else "-"
        print(f"{name:<24}{len(default):>9}{len(strict):>9}{secs:>8.1f}{n:>10}{judged['R']:>5}{judged['U']:>5}"
              f"{judged['W']:>5}{precision:>11}{recall:>10}")
        totals.update(default=len(default), strict=len(strict), n=n, R=judged["R"], U=judged["U"], W=judged["W"],
                      lr=len(labelled_r), kr=len(kept_r))
        dump[name] = {"root": str(root), "findings": default}
    n = totals["n"]
    print(f"{'TOTAL':<24}{totals['default']:>9}{totals['strict']:>9}{'':>8}{n:>10}{totals['R']:>5}{totals['U']:>5}"
          f"{totals['W']:>5}{(totals['R'] / n if n else 0):>11.0%}{totals['kr']:>5}/{totals['lr']}")
    for line in lost_r:
        print(f"labelled R not in the default tier: {line}")
    for sample, c in sorted(by_sample.items()):
        n = sum(c.values())
        print(f"sample {sample}: {n} labelled default-tier findings, R {c['R']} U {c['U']} W {c['W']}, "
              f"precision {c['R'] / n:.0%}")
    if args.dump:
        args.dump.write_text(json.dumps(dump), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
