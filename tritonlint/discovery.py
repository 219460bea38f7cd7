"""Which files to check: ``.py`` files under the given paths, minus excludes and
``.gitignore`` d files, then a cheap text prefilter before anything is parsed."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pathspec

from .settings import Resolver

PREFILTER = ("triton", "jit")


def might_have_kernels(text: str) -> bool:
    """A file without both words cannot define a Triton kernel: skip parsing it."""
    return all(word in text for word in PREFILTER)


def iter_files(paths: list[Path], resolver: Resolver) -> Iterator[Path]:
    """Explicit files are yielded even when excluded, unless force-exclude is set
    (pre-commit passes filenames explicitly; ruff's --force-exclude)."""
    seen: set[Path] = set()
    for path in paths:
        if path.is_file():
            settings = resolver.for_path(path)
            if settings.force_exclude and (settings.is_excluded(path)
                                           or (settings.respect_gitignore and _git_ignored(path))):
                continue
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                yield path
        elif path.is_dir():
            for f in _walk(path, resolver):
                key = f.resolve()
                if key not in seen:
                    seen.add(key)
                    yield f


def _walk(root: Path, resolver: Resolver) -> Iterator[Path]:
    use_gitignore = resolver.for_path(root).respect_gitignore
    specs: list[tuple[Path, pathspec.PathSpec]] = _parent_ignores(root) if use_gitignore else []
    for dirpath, dirnames, filenames in os.walk(root):
        d = Path(dirpath)
        # bases are absolute: a relative root must see its parents' .gitignore too
        # (a gitignored directory passed explicitly expands to nothing, as in ruff)
        here = d.resolve()
        spec = _load_gitignore(d) if use_gitignore else None
        specs = [s for s in specs if _is_relative(here, s[0])] + ([(here, spec)] if spec is not None else [])
        settings = resolver.for_path(d)
        keep = []
        for name in sorted(dirnames):
            sub = d / name
            if settings.is_excluded(sub) or _ignored(sub, specs, is_dir=True):
                continue
            keep.append(name)
        dirnames[:] = keep
        for name in sorted(filenames):
            if not name.endswith((".py", ".pyi")):
                continue
            f = d / name
            if settings.is_excluded(f) or _ignored(f, specs, is_dir=False):
                continue
            yield f


def _is_relative(path: Path, base: Path) -> bool:
    try:
        path.relative_to(base)
        return True
    except ValueError:
        return False


def _load_gitignore(directory: Path) -> pathspec.PathSpec | None:
    gi = directory / ".gitignore"
    if not gi.is_file():
        return None
    try:
        lines = gi.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return pathspec.PathSpec.from_lines("gitwildmatch", lines)


def _parent_ignores(root: Path) -> list[tuple[Path, pathspec.PathSpec]]:
    """``.gitignore`` files above ``root`` up to the repository root apply too."""
    out = []
    root = root.resolve()
    for d in root.parents:
        spec = _load_gitignore(d)
        if spec is not None:
            out.append((d, spec))
        if (d / ".git").exists():
            break
    return list(reversed(out))


def _ignored(path: Path, specs, is_dir: bool) -> bool:
    for base, spec in specs:
        try:
            rel = path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
        if spec.match_file(rel + ("/" if is_dir else "")):
            return True
    return False


def _git_ignored(path: Path) -> bool:
    specs = _parent_ignores(path.parent) + ([(path.parent, s)] if (s := _load_gitignore(path.parent)) else [])
    return _ignored(path, specs, is_dir=False)
