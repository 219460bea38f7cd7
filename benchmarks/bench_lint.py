"""How fast is tritonlint, measured against baselines run in the same process.

    python benchmarks/bench_lint.py [--copies 20] [--plain 400] [PATH ...]

Without PATHs it builds a corpus in a temp dir: ``--copies`` copies of every
Triton file the project ships (fixtures/cases, fixtures/kernels) plus ``--plain``
ordinary Python files without kernels (what most of a real repository is). With
PATHs it lints those instead (e.g. a checkout of vLLM).

Printed figures (best of ``--repeat`` runs each):

* ``parse``: read + ``libcst.parse_module`` of every file that passes the text
  prefilter: the floor for any libcst-based linter;
* ``positions``: parse + libcst's whole-module ``PositionProvider``: what
  computing positions up front would cost;
* ``tritonlint``: the real thing (discovery, prefilter, parse, analysis, rules,
  positions for reported nodes only);

and the ratios tritonlint/parse and positions/tritonlint.

With ``--cli`` it times the command line instead, as a user runs it, each run a
fresh process, on the same tree in one invocation:

* ``ruff check --select E,F,W --no-cache`` (ruff is pinned as a benchmark
  dependency: ``pip install ruff==...``; every ratio is to its time);
* ``tritonlint cold``: ``tritonlint check`` (one process per core) with an empty
  cache folder each run, so it pays for writing the cache too;
* ``tritonlint warm``: the same command again, nothing changed since;
* with ``--jobs1``, ``tritonlint check --jobs 1 --no-cache`` as well, and with
  ``--fix-path``, ``tritonlint check --diff`` (the fix path: parse, fix, re-lint;
  writes nothing);

each the median of ``--repeat`` runs with the peak memory of the largest process
of the run (a worker, with several jobs), first on a quarter (every fourth file),
then half (every second) and then all of the tree's files, to show how time grows
with the tree. It also checks that the cold and warm runs print the same bytes.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from tritonlint.discovery import iter_files, might_have_kernels
from tritonlint.engine import check_paths
from tritonlint.settings import Resolver

ROOT = Path(__file__).resolve().parent.parent
PLAIN = '''"""A module with no kernels: the prefilter must skip it without parsing."""
import os


def helper_{i}(path, n=3):
    total = 0
    for k in range(n):
        total += len(os.path.join(path, str(k)))
    return total


class Thing{i}:
    def __init__(self, value):
        self.value = value

    def double(self):
        return self.value * 2
'''


def build_corpus(dest: Path, copies: int, plain: int) -> None:
    sources = sorted((ROOT / "fixtures").rglob("*.py"))
    for c in range(copies):
        d = dest / f"copy{c}"
        d.mkdir(parents=True)
        for s in sources:
            shutil.copy(s, d / f"{s.parent.name}_{s.name}")
    p = dest / "plain"
    p.mkdir()
    for i in range(plain):
        (p / f"mod{i}.py").write_text(PLAIN.format(i=i))


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    parent = int(fh.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(parent, []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += children.get(pid, [])
    return tree


def timed_run(command: list[str]) -> tuple[float, int]:
    """Wall seconds, and the peak RSS (MB) of the largest process of the run. The
    workers are children of a fork server, not of the command (their usage never
    reaches its rusage), so each process's high-water mark is read from /proc while
    it runs."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        for pid in _process_tree(proc.pid):
            try:
                with open(f"/proc/{pid}/status") as fh:
                    peak = max([peak] + [int(line.split()[1]) // 1024 for line in fh if line.startswith("VmHWM")])
            except OSError:
                continue  # it ended meanwhile
        time.sleep(0.05)
    return time.perf_counter() - t0, peak


def _subset(paths: list[Path], step: int) -> list[str]:
    """Every ``step``-th file of the tree (in discovery order, so the kernel files
    spread evenly over the subsets), named explicitly."""
    files = list(iter_files(paths, Resolver({"respect_gitignore": False})))
    return [str(f) for f in files[::step]]


def compare_cli(paths: list[Path], repeat: int, jobs1: bool = False, fix_path: bool = False,
                fractions: tuple[int, ...] = (4, 2, 1)) -> None:
    tritonlint = [sys.executable, "-m", "tritonlint", "check", "--exit-zero", "--no-respect-gitignore",
                  "--format", "concise"]
    ruff = [sys.executable, "-m", "ruff", "check", "--select", "E,F,W", "--no-cache", "--exit-zero",
            "--no-respect-gitignore"]
    cache_root = Path(tempfile.mkdtemp(prefix="tritonlint-bench-cache-"))
    print(f"{'files':>6}  {'run':<34}{'median s':>10}{'x ruff':>8}{'peak MB':>9}")
    try:
        for step in fractions:
            targets = _subset(paths, step) if step > 1 else [str(p) for p in paths]
            count = len(targets) if step > 1 else len(_subset(paths, 1))
            warm_dir = cache_root / f"warm{step}"
            runs: dict[str, list[tuple[float, int]]] = {"ruff --select E,F,W --no-cache": [], "tritonlint cold": [],
                                                         "tritonlint warm": []}
            outputs = []
            for i in range(repeat):
                runs["ruff --select E,F,W --no-cache"].append(timed_run([*ruff, *targets]))
                cold_dir = cache_root / f"cold{step}-{i}"  # empty: a cold run writes the whole cache
                runs["tritonlint cold"].append(timed_run([*tritonlint, "--cache-dir", str(cold_dir), *targets]))
                shutil.rmtree(cold_dir, ignore_errors=True)
            outputs.append(_output([*tritonlint, "--cache-dir", str(warm_dir), *targets]))  # fills the cache
            for _ in range(repeat):
                runs["tritonlint warm"].append(timed_run([*tritonlint, "--cache-dir", str(warm_dir), *targets]))
            outputs.append(_output([*tritonlint, "--cache-dir", str(warm_dir), *targets]))
            if jobs1:
                runs["tritonlint --jobs 1 --no-cache"] = [timed_run([*tritonlint, "--jobs", "1", "--no-cache", *targets])
                                                          for _ in range(repeat)]
            if fix_path:
                runs["tritonlint --diff (fix path)"] = [timed_run([*tritonlint, "--diff", *targets])
                                                        for _ in range(repeat)]
            same = "same output cold and warm" if outputs[0] == outputs[1] else "OUTPUT DIFFERS cold vs warm"
            base = statistics.median(t for t, _ in runs["ruff --select E,F,W --no-cache"])
            for name, measured in runs.items():
                seconds = statistics.median(t for t, _ in measured)
                print(f"{count:>6}  {name:<34}{seconds:>10.2f}{seconds / base:>8.2f}{max(m for _, m in measured):>9}")
            print(f"{'':>6}  ({same})")
    finally:
        shutil.rmtree(cache_root, ignore_errors=True)


def _output(command: list[str]) -> bytes:
    return subprocess.run(command, capture_output=True, check=False).stdout


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", type=Path)
    ap.add_argument("--copies", type=int, default=20)
    ap.add_argument("--plain", type=int, default=400)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cli", action="store_true", help="time the command line against ruff instead")
    ap.add_argument("--jobs1", action="store_true", help="with --cli: also time --jobs 1 without the cache")
    ap.add_argument("--fix-path", action="store_true", help="with --cli: also time --diff (the fix path)")
    ap.add_argument("--fractions", default="4,2,1",
                    help="with --cli: every Nth file, comma-separated (default 4,2,1: a quarter, half, all)")
    args = ap.parse_args(argv)

    tmp = None
    paths = args.paths
    if not paths:
        tmp = Path(tempfile.mkdtemp(prefix="tritonlint-bench-"))
        build_corpus(tmp, args.copies, args.plain)
        paths = [tmp]
    try:
        if args.cli:
            compare_cli(paths, args.repeat, args.jobs1, args.fix_path,
                        tuple(int(n) for n in args.fractions.split(",")))
            return 0
        resolver = Resolver({})
        files = list(iter_files(paths, resolver))
        texts = [f.read_text(encoding="utf-8", errors="replace") for f in files]
        triton_texts = [t for t in texts if might_have_kernels(t)]
        lines = sum(t.count("\n") for t in texts)

        def parse_only():
            for t in triton_texts:
                cst.parse_module(t)

        def whole_positions():
            for t in triton_texts:
                MetadataWrapper(cst.parse_module(t), unsafe_skip_copy=True).resolve(PositionProvider)

        findings = []

        def lint():
            findings[:] = [d for r in check_paths(paths, resolver) for d in r.diagnostics]

        t_parse = best(parse_only, args.repeat)
        t_pos = best(whole_positions, args.repeat)
        t_lint = best(lint, args.repeat)
        print(f"corpus: {len(files)} files, {lines} lines, {len(triton_texts)} pass the prefilter; "
              f"{len(findings)} findings")
        print(f"{'step':<12}{'seconds':>10}{'files/s':>10}")
        for name, t in (("parse", t_parse), ("positions", t_pos), ("tritonlint", t_lint)):
            print(f"{name:<12}{t:>10.3f}{len(files) / t:>10.0f}")
        print(f"tritonlint / parse     = {t_lint / t_parse:.2f}x  (1.0 would be parsing alone)")
        print(f"positions / tritonlint = {t_pos / t_lint:.2f}x  (whole-module positions vs the whole lint)")
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
