"""The fix sweep at CI size: `--fix --unsafe-fixes --strict` through the command
line over a copy of every lint fixture, then every kernel that compiled before the
fix must still compile after it (benchmarks/realworld/fix_sweep.py does the same
over the pinned releases)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cases import case_files

oracle = pytest.importorskip("oracle")


def _compiles(path: Path) -> dict[str, bool]:
    """Kernel name -> whether its default specialisation compiles."""
    out = {}
    for name in oracle.kernel_names(str(path)):
        try:
            oracle.oracle_sites(path, [name], variants=False)
            out[name] = True
        except Exception:  # noqa: BLE001 - any compile failure counts
            out[name] = False
    return out


def test_fix_sweep_over_the_fixtures_breaks_no_kernel(tmp_path: Path):
    tree = tmp_path / "tree"
    tree.mkdir()
    for src in case_files():
        shutil.copy(src, tree / src.name)
    before = {p.name: _compiles(p) for p in sorted(tree.glob("*.py"))}
    assert sum(ok for kernels in before.values() for ok in kernels.values()) >= 50  # the oracle really compiles
    texts = {p.name: p.read_text() for p in tree.glob("*.py")}
    proc = subprocess.run([sys.executable, "-m", "tritonlint", "check", "--fix", "--unsafe-fixes", "--strict",
                           "--select", "ALL", "--no-cache", "--exit-zero", str(tree)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    changed = [p for p in sorted(tree.glob("*.py")) if p.read_text() != texts[p.name]]
    assert len(changed) >= len(before) // 2  # the sweep really rewrote the fixtures
    regressions = []
    for p in changed:
        after = _compiles(p)
        regressions += [f"{p.name}:{k}" for k, ok in before[p.name].items() if ok and not after.get(k, False)]
    assert regressions == []
