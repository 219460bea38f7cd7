"""Findings as rules produce them: anchored on syntax nodes, not yet on lines.

The engine resolves nodes to positions (only for what is reported) and turns
findings into :class:`~tritonlint.diagnostics.Diagnostic` s.
"""
from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from .diagnostics import Applicability, Severity
from .kernels import JitFunction


@dataclass(frozen=True)
class NodeEdit:
    """An edit anchored on a node: insert before/after it, or replace it."""

    node: cst.CSTNode
    function: JitFunction
    kind: str  # "before" | "after" | "replace"
    text: str


@dataclass(frozen=True)
class NodeFix:
    applicability: Applicability
    message: str
    edits: tuple[NodeEdit, ...]


@dataclass
class Finding:
    code: str
    node: cst.CSTNode
    function: JitFunction
    message: str
    expression: str
    chain: tuple[str, ...] = ()
    threshold: str = ""
    uses: tuple[str, ...] = ()
    fix: NodeFix | None = None
    #: the risky operations behind it: the size model judges them (``verdict.py``)
    risks: tuple = ()
    #: None: the default (error); a rule lowers it where the target makes the hazard loud
    severity: Severity | None = None


