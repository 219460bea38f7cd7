"""A baseline: today's findings, recorded so that only new ones are reported.

``tritonlint check --write-baseline FILE`` records them; ``--baseline FILE`` or
``baseline = "FILE"`` in ``[tool.tritonlint]`` (relative to that configuration file)
hides those that are still there. Findings are matched as ``review`` matches them
(:mod:`tritonlint.identity`: rule, file, kernel, expression, with multiplicity,
never line numbers), so an edit elsewhere in a file does not bring them back.

The file is JSON meant to be committed and reviewed: one entry per distinct finding
(with a ``count`` for identical ones), sorted, without line numbers, so that it
changes only where findings changed. Paths are relative to the file's directory.
"""
from __future__ import annotations

import json
import os
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .diagnostics import FileResult
from .identity import Identity, identities, match
from .settings import ConfigError

FORMAT = "tritonlint-baseline"
VERSION = 1
FIELDS = ("file", "kernel", "code", "expression", "shape", "body")


class BaselineError(ConfigError):
    """A baseline file that cannot be used (exit code 2, like any bad setting)."""


@dataclass
class Applied:
    """What one baseline did in a run."""

    path: Path
    hidden: int  # findings not reported because the baseline has them
    stale: int  # entries of the checked files that match no finding any more


def _anchor(path: str, directory: Path) -> str:
    return Path(os.path.relpath(os.path.abspath(path), directory)).as_posix()


def _identities(results: list[FileResult], directory: Path) -> list[tuple[FileResult, int, Identity]]:
    """(result, index of the diagnostic, its identity) for every finding not silenced by noqa."""
    out = []
    for r in results:
        live = [i for i, d in enumerate(r.diagnostics) if not d.suppressed]
        for i, ident in zip(live, identities([r.diagnostics[i] for i in live], _anchor(r.path, directory), r.source),
                             strict=True):
            out.append((r, i, ident))
    return out


def load(path: Path) -> list[Identity]:
    """The entries of a baseline file, one per finding (an entry with ``count`` n is n)."""
    where = _display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BaselineError(f"{where}: baseline file not found (create it with "
                            f"`tritonlint check --write-baseline {where}`)") from None
    except (OSError, UnicodeDecodeError) as e:
        raise BaselineError(f"{where}: cannot read the baseline: {e}") from e
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise BaselineError(f"{where}:{e.lineno}:{e.colno}: not a tritonlint baseline: invalid JSON ({e.msg})") from e
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("findings"), list):
        raise BaselineError(f"{where}: not a tritonlint baseline (expected {{\"format\": \"{FORMAT}\", "
                            f"\"findings\": [...]}}, as `--write-baseline` writes it)")
    if data.get("version") != VERSION:
        raise BaselineError(f"{where}: baseline version {data.get('version')!r} is not supported (this "
                            f"tritonlint reads version {VERSION}; rewrite it with `--write-baseline`)")
    out: list[Identity] = []
    for n, entry in enumerate(data["findings"], 1):
        count = entry.get("count", 1) if isinstance(entry, dict) else None
        if (not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in FIELDS)
                or not isinstance(count, int) or isinstance(count, bool) or count < 1):
            raise BaselineError(f"{where}: finding {n} of the baseline is malformed: it needs the strings "
                                f"{', '.join(FIELDS)} and an optional positive `count`, got {entry!r}")
        out += [Identity(entry["code"], entry["file"], entry["kernel"], entry["expression"], entry["shape"],
                         entry["body"])] * count
    return out


def write(path: Path, results: list[FileResult]) -> int:
    """Record the findings of ``results``; entries of other files that still exist are
    kept, so that writing it from a subset of the repository does not drop the rest.
    Returns how many findings the file now holds."""
    directory = path.resolve().parent
    checked = {_anchor(r.path, directory) for r in results}
    kept: list[Identity] = []
    if path.is_file():
        try:
            kept = [e for e in load(path) if e.file not in checked and (directory / e.file).is_file()]
        except BaselineError:
            kept = []  # a broken baseline is being replaced
    counts = Counter(ident for _, _, ident in _identities(results, directory))
    counts.update(kept)
    entries = []
    for ident in sorted(counts, key=lambda i: tuple(getattr(i, f) for f in FIELDS)):
        entry = {f: getattr(ident, f) for f in FIELDS}
        if counts[ident] > 1:
            entry["count"] = counts[ident]
        entries.append(entry)
    data = {"format": FORMAT, "version": VERSION, "findings": entries}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return sum(counts.values())


def apply(results: list[FileResult], baseline_of: Callable[[Path], Path | None]) -> list[Applied]:
    """Drop from ``results`` the findings their baseline records (``baseline_of``
    gives each file's baseline, from its settings)."""
    groups: dict[Path, list[FileResult]] = {}
    for r in results:
        chosen = baseline_of(Path(r.path))
        if chosen is not None:
            groups.setdefault(Path(os.path.abspath(chosen)), []).append(r)
    out = []
    for path, members in sorted(groups.items()):
        old = load(path)
        directory = path.parent
        found = _identities(members, directory)
        matched, unmatched = match(old, [ident for _, _, ident in found])
        drop: dict[int, set[int]] = {}
        for k in matched:
            r, i, _ = found[k]
            drop.setdefault(id(r), set()).add(i)
        for r in members:
            if id(r) in drop:
                r.diagnostics = [d for i, d in enumerate(r.diagnostics) if i not in drop[id(r)]]
        checked = {_anchor(r.path, directory) for r in members}
        stale = sum(1 for j in unmatched if old[j].file in checked or not (directory / old[j].file).exists())
        out.append(Applied(path, len(matched), stale))
    return out


def describe(applied: Applied) -> str:
    where = _display(applied.path)
    line = (f"tritonlint: baseline {where}: {applied.hidden} recorded finding"
            f"{'' if applied.hidden == 1 else 's'} not shown")
    if applied.stale:
        line += (f"; {applied.stale} entr{'y' if applied.stale == 1 else 'ies'} no longer match any finding "
                 f"(run `tritonlint check --write-baseline {where}` on the repository to prune them)")
    return line


def _display(path: Path) -> str:
    rel = os.path.relpath(path)
    return path.as_posix() if rel.startswith("..") else Path(rel).as_posix()




def add_arguments(p) -> None:
    p.add_argument("--baseline", type=Path, metavar="FILE",
                   help="report only findings not recorded in this baseline (default: `baseline` in the configuration)")
    p.add_argument("--write-baseline", type=Path, metavar="FILE",
                   help="record today's findings in FILE and exit; later runs with --baseline FILE report "
                        "only new ones")


def write_from_run(path: Path, results: list[FileResult]) -> int:
    """``--write-baseline``: the exit code (2 when a file could not be parsed: its
    findings could not be recorded)."""
    total = write(path, results)
    print(f"tritonlint: wrote {total} finding{'' if total == 1 else 's'} to the baseline {_display(path)}",
          file=sys.stderr)
    for r in results:
        if r.error is not None:
            print(f"{r.error.path}:{r.error.line}:{r.error.column}: E999 {r.error.message} "
                  f"(its findings are not in the baseline)", file=sys.stderr)
    return 2 if any(r.error for r in results) else 0


def apply_from_settings(results: list[FileResult], resolver) -> None:
    """Hide what each file's baseline records and say so on stderr."""
    for applied in apply(results, lambda path: resolver.for_path(path).baseline):
        print(describe(applied), file=sys.stderr)


__all__ = ["Applied", "BaselineError", "add_arguments", "apply", "apply_from_settings", "describe", "load",
           "write", "write_from_run"]
