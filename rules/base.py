"""What a rule is: code, name, docs, embedded examples, check and fix.

A rule never walks the syntax tree itself: the analysis has already done that
once for every rule and left :class:`~tritonlint.facts.Facts`. A rule picks the
facts it owns and turns them into :class:`Finding` s, anchored on syntax nodes;
the engine turns nodes into line/column positions only for what is reported.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Iterable

import libcst as cst

from tritonlint.diagnostics import Applicability
from tritonlint.facts import Facts
from tritonlint.findings import Finding, NodeEdit, NodeFix
from tritonlint.kernels import JitFunction, ModuleKernels

DOC_SECTIONS = ("What it does", "Why is this bad", "Example", "Use instead", "Fix safety")


@dataclass(frozen=True)
class Invalid:
    """An embedded example that must produce ``count`` findings of the rule.

    ``fixed`` is the source after ``--fix`` (with ``--unsafe-fixes`` when the
    rule's fix is unsafe); None when the rule offers no applicable fix.
    """

    code: str
    fixed: str | None = None
    count: int = 1


@dataclass
class RuleContext:
    module: cst.Module
    kernels: ModuleKernels
    facts: Facts
    target: tuple[int, int]  # the oldest target: the one the analysis typed with
    #: every target, oldest first (``target-version`` may list several)
    targets: tuple[tuple[int, int], ...] = ()
    #: id(jit function node) -> the module it was parsed in, for a function ``module``
    #: does not hold (an engine that parses each kernel on its own); None: ``module``
    function_modules: dict[int, cst.Module] | None = None

    def module_of(self, fn: JitFunction) -> cst.Module:
        """The module whose tree holds ``fn`` (where a fix finds its ``def``'s indentation)."""
        found = self.function_modules.get(id(fn.node)) if self.function_modules else None
        return found if found is not None else self.module

    def any_target(self, at_least: tuple[int, int]) -> bool:
        """Some target is ``at_least`` or newer: a hazard that appears in that release
        applies (a kernel is judged on the strictest of its targets)."""
        return any(t >= at_least for t in (self.targets or (self.target,)))


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    docs: ClassVar[str]
    fix_applicability: ClassVar[Applicability | None] = None
    default_enabled: ClassVar[bool] = True
    VALID: ClassVar[list[str]] = []
    INVALID: ClassVar[list[Invalid]] = []

    #: Rules run in this order; rules that consume what others report run later.
    order: ClassVar[int] = 0

    def check(self, ctx: RuleContext) -> Iterable[Finding]:  # pragma: no cover - interface
        raise NotImplementedError

    @classmethod
    def url(cls) -> str | None:
        """The rule's published page, or None while the project has no public address."""
        from tritonlint.urls import rule_page

        return rule_page(cls.code)


__all__ = ["DOC_SECTIONS", "Finding", "Invalid", "NodeEdit", "NodeFix", "Rule", "RuleContext"]
