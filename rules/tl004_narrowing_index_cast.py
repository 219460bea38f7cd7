"""TL004 narrowing-index-cast: an index narrowed to 32 bits that then scales a pointer offset."""
from __future__ import annotations

from tritonlint.diagnostics import Applicability
from tritonlint.widen import int64

from .base import Finding, Invalid, NodeEdit, NodeFix, Rule, RuleContext


class NarrowingIndexCast(Rule):
    code = "TL004"
    name = "narrowing-index-cast"
    summary = "An index is cast to int32/uint32 and then scales a pointer offset"
    fix_applicability = Applicability.UNSAFE
    order = 10  # after the product rules, whose findings it refers to
    docs = """
## What it does
Finds `.to(tl.int32)`, `.to(tl.uint32)` and `tl.cast(x, tl.int32)` applied to a value
that was wider (int64, or loaded from memory with an unknown element type) when the
narrowed value then takes part in an int32 index x stride product that reaches an
address (directly, or widened too late on its way there; one that only ever is data
is not reported).

## Why is this bad
Sequence offsets (`cu_seqlens`, `query_start_loc`) are often narrowed on load
(`tl.load(cu_seqlens + i_n).to(tl.int32)`). Every offset computed from them is then
int32 and wraps once it reaches 2**31 elements. `uint32` wraps at 2**32, and before
Triton 3.3 a `uint32` pointer offset was sign-extended, moving the pointer backwards.

## Example
```python
bos = tl.load(cu_seqlens + i_n).to(tl.int32)
p_k = k + (bos * H + i_h) * K
```

## Use instead
```python
bos = tl.load(cu_seqlens + i_n).to(tl.int64)
p_k = k + (bos * H + i_h) * K
```

## Fix safety
Unsafe: widening the cast changes the type of everything computed from the value.
A variable that must keep one type across an `if`/`else` or a loop (for example `bos`
assigned from `i_b * T` in the other branch) then fails to compile. When the value
also reaches a loop bound or a block-pointer offset (`range(NT)` with `NT` computed
from it; Triton requires int32 block-pointer offsets), or a variable that must keep
one type and whose other value is int32 (a loop-carried `end = 0` updated with it in
the loop, an `if`/`else` merge, another return of the same helper), the fix is only
shown, never applied. The product rules (TL001/TL002) offer a safe fix at each product instead.
"""
    VALID = [
        """
import triton
import triton.language as tl

@triton.jit
def k(x_ptr, cu_seqlens, H: tl.constexpr):
    bos = tl.load(cu_seqlens + tl.program_id(0)).to(tl.int64)
    tl.store(x_ptr + bos * H, 0.0)
""",
    ]
    INVALID = [
        Invalid(
            """
import triton
import triton.language as tl

@triton.jit
def k(x_ptr, cu_seqlens, stride_t):
    bos = tl.load(cu_seqlens + tl.program_id(0)).to(tl.int32)
    tl.store(x_ptr + bos * stride_t, 0.0)
""",
            fixed="""
import triton
import triton.language as tl

@triton.jit
def k(x_ptr, cu_seqlens, stride_t):
    bos = tl.load(cu_seqlens + tl.program_id(0)).to(tl.int64)
    tl.store(x_ptr + bos * stride_t, 0.0)
""",
            count=1,
        ),
    ]

    def check(self, ctx: RuleContext):
        for narrowing in ctx.facts.narrowings.values():
            fed = [ctx.facts.risks[r] for r in sorted(narrowing.feeds)]
            live = [r for r in fed if r.uses or any(ctx.facts.late_casts[c].reaches_address for c in r.late_casts)]
            if not live:
                continue
            products = ", ".join(f"`{r.code}`" for r in live[:3])
            more = f" and {len(live) - 3} more" if len(live) > 3 else ""
            size = "2**32 (and before Triton 3.3 a uint32 offset moves the pointer backwards)" if narrowing.dtype == "uint32" else "2**31"
            message = (
                f"`{narrowing.code}` narrows an index to {narrowing.dtype}, and it then scales pointer offsets "
                f"in {narrowing.dtype}: {products}{more}, which wrap once they reach {size}"
            )
            edit = NodeEdit(narrowing.dtype_node, narrowing.function, "replace", int64(ctx.kernels.imports))
            fix = NodeFix(Applicability.UNSAFE, f"Cast to int64 instead of {narrowing.dtype}", (edit,))
            if narrowing.constrained:
                fix = NodeFix(Applicability.DISPLAY, f"{fix.message} (not applied: the value also reaches "
                              f"{narrowing.constrained[0]}; widen the products instead)", fix.edits)
            yield Finding(
                code=self.code, node=narrowing.node, function=narrowing.function, message=message,
                expression=narrowing.code, uses=tuple(r.code for r in live), fix=fix, risks=tuple(live),
            )
