"""TL008 int32-descriptor-shape: a tensor-descriptor shape dimension that flattens sizes past 2**31."""
from __future__ import annotations

import re

import libcst as cst

from tritonlint import sizes
from tritonlint.descriptors import DescriptorShape
from tritonlint.findings import Finding
from tritonlint.values import Value, Width
from tritonlint.walk import names

from .base import Invalid, Rule, RuleContext

LIMIT = 2**31
#: a name that counts a whole tensor's elements (a flat extent)
_FLAT = re.compile(r"numel|n_?elem|num_?elem|total|^size$|^n_?items$", re.IGNORECASE)


class Int32DescriptorShape(Rule):
    code = "TL008"
    name = "int32-descriptor-shape"
    summary = "A tensor-descriptor shape that flattens several sizes is truncated to int32 past 2**31"
    fix_applicability = None  # splitting the extent changes the coordinates too: suggested, never applied
    docs = """
## What it does
Finds a `tl.make_tensor_descriptor` shape dimension that is a product of sizes
(`shape=[B * T * H * K]`, `[M * N, K]`), a flat element count (`[numel]`,
`[n_elements]`), or an int64 value, where realistic sizes take it to 2**31 or more.

## Why is this bad
Triton converts every descriptor shape dimension to int32 (strides are int64). An
int64 value is silently truncated (`arith.trunci`), a constexpr of 2**31 becomes
negative, and a product of int32 sizes wraps before it gets there. Nothing fails: the
descriptor's bounds are wrong, so loads past the wrapped extent return the padding
value and stores are dropped, or a negative extent masks every access. A flat 1-D
descriptor over a whole tensor (the descriptor form of `ptr + pid * BLOCK + arange`)
reaches 2**31 as soon as the tensor has 2**31 elements.

The coordinates of `desc.load([m, k])` are int32 too, but they are bounded by the
shape: once every dimension fits, so do they. They are not reported. Since Triton 3.9
removed block pointers, descriptors are where kernels keep their tiles; a block
pointer's shape is int64 and has no such limit.

## Example
```python
@triton.jit
def scale(x_ptr, B, T, H, K: tl.constexpr, BLOCK: tl.constexpr):
    desc = tl.make_tensor_descriptor(x_ptr, shape=[B * T * H * K], strides=[1], block_shape=[BLOCK])
    off = tl.program_id(0) * BLOCK
    desc.store([off], desc.load([off]) * 2.0)
```

## Use instead
Keep each dimension below 2**31: split the flat extent into rows and columns, with
the row stride, and give the coordinates as a row and a column.
```python
@triton.jit
def scale(x_ptr, B, T, H, K: tl.constexpr, BLOCK_R: tl.constexpr):
    desc = tl.make_tensor_descriptor(x_ptr, shape=[B * T * H, K], strides=[K, 1], block_shape=[BLOCK_R, K])
    row = tl.program_id(0) * BLOCK_R
    desc.store([row, 0], desc.load([row, 0]) * 2.0)
```
`B * T * H` rows of `K` elements stay below 2**31 rows for any realistic size, and
the addresses are formed in 64 bits by the hardware.

## Fix safety
No automatic fix. Widening the dimension does not help (Triton truncates it to int32
again), and splitting it changes the descriptor's rank, its block shape and every
coordinate, and needs a dimension that divides the extent; the message suggests the
split.
"""
    VALID = [
        """
import triton
import triton.language as tl

@triton.jit
def tiles(x_ptr, M, N, stride_m, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr):
    desc = tl.make_tensor_descriptor(x_ptr, shape=[M, N], strides=[stride_m, 1], block_shape=[BLOCK_M, BLOCK_N])
    desc.store([tl.program_id(0) * BLOCK_M, 0], desc.load([0, 0]))
""",
        # the tokens of a batch (`B * T`), rows of one head: below 2**31 at realistic sizes
        """
import triton
import triton.language as tl

@triton.jit
def per_head(x_ptr, B, T, H: tl.constexpr, K: tl.constexpr, BT: tl.constexpr):
    i_h = tl.program_id(1)
    desc = tl.make_tensor_descriptor(x_ptr + i_h * K, shape=[B * T, K], strides=[H * K, 1], block_shape=[BT, K])
    desc.store([tl.program_id(0) * BT, 0], desc.load([0, 0]))
""",
    ]
    INVALID = [
        Invalid(
            """
import triton
import triton.language as tl

@triton.jit
def scale(x_ptr, B, T, H, K: tl.constexpr, BLOCK: tl.constexpr):
    desc = tl.make_tensor_descriptor(x_ptr, shape=[B * T * H * K], strides=[1], block_shape=[BLOCK])
    off = tl.program_id(0) * BLOCK
    desc.store([off], desc.load([off]) * 2.0)
""",
        ),
        Invalid(
            """
import triton
import triton.language as tl

@triton.jit
def copy(x_ptr, y_ptr, numel: tl.int64, BLOCK: tl.constexpr):
    src = tl.make_tensor_descriptor(x_ptr, shape=[numel], strides=[1], block_shape=[BLOCK])
    dst = tl.make_tensor_descriptor(y_ptr, shape=[numel], strides=[1], block_shape=[BLOCK])
    off = tl.program_id(0) * BLOCK
    tl.store_tensor_descriptor(dst, [off], tl.load_tensor_descriptor(src, [off]))
""",
            count=2,
        ),
    ]

    def check(self, ctx: RuleContext):
        for shape in ctx.facts.descriptor_shapes.values():
            for dim, (node, value) in enumerate(shape.dims):
                problem = _problem(node, value, len(shape.dims))
                if problem is not None:
                    yield _finding(self.code, shape, dim, node, value, problem)


def _problem(node: cst.BaseExpression, value: Value, rank: int) -> str | None:
    """Why this dimension can pass 2**31 as int32, or None when it cannot realistically."""
    if not value.width.is_int:
        return None
    code = _code(node)
    if value.const is not None:
        return f"it is {value.const:,}, which int32 cannot hold" if abs(value.const) >= LIMIT else None
    wide = value.width in (Width.I64, Width.U64)
    product = _is_product(node)
    # a flat element count names no dimension (`TOTAL_TOKENS` counts rows: tokens)
    flat = _is_name(node) and sizes.kind_of_name(code) is None and (bool(_FLAT.search(code)) or rank == 1)
    if wide:
        return "it is an int64 value, which make_tensor_descriptor silently truncates to int32"
    if flat:
        return "it counts the elements of a whole tensor (a flat extent), which reaches 2**31 on large tensors"
    if product:
        largest = _realistic_max(code)
        if largest is None or largest >= LIMIT:
            why = f" (up to {largest:,} at realistic sizes)" if largest is not None else ""
            return f"it multiplies sizes in int32{why}"
    return None


def _finding(code: str, shape: DescriptorShape, dim: int, node, value: Value, problem: str) -> Finding:
    text = _code(node)
    split = _split_hint(node)
    return Finding(
        code=code,
        node=node,
        function=shape.function,
        message=(f"descriptor shape dimension {dim} `{text}` is int32 in `tl.make_tensor_descriptor`: {problem}; "
                 f"past 2**31 the shape silently wraps, so its loads read padding and its stores are dropped"
                 f"; {split}"),
        expression=text,
        chain=tuple(f"{name}: {what}" for name, what in value.origin[:4] if what),
        threshold="wraps once the dimension reaches 2**31",
    )


def _split_hint(node: cst.BaseExpression) -> str:
    """The 2-D split to suggest: the last factor of a product becomes the inner dimension."""
    if _is_product(node):
        inner = node.right  # type: ignore[union-attr]
        outer = node.left  # type: ignore[union-attr]
        return (f"split it into two dimensions, e.g. shape=[{_code(outer)}, {_code(inner)}] with strides "
                f"[{_code(inner)}, 1] and (row, column) coordinates")
    return "split it into rows and columns (shape=[rows, row_length], strides=[row_length, 1]) so that each stays below 2**31"


def _is_product(node: cst.BaseExpression) -> bool:
    """A product of sizes with at least one runtime or named factor (`B * T`, `n << 4`)."""
    if not isinstance(node, cst.BinaryOperation) or not isinstance(node.operator, (cst.Multiply, cst.LeftShift)):
        return False
    return bool(names(node))


def _is_name(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.Name, cst.Attribute))


def _realistic_max(code: str) -> int | None:
    """What the size model (sizes.py) says the product reaches. Each factor is a whole
    dimension here (a size, not an index into it), so a single letter is as large as
    its kind (`N` counts features); a sequence count times a sequence length (`B * T`)
    is the tokens of the batch, not their product."""
    table = sizes.DEFAULTS
    node = sizes.parse_expression(code)
    if node is None:
        return None
    largest = sizes.expression_max(
        node, table,
        unknown=lambda name: table["head_dim"] if name and name.isupper() else table["tokens"],
        letter=lambda kind: table[kind])
    if largest is None:
        return None
    kinds = [sizes.kind_of_name(n) for n in re.findall(r"[A-Za-z_][A-Za-z_0-9]*", code)]
    if "batch" in kinds and "tokens" in kinds:
        largest //= table["batch"]
    return largest


def _code(node: cst.CSTNode) -> str:
    if isinstance(node, cst.BaseExpression) and node.lpar:
        node = node.with_changes(lpar=[], rpar=[])
    return " ".join(cst.Module(body=[]).code_for_node(node).split())
