"""TL002 int32-offset-product: an int32 product (index x stride) that reaches a pointer."""
from __future__ import annotations

from tritonlint.diagnostics import Applicability

from . import _products
from .base import Invalid, Rule, RuleContext


class Int32OffsetProduct(Rule):
    code = "TL002"
    name = "int32-offset-product"
    summary = "An int32 product of an index and a stride reaches a pointer offset"
    fix_applicability = Applicability.SAFE
    docs = """
## What it does
Finds a multiplication computed in 32 bits (an index such as a program id, a loop
index, a token coordinate or a loaded index, times a stride or size) whose result
becomes part of a pointer offset (`ptr + offset`, `tl.load`/`tl.store`/`tl.atomic_*`
pointers, the base of `tl.make_block_ptr`).

## Why is this bad
Program ids, `tl.arange`, loop indices and every int argument below 2**31 are
int32, and Triton does not widen a product because it might overflow. Once the
product reaches 2**31 elements it wraps to a negative offset: the kernel dies with
"an illegal memory access was encountered", or silently reads and writes the wrong
rows. The pointer addition itself is 64-bit; the damage is done in the multiply.

## Example
```python
for i_t in range(NT):
    p_h = tl.make_block_ptr(h + i_t * stride_h, (K, V), (V, 1), (0, 0), (BK, BV), (1, 0))
```

## Use instead
```python
for i_t in range(NT):
    p_h = tl.make_block_ptr(h + i_t.to(tl.int64) * stride_h, (K, V), (V, 1), (0, 0), (BK, BV), (1, 0))
```
One int64 operand makes the whole product int64.

## Fix safety
Safe. When the index is a variable assigned once and every use of it is the index
of a flagged product, the fix widens it where it is defined (`pid =
tl.program_id(0).to(tl.int64)`: one edit for all its products). Otherwise it widens
the index operand right before the multiply (`x.to(tl.int64)` on a program id or
loaded value, `tl.cast(x, tl.int64)` on loop indices, parameters and expressions,
which also works under `TRITON_INTERPRET=1`, where a loop index is a Python int), so
only this product and the pointer offset it feeds change type. Values that fit in
int32 are unchanged. It
never calls `.to` on a parameter (a stride equal to 1 is specialised to a
constexpr, on which `.to` does not compile). A fix that would change the type of a
value Triton keeps at one type is only shown: a variable carried around a loop or
merged at an `if`/`else` with an int32 value, another return of the same helper, or
a random-number offset (`tl.rand(seed, offs)`, `tl.philox` counters).
"""

    VALID = [
        """
import triton
import triton.language as tl

@triton.jit
def copy_rows(x_ptr, y_ptr, stride_row, BLOCK: tl.constexpr):
    pid = tl.program_id(0).to(tl.int64)
    cols = tl.arange(0, BLOCK)
    x = tl.load(x_ptr + pid * stride_row + cols)
    tl.store(y_ptr + pid * stride_row + cols, x)
""",
        """
import triton
import triton.language as tl

@triton.jit
def tile(x_ptr, stride_m, BLOCK: tl.constexpr):
    rows = tl.arange(0, BLOCK)
    tl.store(x_ptr + rows[:, None] * stride_m + rows[None, :], 0.0)
""",
    ]
    INVALID = [
        Invalid(
            """
import triton
import triton.language as tl

@triton.jit
def copy_rows(x_ptr, y_ptr, stride_row, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    cols = tl.arange(0, BLOCK)
    x = tl.load(x_ptr + pid * stride_row + cols)
    tl.store(y_ptr + cols, x)
""",
            fixed="""
import triton
import triton.language as tl

@triton.jit
def copy_rows(x_ptr, y_ptr, stride_row, BLOCK: tl.constexpr):
    pid = tl.program_id(0).to(tl.int64)
    cols = tl.arange(0, BLOCK)
    x = tl.load(x_ptr + pid * stride_row + cols)
    tl.store(y_ptr + cols, x)
""",
        ),
        Invalid(
            """
import triton
import triton.language as tl

@triton.jit
def state_pass(h, stride_h, NT, K: tl.constexpr, V: tl.constexpr):
    for i_t in range(NT):
        p_h = tl.make_block_ptr(h + i_t * stride_h, (K, V), (V, 1), (0, 0), (K, V), (1, 0))
        tl.store(p_h, tl.zeros([K, V], dtype=tl.float32))
""",
            fixed="""
import triton
import triton.language as tl

@triton.jit
def state_pass(h, stride_h, NT, K: tl.constexpr, V: tl.constexpr):
    for i_t in range(NT):
        p_h = tl.make_block_ptr(h + tl.cast(i_t, tl.int64) * stride_h, (K, V), (V, 1), (0, 0), (K, V), (1, 0))
        tl.store(p_h, tl.zeros([K, V], dtype=tl.float32))
""",
        ),
    ]

    def check(self, ctx: RuleContext):
        for risk in _products.reported_products(ctx, self.code):
            yield _products.finding(ctx, risk, self.code, f"{_products.explain.describe(risk.stride)}",
                                    _products.widen_index_fix(ctx, risk))
