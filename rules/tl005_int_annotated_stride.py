"""TL005 int-annotated-stride: a stride annotated `int` (or `tl.int32`) in an int32 offset product."""
from __future__ import annotations

from tritonlint import explain
from tritonlint.diagnostics import Applicability

from . import _products
from .base import Invalid, Rule, RuleContext


class IntAnnotatedStride(Rule):
    code = "TL005"
    name = "int-annotated-stride"
    summary = "A stride annotated `int` is forced to int32 and scales an index into an address"
    fix_applicability = Applicability.SAFE
    docs = """
## What it does
Finds a kernel parameter annotated `int` (or `tl.int32`) that multiplies a runtime
index into a pointer offset.

## Why is this bad
`x: int` reads like "a Python int, any size", but from Triton 3.4 it forces the
argument to int32 (before 3.4 it is int32 for every value below 2**31, as an
unannotated argument is). The product with an index is computed in int32 and wraps
at 2**31 elements; a stride of 2**31 or more fails at launch instead.

## Example
```python
@triton.jit
def rows(x_ptr, stride_row: int, BLOCK: tl.constexpr):
    tl.store(x_ptr + tl.program_id(0) * stride_row + tl.arange(0, BLOCK), 0.0)
```

## Use instead
```python
@triton.jit
def rows(x_ptr, stride_row: tl.int64, BLOCK: tl.constexpr):
    ...
```

## Fix safety
Safe. When every use of the parameter is the stride of a flagged product, the
annotation becomes `tl.int64` (honoured from Triton 3.0), which only widens those
products. When it has other uses (a loop-carried sum, say, whose type must not
change), the index of the product is widened instead.
"""
    VALID = [
        """
import triton
import triton.language as tl

@triton.jit
def rows(x_ptr, stride_row: tl.int64, BLOCK: tl.constexpr):
    tl.store(x_ptr + tl.program_id(0) * stride_row + tl.arange(0, BLOCK), 0.0)
""",
    ]
    INVALID = [
        Invalid(
            """
import triton
import triton.language as tl

@triton.jit
def rows(x_ptr, stride_row: int, BLOCK: tl.constexpr):
    tl.store(x_ptr + tl.program_id(0) * stride_row + tl.arange(0, BLOCK), 0.0)
""",
            fixed="""
import triton
import triton.language as tl

@triton.jit
def rows(x_ptr, stride_row: tl.int64, BLOCK: tl.constexpr):
    tl.store(x_ptr + tl.program_id(0) * stride_row + tl.arange(0, BLOCK), 0.0)
""",
        ),
    ]

    def check(self, ctx: RuleContext):
        risks = list(_products.reported_products(ctx, self.code))
        for risk in risks:
            fix = _products.retype_fix(ctx, risk, risks, allow_default=True) or _products.widen_index_fix(ctx, risk)
            yield _products.finding(ctx, risk, self.code, explain.describe(risk.stride), fix)
