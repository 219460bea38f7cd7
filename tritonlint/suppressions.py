"""``# noqa`` comments, read with the tokenizer (text inside a string is never a comment).

* ``x = a * b  # noqa`` silences every finding on that line;
* ``# noqa: TL002, TL003 rows are < 2**20 here`` silences those codes, and the text
  after the codes is the reason (kept for SARIF, JSON and markdown);
* ``# tritonlint: noqa`` on a line of its own silences the whole file, and
  ``# tritonlint: noqa: TL002`` silences one code in the whole file.

As in ruff, ``noqa`` is matched in any case (``# NOQA``, ``# NoQA: TL002``), codes
are upper case letters then digits, separated by commas or spaces, and a
``# noqa`` may follow another comment on the line (``# type: ignore  # noqa``).
A finding on a line that ends inside a multi-line string, or on a line continued
with a backslash, is silenced at the end of that statement's line, where a comment
can go (ruff's ``noqa_row``).

Codes that do not start with ``TL`` belong to other linters (``# noqa: E501,
TL002``): they are neither warnings nor suppressions here. A ``TL`` code that is
not a rule (``TL999``, ``TL``) is a warning and silences nothing.
"""
from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import Collection

OWN_PREFIX = "TL"
ALL = "*"  # a file-level `# tritonlint: noqa` without codes
# The marker; codes follow after a colon. A bare `# noqa` may be followed by a reason.
_NOQA = re.compile(r"#\s*noqa(?![\w-])(?P<colon>\s*:)?", re.IGNORECASE)
_FILE = re.compile(r"#\s*tritonlint\s*:\s*noqa(?![\w-])(?P<colon>\s*:)?", re.IGNORECASE)
# One code: a foreign one (`E501`, `B008`) or anything starting with our prefix, so
# that a malformed `TL` or `TL02x` is reported rather than read as the reason.
_CODE = re.compile(r"[A-Z]+[0-9]+\b|" + OWN_PREFIX + r"[A-Z0-9]*\b")
_SEPARATOR = re.compile(r"\s*,\s*|\s+")
# What may stand between the codes and the reason: `# noqa: TL002 - why`, `... # why`.
_REASON_LEAD = re.compile(r"[\s,;:#\-\u2013\u2014]*")
_ANY_NOQA = re.compile("noqa", re.IGNORECASE)
_NEWLINE = re.compile(r"\r\n|\r|\n")
_AFTER_NEWLINE = re.compile(r"(?<=\n)|(?<=\r)(?!\n)")
# Python 3.12 splits an f-string into several tokens; before, it is one STRING
_FSTRING_START = getattr(tokenize, "FSTRING_START", None)
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)


@dataclass(frozen=True)
class Code:
    text: str  # as written
    start: int  # columns on the comment's line
    end: int


@dataclass(frozen=True)
class Directive:
    """One ``# noqa`` comment on a line (not the file-level form)."""

    line: int
    start: int  # column of its `#`
    end: int  # column after the last code (after `noqa` for a blanket one)
    codes: tuple[Code, ...]  # empty: a blanket `# noqa`
    reason: str
    reason_start: int  # column where the reason begins (the line's end when there is none)

    @property
    def blanket(self) -> bool:
        return not self.codes

    def silences(self, code: str) -> bool:
        return self.blanket or code in {c.text for c in self.codes}


@dataclass(frozen=True)
class Suppression:
    """Why a finding is silenced: the directive's description and its reason."""

    description: str
    reason: str = ""


@dataclass
class Suppressions:
    directives: dict[int, Directive] = field(default_factory=dict)  # line -> its `# noqa`
    file: set[str] = field(default_factory=set)  # codes silenced in the whole file (or {ALL})
    file_reason: str = ""
    #: "line: message" for every code that is not a rule, and every malformed directive
    warnings: list[tuple[int, str]] = field(default_factory=list)
    source: str = ""
    #: a line that cannot take a comment -> the line whose end can (ruff's noqa_row);
    #: None until a finding's line needs it (tokenizing is most of the cost)
    moved: dict[int, int] | None = None
    _lines: list[str] | None = field(default=None, repr=False)

    def noqa_line(self, line: int) -> int:
        """The line a `# noqa` must be on to silence a finding that starts on ``line``."""
        if self.moved is None:
            if self._lines is None:
                self._lines = _physical_lines(self.source)
            text = self._lines[line - 1] if 0 < line <= len(self._lines) else ""
            # only a line that opens a triple-quoted string or ends with a backslash can
            # end inside a token: any other line takes a comment at its end
            if '"""' not in text and "'''" not in text and not text.endswith("\\"):
                return line
            self.moved = _scan(self.source)[1]
        seen = set()
        while line in self.moved and line not in seen:
            seen.add(line)
            line = self.moved[line]
        return line

    def in_file(self, code: str) -> bool:
        """Silenced in the whole file by `# tritonlint: noqa`."""
        return ALL in self.file or code in self.file

    def silences(self, code: str, noqa_line: int) -> Suppression | None:
        if self.in_file(code):
            return Suppression("file-level `# tritonlint: noqa`", self.file_reason)
        directive = self.directives.get(noqa_line)
        if directive is not None and directive.silences(code):
            return Suppression("`# noqa` on the line", directive.reason)
        return None


def parse(source: str, known: Collection[str]) -> Suppressions:
    """Every ``# noqa`` of ``source``; ``known`` are the rule codes that exist."""
    out = Suppressions(source=source)
    if _ANY_NOQA.search(source) is None:
        return out
    comments, out.moved = _scan(source)
    for line, column, text, own_line in comments:
        if "noqa" not in text.lower():
            continue
        file_level = _FILE.match(text) if own_line else None
        if file_level is not None:
            _file_directive(out, line, text, file_level, known)
            continue
        for m in _NOQA.finditer(text):
            codes, end, reason_at = _codes(text, m)
            if _valid(out, line, text, m, codes, known):
                kept = tuple(Code(c.text, c.start + column, c.end + column) for c in codes)
                out.directives[line] = Directive(line, column + m.start(), column + end, kept,
                                                 text[reason_at:].strip(), column + reason_at)
                break
    return out


def _file_directive(out: Suppressions, line: int, text: str, m: re.Match, known: Collection[str]) -> None:
    codes, _, reason_at = _codes(text, m)
    if not _valid(out, line, text, m, codes, known):
        return
    out.file |= {c.text for c in codes if c.text in known} if codes else {ALL}
    out.file_reason = text[reason_at:].strip()


def _codes(text: str, m: re.Match) -> tuple[list[Code], int, int]:
    """The codes after ``noqa:`` (none for a blanket ``# noqa``), the column where
    they end, and the column where the reason starts."""
    codes: list[Code] = []
    end = m.end()
    if m.group("colon"):
        pos = len(text) - len(text[end:].lstrip())
        while True:
            code = _CODE.match(text, pos)
            if code is None:
                break
            codes.append(Code(code.group(), code.start(), code.end()))
            end = code.end()
            sep = _SEPARATOR.match(text, end)
            if sep is None or not sep.group():
                break
            pos = sep.end()
    reason_at = _REASON_LEAD.match(text, end).end()
    return codes, end, reason_at


def _valid(out: Suppressions, line: int, text: str, m: re.Match, codes: list[Code],
           known: Collection[str]) -> bool:
    """Records the warnings of one directive; False when it is malformed (no codes
    after the colon), and then it silences nothing, as in ruff."""
    if m.group("colon") and not codes:
        out.warnings.append((line, f"invalid `{text[m.start():m.end()].strip()}` directive: expected a "
                                   f"comma-separated list of codes (e.g. `# noqa: TL002, TL005`); it silences nothing"))
        return False
    for c in codes:
        if c.text.startswith(OWN_PREFIX) and c.text not in known:
            out.warnings.append((line, f"unknown rule code `{c.text}` in `# noqa`; it silences nothing "
                                       f"(`tritonlint rule --all` lists the rules)"))
    return True


def _scan(source: str) -> tuple[list[tuple[int, int, str, bool]], dict[int, int]]:
    """The comments (line, column, text, alone on its line) and the lines that cannot
    end with a comment. A file that does not tokenize keeps what was read before the
    error: the parser reports the file itself (E999)."""
    comments: list[tuple[int, int, str, bool]] = []
    moved: dict[int, int] = {}
    fstring_starts: list[int] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                line, col = tok.start
                comments.append((line, col, tok.string, not tok.line[:col].strip()))
            elif tok.type == tokenize.STRING and tok.end[0] > tok.start[0]:
                _move(moved, tok.start[0], tok.end[0])
            elif tok.type == _FSTRING_START:
                fstring_starts.append(tok.start[0])
            elif tok.type == _FSTRING_END and fstring_starts:
                _move(moved, fstring_starts.pop(), tok.end[0])
    except (tokenize.TokenError, SyntaxError):
        pass
    commented = {line for line, *_ in comments}
    lines = _physical_lines(source)
    for i, text in enumerate(lines, 1):
        # a backslash continuation: the statement's comment goes after its last line
        if text.endswith("\\") and i < len(lines) and i not in moved and i not in commented:
            moved[i] = i + 1
    return comments, moved


def _physical_lines(source: str) -> list[str]:
    """Lines as the tokenizer counts them (str.splitlines also splits at form feeds
    and other separators, which would shift the line numbers)."""
    return _NEWLINE.split(source)


def lines_with_endings(source: str) -> list[str]:
    """``source.splitlines(keepends=True)``, but only at the newlines the tokenizer
    counts, so that index ``n - 1`` is line ``n`` of a comment or a finding."""
    return [line for line in _AFTER_NEWLINE.split(source) if line]


def _move(moved: dict[int, int], first: int, last: int) -> None:
    for line in range(first, last):
        moved[line] = last


__all__ = ["ALL", "Code", "Directive", "Suppression", "Suppressions", "lines_with_endings", "parse"]
