"""``--fix``: apply fixes, re-parse, re-lint, until nothing changes.

Each round applies the fixes of one priority group only (root causes first: a
narrowing cast or a parameter annotation fixes every product downstream, so the
product-level fixes of the same bug are not stacked on top). Edits that overlap
an edit already taken are left for the next round. A round whose output does not
parse, or a file that does not settle within ``MAX_ROUNDS``, is rolled back and
reported. The fixed file is written back by ``writeback`` (atomically, not over a
concurrent edit, keeping links and metadata) and keeps its encoding, BOM, line
endings and everything the edits did not touch.
"""
from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import Applicability, Diagnostic, Edit, FileResult
from .engine import SourceFile, check_source
from .launch_facts import LaunchIndex
from .positions import line_starts, offset_of
from .settings import Settings
from .writeback import NotWritten, write_atomic

MAX_ROUNDS = 10
# Lower runs first. Root-cause fixes before the product-level ones.
PRIORITY = {"TL004": 0, "TL005": 1, "TL001": 2, "TL006": 3, "TL003": 4, "TL002": 5, "TL007": 6}


@dataclass
class FixOutcome:
    text: str  # the fixed text (the original when nothing applied or rolled back)
    result: FileResult  # findings remaining in ``text``
    fixed: int  # findings with an applicable fix that are gone (what the summary called fixable)
    failure: str | None = None
    fixed_codes: tuple[str, ...] = ()  # the code of each of them
    #: findings without an applicable fix that went away with the others (a product
    #: widened downstream of a narrowing cast takes the narrowing's finding with it)
    resolved: int = 0


def applicable(d: Diagnostic, unsafe: bool) -> bool:
    if d.fix is None or d.suppressed:
        return False
    if d.fix.applicability == Applicability.SAFE:
        return True
    return unsafe and d.fix.applicability == Applicability.UNSAFE


def apply_edits(text: str, edits: list[Edit]) -> str:
    starts = line_starts(text)
    spans = sorted(((offset_of(starts, e.start), offset_of(starts, e.end), e.content) for e in edits),
                   key=lambda s: (s[0], s[1]), reverse=True)
    # one pass over the text (slicing it once per edit is quadratic in a large file)
    pieces: list[str] = []
    end = len(text)
    for s, t, content in spans:  # from the end backwards
        pieces.append(text[t:end])
        pieces.append(content)
        end = s
    pieces.append(text[:end])
    return "".join(reversed(pieces))


def _select_round(diags: list[Diagnostic], unsafe: bool) -> list[Edit]:
    fixable = [d for d in diags if applicable(d, unsafe)]
    if not fixable:
        return []
    best = min(PRIORITY.get(d.code, 9) for d in fixable)
    taken = _TakenEdits()
    for d in fixable:
        if PRIORITY.get(d.code, 9) != best:
            continue
        edits = [e for e in d.fix.edits if e not in taken.seen]  # identical edits from several findings: once
        if any(taken.overlaps(e) for e in edits) or _overlap_among(edits):
            continue
        for e in edits:
            taken.add(e)
    return taken.edits


def _overlaps(a: Edit, b: Edit) -> bool:
    """Ranges that share more than a boundary point (insertions at one point compose)."""
    if a == b:
        return False
    return a.start < b.end and b.start < a.end


def _key(p) -> tuple[int, int]:
    return p.line, p.column


def _overlap_among(edits: list[Edit]) -> bool:
    return any(_overlaps(a, b) for i, a in enumerate(edits) for b in edits[i + 1:])


class _TakenEdits:
    """The edits of a round, pairwise without overlap, ordered by (start, end). Disjoint
    ranges in that order also have ends that never decrease, so the edits that can
    overlap a new one are the last few starting before it ends: each check is a binary
    search and a short walk back, not a scan of every edit taken (quadratic in a large
    file)."""

    def __init__(self):
        self.edits: list[Edit] = []
        self.seen: set[Edit] = set()
        self._keys: list[tuple[int, int, int, int]] = []
        self._ordered: list[Edit] = []

    def overlaps(self, e: Edit) -> bool:
        i = bisect.bisect_left(self._keys, (*_key(e.end), -1, -1))  # those starting before e ends
        while i > 0:
            i -= 1
            t = self._ordered[i]
            if _key(t.end) <= _key(e.start):
                return False  # and every earlier one ends no later
            if _overlaps(e, t):
                return True
        return False

    def add(self, e: Edit) -> None:
        key = (*_key(e.start), *_key(e.end))
        i = bisect.bisect_right(self._keys, key)
        self._keys.insert(i, key)
        self._ordered.insert(i, e)
        self.edits.append(e)
        self.seen.add(e)


def fix_text(text: str, path: str, settings: Settings, unsafe: bool = False, codes=None,
             launches: LaunchIndex | None = None) -> FixOutcome:
    first = check_source(text, path, settings, codes, launches)
    if first.error is not None:
        return FixOutcome(text, first, 0, None)
    current, result = text, first
    for _ in range(MAX_ROUNDS):
        edits = _select_round(result.diagnostics, unsafe)
        if not edits:
            break
        candidate = apply_edits(current, edits)
        if candidate == current:
            break
        # Re-linting parses the candidate; a parse error there rolls the file back.
        checked = check_source(candidate, path, settings, codes, launches)
        if checked.error is not None:
            codes_ = sorted({d.code for d in result.diagnostics if applicable(d, unsafe)})
            return FixOutcome(text, first, 0, f"a fix for {', '.join(codes_)} produced unparseable code "
                                              f"({checked.error.message} at line {checked.error.line}); "
                                              "the file was left unchanged")
        current, result = candidate, checked
    else:
        return FixOutcome(text, first, 0, f"fixes did not settle after {MAX_ROUNDS} rounds; the file was left unchanged")
    fixed_codes, resolved = _gone(first.diagnostics, result.diagnostics, unsafe)
    return FixOutcome(current, result, len(fixed_codes), None, fixed_codes, resolved)


def _gone(before: list[Diagnostic], after: list[Diagnostic], unsafe: bool) -> tuple[tuple[str, ...], int]:
    """Which findings the fixes removed, matched by rule, kernel and expression (the
    lines move), split into those --fix was asked to fix and those that went with them.
    Counting the two together made "Fixed N" exceed the summary's "N fixable"."""
    remaining = Counter((d.code, d.kernel, d.expression) for d in after if not d.suppressed)
    fixed: list[str] = []
    resolved = 0
    for d in sorted((d for d in before if not d.suppressed), key=lambda d: not applicable(d, unsafe)):
        key = (d.code, d.kernel, d.expression)
        if remaining[key]:
            remaining[key] -= 1
        elif applicable(d, unsafe):
            fixed.append(d.code)
        else:
            resolved += 1
    return tuple(fixed), resolved


def fix_file(path: Path, settings: Settings, unsafe: bool, write: bool,
             launches: LaunchIndex | None = None) -> tuple[FileResult, str, str]:
    """Returns (result after fixing, original text, fixed text)."""
    try:
        source = SourceFile.read(path)
    except (OSError, UnicodeDecodeError, LookupError):
        from .engine import check_file  # reports why the file cannot be read

        return check_file(path, settings), "", ""
    outcome = fix_text(source.text, str(path), settings, unsafe, launches=launches)
    result = outcome.result
    result.fixed, result.fixed_codes, result.resolved = outcome.fixed, outcome.fixed_codes, outcome.resolved
    result.fix_failure = outcome.failure
    if outcome.text != source.text and write:
        try:
            # What was read, as bytes: the writer refuses if the file no longer holds
            # them. (Encoding the decoded text gives back the bytes read: the fixed
            # file is encoded the same way, untouched parts included.)
            write_atomic(path, source.encode(outcome.text), expected=source.encode(source.text))
        except OSError as e:
            unfixed = check_source(source.text, str(path), settings, launches=launches)
            result.fix_failure = str(e) if isinstance(e, NotWritten) else f"cannot write the fixed file: {e}"
            result.fix_not_written = True
            result.fixed, result.fixed_codes, result.resolved = 0, (), 0
            result.diagnostics, result.source = unfixed.diagnostics, unfixed.source
    return result, source.text, outcome.text
