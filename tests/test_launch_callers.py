"""Launches read through the calls of a private wrapper (tritonlint/launch_callers.py)."""
from __future__ import annotations

from tritonlint.engine import check_source
from tritonlint.settings import Settings

STRICT = Settings(strict=True)

KERNEL = '''import torch
import triton
import triton.language as tl

SMALL = 128


@triton.jit
def scale_rows(x_ptr, out_ptr, stride_x, stride_o, BLOCK: tl.constexpr):
    row = tl.program_id(0)
    cols = tl.arange(0, BLOCK)
    tl.store(out_ptr + row * stride_o + cols, tl.load(x_ptr + row * stride_x + cols))


'''

# the wrapper launches with its own parameters; its caller dispatches small batches to it
# and allocates the output 64 wide
WRAPPED = KERNEL + '''def WRAPPER(x, out):
    tokens = x.shape[0]
    scale_rows[(tokens,)](x, out, x.stride(0), out.stride(0), BLOCK=64)


def scale(x):
    tokens = x.shape[0]
    out = torch.empty((tokens, 64), device=x.device)
    if tokens < SMALL:
        WRAPPER(x, out)
    return out
'''


def tiers(text: str) -> dict[str, str]:
    result = check_source(text, "k.py", STRICT)
    assert result.error is None
    return {d.expression: d.tier for d in result.diagnostics}


def test_a_private_wrapper_is_read_at_its_calls():
    found = tiers(WRAPPED.replace("WRAPPER", "_run_small"))
    # the caller's dispatch bounds the grid (fewer than 128 rows), its allocation the row
    assert found == {"row * stride_o": "unrealistic", "row * stride_x": "unrealistic"}


def test_a_public_wrapper_is_read_in_its_own_scope_only():
    # `run_small` may be called from any module, with any sizes
    assert tiers(WRAPPED.replace("WRAPPER", "run_small")) == {"row * stride_o": "realistic",
                                                             "row * stride_x": "realistic"}


def test_a_wrapper_used_other_than_by_a_call_is_read_in_its_own_scope():
    text = WRAPPED.replace("WRAPPER", "_run_small") + "\n\nHANDLERS = {'small': _run_small}\n"
    assert set(tiers(text).values()) == {"realistic"}


def test_every_call_counts():
    # a second call, without the dispatch, can pass a million rows
    text = WRAPPED.replace("WRAPPER", "_run_small") + '''

def scale_all(x):
    out = torch.empty_like(x)
    _run_small(x, out)
    return out
'''
    assert tiers(text) == {"row * stride_o": "realistic", "row * stride_x": "realistic"}


def test_a_caller_name_assigned_in_a_branch_is_not_taken_as_its_value():
    # `out` is 64 wide only on one path; the call sees either
    text = KERNEL + '''def _run(x, out):
    scale_rows[(x.shape[0],)](x, out, x.stride(0), out.stride(0), BLOCK=64)


def scale(x, out, narrow):
    if narrow:
        out = torch.empty((x.shape[0], 64), device=x.device)
    _run(x, out)
    return out
'''
    assert tiers(text)["row * stride_o"] == "realistic"


def test_forwarded_star_arguments_and_the_grid_are_the_calls():
    text = KERNEL + '''def _launch(grid, *args, **options):
    scale_rows[grid](*args, **options)


def scale(x):
    assert x.shape[1] <= 1024
    out = torch.empty((x.shape[0], 64), device=x.device)
    _launch((x.shape[0],), x, out, x.shape[1], out.stride(0), BLOCK=64)
    return out
'''
    assert tiers(text) == {"row * stride_o": "unrealistic", "row * stride_x": "unrealistic"}
    # the grid the wrapper is passed bounds the rows: 100 of a million-wide row
    text = KERNEL + '''def _launch(grid, *args):
    scale_rows[grid](*args)


def scale(x):
    _launch((100,), x, x, x.stride(0), x.stride(0))
'''
    assert tiers(text) == {"row * stride_o": "unrealistic", "row * stride_x": "unrealistic"}


def test_keyword_and_default_arguments_bind_the_wrappers_parameters():
    text = KERNEL + '''def _run(x, out, width=64, *, block=64):
    scale_rows[(x.shape[0],)](x, out, width, width, BLOCK=block)


def scale(x):
    out = torch.empty((x.shape[0], 64), device=x.device)
    _run(out=out, x=x)
    return out
'''
    assert tiers(text) == {"row * stride_o": "unrealistic", "row * stride_x": "unrealistic"}


ALLOCATED_BY_A_HELPER = KERNEL + '''PAGES = 8


def alloc_tables(topk_ids, x):
    rows = topk_ids.shape[0]
    width = topk_ids.shape[-1] * PAGES
    return torch.empty((rows, width), device=x.device), torch.empty((rows,), device=x.device)


def build(topk_ids, x):
    table, lens = alloc_tables(topk_ids, x)
    scale_rows[(topk_ids.shape[0],)](x, table, x.stride(0), table.stride(0), BLOCK=64)
    return table, lens
'''


def test_a_tensor_allocated_by_a_module_function_has_the_shape_it_returns():
    # the table's row is k pages of 8: at most 32 x 8 entries, whatever the rows
    assert tiers(ALLOCATED_BY_A_HELPER)["row * stride_o"] == "unrealistic"
    # returned on two paths, the shape is not one of them
    two = ALLOCATED_BY_A_HELPER.replace("    rows = topk_ids.shape[0]\n",
                                        "    rows = topk_ids.shape[0]\n    if rows == 0:\n        return x, x\n")
    assert tiers(two)["row * stride_o"] == "realistic"
    # the last dimension of a tensor that is not narrow by nature says nothing
    wide = ALLOCATED_BY_A_HELPER.replace("topk_ids.shape[-1]", "x.shape[-1]")
    assert tiers(wide)["row * stride_o"] == "realistic"


DECODE_ROWS = '''import triton
import triton.language as tl

DECODE_MAX_TOKENS = 6


@triton.jit
def down_gemv(act_ptr, out_ptr, TOPK: tl.constexpr, INTER: tl.constexpr):
    t = tl.program_id(0)
    for j in tl.static_range(TOPK):
        p = t * TOPK + j
        a = tl.load(act_ptr + p * INTER + tl.arange(0, INTER))
        tl.store(out_ptr + t * INTER + tl.arange(0, INTER), a)


def moe_decode(act, out, num_tokens, top_k, inter):
    if num_tokens <= DECODE_MAX_TOKENS:
        down_gemv[(num_tokens,)](act, out, TOPK=top_k, INTER=inter, OPTIONS)
'''


def test_launch_options_do_not_hide_a_launch():
    # `launch_pdl`, `waves_per_eu`: options of the launcher, not parameters of another
    # kernel of the same name; the decode dispatch still bounds the rows
    for options in ("num_warps=1", "launch_pdl=True", "waves_per_eu=2, matrix_instr_nonkdim=16"):
        assert tiers(DECODE_ROWS.replace("OPTIONS", options)) == {"p * INTER": "unrealistic"}
    # a keyword the kernel does not take is another kernel's launch
    assert tiers(DECODE_ROWS.replace("OPTIONS", "STRIDE=4")) == {"p * INTER": "realistic"}


def test_a_name_assigned_a_product_is_sized_by_what_it_is_computed_from():
    # `p = t * TOPK + j`: t below 6 decode rows, j an unrolled loop over the chosen experts
    assert tiers(DECODE_ROWS.replace("OPTIONS", "num_warps=1")) == {"p * INTER": "unrealistic"}
    # with t over every token, p is as large as its parts allow
    unbounded = DECODE_ROWS.replace("    if num_tokens <= DECODE_MAX_TOKENS:\n", "    if True:\n")
    assert tiers(unbounded.replace("OPTIONS", "num_warps=1")) == {"p * INTER": "realistic"}


def test_a_parameter_the_wrapper_assigns_again_is_what_it_assigned():
    # the caller leaves `out` out; the wrapper allocates it 64 wide: the stride is the
    # wrapper's allocation, not the caller's `None`
    text = KERNEL + '''def _run(x, out=None):
    out = torch.empty((x.shape[0], 64), device=x.device) if out is None else out
    scale_rows[(x.shape[0],)](x, out, x.stride(0), out.stride(0), BLOCK=64)
    return out


def scale(x):
    return _run(x)
'''
    found = tiers(text)
    assert found["row * stride_o"] == "unrealistic", "64 wide, as the wrapper allocates it"
    assert found["row * stride_x"] == "realistic"


def test_what_the_wrapper_asserts_holds_for_every_call():
    # the caller says nothing of `logits`; the wrapper asserts it is [tokens, experts]
    text = KERNEL + '''def _gate(logits, out):
    assert logits.shape == (out.shape[0], num_experts)
    scale_rows[(logits.shape[0],)](logits, out, logits.stride(0), out.stride(0), BLOCK=64)


def route(hidden, logits):
    out = torch.empty((hidden.shape[0], 8), device=hidden.device)
    _gate(logits, out)
    return out
'''
    found = tiers(text)
    assert found["row * stride_x"] == "unrealistic", "the wrapper's assert sizes the row: experts"
    assert found["row * stride_o"] == "unrealistic", "the caller's allocation sizes the row: 8"
