"""The engine: source text in, diagnostics out. Knows nothing about terminals.

    parse (libcst; the code is never imported or executed)
      -> kernels (every jit function)
      -> analysis (one abstract interpretation per kernel, shared by all rules)
      -> rules -> findings -> positions (only for what is reported)
      -> suppressions -> diagnostics
"""
from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from . import suppressions
from .diagnostics import Diagnostic, Edit, FileResult, Fix, ParseError, Position, Severity
from .settings import Resolver, Settings

if TYPE_CHECKING:  # libcst and the analysis load on the first file that may hold a kernel (start-up)
    import libcst as cst

    from . import verdict
    from .cache import Store
    from .findings import Finding
    from .launch_facts import LaunchIndex
    from .positions import PositionIndex
    from .progress import Progress


def _rules():
    from .rules import ALL_RULES  # the catalogue lives in rules/, installed as tritonlint.rules

    return ALL_RULES


UNUSED_NOQA = "TL100"  # judges the other rules' findings, so it runs after them


def rule_defaults() -> dict[str, bool]:
    """{code: enabled by default}, from the catalogue's metadata: a run whose files
    all come from the cache, and `--select` resolution, never load the checks."""
    from .rule_catalogue import rules

    return {r.code: r.default_enabled for r in rules()}


@dataclass
class SourceFile:
    """Decoded text plus what is needed to write it back byte-for-byte."""

    text: str
    encoding: str = "utf-8"
    bom: bool = False

    @classmethod
    def read(cls, path: Path) -> "SourceFile":
        return cls.decode(path.read_bytes())

    @classmethod
    def decode(cls, raw: bytes) -> "SourceFile":
        bom = raw.startswith(b"\xef\xbb\xbf")
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
        except SyntaxError:
            encoding = "utf-8"
        if encoding == "utf-8-sig":
            encoding = "utf-8"
        text = raw[3:].decode(encoding) if bom else raw.decode(encoding)
        return cls(text, encoding, bom)

    def encode(self, text: str) -> bytes:
        data = text.encode(self.encoding)
        return b"\xef\xbb\xbf" + data if self.bom else data


def check_source(text: str, path: str, settings: Settings, codes: frozenset[str] | None = None,
                 launches: LaunchIndex | None = None) -> FileResult:
    """Lint one file's text. ``codes`` overrides the rules that run; ``launches``
    are the kernel launches of the whole run (by default, this file's own)."""
    from .discovery import might_have_kernels
    from .parse_guard import exceeded_recursion, guard, too_deep

    result = FileResult(path)
    if not might_have_kernels(text):
        return result
    result.error, tree = guard(text, path)  # what CPython rejects, or what would crash libcst's native parser
    if result.error is not None:
        return result
    # the file's ast is as large as its libcst pieces: handed over so that nothing
    # here holds it once the kernels are parsed
    held = [tree]
    del tree
    try:
        return _lint(text, path, settings, codes, launches, result, held)
    except Exception as e:  # nesting CPython accepts (a sum of 500 terms) but libcst's recursion does not
        if not exceeded_recursion(e):
            raise
        result = FileResult(path)
        result.error = too_deep(text, path)
        return result


def _lint(text: str, path: str, settings: Settings, codes: frozenset[str] | None,
          launches: LaunchIndex | None, result: FileResult, held: list) -> FileResult:
    import libcst as cst

    from . import verdict
    from .analysis import Analyzer
    from .kernel_spans import parse_kernels
    from .kernels import find_kernels
    from .launch_facts import LaunchIndex
    from .positions import PositionIndex

    # Only the kernels and the statements the analysis reads, where that can be done
    # (kernel_spans.py); otherwise the whole file, as libcst reads it.
    trees = parse_kernels(text, held.pop())
    if trees is not None:
        module, kernels = trees.module, trees.kernels
    else:
        try:
            module = cst.parse_module(text)
        except cst.ParserSyntaxError as e:
            result.error = _syntax_error(text, path, e)
            return result
        except ValueError as e:  # pragma: no cover - pathological input
            result.error = ParseError(path, 1, 1, f"cannot parse: {e}")
            return result
        kernels = find_kernels(module)
    result.kernels = len(kernels.kernels)
    if not kernels.kernels:
        return result
    if codes is None:
        codes = settings.enabled_codes(rule_defaults()) - settings.ignored_for(Path(path), rule_defaults())
    if launches is None:
        launches = LaunchIndex.from_texts([(path, text)])
    facts = Analyzer(module, kernels, settings.target, settings.int64_pointers, launches, path).run()
    from .rules.base import RuleContext

    # a kernel parsed on its own (kernel_spans) is not in `module`: fixes find its def there
    function_modules = {key: piece.module for key, piece in trees.pieces.items()} if trees is not None else None
    ctx = RuleContext(module, kernels, facts, settings.target, settings.targets, function_modules)
    findings: list[Finding] = []
    for rule_cls in sorted(_rules(), key=lambda r: r.order):
        if rule_cls.code in codes:
            findings.extend(rule_cls().check(ctx))
    table = settings.size_table
    judged = [(f, verdict.worst(verdict.for_risk(r, table) for r in f.risks)) for f in findings]
    reported = judged if settings.strict else [(f, v) for f, v in judged if v is None or v.reported_by_default]
    sup = suppressions.parse(text, rule_defaults())
    result.warnings = list(sup.warnings)
    audit_noqa = UNUSED_NOQA in codes and bool(sup.directives)
    if not reported and not audit_noqa:
        return result
    positions = PositionIndex(module, text, trees)
    seen: set[tuple] = set()
    for f, v in reported:
        d = _to_diagnostic(f, path, positions, sup, v)
        key = (d.code, d.start, d.end)
        if key not in seen:
            seen.add(key)
            result.diagnostics.append(d)
    if audit_noqa:
        result.diagnostics.extend(_unused_noqa(text, path, sup, judged, positions, kernels, codes))
    result.diagnostics.sort(key=Diagnostic.sort_key)
    if result.diagnostics:
        result.source = text
    return result


def _unused_noqa(text: str, path: str, sup: suppressions.Suppressions, judged: list, positions: PositionIndex,
                 kernels, codes: frozenset[str]) -> list[Diagnostic]:
    """TL100, after every other rule: a product the size model does not report (one
    --strict shows) still uses the `# noqa` on its line; the file-level form does not."""
    from .rules.tl100_unused_noqa import UnusedNoqa

    used: dict[int, set[str]] = {}
    for f, _ in judged:
        if not sup.in_file(f.code):
            used.setdefault(sup.noqa_line(positions.range(f.node, f.function)[0].line), set()).add(f.code)
    spans = []
    for fn in kernels.kernels:
        start, end = positions.range(fn.node, fn)
        spans.append((start.line, end.line, fn.name))

    def kernel_at(line: int) -> str | None:
        # the innermost jit function around the line (the last one to start before it)
        inside = [name for first, last, name in spans if first <= line <= last]
        return inside[-1] if inside else None

    found = UnusedNoqa.unused(path, text, sup, used, codes, rule_defaults(), kernel_at)
    if sup.in_file(UNUSED_NOQA):
        silenced = suppressions.Suppression("file-level `# tritonlint: noqa`", sup.file_reason)
        found = [replace(d, suppressed=silenced.description, noqa_reason=silenced.reason) for d in found]
    return found


def _syntax_error(text: str, path: str, e: cst.ParserSyntaxError) -> ParseError:
    """Python's own parser points at the offending token more precisely than
    libcst; it runs only for files that failed to parse."""
    import ast

    try:
        ast.parse(text)
    except SyntaxError as se:
        return ParseError(path, se.lineno or 1, se.offset or 1, f"cannot parse: {se.msg}")
    return ParseError(path, e.raw_line, e.raw_column + 1, f"cannot parse: {e.message}")


def _to_diagnostic(f: Finding, path: str, positions: PositionIndex, sup: suppressions.Suppressions,
                   judged: "verdict.Verdict | None" = None) -> Diagnostic:
    from . import verdict
    from .rules import BY_CODE

    start, end = positions.range(f.node, f.function)
    noqa_line = sup.noqa_line(start.line)
    silenced = sup.silences(f.code, noqa_line)
    fix = None
    if f.fix is not None:
        edits = []
        for e in f.fix.edits:
            s, t = positions.range(e.node, e.function)
            if e.kind == "before":
                edits.append(Edit(s, s, e.text))
            elif e.kind == "after":
                edits.append(Edit(t, t, e.text))
            else:
                edits.append(Edit(s, t, e.text))
        fix = Fix(f.fix.applicability, f.fix.message, tuple(edits))
    return Diagnostic(
        code=f.code,
        name=BY_CODE[f.code].name,
        message=f.message + (f"; {judged.note}" if judged is not None and judged.note else ""),
        path=path,
        start=start,
        end=end,
        kernel=f.function.name,
        expression=f.expression,
        chain=f.chain,
        threshold=f.threshold,
        uses=f.uses,
        fix=fix,
        noqa_line=noqa_line,
        suppressed=silenced.description if silenced else None,
        noqa_reason=silenced.reason if silenced else "",
        tier=judged.tier if judged is not None else verdict.REALISTIC,
        size_note=judged.note if judged is not None else "",
        severity=f.severity if f.severity is not None else Severity.ERROR,
    )


def check_file(path: Path, settings: Settings, launches: LaunchIndex | None = None) -> FileResult:
    try:
        source = SourceFile.read(path)
    except (OSError, UnicodeDecodeError, LookupError) as e:
        r = FileResult(str(path))
        r.error = ParseError(str(path), 1, 1, f"cannot read: {e}")
        return r
    return check_source(source.text, str(path), settings, launches=launches)


def check_paths(paths: list[Path], resolver: Resolver, jobs: int = 1,
                progress: "Progress | None" = None, cache: "Store | None" = None) -> list[FileResult]:
    """``jobs`` processes check the files (results in discovery order either way);
    ``progress`` is told the number of files, then each file's result as it is done;
    with a ``cache``, what it holds for unchanged files is reused (cached_check.py)."""
    from .discovery import iter_files
    from .launch_facts import LaunchIndex
    from .parallel import check_files, processes_for

    files = list(iter_files(paths, resolver))
    if progress is not None:
        progress.start(len(files))
    if cache is not None:
        from .cached_check import check_with_cache

        return check_with_cache(files, resolver, jobs, progress, cache)
    jobs = processes_for(files, jobs)
    # Kernels are often launched from another module of the run: read every launch first.
    launches = LaunchIndex.from_paths(files)
    return check_files(files, resolver, launches, jobs, progress)


__all__ = ["check_source", "check_file", "check_paths", "SourceFile", "Position", "rule_defaults"]
