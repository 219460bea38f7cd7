"""The root of the repository the user works in, found without running git."""
from __future__ import annotations

from pathlib import Path


def source_root(start: Path | None = None) -> Path:
    """The nearest directory at or above ``start`` (default: the current directory)
    holding a ``.git`` directory, or a ``.git`` file (a worktree or a submodule);
    ``start`` itself outside a repository."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        if (directory / ".git").exists():
            return directory
    return here


__all__ = ["source_root"]
