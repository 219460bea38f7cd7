"""``--format sarif``: SARIF 2.1.0 for code scanning (GitHub's upload-sarif).

* ``tool.driver.rules`` is the whole catalogue; each result points into it with
  ``ruleIndex``. ``fullDescription`` is the rule's *What it does* section, cut to
  GitHub's 1024-character limit; ``help`` is the full rule documentation.
* Locations are relative to the current directory under ``%SRCROOT%`` (declared
  in ``originalUriBaseIds``); lines and columns are 1-based, columns counted in
  Unicode code points (``columnKind``), end columns exclusive.
* ``partialFingerprints`` do not depend on line numbers: rule + kernel +
  normalised expression (:attr:`Diagnostic.fingerprint`) and an occurrence counter
  for identical findings in one file, so a finding keeps its identity when lines
  above it move.
* Findings silenced with ``# noqa`` are recorded with an ``inSource`` suppression
  and the reason; files that could not be parsed become tool notifications.
"""
from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from .. import __version__
from ..diagnostics import Applicability, Diagnostic, Edit, Position, Severity
from ..rules import ALL_RULES
from . import Report

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/tritonlint/tritonlint"
FINGERPRINT_KEY = "tritonlint/v1"
MAX_DESCRIPTION = 1024  # GitHub code scanning truncates longer fullDescription texts
SRCROOT = "%SRCROOT%"


def doc_sections(docs: str) -> dict[str, str]:
    """``## Heading`` -> body, in order."""
    out: dict[str, str] = {}
    current = None
    for line in docs.strip().splitlines():
        m = re.match(r"##\s+(.*?)\??\s*$", line)
        if m:
            current = m.group(1)
            out[current] = ""
        elif current is not None:
            out[current] += line + "\n"
    return {k: v.strip() for k, v in out.items()}


def _plain(markdown: str) -> str:
    return " ".join(markdown.split())


def _clip(text: str, limit: int = MAX_DESCRIPTION) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def rule_descriptor(rule) -> dict:
    sections = doc_sections(rule.docs)
    full = _plain(sections.get("What it does", "")) or rule.summary
    docs = rule.docs.strip()
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": _clip(rule.summary)},
        "fullDescription": {"text": _clip(full)},
        "help": {"text": docs, "markdown": docs},
        "helpUri": rule.url(),
        "defaultConfiguration": {"level": "error", "enabled": bool(rule.default_enabled)},
        "properties": {
            "tags": ["correctness", "int32-overflow", "triton"],
            "fix": rule.fix_applicability.value if rule.fix_applicability else "none",
        },
    }


def artifact_location(path: str) -> dict:
    abspath = os.path.abspath(path)
    try:
        rel = os.path.relpath(abspath)
    except ValueError:  # another drive on Windows
        rel = ".."
    if rel.startswith(".."):
        return {"uri": Path(abspath).as_uri()}
    return {"uri": quote(rel.replace(os.sep, "/"), safe="/"), "uriBaseId": SRCROOT}


def region(start: Position, end: Position) -> dict:
    return {"startLine": start.line, "startColumn": start.column + 1, "endLine": end.line, "endColumn": end.column + 1}


def _replacement(e: Edit) -> dict:
    return {"deletedRegion": region(e.start, e.end), "insertedContent": {"text": e.content}}


def result(d: Diagnostic, rule_index: dict[str, int], occurrence: int) -> dict:
    loc = artifact_location(d.path)
    out: dict = {
        "ruleId": d.code,
        "ruleIndex": rule_index[d.code],
        # a product no realistic size wraps (reported with --strict) is a note, not an error
        "level": ("error" if d.severity == Severity.ERROR else "warning") if d.tier == "realistic" else "note",
        "message": {"text": d.message},
        "locations": [{
            "physicalLocation": {"artifactLocation": loc, "region": region(d.start, d.end)},
            "logicalLocations": [{"name": d.kernel, "kind": "function"}],
        }],
        "partialFingerprints": {FINGERPRINT_KEY: f"{d.fingerprint}:{occurrence}"},
        "properties": {
            "kernel": d.kernel,
            "expression": d.expression,
            "chain": list(d.chain),
            "threshold": d.threshold,
            "uses": list(d.uses),
            "tier": d.tier,
            "sizeNote": d.size_note,
            # what GitHub code scanning reads: how sure, and how bad
            "precision": {"realistic": "high", "unrealistic": "low", "bounded": "very-low"}[d.tier],
            "problem.severity": "error" if d.tier == "realistic" else "recommendation",
        },
    }
    if d.fix is not None:
        out["fixes"] = [{
            "description": {"text": d.fix.message},
            "artifactChanges": [{"artifactLocation": loc, "replacements": [_replacement(e) for e in d.fix.edits]}],
            "properties": {"applicability": d.fix.applicability.value},
        }]
    if d.suppressed:
        out["suppressions"] = [{"kind": "inSource", "justification": d.suppressed}]
    return out


def sarif_log(report: Report) -> dict:
    rules = list(ALL_RULES)
    rule_index = {r.code: i for i, r in enumerate(rules)}
    every = sorted([*report.diagnostics, *report.suppressed], key=Diagnostic.sort_key)
    seen: Counter = Counter()
    results = []
    for d in every:
        key = (os.path.abspath(d.path), d.fingerprint)
        seen[key] += 1
        results.append(result(d, rule_index, seen[key]))
    notifications = [{
        "level": "error",
        "message": {"text": err.message},
        "descriptor": {"id": "E999"},
        "locations": [{"physicalLocation": {
            "artifactLocation": artifact_location(err.path),
            "region": {"startLine": max(err.line, 1), "startColumn": max(err.column, 1)},
        }}],
    } for err in report.errors]
    notifications += [{
        "level": "warning",
        "message": {"text": f"fix rolled back: {r.fix_failure}"},
        "locations": [{"physicalLocation": {"artifactLocation": artifact_location(r.path)}}],
    } for r in report.fix_failures]
    run: dict = {
        "tool": {"driver": {
            "name": "tritonlint",
            "version": __version__,
            "semanticVersion": __version__,
            "informationUri": INFORMATION_URI,
            "rules": [rule_descriptor(r) for r in rules],
        }},
        "originalUriBaseIds": {SRCROOT: {"uri": Path.cwd().as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "invocations": [{
            "executionSuccessful": not report.errors,
            "toolExecutionNotifications": notifications,
        }],
        "results": results,
    }
    if report.statistics:
        diags = report.diagnostics
        fixable = Counter(d.code for d in diags if d.fix and d.fix.applicability == Applicability.SAFE)
        run["properties"] = {"statistics": [
            {"code": c, "count": n, "fixable": fixable[c]} for c, n in sorted(Counter(d.code for d in diags).items())
        ]}
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render(report: Report) -> str:
    return json.dumps(sarif_log(report), indent=2) + "\n"
