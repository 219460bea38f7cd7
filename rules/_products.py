"""Shared by TL001, TL002 and TL005: which rule owns a risky 32-bit product,
its message, and the default fix (widen the index operand before the multiply).

A product belongs to exactly one of them, by what its non-index operand is:
an ``int``/``tl.int32``-annotated parameter (TL005), a declared ``tl.constexpr``
(TL001), anything else (TL002). So one product is never reported twice.
"""
from __future__ import annotations

import libcst as cst

from tritonlint import explain, int32_only, rng
from tritonlint.diagnostics import Applicability
from tritonlint.facts import Risk
from tritonlint.values import Width
from tritonlint.walk import names, walk
from tritonlint.widen import int64, widen_edits

from .base import Finding, NodeEdit, NodeFix, RuleContext


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


def merge_conflict(risks, all_risks=None, calls_only: bool = False) -> str | None:
    """Why widening these products would not compile, if it would not. A product
    that superseded inner ones is widened at its innermost index, so their joins
    count too. ``calls_only``: only the uses whose type must not change (random-number
    offsets, block-pointer offsets and descriptor coordinates), not the joins (a fix that widens the variable's start keeps its joins)."""
    pending = list(risks)
    seen = set()
    while pending:
        r = pending.pop()
        if r.id in seen:
            continue
        seen.add(r.id)
        if all_risks is not None:
            pending.extend(all_risks[i] for i in r.inner)
        for name, stmt in r.merges:
            if isinstance(stmt, cst.Call):  # a use whose type must not change
                return int32_only.reason(name) if int32_only.is_place(name) else rng.reason(name)
            if calls_only:
                continue
            if isinstance(stmt, cst.FunctionDef):
                return (f"the returns of `{name}` must agree on one type, and another return is int32: "
                        f"widen both")
            where = "loop" if isinstance(stmt, (cst.For, cst.While)) else "if/else"
            return (f"`{name}` must keep one type across the {where} it is assigned in, and the other "
                    f"assignment is int32: widen both (for example start it as int64)")
    return None


def display_only(fix: NodeFix | None, reason: str) -> NodeFix | None:
    if fix is None:
        return None
    return NodeFix(Applicability.DISPLAY, f"{fix.message} (not applied: {reason})", fix.edits)


def widen_index_fix(ctx: RuleContext, risk: Risk) -> NodeFix | None:
    """Widen the index where it is defined when every use of it is the index of a
    flagged product (one edit fixes them all), else right before this multiply.
    Display-only when the product meets a plain int32 value of the same variable
    at a join (Triton rejects the type change there)."""
    fix = _widen_index_fix(ctx, risk)
    reason = merge_conflict([risk], ctx.facts.risks)
    return display_only(fix, reason) if reason else fix


def _widen_index_fix(ctx: RuleContext, risk: Risk) -> NodeFix | None:
    idx = risk.fix_index or risk.index
    if idx is None:
        return None
    definition = _sole_definition(ctx, risk)
    if definition is not None:
        value = definition.value
        edits = _widen(ctx, value, idx.value.width, risk, idx.value.tensor)
        name = idx.node.value
        return NodeFix(Applicability.SAFE, f"Widen `{name}` to int64 where it is defined", edits)
    # A parameter may be a constexpr at some call site (a stride of 1 is specialised
    # to one): `.to` does not compile on those, `tl.cast` does.
    is_param = isinstance(idx.node, cst.Name) and (risk.function.name, idx.node.value) in ctx.facts.params
    width = Width.CONST if is_param else idx.value.width
    edits = _widen(ctx, idx.node, width, risk, idx.value.tensor)
    return NodeFix(Applicability.SAFE, f"Widen `{idx.code}` to int64 before the multiply", edits)


def _widen(ctx: RuleContext, node: cst.BaseExpression, width: Width, risk: Risk, tensor: bool):
    """Widen ``node``; a value that ends in a cast to int32 gets that cast made int64
    instead of a second cast after it (``x.to(tl.int32).to(tl.int64)``)."""
    dtype = int32_cast_dtype(node)
    if dtype is not None:
        return (NodeEdit(dtype, risk.function, "replace", int64(ctx.kernels.imports)),)
    return widen_edits(node, width, risk.function, ctx.kernels.imports, tensor)


def int32_cast_dtype(node: cst.BaseExpression) -> cst.BaseExpression | None:
    """The dtype argument of ``x.to(tl.int32)`` or ``tl.cast(x, tl.int32)`` (not a
    bitcast, whose width must match), else None."""
    if not isinstance(node, cst.Call) or node.lpar or not isinstance(node.func, (cst.Attribute, cst.Name)):
        return None
    callee = node.func.attr.value if isinstance(node.func, cst.Attribute) else node.func.value
    if any(a.keyword is not None and a.keyword.value == "bitcast" for a in node.args):
        return None
    position = {"to": 0, "cast": 1}.get(callee)
    if position is None:
        return None
    dtypes = [a.value for a in node.args if a.keyword is not None and a.keyword.value == "dtype"]
    positional = [a.value for a in node.args if a.keyword is None]
    dtype = dtypes[0] if dtypes else (positional[position] if len(positional) > position else None)
    last = dtype.attr.value if isinstance(dtype, cst.Attribute) else getattr(dtype, "value", None)
    return dtype if last == "int32" else None


def _sole_definition(ctx: RuleContext, risk: Risk) -> cst.Assign | None:
    idx = risk.fix_index or risk.index
    if not isinstance(idx.node, cst.Name):
        return None
    name = idx.node.value
    assigns, loads = _bindings(risk.function.node, name)
    if len(assigns) != 1 or (risk.function.name, name) in ctx.facts.params:
        return None
    index_nodes = ctx.facts.reported_indices(risk.kind, risk.function)
    if any(id(n) not in index_nodes for n in loads):
        return None
    return assigns[0]


def _bindings(fn: cst.FunctionDef, name: str) -> tuple[list[cst.Assign], list[cst.Name]]:
    """Plain ``name = value`` statements, and every other occurrence of ``name``
    (any other kind of binding, such as a loop target or ``+=``, counts as an
    occurrence, which rules out the definition-level fix)."""
    assigns: list[cst.Assign] = []
    targets: set[int] = set()
    for node in walk(fn.body):
        if isinstance(node, cst.Assign) and len(node.targets) == 1:
            t = node.targets[0].target
            if isinstance(t, cst.Name) and t.value == name:
                assigns.append(node)
                targets.add(id(t))
    loads = [n for n in names(fn.body, name) if id(n) not in targets]
    return assigns, loads


def retype_fix(ctx: RuleContext, risk: Risk, risks: list[Risk], allow_default: bool) -> NodeFix | None:
    """Annotate the stride parameter ``tl.int64`` when every use of it is the stride
    of a flagged product: nothing then needs it at compile time (TL001), and no other
    value (a loop-carried sum, a branch merged with an int32 value) changes type in
    a way Triton rejects. None when that does not hold: the index fix applies."""
    st = risk.stride
    if st is None or not isinstance(st.node, cst.Name):
        return None
    name = st.node.value
    param = ctx.facts.params.get((risk.function.name, name))
    if param is None or param.annotation is None or (param.default is not None and not allow_default):
        return None
    mine = [r for r in risks if r.stride is not None and r.function is risk.function
            and isinstance(r.stride.node, cst.Name) and r.stride.node.value == name]
    stride_nodes = {id(r.stride.node) for r in mine}
    uses = names(risk.function.node.body, name)  # nested defs are not entered: their own scope
    if not uses or any(id(n) not in stride_nodes for n in uses):
        return None
    if merge_conflict(mine, ctx.facts.risks):
        return None  # the index fix says why it is display-only
    edit = NodeEdit(param.annotation.annotation, risk.function, "replace", int64(ctx.kernels.imports))
    return NodeFix(Applicability.SAFE, f"Annotate `{name}` as tl.int64", (edit,))


def finding(ctx: RuleContext, risk: Risk, code: str, what: str, fix: NodeFix | None) -> Finding:
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
        risks=(risk,),
    )
