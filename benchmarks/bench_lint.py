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
"""
from __future__ import annotations

import argparse
import shutil
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


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", type=Path)
    ap.add_argument("--copies", type=int, default=20)
    ap.add_argument("--plain", type=int, default=400)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    tmp = None
    paths = args.paths
    if not paths:
        tmp = Path(tempfile.mkdtemp(prefix="tritonlint-bench-"))
        build_corpus(tmp, args.copies, args.plain)
        paths = [tmp]
    try:
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
