"""``--format json``: the shape of ruff's ``--output-format json``, so tools that
read ruff's JSON can read ours. Columns are 1-based, as in ruff."""
from __future__ import annotations

import json
import os

from ..diagnostics import Diagnostic, Position
from ..rule_catalogue import by_code
from . import Report


def _loc(p: Position) -> dict:
    return {"row": p.line, "column": p.column + 1}


def diagnostic_json(d: Diagnostic) -> dict:
    fix = None
    if d.fix is not None:
        fix = {
            "applicability": d.fix.applicability.value,
            "message": d.fix.message,
            "edits": [{"content": e.content, "location": _loc(e.start), "end_location": _loc(e.end)} for e in d.fix.edits],
        }
    return {
        "cell": None,
        "code": d.code,
        "end_location": _loc(d.end),
        "filename": os.path.abspath(d.path),
        "fix": fix,
        "location": _loc(d.start),
        "message": d.message,
        "noqa_row": d.noqa_line,
        "url": by_code()[d.code].url(),
        # tritonlint's own fields (ruff readers ignore unknown keys)
        "name": d.name,
        "kernel": d.kernel,
        "expression": d.expression,
        "chain": list(d.chain),
        "threshold": d.threshold,
        "uses": list(d.uses),
        "fingerprint": d.fingerprint,
        "tier": d.tier,
        "size_note": d.size_note,
        # null for a reported finding; listed only with --show-suppressed
        "suppression": {"by": d.suppressed, "reason": d.noqa_reason} if d.suppressed else None,
    }


def render(report: Report) -> str:
    shown = report.diagnostics
    if report.extra.get("show_suppressed"):
        # opt-in: a reader of ruff's JSON takes every entry for a finding to act on
        shown = sorted([*shown, *report.suppressed], key=Diagnostic.sort_key)
    return json.dumps([diagnostic_json(d) for d in shown], indent=2) + "\n"


def fix_failure_lines(report: Report) -> list[str]:
    """Files --fix left as they were (rolled back, or not written), for stderr, as
    parse errors are: ruff's JSON array holds findings only, and a reader would take
    any other entry for one."""
    return [f"tritonlint: {r.path}: fix rolled back: {r.fix_failure}" for r in report.fix_failures]
