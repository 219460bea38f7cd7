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
