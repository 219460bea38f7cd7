"""Fix sweep: ``--fix --unsafe-fixes --strict`` on copies of the pinned releases, then
every file it rewrote must still compile, and what it left must be re-linted clean
of the fixes it applied.

    python benchmarks/realworld/fix_sweep.py [names...]

Prints per project: files rewritten, fixes applied, files that no longer compile
(each named, with the compiler's message), fix rollbacks tritonlint reported, and
strict findings before and after. Exit code 1 when any rewritten file does not
compile. The copies live in a temporary folder; the corpus is never touched.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from fetch import DEFAULT_DEST, fetch, load_manifest  # noqa: E402


def tritonlint(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    # REALWORLD_SOURCE: a snapshot of the linter, as in run.py
    env = {**os.environ, "PYTHONPATH": os.environ.get("REALWORLD_SOURCE", str(HERE.parents[1]))}
    cmd = [sys.executable, "-m", "tritonlint", "check", "--strict", "--no-respect-gitignore", *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env)


def strict_count(dirs: list[str], cwd: Path) -> int:
    proc = tritonlint(["--exit-zero", "--format", "json", *dirs], cwd)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"tritonlint failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return len(json.loads(proc.stdout or "[]"))


def snapshot(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*.py")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*")
    ap.add_argument("--dest", type=Path, default=DEFAULT_DEST)
    args = ap.parse_args(argv)
    projects = [p for p in load_manifest() if not args.names or p["name"] in args.names]
    print(f"{'project':<16}{'rewritten':>10}{'fixed':>8}{'no compile':>12}{'rollbacks':>11}"
          f"{'strict before':>15}{'after':>8}{'secs':>8}")
    broken_total = 0
    for project in projects:
        dirs = fetch(project, args.dest)
        with tempfile.TemporaryDirectory(prefix="tritonlint-sweep-") as tmp:
            work = Path(tmp)
            for d in dirs:
                shutil.copytree(d, work / d.name)
            names = [d.name for d in dirs]
            before_count = strict_count(names, work)
            before = snapshot(work)
            t0 = time.perf_counter()
            proc = tritonlint(["--fix", "--unsafe-fixes", "--exit-zero", *names], work)
            secs = time.perf_counter() - t0
            rollbacks = proc.stderr.count("rolled back")
            fixed = 0
            for line in proc.stdout.splitlines() + proc.stderr.splitlines():
                if line.startswith("Fixed "):  # "Fixed 42 findings. Found ..."
                    fixed = int(line.split()[1].replace(",", ""))
            rewritten, broken = 0, []
            for path, data in snapshot(work).items():
                if before.get(path) == data:
                    continue
                rewritten += 1
                try:
                    compile(data, str(path), "exec")
                except (SyntaxError, ValueError) as e:
                    broken.append(f"{path.relative_to(work)}: {e}")
            after_count = strict_count(names, work)
        broken_total += len(broken)
        print(f"{project['name']:<16}{rewritten:>10}{fixed:>8}{len(broken):>12}{rollbacks:>11}"
              f"{before_count:>15}{after_count:>8}{secs:>8.1f}")
        for b in broken:
            print(f"  does not compile: {b}")
    return 1 if broken_total else 0


if __name__ == "__main__":
    raise SystemExit(main())
