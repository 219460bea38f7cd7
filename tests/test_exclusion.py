"""Settings.is_excluded compiles the patterns into one expression per test: it says
what matching them one by one says (the definition it replaced, kept here)."""
from __future__ import annotations

import fnmatch
import itertools
from dataclasses import replace
from pathlib import Path

from tritonlint.settings import DEFAULT_EXCLUDES, Settings, _match_anchored, _relative


def one_by_one(settings: Settings, path: Path) -> bool:
    rel = _relative(path, settings.root)
    parts = rel.split("/")
    for pattern in (*settings.exclude, *settings.extend_exclude):
        if _match_anchored(path, rel, pattern) or any(fnmatch.fnmatch(p, pattern) for p in parts):
            return True
    return False


def test_compiled_patterns_match_as_one_by_one(tmp_path):
    paths = ["pkg/mod.py", "pkg/build/gen.py", "a/b/c/d.py", "x_test.py", "docs/conf.py", "pkg/sub/", "build",
             "tests/data/k.py", "venv2/lib.py", ".venv/lib.py", "pkg/foo.egg-info/x.py", "deep/one/two/three.py"]
    for p in paths:
        (tmp_path / p.rstrip("/")).parent.mkdir(parents=True, exist_ok=True)
    patterns = ["*_test.py", "docs/", "pkg/sub", "a/*/c", "tests/data/*.py", "three.py", "/nowhere/*",
                str(tmp_path / "deep") + "/", "venv?", "[ab]", "pkg/*.py", ""]
    base = Settings(root=tmp_path)
    cases = [(), DEFAULT_EXCLUDES, *[(p,) for p in patterns], *itertools.combinations(patterns, 3)]
    checked = 0
    for exclude in cases:
        for extend in ((), ("*.egg-info", "mod.py")):
            settings = replace(base, exclude=tuple(exclude), extend_exclude=extend)
            for p in paths:
                for path in (tmp_path / p, Path(p)):
                    assert settings.is_excluded(path) == one_by_one(settings, path), (exclude, extend, path)
                    checked += 1
    assert checked > 10_000
