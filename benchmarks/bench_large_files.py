"""Does checking and fixing a file cost time in proportion to its size?

    python benchmarks/bench_large_files.py [--sizes 5000 20000 50000] [--no-fix]

Generates files of N lines of small kernels (each with two int32 row products, so
every kernel has findings and fixes), then times ``tritonlint check --strict`` and
``--fix --unsafe-fixes`` on each, with peak memory. The figure that matters is the
time per thousand lines as a ratio to the smallest file measured in the same
invocation: 1.0 is linear.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
KERNEL = '''
@triton.jit
def rows_{i}(x_ptr, out_ptr, stride_row, n_cols, BLOCK: tl.constexpr):
    row = tl.program_id(0)
    cols = tl.arange(0, BLOCK)
    mask = cols < n_cols
    x = tl.load(x_ptr + row * stride_row + cols, mask=mask)
    y = x * 2.0 + 1.0
    acc = tl.sum(y, axis=0)
    tl.store(out_ptr + row * stride_row + cols, y, mask=mask)
    tl.store(out_ptr + row, acc)

'''
HEADER = "import triton\nimport triton.language as tl\n"


def generate(path: Path, lines: int) -> int:
    per = KERNEL.count("\n")
    text = HEADER + "".join(KERNEL.format(i=i) for i in range(max(1, lines // per)))
    path.write_text(text)
    return text.count("\n")


def timed(args: list[str]) -> tuple[float, int]:
    """Wall time and the child's peak RSS (KB) of one tritonlint run."""
    env = {**os.environ, "PYTHONPATH": str(HERE.parent), "TRITONLINT_NO_CACHE": "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tritonlint", "check", "--no-cache", "--strict", "--exit-zero", "-q",
                    *args], env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000, 50000])
    ap.add_argument("--no-fix", action="store_true")
    args = ap.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sorted(args.sizes):
            src = Path(tmp) / f"gen_{size}.py"
            n = generate(src, size)
            check_s, check_kb = timed([str(src)])
            fix_s = fix_kb = None
            if not args.no_fix:
                fix_s, fix_kb = timed(["--fix", "--unsafe-fixes", str(src)])
            rows.append((n, check_s, check_kb, fix_s, fix_kb))
    base_check = rows[0][1] / rows[0][0]
    base_fix = rows[0][3] / rows[0][0] if rows[0][3] else None
    print(f"{'lines':>8} {'check s':>8} {'per-line x':>10} {'MB':>6} {'fix s':>8} {'per-line x':>10} {'MB':>6}")
    for n, cs, ckb, fs, fkb in rows:
        fix = (f"{fs:8.2f} {fs / n / base_fix:10.2f} {fkb / 1024:6.0f}" if fs is not None else "")
        print(f"{n:8d} {cs:8.2f} {cs / n / base_check:10.2f} {ckb / 1024:6.0f} {fix}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
