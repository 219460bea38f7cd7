"""TL001 constexpr-stride: a stride declared `tl.constexpr` scales a runtime index into an address."""
from __future__ import annotations

from tritonlint import explain
from tritonlint.diagnostics import Applicability

from . import _products
from .base import Invalid, Rule, RuleContext


class ConstexprStride(Rule):
    code = "TL001"
    name = "constexpr-stride"
    summary = "A stride declared tl.constexpr multiplies a runtime index in int32"
    fix_applicability = Applicability.SAFE
    docs = """
## What it does
Finds a stride or size declared `tl.constexpr` (a parameter, or `X: tl.constexpr = ...`
in the body) that multiplies a runtime index (program id, loop index, token or
sequence index, loaded index) into a pointer offset.

## Why is this bad
A constexpr is a Python int: since Triton 3.2 it never widens the tensor it meets, so
`seq_start * stride_x_token` is computed in int32 however large the stride is, and
wraps once the offset reaches 2**31 elements (vLLM's causal_conv1d kernels crashed
this way on Mamba/Jamba prompts of a million tokens). Declaring a stride constexpr
also recompiles the kernel for every new shape.

## Example
```python
@triton.jit
def conv(x_ptr, query_start_loc, stride_x_token: tl.constexpr, BLOCK: tl.constexpr):
    start = tl.load(query_start_loc + tl.program_id(0))
    x = tl.load(x_ptr + start * stride_x_token + tl.arange(0, BLOCK))
```

## Use instead
```python
@triton.jit
def conv(x_ptr, query_start_loc, stride_x_token: tl.int64, BLOCK: tl.constexpr):
    ...
```

## Fix safety
Safe. The fix widens the runtime index before the multiply (where it is defined when
every use of it is a flagged product) and leaves the parameter a constexpr, so every
compile-time specialisation survives: a stride of 1 keeps its contiguous, vectorised
loads and stores. Annotating the stride `tl.int64` instead (what vLLM did) is also
correct when the parameter is never needed at compile time, but it makes every
stride a runtime value; tritonlint leaves that choice to you.
"""

    VALID = [
        """
import triton
import triton.language as tl

@triton.jit
def conv(x_ptr, query_start_loc, stride_x_token: tl.int64, BLOCK: tl.constexpr):
    start = tl.load(query_start_loc + tl.program_id(0))
    x = tl.load(x_ptr + start * stride_x_token + tl.arange(0, BLOCK))
""",
        """
import triton
import triton.language as tl

@triton.jit
def blocks(x_ptr, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    tl.store(x_ptr + offs, 0.0)
""",
    ]
    INVALID = [
        Invalid(
            """
import triton
import triton.language as tl

@triton.jit
def conv(x_ptr, query_start_loc, stride_x_token: tl.constexpr, BLOCK: tl.constexpr):
    start = tl.load(query_start_loc + tl.program_id(0))
    x = tl.load(x_ptr + start * stride_x_token + tl.arange(0, BLOCK))
""",
            fixed="""
import triton
import triton.language as tl

@triton.jit
def conv(x_ptr, query_start_loc, stride_x_token: tl.constexpr, BLOCK: tl.constexpr):
    start = tl.load(query_start_loc + tl.program_id(0)).to(tl.int64)
    x = tl.load(x_ptr + start * stride_x_token + tl.arange(0, BLOCK))
""",
        ),
        Invalid(
            """
import triton
import triton.language as tl

@triton.jit
def rows(x_ptr, D: tl.constexpr):
    ROW: tl.constexpr = D * 4
    pid = tl.program_id(0)
    tl.store(x_ptr + pid * ROW + tl.arange(0, D), 0.0)
""",
            fixed="""
import triton
import triton.language as tl

@triton.jit
def rows(x_ptr, D: tl.constexpr):
    ROW: tl.constexpr = D * 4
    pid = tl.program_id(0).to(tl.int64)
    tl.store(x_ptr + pid * ROW + tl.arange(0, D), 0.0)
""",
        ),
    ]

    def check(self, ctx: RuleContext):
        risks = list(_products.reported_products(ctx, self.code))
        for risk in risks:
            # The index is widened and the parameter stays a constexpr: re-annotating it
            # `tl.int64` (what vLLM did for its token strides) would also be correct, but
            # it drops the compile-time value, and for a unit stride the vectorised
            # loads and stores with it.
            fix = _products.widen_index_fix(ctx, risk)
            what = explain.describe(risk.stride) + ", and a constexpr never widens an int32 tensor"
            yield _products.finding(ctx, risk, self.code, what, fix)
