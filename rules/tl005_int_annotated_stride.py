"""TL005 int-annotated-stride: a size or stride annotated `int` (or `tl.int32`): int32 at launch.

Two kinds of finding, both about the launch-time conversion of the argument:
the annotated stride of an int32 offset product (every target), and, for a
target of Triton 3.0 or newer, an annotated flat size (an element count) of its
own, which the 3.7 launcher silently truncates once its value reaches 2**31.
"""
from __future__ import annotations

import re

import libcst as cst

from tritonlint import explain
from tritonlint.diagnostics import Applicability, Severity
from tritonlint.findings import Finding
from tritonlint.sizes import kind_of_name
from tritonlint.walk import names

from . import _products
from .base import Invalid, Rule, RuleContext

#: the launcher truncates an out-of-range int for an i32 parameter instead of raising (PR #6788)
SILENT_LAUNCH = (3, 7)
#: `x: int` is forced to i32 from this release; before it, it is typed by value like an unannotated int
INT_FORCED = (3, 4)
#: `x: tl.int32` is honoured from this release (ignored before: typed by value)
ANNOTATIONS_HONOURED = (3, 0)
#: names of flat extents: element counts of a whole tensor (a flag, a seed, an id or one
#: dimension annotated int is not one)
_FLAT_EXTENT = re.compile(r"numel|n_?elem|num_?elem|total_?(elem|size|numel|len)|^(n_?)?items$|^size$|^n_?total",
                          re.IGNORECASE)


class IntAnnotatedStride(Rule):
    code = "TL005"
    name = "int-annotated-stride"
    summary = "A stride annotated `int` is forced to int32 and scales an index into an address"
    fix_applicability = Applicability.SAFE
    docs = """
## What it does
Finds a kernel parameter annotated `int` (or `tl.int32`) that multiplies a runtime
index into a pointer offset.

Also finds a flat size (the element count of a whole tensor: `n_elements`, `numel`)
annotated `int` or `tl.int32` on its own (`n_elements: tl.int32`): whatever it is
used for, its value is converted to int32 at launch. One dimension (`num_seqs: int`)
or a stride is not reported on its own: no realistic workload takes it to 2**31.

## Why is this bad
`x: int` reads like "a Python int, any size", but from Triton 3.4 it forces the
argument to int32 (before 3.4 it is int32 for every value below 2**31, as an
unannotated argument is); `x: tl.int32` does the same from 3.0. The product with an
index is computed in int32 and wraps at 2**31 elements.

What happens to a value of 2**31 or more depends on the Triton release
(`target-version`):

- 3.0-3.6: the launch fails with `OverflowError` (loud; a warning for the parameter
  on its own);
- from 3.7: the launcher stores the value into an `int32_t` without a check (PR #6788),
  so `n_elements = 2**31 + 5` reaches the kernel as `-2147483643`: masks such as
  `offs < n_elements` are all false, products and bounds are negative, and nothing
  fails (an error).

An unannotated int parameter has neither problem: Triton types it int64 at launch
when its value is 2**31 or more.

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
change), the index of the product is widened instead. A parameter reported on its
own has no automatic fix: annotating it `tl.int64` (or removing the annotation)
widens every expression it is in, including loop counters and values that must keep
one type across a loop, which Triton may then reject; the message suggests it.
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
        # Triton 3.7+ (the default target): the size itself is truncated at launch
        Invalid(
            """
import triton
import triton.language as tl

@triton.jit
def fill(x_ptr, n_elements: tl.int32, BLOCK: tl.constexpr):
    offs = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    tl.store(x_ptr + offs, 0.0, mask=offs < n_elements)
""",
        ),
    ]

    def check(self, ctx: RuleContext):
        risks = list(_products.reported_products(ctx, self.code))
        reported: set[tuple[str, str]] = set()
        for risk in risks:
            fix = _products.retype_fix(ctx, risk, risks, allow_default=True) or _products.widen_index_fix(ctx, risk)
            finding = _products.finding(ctx, risk, self.code, explain.describe(risk.stride), fix)
            for name in sorted(risk.stride.value.int_annotated):
                reported.add((risk.function.name, name))
                kind = _annotation_kind(ctx, risk.function.name, name)
                note = launch_note(ctx, name, kind) if kind else ""
                if note:
                    finding.message += f"; {note}"
            yield finding
        yield from self._parameters(ctx, reported)

    def _parameters(self, ctx: RuleContext, reported: set[tuple[str, str]]):
        """Flat sizes annotated int32 that are not the stride of a reported product:
        their launch-time conversion is the hazard on its own."""
        for fn in ctx.kernels.kernels:
            for param in _params(fn.node):
                name = param.name.value
                if (fn.name, name) in reported or param.annotation is None:
                    continue
                kind = _kind(ctx, param.annotation.annotation)
                if kind is None or not _is_flat_extent(name) or not names(fn.node.body, name):
                    continue
                note = launch_note(ctx, name, kind)
                if not note:
                    continue
                silent = ctx.any_target(SILENT_LAUNCH)
                yield Finding(
                    code=self.code,
                    node=param.annotation.annotation,
                    function=fn,
                    message=(f"`{name}: {_spelling(kind)}` is converted to int32 at launch: {note}; annotate it "
                             f"`tl.int64` (or leave it unannotated, typed int64 from 2**31) if it can reach 2**31"),
                    expression=f"{name}: {_spelling(kind)}",
                    threshold=f"{'truncated' if silent else 'rejected'} at launch from {name} >= 2**31",
                    severity=Severity.ERROR if silent else Severity.WARNING,
                )


def launch_note(ctx: RuleContext, name: str, kind: str) -> str:
    """What the launcher does with a value of 2**31 or more for the parameter, on the
    strictest target: silent truncation (3.7+) over a launch error (3.0-3.6); nothing
    where the annotation does not force int32 on any target (typed by value there)."""
    forced_from = INT_FORCED if kind == "int" else ANNOTATIONS_HONOURED
    if not ctx.any_target(forced_from):
        return ""
    if ctx.any_target(SILENT_LAUNCH):
        return (f"from Triton 3.7 a value of 2**31 or more passed for `{name}` is silently truncated to "
                f"a negative int32 at launch (3.4-3.6 raised OverflowError)")
    return f"a value of 2**31 or more passed for `{name}` fails at launch with OverflowError"


def _annotation_kind(ctx: RuleContext, function: str, name: str) -> str | None:
    param = ctx.facts.params.get((function, name))
    if param is None or param.annotation is None:
        return None
    return _kind(ctx, param.annotation.annotation)


def _kind(ctx: RuleContext, ann: cst.BaseExpression) -> str | None:
    """"int" for `x: int`, "int32" for `x: tl.int32` (or its string form), else None."""
    if isinstance(ann, cst.SimpleString):
        text = ann.evaluated_value if isinstance(ann.evaluated_value, str) else ""
        if text == "int":
            return "int"
        return "int32" if text.split(".")[-1] == "int32" else None
    if isinstance(ann, cst.Name) and ann.value == "int":
        return "int"
    q = ctx.kernels.imports.qualify(ann) or ""
    return "int32" if q.endswith("language.int32") or q == "int32" and isinstance(ann, cst.Name) else None


def _spelling(kind: str) -> str:
    return "int" if kind == "int" else "tl.int32"


def _is_flat_extent(name: str) -> bool:
    """A size that counts a whole tensor's elements: the one a realistic workload takes
    past 2**31. One dimension (`num_seqs`, `batch`, `top_k`) or a stride stays far
    below it in the size model (sizes.py), so those are reported only as the stride
    of a product, where the product is what wraps."""
    return bool(_FLAT_EXTENT.search(name)) and kind_of_name(name) is None


def _params(fn: cst.FunctionDef) -> list[cst.Param]:
    p = fn.params
    return [*p.posonly_params, *p.params, *p.kwonly_params]
