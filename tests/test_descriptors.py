"""Tensor descriptors get the analysis block pointers get (Triton 3.9 has only them):
the base is the user's arithmetic, strides are int64, coordinates are int32 and bounded
by the shape, and the shape is int32 (TL008)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tritonlint.engine import check_source
from tritonlint.settings import Settings

CASES = Path(__file__).resolve().parent.parent / "fixtures" / "cases"
ALL = Settings(select=("ALL",), strict=True)


def findings(text: str, kernel: str | None = None, settings: Settings = ALL):
    result = check_source(text, "k.py", settings)
    assert result.error is None
    return [d for d in result.diagnostics if kernel is None or d.kernel == kernel]


def shape(d) -> tuple:
    """What a finding says, without the API's own words."""
    return d.code, d.expression, d.fix.message if d.fix else None, tuple(d.chain)


@pytest.mark.parametrize("block_file,block_kernel,desc_kernel", [
    ("block_ptr.py", "block_ptr_strides", "descriptor_strides"),
    ("block_ptr.py", "block_ptr_base", "descriptor_base"),
    ("loops.py", "chunk_states", "descriptor_in_loop"),
])
def test_a_descriptor_twin_gets_the_block_pointer_findings(block_file, block_kernel, desc_kernel):
    block = findings((CASES / block_file).read_text(), block_kernel)
    desc = findings((CASES / "descriptors.py").read_text(), desc_kernel)
    assert [shape(d) for d in desc] == [shape(d) for d in block]


NARROWED = '''
import triton
import triton.language as tl


@triton.jit
def k(x_ptr, idx_ptr, stride, M, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    row = tl.load(idx_ptr + pid).to(tl.int32)
    {access}
    tl.store(x_ptr + row * stride, 1.0)
'''
ACCESSES = {
    "block pointer": "p = tl.make_block_ptr(x_ptr, (M, 16), (16, 1), (row, 0), (BLOCK, 16), (1, 0))\n"
                     "    tl.store(p, tl.zeros((BLOCK, 16), dtype=tl.float32))",
    "descriptor method": "d = tl.make_tensor_descriptor(x_ptr, [M, 16], [16, 1], [BLOCK, 16])\n"
                         "    d.store([row, 0], tl.zeros((BLOCK, 16), dtype=tl.float32))",
    "descriptor function": "d = tl.make_tensor_descriptor(x_ptr, [M, 16], [16, 1], [BLOCK, 16])\n"
                           "    tl.store_tensor_descriptor(d, [row, 0], tl.zeros((BLOCK, 16), dtype=tl.float32))",
}


@pytest.mark.parametrize("access", ACCESSES)
def test_a_narrowed_coordinate_is_not_widened_by_the_fix(access):
    src = NARROWED.format(access=ACCESSES[access]).replace("idx_ptr", "idx64_ptr")
    settings = Settings(select=("ALL",), strict=True, int64_pointers=("idx64_ptr",))
    [narrowing] = [d for d in findings(src, settings=settings) if d.code == "TL004"]
    assert narrowing.fix.applicability.value == "display-only"
    assert "requires int32 there" in narrowing.fix.message
    assert ("block-pointer offset" if access == "block pointer" else "tensor-descriptor coordinate") \
        in narrowing.fix.message


def test_host_descriptors_are_not_ints():
    src = '''
import triton
import triton.language as tl


@triton.jit
def k(a_desc, y_ptr, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    a = a_desc.load([pid * BLOCK, 0])
    tl.store(y_ptr + pid * a_desc + tl.arange(0, BLOCK), a)
'''
    # `pid * a_desc` means nothing; the point is that a_desc is not an int32 stride
    assert [d.code for d in findings(src)] == []


SHAPES = {
    "[B * T * H * K]": True,  # flattens every dimension: 2**38 at realistic sizes
    "[M * N]": True,  # tokens x features
    "[numel]": True,  # a flat element count
    "[n_wide]": True,  # int64: silently truncated
    "[3 * 2**30]": True,  # a constant int32 cannot hold
    "[B * T, K]": False,  # the tokens of a batch, rows of K
    "[M, N]": False,
    "[N]": False,  # one dimension of features
    "[2**20, 64]": False,
}


@pytest.mark.parametrize("dims", SHAPES)
def test_descriptor_shapes(dims):
    src = f'''
import triton
import triton.language as tl


@triton.jit
def k(x_ptr, B, T, M, N, numel, n_wide: tl.int64, H: tl.constexpr, K: tl.constexpr, BLOCK: tl.constexpr):
    d = tl.make_tensor_descriptor(x_ptr, shape={dims}, strides=[1], block_shape=[BLOCK])
    d.store([tl.program_id(0) * BLOCK], d.load([0]))
'''
    found = [d for d in findings(src) if d.code == "TL008"]
    assert bool(found) == SHAPES[dims], [d.message for d in found]
    for d in found:
        assert "2**31" in d.message and "split it" in d.message and d.fix is None


def test_shape_message_suggests_the_split_of_a_product():
    src = (CASES / "descriptors.py").read_text()
    [d] = [d for d in findings(src, "flat_descriptor") if d.code == "TL008"]
    assert "shape=[B * T * H, K] with strides [K, 1]" in d.message
    assert re.search(r"dimension 0 `B \* T \* H \* K`", d.message)


def test_gluon_device_descriptors_and_tma_coordinates():
    src = '''
from triton.experimental import gluon
from triton.experimental.gluon import language as gl
from triton.experimental.gluon.language.nvidia.hopper import tma


@gluon.jit
def k(x_ptr, numel, BLOCK: gl.constexpr):
    layout: gl.constexpr = gl.NVMMASharedLayout.get_default_for([BLOCK], gl.float32)
    d = tma.make_tensor_descriptor(x_ptr, shape=[numel], strides=[1], block_shape=[BLOCK], layout=layout)
'''
    assert [(d.code, d.expression) for d in findings(src)] == [("TL008", "numel")]
