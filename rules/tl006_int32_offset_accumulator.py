"""TL006 int32-offset-accumulator: an int32 offset accumulated in a loop reaches a pointer."""
from __future__ import annotations

import libcst as cst

from tritonlint import explain
from tritonlint.diagnostics import Applicability
from tritonlint.facts import Risk
from tritonlint.values import short_int
from tritonlint.walk import walk
from tritonlint.widen import language_alias, widened_code

from . import _products
from .base import Finding, Invalid, NodeEdit, NodeFix, Rule, RuleContext


class Int32OffsetAccumulator(Rule):
    code = "TL006"
    name = "int32-offset-accumulator"
    summary = "An integer offset accumulated in a loop is int32 and reaches a pointer"
    fix_applicability = Applicability.SAFE
    docs = """
## What it does
Finds an integer offset that starts as int32 (`off = 0`, `off = pid * BLOCK`) and
grows by a stride on every loop iteration (`off += stride`, `off = off + stride`)
before it is added to a pointer.

## Why is this bad
The running sum is trip count x stride, computed in int32: a long loop over a large
tensor wraps it past 2**31 even though each step is small. Incrementing the pointer
itself (`ptrs += stride`) is safe because pointers are 64-bit; an integer offset is
not. The accumulator cannot simply be widened inside the loop: Triton requires a
loop-carried variable to keep one type ("Loop-carried variable off has initial type
int32 but is re-assigned to int64").

## Example
```python
off = 0
for t in range(T):
    x = tl.load(x_ptr + off + cols)
    off += stride_t
```

## Use instead
```python
off = tl.zeros((), dtype=tl.int64)
for t in range(T):
    x = tl.load(x_ptr + off + cols)
    off += stride_t
```

## Fix safety
Safe: the fix makes the initial value int64, so the variable is int64 on entry and
after every update (int64 + int32 is int64), which keeps the loop-carried type
consistent. When the initial assignment cannot be found the finding has no fix.
"""
    VALID = [
        """
import triton
import triton.language as tl

@triton.jit
def k(x_ptr, T, stride_t, BLOCK: tl.constexpr):
    cols = tl.arange(0, BLOCK)
    ptrs = x_ptr + cols
    for t in range(T):
        tl.store(ptrs, 0.0)
        ptrs += stride_t
""",
    ]
    INVALID = [
        Invalid(
            """
import triton
import triton.language as tl

@triton.jit
def k(x_ptr, T, stride_t, BLOCK: tl.constexpr):
    cols = tl.arange(0, BLOCK)
    off = 0
    for t in range(T):
        tl.store(x_ptr + off + cols, 0.0)
        off += stride_t
""",
            fixed="""
import triton
import triton.language as tl

@triton.jit
def k(x_ptr, T, stride_t, BLOCK: tl.constexpr):
    cols = tl.arange(0, BLOCK)
    off = tl.zeros((), dtype=tl.int64)
    for t in range(T):
        tl.store(x_ptr + off + cols, 0.0)
        off += stride_t
""",
        ),
    ]

    def check(self, ctx: RuleContext):
        for risk in ctx.facts.risks.values():
            if risk.kind != "accumulator" or not risk.uses:
                continue
            st = risk.stride
            example = 2**31 // explain.EXAMPLE_STRIDE
            if st is not None and st.value.const:
                size = f"after {-(-2**31 // abs(st.value.const))} iterations"
            else:
                size = f"e.g. with `{st.code if st else 'the step'}` = {explain.EXAMPLE_STRIDE} after {example} iterations"
            message = (
                f"`{risk.accumulator}` accumulates an int32 offset in a loop (`{risk.code}`): after n iterations it "
                f"is n x {explain.describe(st) if st else 'the step'} and wraps once it reaches {short_int(2**31)}, "
                f"{size}{explain.uses_text(risk)}"
            )
            yield Finding(
                code=self.code, node=risk.node, function=risk.function, message=message,
                expression=risk.code, chain=explain.chain(risk), threshold=size,
                uses=tuple(u.code for u in risk.uses), fix=_init_fix(ctx, risk), risks=(risk,),
            )


def _init_fix(ctx: RuleContext, risk: Risk) -> NodeFix | None:
    init = _initial_assignment(risk.function.node.body, risk.accumulator or "", risk.node)
    if init is None:
        return None
    tl = language_alias(ctx.kernels.imports)
    value = init.value
    if isinstance(value, cst.Integer) and int(value.evaluated_value) == 0:
        text = f"{tl}.zeros((), dtype={tl}.int64)"
    elif isinstance(value, cst.Integer):
        text = f"{tl}.full((), {value.value}, dtype={tl}.int64)"
    else:
        # The edit replaces the value inside its parentheses, which stay: not rendered twice (`tl.cast((`)
        bare = value.with_changes(lpar=[], rpar=[]) if value.lpar else value
        text = widened_code(bare, risk.result.width if risk.result else None, ctx.kernels.imports,
                            risk.result.tensor if risk.result else False, risk.function, ctx.module_of(risk.function),
                            at=value)
    edit = NodeEdit(value, risk.function, "replace", text)
    fix = NodeFix(Applicability.SAFE, f"Start `{risk.accumulator}` as int64", (edit,))
    reason = _products.merge_conflict([risk], calls_only=True)  # the loop's own join is widened with the start
    return _products.display_only(fix, reason) if reason else fix


def _initial_assignment(body: cst.CSTNode, name: str, stop: cst.CSTNode) -> cst.Assign | None:
    """The last plain ``name = ...`` before ``stop`` in source order."""
    found = None
    for node in walk(body):
        if node is stop:
            break
        if isinstance(node, cst.Assign) and len(node.targets) == 1:
            t = node.targets[0].target
            if isinstance(t, cst.Name) and t.value == name:
                found = node
    return found
