"""``--show-files`` and ``--show-settings``: what a check would read, and with which
settings, without checking anything (ruff's flags of the same names)."""
from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

from .settings import Resolver


def show_files(paths: list[Path], resolver: Resolver) -> str:
    from .discovery import file_identity, iter_files

    return "".join(f"{name}\n" for name in sorted(file_identity(f) for f in iter_files(paths, resolver)))


def show_settings(path: Path, resolver: Resolver) -> str:
    """The resolved settings of ``path`` (the first file a check would read under it)."""
    from .discovery import iter_files
    from .engine import rule_defaults

    first = next(iter(iter_files([path], resolver)), path)
    settings = resolver.for_path(first)
    lines = [f"Resolved settings for: {first.resolve()}", f"Settings path: {settings.source}", ""]
    lines.append(f"enabled-rules = {_toml(sorted(settings.enabled_codes(rule_defaults())))}")
    for f in fields(settings):
        if f.name in ("source",):
            continue
        value = getattr(settings, f.name)
        if f.name == "extra_selections":
            value = [{k: v for k, v in (("select", s.select), ("extend-select", s.extend_select),
                                         ("ignore", s.ignore), ("from", s.where)) if v} for s in value]
        elif f.name == "sizes":
            value = dict(sorted(settings.size_table.items()))
        elif f.name in ("per_file_ignores", "extend_per_file_ignores"):
            value = {pattern: list(codes) for pattern, codes in value}
        lines.append(f"{f.name.replace('_', '-')} = {_toml(value)}")
    return "\n".join(lines) + "\n"


def _toml(value) -> str:
    if isinstance(value, Path):
        return json.dumps(str(value))
    if isinstance(value, tuple):
        value = list(value)
    return json.dumps(value)
