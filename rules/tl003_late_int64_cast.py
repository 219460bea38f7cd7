"""TL003 late-int64-cast: a product widened to int64 after it was computed in int32."""
from __future__ import annotations

import libcst as cst

from tritonlint import explain
from tritonlint.analysis import code_of
from tritonlint.diagnostics import Applicability
from tritonlint.facts import LateCast, Risk
from tritonlint.walk import walk
from tritonlint.widen import code_in_place, widened_code

from . import _products
from .base import Finding, Invalid, NodeEdit, NodeFix, Rule, RuleContext


class LateInt64Cast(Rule):
    code = "TL003"
    name = "late-int64-cast"
    summary = "An index product is cast to int64 only after it was computed (and wrapped) in int32"
    fix_applicability = Applicability.SAFE
    docs = """
## What it does
Finds `(a * b).to(tl.int64)` and `tl.cast(a * b, tl.int64)` where `a * b` is an
int32 index x stride product, directly or through a variable, also inside a sum
that is int64 already (`tl.cast(pid * C + cols, tl.int64)` with `cols` int64: the
product is computed in int32 before the sum promotes it), when the widened value
becomes part of an address. A widened value that only ever is data (a hash, a
statistic, a packed sort key) is not pointer arithmetic and is not reported.

## Why is this bad
The multiply has already happened in int32: the cast sign-extends the wrapped
result, so a negative offset stays negative. This looks like a fix and is not one;
we confirmed on an H200 that `(pid * stride).to(tl.int64)` still faults.

## Example
```python
h += ((boh * H + i_h) * K * V).to(tl.int64)
```

## Use instead
```python
h += (boh.to(tl.int64) * H + i_h) * K * V
```

## Fix safety
Safe: the cast moves onto the index operand of the product, so the product and
everything after it are computed in int64; the expression's type (int64) is the same
as before.
"""
    VALID = [
        """
import triton
import triton.language as tl

@triton.jit
def k(x_ptr, stride):
    pid = tl.program_id(0)
    tl.store(x_ptr + pid.to(tl.int64) * stride, 0.0)
""",
    ]
    INVALID = [
        Invalid(
            """
import triton
import triton.language as tl

@triton.jit
def k(x_ptr, stride):
    pid = tl.program_id(0)
    tl.store(x_ptr + (pid * stride).to(tl.int64), 0.0)
""",
            fixed="""
import triton
import triton.language as tl

@triton.jit
def k(x_ptr, stride):
    pid = tl.program_id(0)
    tl.store(x_ptr + (pid.to(tl.int64) * stride), 0.0)
""",
        ),
        Invalid(
            """
import triton
import triton.language as tl

@triton.jit
def k(x_ptr, stride):
    pid = tl.program_id(0)
    off = tl.cast(pid * stride, tl.int64)
    tl.store(x_ptr + off, 0.0)
""",
            fixed="""
import triton
import triton.language as tl

@triton.jit
def k(x_ptr, stride):
    pid = tl.program_id(0)
    off = (pid.to(tl.int64) * stride)
    tl.store(x_ptr + off, 0.0)
""",
        ),
    ]

    def check(self, ctx: RuleContext):
        for cast in ctx.facts.late_casts.values():
            if cast.coordinate:
                continue  # widened before the multiply that forms the offset: the right place
            if not cast.reaches_address:
                continue  # data (a hash, a statistic): no pointer arithmetic wraps
            risks = [ctx.facts.risks[r] for r in sorted(cast.risks)]
            products = [r for r in risks if r.kind == "product"]
            if not products:
                continue
            first = products[0]
            message = (
                f"`{cast.code}` widens to int64 after `{first.code}` was already computed in int32: "
                f"{explain.describe(first.index)} times {explain.describe(first.stride)}; "
                f"{explain.product_threshold(first)}, and the cast keeps the wrapped value"
            )
            yield Finding(
                code=self.code, node=cast.node, function=cast.function, message=message,
                expression=cast.code, chain=explain.chain(first),
                threshold=explain.product_threshold(first), uses=(), fix=_move_cast(ctx, cast, products),
                risks=tuple(products),
            )


def _move_cast(ctx: RuleContext, cast: LateCast, products: list[Risk]) -> NodeFix | None:
    inside = _descendants(cast.operand)
    in_operand = [r for r in products if id(r.node) in inside and (r.fix_index or r.index) is not None]
    imports = ctx.kernels.imports
    if in_operand and len(in_operand) == len(products):
        new = cast.operand
        for r in in_operand:
            idx = r.fix_index or r.index
            replacement = cst.parse_expression(widened_code(idx.node, idx.value.width, imports, idx.value.tensor))
            new = new.deep_replace(idx.node, replacement)
        text = code_in_place(new, cast.function, ctx.module_of(cast.function), at=cast.node)  # keeps a multi-line value's indentation
        if not cast.operand.lpar:
            text = f"({text})"
        edit = NodeEdit(cast.node, cast.function, "replace", text)
        return NodeFix(Applicability.SAFE, "Move the int64 cast onto the index operand", (edit,))
    # The product lives in a variable: widen it where it is computed; the cast stays (harmless).
    # That changes the variable's type everywhere it goes, so a product whose widening
    # is only a suggestion (a join, an int32-only use) makes this one a suggestion too.
    edits = []
    for r in products:
        fix = _products.widen_index_fix(ctx, r)
        if fix is None:
            return None
        edits.extend(fix.edits)
    fix = NodeFix(Applicability.SAFE, "Widen the index operand where the product is computed", tuple(edits))
    reason = _products.merge_conflict(products, ctx.facts.risks)
    return _products.display_only(fix, reason) if reason else fix


def code_of_exact(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def _descendants(node: cst.CSTNode) -> set[int]:
    return {id(n) for n in walk(node)}


__all__ = ["LateInt64Cast", "code_of"]
