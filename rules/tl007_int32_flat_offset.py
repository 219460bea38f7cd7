"""TL007 int32-flat-offset (opt-in): a 1-D block offset `pid * BLOCK + tl.arange` used
directly as an address offset."""
from __future__ import annotations

from tritonlint import explain
from tritonlint.diagnostics import Applicability

from . import _products
from .base import Finding, Invalid, Rule, RuleContext


class Int32FlatOffset(Rule):
    code = "TL007"
    name = "int32-flat-offset"
    summary = "A 1-D offset `pid * BLOCK + tl.arange(0, BLOCK)` is int32 and addresses a flat tensor"
    fix_applicability = Applicability.SAFE
    default_enabled = False  # opt-in: every elementwise kernel has one; it matters past 2**31 elements
    docs = """
## What it does
Finds the block start of a 1-D (flattened) kernel, `pid * BLOCK`, when the offset it
starts is added to a pointer without being scaled by a stride: the whole tensor is
addressed with one int32 index. Not enabled by default: select it with
`--extend-select TL007` for kernels that see tensors of more than 2**31 elements.

## Why is this bad
`pid * BLOCK + tl.arange(0, BLOCK)` is int32. For an elementwise kernel over a
tensor of 2**31 elements or more (a 4 GiB bf16 activation is 2**31 elements), the
last blocks wrap negative: DeepSpeed, unsloth and others fixed exactly this in
their SwiGLU/GeGLU and elementwise kernels.

## Example
```python
offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
tl.store(y_ptr + offs, tl.load(x_ptr + offs, mask=offs < n), mask=offs < n)
```

## Use instead
```python
offs = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
```

## Fix safety
Safe: the program id is widened (where it is defined when all its uses are block
starts), so the offsets and the mask comparisons become int64; `n` may stay int32.
"""
    VALID = [
        """
import triton
import triton.language as tl

@triton.jit
def scale(x_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    tl.store(x_ptr + offs, 0.0, mask=offs < n)
""",
        """
import triton
import triton.language as tl

@triton.jit
def rows(x_ptr, stride_m, BLOCK_M: tl.constexpr):
    offs_m = tl.program_id(0) * BLOCK_M + tl.arange(0, BLOCK_M)
    tl.store(x_ptr + offs_m.to(tl.int64) * stride_m, 0.0)
""",
    ]
    INVALID = [
        Invalid(
            """
import triton
import triton.language as tl

@triton.jit
def scale(x_ptr, n, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    offs = pid * BLOCK + tl.arange(0, BLOCK)
    tl.store(x_ptr + offs, 0.0, mask=offs < n)
""",
            fixed="""
import triton
import triton.language as tl

@triton.jit
def scale(x_ptr, n, BLOCK: tl.constexpr):
    pid = tl.program_id(0).to(tl.int64)
    offs = pid * BLOCK + tl.arange(0, BLOCK)
    tl.store(x_ptr + offs, 0.0, mask=offs < n)
""",
        ),
    ]

    def check(self, ctx: RuleContext):
        for risk in ctx.facts.risks.values():
            if risk.kind != "block_start" or not risk.uses:
                continue
            idx, st = risk.index, risk.stride
            size = f"once {idx.code} * {st.code} reaches 2**31"
            if st.value.const:
                size = f"at `{idx.code}` >= {2**31 // st.value.const}"
            message = (
                f"`{risk.code}` is an int32 block start ({explain.describe(idx)} times {explain.describe(st)}) used "
                f"unscaled as a flat offset: it wraps for tensors of 2**31 elements or more, {size}"
                f"{explain.uses_text(risk)}"
            )
            yield Finding(
                code=self.code, node=risk.node, function=risk.function, message=message, expression=risk.code,
                chain=explain.chain(risk), threshold=size, uses=tuple(u.code for u in risk.uses),
                fix=_products.widen_index_fix(ctx, risk), risks=(risk,),
            )
