"""``--format sarif``: SARIF 2.1.0 for code scanning (GitHub's upload-sarif).

* ``tool.driver.rules`` is the whole catalogue; each result points into it with
  ``ruleIndex``. ``fullDescription`` is the rule's *What it does* section, cut to
  GitHub's 1024-character limit; ``help`` is the full rule documentation.
* Locations are relative to the repository root under ``%SRCROOT%`` (declared in
  ``originalUriBaseIds``), wherever tritonlint runs from: the root is the nearest
  directory above the current one with a ``.git``, else the current directory
  (GitHub resolves the URIs against the checkout's root). Lines and columns are
  1-based, columns counted in Unicode code points (``columnKind``), end columns
  exclusive.
* ``helpUri`` and ``informationUri`` appear only when the package metadata names a
  public address (:mod:`tritonlint.urls`); ``help`` always carries the rule's
  whole documentation. A rule's ``properties.precision`` and
  ``properties.problem.severity`` (what GitHub reads to rank alerts) are those of
  the weakest size tier among its results in the run (:data:`TIERS`).
* ``partialFingerprints`` carry our own line-independent key (rule + kernel +
  normalised expression, :attr:`Diagnostic.fingerprint`, and an occurrence counter
  for identical findings in one file). GitHub does not read it: it tracks an
  alert by ``primaryLocationLineHash``, which upload-sarif computes from the
  source when absent, with the file path and the rule.
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

from .. import __version__, urls
from ..diagnostics import Applicability, Diagnostic, Edit, Position, Severity
from ..repository import source_root
from ..rule_catalogue import rules as catalogue
from . import Report

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
#: size tier -> (precision, problem.severity), on GitHub's scales: a realistic
#: workload wraps the product, or (reported by --strict only) none does
TIERS = {"realistic": ("high", "error"), "unrealistic": ("low", "recommendation"),
         "bounded": ("low", "recommendation")}
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


def rule_descriptor(rule, tier: str = "realistic") -> dict:
    """``tier``: the weakest tier among the rule's results in this run."""
    sections = doc_sections(rule.docs)
    full = _plain(sections.get("What it does", "")) or rule.summary
    docs = rule.docs.strip()
    precision, severity = TIERS[tier]
    out = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": _clip(rule.summary)},
        "fullDescription": {"text": _clip(full)},
        "help": {"text": docs, "markdown": docs},
        "defaultConfiguration": {"level": "error", "enabled": bool(rule.default_enabled)},
        "properties": {
            "tags": ["correctness", "int32-overflow", "triton"],
            "fix": rule.fix_applicability.value if rule.fix_applicability else "none",
            "precision": precision,
            "problem.severity": severity,
        },
    }
    if rule.url():
        out["helpUri"] = rule.url()
    return out


def weakest_tiers(diagnostics: list[Diagnostic]) -> dict[str, str]:
    """{code: the least certain tier among its results}."""
    order = list(TIERS)
    out: dict[str, str] = {}
    for d in diagnostics:
        if order.index(d.tier) > order.index(out.get(d.code, "realistic")):
            out[d.code] = d.tier
    return out


def artifact_location(path: str, root: Path) -> dict:
    abspath = os.path.abspath(path)
    try:
        rel = os.path.relpath(abspath, root)
    except ValueError:  # another drive on Windows
        rel = ".."
    if rel.startswith(".."):
        return {"uri": Path(abspath).as_uri()}
    return {"uri": quote(rel.replace(os.sep, "/"), safe="/"), "uriBaseId": SRCROOT}


def region(start: Position, end: Position) -> dict:
    return {"startLine": start.line, "startColumn": start.column + 1, "endLine": end.line, "endColumn": end.column + 1}


def _replacement(e: Edit) -> dict:
    return {"deletedRegion": region(e.start, e.end), "insertedContent": {"text": e.content}}


def result(d: Diagnostic, rule_index: dict[str, int], occurrence: int, root: Path) -> dict:
    loc = artifact_location(d.path, root)
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
            # GitHub reads these on the rule (rule_descriptor); here they say it of this result
            "precision": TIERS[d.tier][0],
            "problem.severity": TIERS[d.tier][1],
        },
    }
    if d.fix is not None:
        out["fixes"] = [{
            "description": {"text": d.fix.message},
            "artifactChanges": [{"artifactLocation": loc, "replacements": [_replacement(e) for e in d.fix.edits]}],
            "properties": {"applicability": d.fix.applicability.value},
        }]
    if d.suppressed:
        # the reason written in the `# noqa`, else how it was silenced
        out["suppressions"] = [{"kind": "inSource", "justification": d.noqa_reason or d.suppressed}]
    return out


def sarif_log(report: Report) -> dict:
    rules = list(catalogue())
    rule_index = {r.code: i for i, r in enumerate(rules)}
    every = sorted([*report.diagnostics, *report.suppressed], key=Diagnostic.sort_key)
    tiers = weakest_tiers(every)
    root = source_root()
    seen: Counter = Counter()
    results = []
    for d in every:
        key = (os.path.abspath(d.path), d.fingerprint)
        seen[key] += 1
        results.append(result(d, rule_index, seen[key], root))
    notifications = [{
        "level": "error",
        "message": {"text": err.message},
        "descriptor": {"id": "E999"},
        "locations": [{"physicalLocation": {
            "artifactLocation": artifact_location(err.path, root),
            "region": {"startLine": max(err.line, 1), "startColumn": max(err.column, 1)},
        }}],
    } for err in report.errors]
    notifications += [{
        "level": "warning",
        "message": {"text": f"fix rolled back: {r.fix_failure}"},
        "locations": [{"physicalLocation": {"artifactLocation": artifact_location(r.path, root)}}],
    } for r in report.fix_failures]
    notifications += [{
        "level": "warning",
        "message": {"text": message},
        "locations": [{"physicalLocation": {"artifactLocation": artifact_location(r.path, root),
                                            "region": {"startLine": line}}}],
    } for r in report.results for line, message in r.warnings]
    run: dict = {
        "tool": {"driver": {
            "name": "tritonlint",
            "version": __version__,
            "semanticVersion": __version__,
            **({"informationUri": urls.home()} if urls.home() else {}),
            "rules": [rule_descriptor(r, tiers.get(r.code, "realistic")) for r in rules],
        }},
        "originalUriBaseIds": {SRCROOT: {"uri": root.as_uri().rstrip("/") + "/"}},
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
