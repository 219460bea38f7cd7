"""Shared by TL001, TL002 and TL005: which rule owns a risky 32-bit product,
its message, and the default fix (widen the index operand before the multiply).

A product belongs to exactly one of them, by what its non-index operand is:
an ``int``/``tl.int32``-annotated parameter (TL005), a declared ``tl.constexpr``
(TL001), anything else (TL002). So one product is never reported twice.
"""
from __future__ import annotations

from tritonlint import explain
from tritonlint.diagnostics import Applicability
from tritonlint.facts import Risk
from tritonlint.widen import widen_edits

from .base import Finding, NodeFix, RuleContext


def owner(risk: Risk) -> str:
    if risk.kind != "product" or risk.stride is None:
        return ""
    st = risk.stride.value
    if st.int_annotated:
        return "TL005"
    if st.constexpr_names:
        return "TL001"
    return "TL002"


def reported_products(ctx: RuleContext, code: str):
    """Risky products owned by ``code`` that reach an address."""
    for risk in ctx.facts.risks.values():
        if owner(risk) == code and risk.uses:
            yield risk


def message(risk: Risk, what: str) -> str:
    idx, st = risk.index, risk.stride
    assert idx is not None and st is not None
    return (
        f"`{risk.code}` is computed in {_width(risk)}{explain.width_note(idx.value)}: "
        f"{explain.describe(idx)} times {what}; {explain.product_threshold(risk)}"
        f"{explain.uses_text(risk)}"
    )


def _width(risk: Risk) -> str:
    w = risk.result.width.value if risk.result is not None else "int32"
    return "int32" if w == "unknown-int" else w


def widen_index_fix(ctx: RuleContext, risk: Risk) -> NodeFix | None:
    idx = risk.index
    if idx is None:
        return None
    edits = widen_edits(idx.node, idx.value.width, risk.function, ctx.kernels.imports)
    return NodeFix(Applicability.SAFE, f"Widen `{idx.code}` to int64 before the multiply", edits)


def finding(ctx: RuleContext, risk: Risk, code: str, what: str, fix: NodeFix | None) -> Finding:
    ctx.reported_risks.add(risk.id)
    return Finding(
        code=code,
        node=risk.node,
        function=risk.function,
        message=message(risk, what),
        expression=risk.code,
        chain=explain.chain(risk),
        threshold=explain.product_threshold(risk),
        uses=tuple(u.code for u in risk.uses),
        fix=fix,
    )
