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
fresh process: ``tritonlint check --jobs 1``, ``tritonlint check`` (one process
per core) and ``ruff check --select E,F,W --no-cache`` on the same tree; medians
of ``--repeat`` runs, each as a ratio to ruff's, with the peak memory of the
largest process of the run (a worker, with several jobs).
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


def compare_cli(paths: list[Path], repeat: int) -> None:
    targets = [str(p) for p in paths]
    tritonlint = [sys.executable, "-m", "tritonlint", "check", "--exit-zero", "--no-respect-gitignore", *targets]
    runs = {
        "ruff check --select E,F,W --no-cache": [sys.executable, "-m", "ruff", "check", "--select", "E,F,W",
                                                 "--no-cache", "--exit-zero", "--no-respect-gitignore", *targets],
        "tritonlint --jobs 1": [*tritonlint, "--jobs", "1"],
        f"tritonlint (--jobs {len(os.sched_getaffinity(0))})": tritonlint,
    }
    figures = {}
    for name, command in runs.items():
        measured = [timed_run(command) for _ in range(repeat)]
        figures[name] = (statistics.median(t for t, _ in measured), max(m for _, m in measured))
    ruff = figures[next(iter(runs))][0]
    print(f"{'run':<40}{'median s':>10}{'x ruff':>9}{'peak MB':>9}")
    for name, (seconds, peak) in figures.items():
        print(f"{name:<40}{seconds:>10.2f}{seconds / ruff:>9.1f}{peak:>9}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", type=Path)
    ap.add_argument("--copies", type=int, default=20)
    ap.add_argument("--plain", type=int, default=400)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cli", action="store_true", help="time the command line against ruff instead")
    args = ap.parse_args(argv)

    tmp = None
    paths = args.paths
    if not paths:
        tmp = Path(tempfile.mkdtemp(prefix="tritonlint-bench-"))
        build_corpus(tmp, args.copies, args.plain)
        paths = [tmp]
    try:
        if args.cli:
            compare_cli(paths, args.repeat)
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
