"""Which files to check: ``.py`` files under the given paths, minus excludes and
``.gitignore`` d files, then a cheap text prefilter before anything is parsed."""
from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from .settings import Resolver, Settings
from .special_files import NotRegularFile, describe

if TYPE_CHECKING:  # loaded with the first .gitignore read: a check of named files may never need it
    import pathspec

PREFILTER = ("triton", "jit")


def might_have_kernels(text: str) -> bool:
    """A file without both words cannot define a Triton kernel: skip parsing it."""
    return all(word in text for word in PREFILTER)


def iter_files(paths: list[Path], resolver: Resolver) -> Iterator[Path]:
    """Explicit files are yielded even when excluded, unless force-exclude is set
    (pre-commit passes filenames explicitly; ruff's --force-exclude). So is a
    directory named explicitly: the excludes apply to what lies below it.

    An explicit path that is missing, a dangling link or a symlink loop is yielded
    too, and so is anything that is not a regular file (as ``NotRegularFile``): its
    read fails and it is reported with E999 while the other files are checked
    (ruff's E902), instead of one bad path ending the run or a FIFO blocking it."""
    seen: set[str] = set()
    for path in paths:
        if path.is_dir():
            for f, real in _walk(path, resolver):
                key = str(real) if real is not None else file_identity(f)
                if key not in seen:
                    seen.add(key)
                    yield f
            continue
        if path.is_file():
            settings = resolver.for_path(path)
            if settings.force_exclude and (settings.is_excluded(path)
                                           or (settings.respect_gitignore and _git_ignored(path))):
                continue
        key = file_identity(path)
        if key not in seen:
            seen.add(key)
            yield _readable_or_not(path)


def file_identity(path: Path) -> str:
    """The file a path names, so that two paths to one file check it once; a symlink
    loop has no target (resolve raises RuntimeError on it), so it is its own."""
    try:
        return str(path.resolve())
    except (RuntimeError, OSError):
        return os.path.abspath(path)


def _readable_or_not(path: Path) -> Path:
    return NotRegularFile(path) if describe(path) is not None else path


def _below(settings: Settings, root: Path) -> Settings:
    """The settings for what lies below a directory named explicitly. When the
    directory itself is excluded (``check dist``), the patterns apply from it down,
    as in ruff: only --force-exclude skips an explicit path."""
    if settings.force_exclude or not settings.is_excluded(root):
        return settings
    return replace(settings, root=root.resolve())


def _excluded(settings: Settings, path: Path, specs, is_dir: bool, real: Path | None = None) -> bool:
    try:
        return settings.is_excluded(path, real) or _ignored(path, specs, is_dir=is_dir, real=real)
    except RuntimeError:  # a symlink loop cannot be resolved to match it: it is reported, not skipped
        return False


def _walk(root: Path, resolver: Resolver) -> Iterator[tuple[Path, Path | None]]:
    """Each file below ``root`` that is not excluded, with where it really is when
    that is known without asking the file system again: an entry that is no link
    lies in its resolved directory (a warm run resolved every path three times)."""
    use_gitignore = resolver.for_path(root).respect_gitignore
    specs: list[tuple[Path, pathspec.PathSpec]] = _parent_ignores(root) if use_gitignore else []
    for dirpath, dirnames, filenames in os.walk(root):
        d = Path(dirpath)
        # bases are absolute: a relative root must see its parents' .gitignore too
        # (a gitignored directory passed explicitly expands to nothing, as in ruff)
        here = d.resolve()
        spec = _load_gitignore(d) if use_gitignore else None
        specs = [s for s in specs if _is_relative(here, s[0])] + ([(here, spec)] if spec is not None else [])
        settings = _below(resolver.for_path(d), root)
        keep = []
        for name in sorted(dirnames):
            sub = d / name
            if _excluded(settings, sub, specs, is_dir=True, real=_real(sub, here, name)):
                continue
            keep.append(name)
        dirnames[:] = keep
        for name in sorted(filenames):
            if not name.endswith((".py", ".pyi")):
                continue
            f = d / name
            real = _real(f, here, name)
            if _excluded(settings, f, specs, is_dir=False, real=real):
                continue
            yield _readable_or_not(f), real


def _real(path: Path, resolved_parent: Path, name: str) -> Path | None:
    """Where ``path`` (``name`` in a directory that resolves to ``resolved_parent``)
    really is; None for a link, which only ``resolve`` can follow."""
    return None if os.path.islink(path) else resolved_parent / name


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
    import pathspec

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


def _ignored(path: Path, specs, is_dir: bool, real: Path | None = None) -> bool:
    target = None
    for base, spec in specs:
        if target is None:
            target = real if real is not None else path.resolve()
        try:
            rel = target.relative_to(_resolved_base(base)).as_posix()
        except ValueError:
            continue
        if spec.match_file(rel + ("/" if is_dir else "")):
            return True
    return False


@functools.lru_cache(maxsize=256)
def _resolved_base(base: Path) -> Path:
    return base.resolve()


def _git_ignored(path: Path) -> bool:
    specs = _parent_ignores(path.parent) + ([(path.parent, s)] if (s := _load_gitignore(path.parent)) else [])
    return _ignored(path, specs, is_dir=False)
