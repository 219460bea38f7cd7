"""One module per output format, all rendering the same diagnostic model."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..diagnostics import Diagnostic, FileResult


@dataclass
class Report:
    """Everything a reporter may show about a run."""

    results: list[FileResult]
    fix_mode: bool = False
    unsafe_fixes: bool = False
    show_fixes: bool = True
    statistics: bool = False
    quiet: bool = False  # the findings only: no summary
    list_fixed: bool = False  # --show-fixes: after --fix, list what was fixed by file and rule
    extra: dict = field(default_factory=dict)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        out = [d for r in self.results for d in r.diagnostics if not d.suppressed]
        return sorted(out, key=Diagnostic.sort_key)

    @property
    def suppressed(self) -> list[Diagnostic]:
        return [d for r in self.results for d in r.diagnostics if d.suppressed]

    @property
    def errors(self):
        return [r.error for r in self.results if r.error is not None]

    @cached_property
    def _sources(self) -> dict[str, str | None]:
        out: dict[str, str | None] = dict(self.extra.get("sources", {}))
        out.update({r.path: r.source for r in self.results if r.source is not None})
        return out

    def source(self, path: str) -> str | None:
        """The text a finding's positions refer to: the one the engine linted, or
        (for results built elsewhere) the file, decoded as the engine decodes it."""
        if path not in self._sources:
            from ..engine import SourceFile

            try:
                self._sources[path] = SourceFile.read(Path(path)).text
            except (OSError, UnicodeDecodeError, LookupError):
                self._sources[path] = None
        return self._sources[path]

    @property
    def fixed(self) -> int:
        return sum(r.fixed for r in self.results)

    @property
    def resolved(self) -> int:
        """Findings --fix was not asked to fix that went away with the fixed ones."""
        return sum(r.resolved for r in self.results)

    @property
    def fix_failures(self) -> list[FileResult]:
        return [r for r in self.results if r.fix_failure]


def render(fmt: str, report: Report, color: bool | None = None, width: int | None = None) -> str:
    if fmt == "json":
        from .json import render as r
    elif fmt == "text":
        from .text import render as r

        return r(report, color=color, width=width)
    else:
        import importlib

        try:
            mod = importlib.import_module(f"{__name__}.{fmt}")
        except ModuleNotFoundError as e:
            raise ValueError(f"unknown output format `{fmt}`") from e
        r = mod.render
    return r(report)
