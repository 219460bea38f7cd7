"""``# noqa`` comments: on the reported line, or for the whole file.

* ``x = a * b  # noqa`` silences every finding on that line;
* ``# noqa: TL002, TL003`` (a reason may follow after another ``#`` or text)
  silences those codes;
* ``# tritonlint: noqa`` on a line of its own silences the whole file, and
  ``# tritonlint: noqa: TL002`` silences one code in the whole file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_LINE = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
_FILE = re.compile(r"^\s*#\s*tritonlint:\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
ALL = "*"


@dataclass
class Suppressions:
    lines: dict[int, set[str]] = field(default_factory=dict)  # line -> codes (or {ALL})
    file: set[str] = field(default_factory=set)

    def silences(self, code: str, line: int) -> str | None:
        """Why the finding is suppressed, or None."""
        if ALL in self.file or code in self.file:
            return "file-level `# tritonlint: noqa`"
        codes = self.lines.get(line)
        if codes and (ALL in codes or code in codes):
            return "`# noqa` on the line"
        return None


def parse(source: str) -> Suppressions:
    out = Suppressions()
    if "noqa" not in source:
        return out
    for i, line in enumerate(source.splitlines(), 1):
        if "noqa" not in line:
            continue
        m = _FILE.match(line)
        if m:
            out.file |= _codes(m.group("codes"))
            continue
        m = _LINE.search(line)
        if m:
            out.lines.setdefault(i, set()).update(_codes(m.group("codes")))
    return out


def _codes(group: str | None) -> set[str]:
    if not group:
        return {ALL}
    return {c.upper() for c in re.split(r"[\s,]+", group) if c}
