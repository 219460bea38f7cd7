"""Reading the lint cases in fixtures/cases: inline `# error: TLxxx` expectations."""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "fixtures" / "cases"
_ERROR = re.compile(r"#\s*error:\s*(?P<codes>TL\d{3}(?:\s*,\s*TL\d{3})*)")


def case_files() -> list[Path]:
    return sorted(p for p in CASES.glob("*.py") if not p.name.endswith(".fixed.py"))


def expectations(text: str) -> dict[int, set[str]]:
    out: dict[int, set[str]] = defaultdict(set)
    for i, line in enumerate(text.splitlines(), 1):
        m = _ERROR.search(line)
        if m:
            out[i] |= {c.strip() for c in m.group("codes").split(",")}
    return dict(out)
