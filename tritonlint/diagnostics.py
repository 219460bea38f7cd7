"""The one diagnostic model that every rule produces and every reporter renders.

Positions are 1-based lines and 0-based columns (libcst's convention); reporters
convert to whatever their format wants (ruff's JSON and SARIF use 1-based
columns).
"""
from __future__ import annotations

import enum
import hashlib
import re
from dataclasses import dataclass, field

_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+\Z")


def source_lines(text: str, keepends: bool = False) -> list[str]:
    """A file's lines as Python (and a finding's line number) counts them: broken at
    ``\n``, ``\r\n`` and ``\r`` only. ``str.splitlines`` also breaks at form feeds,
    vertical tabs and other separators, which would shift every later line of a
    code frame or of a host expression's text."""
    lines = _LINE.findall(text)
    return lines if keepends else [line.rstrip("\r\n") for line in lines]


class Applicability(str, enum.Enum):
    """How much a fix can be trusted (ruff's three levels)."""

    SAFE = "safe"  # applied by --fix
    UNSAFE = "unsafe"  # applied only with --unsafe-fixes
    DISPLAY = "display-only"  # shown, never applied


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Position:
    line: int  # 1-based
    column: int  # 0-based, in characters


@dataclass(frozen=True)
class Edit:
    """Replace the text between ``start`` and ``end`` with ``content``.

    An insertion has ``start == end``.
    """

    start: Position
    end: Position
    content: str


@dataclass(frozen=True)
class Fix:
    applicability: Applicability
    message: str  # the fix title, e.g. "Widen `i_t` to int64 before the multiply"
    edits: tuple[Edit, ...]


@dataclass(frozen=True)
class Diagnostic:
    """One finding.

    ``fingerprint_key`` identifies the finding independently of line numbers
    (rule + kernel + normalised expression); SARIF fingerprints and the
    ``review`` mode match findings across revisions with it.
    """

    code: str
    name: str
    message: str
    path: str
    start: Position
    end: Position
    kernel: str
    expression: str  # normalised source of the flagged expression
    severity: Severity = Severity.ERROR
    chain: tuple[str, ...] = ()  # provenance: "i_t: loop index over range(NT)", ...
    threshold: str = ""  # "wraps once i_t * stride_h >= 2**31, e.g. ..."
    uses: tuple[str, ...] = ()  # where the value reaches an address
    fix: Fix | None = None
    noqa_line: int | None = None  # the line a `# noqa` must be on to silence it
    suppressed: str | None = None  # why it is suppressed (reporters that record suppressions)
    noqa_reason: str = ""  # the reason written after the codes of the `# noqa` that silences it
    #: "realistic" (a real workload wraps it), "unrealistic" or "bounded" (reported by --strict only)
    tier: str = "realistic"
    size_note: str = ""  # the size model's reasoning: the smallest workload that wraps it

    @property
    def fingerprint_key(self) -> str:
        return f"{self.code}:{self.kernel}:{self.expression}"

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.fingerprint_key.encode()).hexdigest()[:32]

    def sort_key(self) -> tuple:
        return (self.path, self.start.line, self.start.column, self.code)


@dataclass(frozen=True)
class ParseError:
    """A file that could not be read or parsed: reported, the run goes on."""

    path: str
    line: int
    column: int
    message: str


@dataclass
class FileResult:
    path: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    error: ParseError | None = None
    kernels: int = 0
    fixed: int = 0  # findings removed by --fix in this file, of those it was asked to fix
    fixed_codes: tuple[str, ...] = ()  # the code of each of them (for --show-fixes)
    resolved: int = 0  # other findings that went away with them
    fix_failure: str | None = None  # why --fix rolled this file back
    fix_not_written: bool = False  # the failure is the write: the file could not or must not be written (exit 2)
    #: (line, message) for each `# noqa` that names an unknown code or is malformed
    warnings: list[tuple[int, str]] = field(default_factory=list)
    #: the text the diagnostics refer to (after --fix, the fixed text), so reporters
    #: show code frames without reading the file again
    source: str | None = None
