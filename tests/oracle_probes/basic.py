"""Probe kernels for tests/test_oracle.py.

Each interesting line carries a ``# P:<tag>`` marker; the tests look lines up
by marker, so editing this file does not break them.  These are not lint
fixtures: there are no ``# error:`` expectations here.
"""
import triton
import triton.language as tl


@triton.jit
def i32_product(x_ptr, stride):
    pid = tl.program_id(0)
    tl.store(x_ptr + pid * stride, 1.0)  # P:i32_product


@triton.jit
def widened_operand(x_ptr, stride):
    pid = tl.program_id(0)
    tl.store(x_ptr + pid.to(tl.int64) * stride, 1.0)  # P:widened_operand


@triton.jit
def int64_param(x_ptr, stride: tl.int64):
    pid = tl.program_id(0)
    tl.store(x_ptr + pid * stride, 1.0)  # P:int64_param


@triton.jit
def int_annotated(x_ptr, stride: int):
    pid = tl.program_id(0)
    tl.store(x_ptr + pid * stride, 1.0)  # P:int_annotated


@triton.jit
def late_cast(x_ptr, stride):
    pid = tl.program_id(0)
    off = (pid * stride).to(tl.int64)  # P:late_cast
    tl.store(x_ptr + off, 1.0)


@triton.jit
def implicit_widening(x_ptr, stride, big: tl.int64):
    pid = tl.program_id(0)
    tl.store(x_ptr + (pid * stride + big), 1.0)  # P:implicit_widening


@triton.jit
def flat_block(x_ptr, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    offs = pid * BLOCK + tl.arange(0, BLOCK)  # P:flat_block
    tl.store(x_ptr + offs, tl.load(x_ptr + offs) + 1.0)


@triton.jit
def constexpr_only(x_ptr, BLOCK: tl.constexpr, STRIDE: tl.constexpr):
    tl.store(x_ptr + BLOCK * STRIDE, 1.0)  # P:constexpr_only


@triton.jit
def block_ptr(h, stride, T, K, BT: tl.constexpr, BK: tl.constexpr):
    i_t = tl.program_id(0)
    p = tl.make_block_ptr(h + i_t * stride, (T * K, K), (K, 1),  # P:block_ptr_base
                          (i_t * BT, 0), (BT, BK), (1, 0))  # P:block_ptr_offset
    tl.store(p, tl.load(p, boundary_check=(0, 1)), boundary_check=(0, 1))


@triton.jit
def accumulator(x_ptr, stride, n):
    off = 0
    for i in range(n):
        off += stride  # P:accumulator
    tl.store(x_ptr + off, 1.0)  # P:accumulator_use


@triton.jit
def two_accumulators(x_ptr, y_ptr, sx, sy, n):
    ox = 0
    oy = 0
    for i in range(n):
        tl.store(x_ptr + ox, 1.0)
        tl.store(y_ptr + oy, 1.0)
        ox += sx  # P:acc_x
        oy += sy  # P:acc_y


@triton.jit
def while_counter(x_ptr, stride, n):
    i = 0
    while i < n:
        tl.store(x_ptr + i * stride, 1.0)  # P:while_product
        i += 1  # P:while_counter


@triton.jit
def pointer_increment(a_ptr, stride, n, BLOCK: tl.constexpr):
    ptrs = a_ptr + tl.arange(0, BLOCK)
    for k in range(n):
        tl.store(ptrs, 1.0)
        ptrs += BLOCK * stride  # P:pointer_increment


@triton.jit
def recomputed_in_loop(a_ptr, stride, n, BLOCK: tl.constexpr):
    for k in range(n):
        tl.store(a_ptr + k * stride + tl.arange(0, BLOCK), 1.0)  # P:recomputed


@triton.jit
def chained_vs_grouped(x_ptr, a, s, b):
    tl.store(x_ptr + a * s + b, 1.0)  # P:chained
    tl.store(x_ptr + (a * s + b), 2.0)  # P:grouped


@triton.jit
def _row_offset(row, stride):
    return row * stride  # P:helper_product


@triton.jit
def uses_helper(x_ptr, stride):
    pid = tl.program_id(0)
    tl.store(x_ptr + _row_offset(pid, stride), 1.0)  # P:helper_call


@triton.jit
def multiline(x_ptr, stride_row):
    pid = tl.program_id(0)
    tl.store(x_ptr + pid  # P:multiline_start
             * stride_row, 1.0)  # P:multiline_end


@triton.jit
def narrowing(x_ptr, idx_ptr, stride):
    pid = tl.program_id(0)
    row = tl.load(idx_ptr + pid).to(tl.int32)  # P:narrowing
    tl.store(x_ptr + row * stride, 1.0)  # P:narrowed_product


@triton.jit
def branches(x_ptr, s, t):
    pid = tl.program_id(0)
    if pid > 3:
        o = pid * s  # P:if_then
    else:
        o = pid * t  # P:if_else
    z = tl.where(pid > 7, o, 0)
    tl.store(x_ptr + z, 1.0)


@triton.jit
def not_an_address(x_ptr, s):
    pid = tl.program_id(0)
    v = (pid * s).to(tl.float32)  # P:not_an_address
    tl.store(x_ptr + pid, v)


@triton.jit
def descriptor(x_ptr, M, stride, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    d = tl.make_tensor_descriptor(x_ptr, shape=[M, 16], strides=[stride, 1], block_shape=[BLOCK, 16])
    d.store([pid * BLOCK, 0], d.load([0, 0]))  # P:descriptor


@triton.jit
def flags(x_ptr, stride, IS_VARLEN: tl.constexpr):
    pid = tl.program_id(0)
    if IS_VARLEN:
        tl.store(x_ptr + pid * stride, 1.0)  # P:flag_true
    else:
        tl.store(x_ptr + pid, 1.0)


@triton.autotune(configs=[triton.Config({"BLOCK": 64})], key=["n"])
@triton.heuristics({"EVEN": lambda args: args["n"] % 64 == 0})
@triton.jit
def tuned(x_ptr, n, BLOCK: tl.constexpr, EVEN: tl.constexpr):
    pid = tl.program_id(0)
    offs = pid * BLOCK + tl.arange(0, BLOCK)  # P:tuned
    tl.store(x_ptr + offs, 1.0)


@triton.jit
def sig_heuristics(out, src, cu_seqlens, stride: int, big: tl.int64, n,
                   BLOCK: tl.constexpr, HAS_BIAS: tl.constexpr, eps=1e-6, W: tl.constexpr = 4):
    pid = tl.program_id(0)
    bos = tl.load(cu_seqlens + pid)
    v = tl.load(src + bos * stride)
    tl.store(out + pid * big, v * eps)


@triton.jit
def duplicated(x_ptr, y_ptr, stride):
    pid = tl.program_id(0)
    tl.store(x_ptr + pid * stride, 1.0)  # P:dup_first
    tl.store(y_ptr + pid * stride, 1.0)  # P:dup_second


ORACLE_CONSTEXPRS = {"sig_heuristics": {"BLOCK": 32}}
ORACLE_POINTERS = {"sig_heuristics": ["out"]}
ORACLE_SIGNATURE = {"narrowing": {"idx_ptr": "*i64"}}


@triton.jit
def descriptor_shapes(x_ptr, y_ptr, z_ptr, B, T, H, n_wide: tl.int64, M, N, K: tl.constexpr, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    flat = tl.make_tensor_descriptor(x_ptr, shape=[B * T * H * K], strides=[1], block_shape=[BLOCK])  # P:flat_shape
    wide = tl.make_tensor_descriptor(y_ptr, shape=[n_wide], strides=[1], block_shape=[BLOCK])  # P:wide_shape
    two_d = tl.make_tensor_descriptor(z_ptr, shape=[M, N], strides=[N, 1], block_shape=[BLOCK, BLOCK])  # P:two_d_shape
    flat.store([pid * BLOCK], wide.load([pid * BLOCK]))
    two_d.store([pid * BLOCK, 0], two_d.load([0, 0]))
