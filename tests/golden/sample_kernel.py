"""A small fixed kernel for the golden output tests (tests/test_formats.py).

It carries one finding of several rules, a suppressed one, and a safe and an
unsafe fix. Do not edit it without regenerating the golden files.
"""
import triton
import triton.language as tl


@triton.jit
def rows(x_ptr, y_ptr, stride_x, stride_y, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    cols = tl.arange(0, BLOCK)
    x = tl.load(x_ptr + pid * stride_x + cols)
    tl.store(y_ptr + pid * stride_y + cols, x)  # noqa: TL002 sizes are small here


@triton.jit
def conv(x_ptr, seq_starts, stride_token: tl.constexpr, BLOCK: tl.constexpr):
    start = tl.load(seq_starts + tl.program_id(0))
    tl.store(x_ptr + start * stride_token + tl.arange(0, BLOCK), 0.0)


@triton.jit
def late(x_ptr, stride):
    pid = tl.program_id(0)
    tl.store(x_ptr + (pid * stride).to(tl.int64), 0.0)


@triton.jit
def varlen(k_ptr, cu_seqlens_ptr, stride_t, K: tl.constexpr):
    bos = tl.load(cu_seqlens_ptr + tl.program_id(0)).to(tl.int32)
    tl.store(k_ptr + bos * stride_t + tl.arange(0, K), 0.0)
