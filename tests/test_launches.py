"""Launch-site analysis: what the host passes at `kernel[grid](...)` decides what a
kernel's parameters hold, also when the launch is in another module of the run."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tritonlint.engine import check_source
from tritonlint.launch_facts import LaunchIndex
from tritonlint.launches import read_launches
from tritonlint.settings import Settings

DEFAULT = Settings()
STRICT = Settings(strict=True)

KERNELS = '''import triton
import triton.language as tl


@triton.jit
def gather_rows(out_ptr, src_ptr, idx_ptr, stride_src, stride_out, D: tl.constexpr):
    row = tl.program_id(0)
    src_row = tl.load(idx_ptr + row)
    d = tl.arange(0, D)
    vals = tl.load(src_ptr + src_row * stride_src + d)
    tl.store(out_ptr + row * stride_out + d, vals)


@triton.jit
def per_head_scale(x_ptr, scale_ptr, stride_tok, stride_head, n_heads):
    tok = tl.program_id(0)
    h = tl.program_id(1)
    s = tl.load(scale_ptr + h)
    x = tl.load(x_ptr + tok * stride_tok + h * stride_head)
    tl.store(x_ptr + tok * stride_tok + h * stride_head, x * s)


@triton.jit
def column_sum(x_ptr, out_ptr, stride_row, stride_col, n_rows, n_cols, BLOCK: tl.constexpr):
    col = tl.program_id(0)
    acc = 0.0
    for r in range(n_rows):
        acc += tl.load(x_ptr + r * stride_row + col * stride_col)
    tl.store(out_ptr + col, acc)
'''

HOST = '''import torch
from kernels import column_sum, gather_rows, per_head_scale


def gather(src, index):
    index = index.to(torch.int64)
    out = torch.empty(index.numel(), src.shape[1], device=src.device, dtype=src.dtype)
    gather_rows[(index.numel(),)](out, src, index, src.stride(0), out.stride(0), D=src.shape[1])
    return out


def scale_heads(x, scale):
    num_tokens, num_heads, head_dim = x.shape
    grid = (num_tokens, num_heads)
    per_head_scale[grid](x, scale, x.stride(0), x.stride(1), num_heads)


def col_sum(x):
    rows, cols = x.shape
    out = torch.empty(cols, device=x.device)
    column_sum[lambda meta: (triton.cdiv(cols, meta["BLOCK"]),)](x, out, x.stride(0), x.stride(1), rows, cols, BLOCK=64)
    return out
'''


def lint(settings: Settings, host: str | None = HOST):
    texts = [("kernels.py", KERNELS)] + ([("host.py", host)] if host is not None else [])
    launches = LaunchIndex.from_texts(texts)
    result = check_source(KERNELS, "kernels.py", settings, launches=launches)
    assert result.error is None
    return {(d.kernel, d.expression): d for d in result.diagnostics}


def tiers_of(source: str) -> dict[str, str]:
    """Expression -> tier of every finding in a one-file run, --strict."""
    return {d.expression: d.tier for d in check_source(source, "k.py", STRICT).diagnostics}


def found_in(source: str) -> list[str]:
    """The expressions --strict reports in a one-file run, in order."""
    return [d.expression for d in check_source(source, "k.py", STRICT).diagnostics]


def test_launches_are_read_with_their_bindings():
    launches = {ln.kernel: ln for ln in read_launches(HOST, "host.py", {"gather_rows", "per_head_scale", "column_sum"})}
    assert set(launches) == {"gather_rows", "per_head_scale", "column_sum"}
    scale = launches["per_head_scale"]
    assert [a.text for a in scale.grid] == ["num_tokens", "num_heads"]
    assert scale.args[2].form == "stride" and scale.args[2].tensor == "x" and scale.args[2].dim == 0
    assert scale.args[3].ndim == 3 and not scale.args[3].unit_stride
    col = launches["column_sum"]
    assert col.args[3].unit_stride  # x.stride(1) of a 2-D x
    assert [a.text for a in col.grid] == ['triton.cdiv(cols, meta["BLOCK"])']
    assert launches["gather_rows"].args[2].int64 is True  # index.to(torch.int64)


def test_an_int64_host_index_tensor_makes_its_loads_int64():
    with_host = lint(STRICT)
    assert ("gather_rows", "src_row * stride_src") not in with_host
    assert ("gather_rows", "row * stride_out") in with_host
    # without the launch, the loaded index is assumed int32 and reported
    assert ("gather_rows", "src_row * stride_src") in lint(STRICT, host=None)


def test_a_grid_axis_over_heads_is_a_head_index():
    strict = lint(STRICT)
    head = strict[("per_head_scale", "h * stride_head")]
    assert head.tier == "unrealistic"
    assert "grid axis `num_heads`" in head.size_note and "host.py:" in head.size_note
    # `x.stride(1)` with `num_tokens, num_heads, head_dim = x.shape`: at most one head
    assert "dimensions after it (`x.stride(1)` at host.py:15), up to 1,024" in head.size_note
    assert strict[("per_head_scale", "tok * stride_tok")].tier == "realistic"
    default = lint(DEFAULT)
    assert ("per_head_scale", "h * stride_head") not in default
    assert ("per_head_scale", "tok * stride_tok") in default


def test_a_last_dimension_stride_is_a_unit_stride():
    strict = lint(STRICT)
    col = strict[("column_sum", "col * stride_col")]
    assert col.tier == "unrealistic" and "last dimension" in col.size_note
    assert ("column_sum", "r * stride_row") in lint(DEFAULT)


def test_launch_facts_need_every_launch_to_agree():
    second = HOST + '''

def scale_tokens(x, scale, n_tokens, n_rows):
    per_head_scale[(n_tokens, n_rows)](x, scale, x.stride(0), x.stride(1), 1)
'''
    # `n_rows` says nothing about heads: the axis is no longer known to be small
    assert lint(STRICT, host=second)[("per_head_scale", "h * stride_head")].tier == "realistic"


def test_literal_arguments_bound_the_product():
    kernels = '''import triton
import triton.language as tl


@triton.jit
def fill(x_ptr, stride_row):
    row = tl.program_id(0)
    tl.store(x_ptr + row * stride_row, 0.0)


def launch(x):
    fill[(8,)](x, 4096)
'''
    result = check_source(kernels, "k.py", STRICT)
    assert [d.expression for d in result.diagnostics] == []


def test_a_mask_against_a_small_dimension_bounds_the_index():
    kernels = '''import triton
import triton.language as tl


@triton.jit
def norm(x_ptr, stride_row, stride_col, head_dim, BLOCK: tl.constexpr):
    row = tl.program_id(0)
    cols = tl.arange(0, BLOCK) + tl.program_id(1) * BLOCK
    x = tl.load(x_ptr + row * stride_row + cols * stride_col, mask=cols < head_dim)
    tl.store(x_ptr + row * stride_row + cols * stride_col, x, mask=cols < head_dim)
'''
    strict = tiers_of(kernels)
    assert strict["cols * stride_col"] == "unrealistic"
    assert strict["row * stride_row"] == "realistic"


def test_launches_in_another_module_are_read_by_the_cli(tmp_path: Path):
    (tmp_path / "kernels.py").write_text(KERNELS)
    (tmp_path / "host.py").write_text(HOST)
    proc = subprocess.run([sys.executable, "-m", "tritonlint", "check", "--strict", "--format", "json", "--exit-zero",
                           "kernels.py", "host.py"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    found = {(f["kernel"], f["expression"]): f["tier"] for f in json.loads(proc.stdout)}
    assert found[("per_head_scale", "h * stride_head")] == "unrealistic"
    assert ("gather_rows", "src_row * stride_src") not in found


def test_a_kernel_defined_twice_binds_only_the_launches_that_import_it():
    other_backend = KERNELS.replace("def per_head_scale(x_ptr, scale_ptr, stride_tok, stride_head, n_heads)",
                                    "def per_head_scale(x_ptr, scale_ptr, stride_tok, stride_head, eps)")
    host_other = '''from other_kernels import per_head_scale


def launch_other(x, scale, n, width):
    per_head_scale[(n, width)](x, scale, x.stride(0), 1e-6, 0)
'''
    texts = [("kernels.py", KERNELS), ("host.py", HOST), ("other_kernels.py", other_backend),
             ("other_host.py", host_other)]
    launches = LaunchIndex.from_texts(texts)
    ours = launches.for_kernel("per_head_scale", ["x_ptr", "scale_ptr", "stride_tok", "stride_head", "n_heads"],
                               "kernels.py")
    assert [ln.path for ln in ours.launches] == ["host.py"]
    theirs = launches.for_kernel("per_head_scale", ["x_ptr", "scale_ptr", "stride_tok", "stride_head", "eps"],
                                 "other_kernels.py")
    assert [ln.path for ln in theirs.launches] == ["other_host.py"]


def test_shapes_the_host_asserts_size_the_strides():
    kernels = '''import triton
import triton.language as tl


@triton.jit
def route(w_ptr, pad_ptr, stride_w, stride_pad):
    tok = tl.program_id(0)
    tl.store(w_ptr + tok * stride_w, 0.0)
    tl.store(pad_ptr + tok * stride_pad, 0)


def launch(weights, is_padding, num_tokens, topk):
    assert weights.shape == (num_tokens, topk)
    assert is_padding.dim() == 1
    route[(num_tokens,)](weights, is_padding, weights.stride(0), is_padding.stride(0))
'''
    tiers = {d.expression: d for d in check_source(kernels, "k.py", STRICT).diagnostics}
    assert tiers["tok * stride_w"].tier == "unrealistic"  # a (tokens, topk) table: a row of k
    assert tiers["tok * stride_pad"].tier == "unrealistic"  # 1-D: the last dimension's stride
    assert "last dimension" in tiers["tok * stride_pad"].size_note


def test_a_host_check_of_the_int32_range_bounds_the_kernel():
    kernels = '''import triton
import triton.language as tl


@triton.jit
def copy_rows(x_ptr, y_ptr, stride):
    row = tl.program_id(0)
    tl.store(y_ptr + row * stride, tl.load(x_ptr + row * stride))


def copy(x, y):
    if x.numel() > 2**31 - 1:
        raise ValueError("too large for int32 indexing")
    copy_rows[(x.shape[0],)](x, y, x.stride(0))
'''
    found = check_source(kernels, "k.py", STRICT).diagnostics
    assert len(found) == 2
    assert all(d.tier == "bounded" and "checks the int32 range first (k.py:12)" in d.size_note for d in found)
    unguarded = kernels.replace("    if x.numel() > 2**31 - 1:\n        raise ValueError(\"too large for int32 indexing\")\n", "")
    assert [d.tier for d in check_source(unguarded, "k.py", STRICT).diagnostics] == ["realistic"] * 2


def test_an_attribute_allocated_elsewhere_in_the_file_sizes_its_stride():
    kernels = '''import torch
import triton
import triton.language as tl


@triton.jit
def gather_state(dst_ptr, stride_tok):
    tok = tl.program_id(0)
    tl.store(dst_ptr + tok * stride_tok, 0)


class Builder:
    def __init__(self, max_requests, num_spec):
        self.spec_rows = torch.empty((max_requests, 1 + num_spec), dtype=torch.int32)

    def build(self, n):
        gather_state[(n,)](self.spec_rows, self.spec_rows.stride(0))
'''
    (d,) = check_source(kernels, "k.py", STRICT).diagnostics
    # a row of 1 + num_spec entries (speculative steps, at most 64): 65 elements
    assert d.tier == "unrealistic" and "up to 65)" in d.size_note, d.size_note
    elsewhere = kernels.replace("self.spec_rows = torch.empty((max_requests, 1 + num_spec), dtype=torch.int32)",
                                "self.spec_rows = make_rows(max_requests)")
    assert [d.tier for d in check_source(elsewhere, "k.py", STRICT).diagnostics] == ["realistic"]


ROW_KERNEL = '''import torch
import triton
import triton.language as tl


@triton.jit
def write_rows(dst_ptr, stride_row, n_cols, BLOCK: tl.constexpr):
    row = tl.program_id(0)
    cols = tl.arange(0, BLOCK)
    tl.store(dst_ptr + row * stride_row + cols, 0.0, mask=cols < n_cols)


def launch(x, width, n_cols):
    DST
    write_rows[(x.shape[0],)](dst, width, n_cols, BLOCK=128)
'''


def _tiers(dst: str) -> list[str]:
    return [d.tier for d in check_source(ROW_KERNEL.replace("DST", dst), "k.py", STRICT).diagnostics]


def test_an_address_inside_a_tensor_small_by_its_shape_at_the_launch_does_not_wrap():
    # a row index times the row stride stays inside the tensor: [tokens, 4] never holds 2**31 elements
    (d,) = check_source(ROW_KERNEL.replace("DST", "dst = torch.empty(x.shape[0], 4)"), "k.py", STRICT).diagnostics
    assert d.tier == "unrealistic", d.size_note
    assert "`dst_ptr` (`dst` at the launch) holds at most" in d.size_note
    # as wide as the hidden size: a million tokens of it do wrap
    assert _tiers("dst = torch.empty(x.shape[0], hidden_size)") == ["realistic"]
    # a shape the host does not show says nothing
    assert _tiers("dst = make_buffer(x)") == ["realistic"]


def test_a_tensor_small_by_nature_bounds_what_addresses_it():
    # per-row statistics, quantisation scales and index tensors hold a short row per token
    for name, what in (("rstd", "per-row statistics"), ("x_scale", "quantisation scales"),
                       ("out_cache_loc", "index or metadata")):
        (d,) = check_source(ROW_KERNEL.replace("DST", f"{name} = make_buffer(x)").replace(
            "](dst, width", f"]({name}, width"), "k.py", STRICT).diagnostics
        assert d.tier == "unrealistic" and what in d.size_note, (name, d.size_note)
    # by the kernel's own name for the pointer, without a launch
    kernel = ROW_KERNEL.split("def launch")[0]
    (d,) = check_source(kernel.replace("dst_ptr", "lse_ptr"), "k.py", STRICT).diagnostics
    assert d.tier == "unrealistic" and "`lse_ptr` is a tensor of per-row statistics" in d.size_note
    # activations are never small by name
    (d,) = check_source(kernel.replace("dst_ptr", "hidden_ptr"), "k.py", STRICT).diagnostics
    assert d.tier == "realistic"


def test_a_tensor_shaped_like_another_has_its_dimensions():
    kernels = '''import torch
import triton
import triton.language as tl


@triton.jit
def scale_cols(x_ptr, out_ptr, stride_row, stride_col, BLOCK: tl.constexpr):
    row = tl.program_id(0)
    cols = tl.arange(0, BLOCK)
    tl.store(out_ptr + row * 4096 + cols * stride_col, tl.load(x_ptr + cols))


def launch(x):
    n_rows, n_cols = x.shape
    out = torch.empty_like(x)
    out = out.contiguous()
    scale_cols[(n_rows,)](x, out, out.stride(0), out.stride(1), BLOCK=128)
'''
    found = check_source(kernels, "k.py", STRICT).diagnostics
    # `out.stride(1)` is the last dimension of a 2-D tensor: a unit stride
    assert not [d for d in found if "cols * stride_col" == d.expression], [d.expression for d in found]


def test_a_literal_from_one_branch_of_several_is_not_a_bound():
    kernels = '''import triton
import triton.language as tl


@triton.jit
def masked(m_ptr, stride_q):
    q = tl.program_id(0)
    tl.store(m_ptr + q * stride_q, 0.0)


def launch(mask, n):
    if mask.dim() == 4:
        stride_q = mask.stride(2)
    else:
        stride_q = 1
    masked[(n,)](mask, stride_q)
'''
    (d,) = check_source(kernels, "k.py", STRICT).diagnostics
    assert d.tier == "realistic", d.size_note


def test_pytorch_default_int64_results_make_loads_int64():
    kernels = '''import torch
import triton
import triton.language as tl


@triton.jit
def take(out_ptr, src_ptr, idx_ptr, stride):
    i = tl.program_id(0)
    row = tl.load(idx_ptr + i)
    tl.store(out_ptr + i, tl.load(src_ptr + row * stride))


def launch(src, out, n, offsets):
    idx = torch.arange(n, device=src.device)
    take[(n,)](out, src, idx, src.stride(0))
    take[(n,)](out, src, torch.tensor([0, 4, 8], device=src.device), src.stride(0))
    take[(n,)](out, src, offsets.cumsum(0), src.stride(0))
'''
    assert found_in(kernels) == []
    narrow = kernels.replace("offsets.cumsum(0)", "offsets.cumsum(0, dtype=torch.int32)")
    assert found_in(narrow) == ["row * stride"]


def test_an_inferred_view_dimension_says_nothing_about_the_stride():
    kernels = '''import triton
import triton.language as tl


@triton.jit
def rope(q_ptr, stride_tok):
    tok = tl.program_id(0)
    tl.store(q_ptr + tok * stride_tok, 0.0)


def launch(query, num_tokens, head_size):
    q = query.view(num_tokens, -1, head_size)
    rope[(num_tokens,)](q, q.stride(0))
'''
    (d,) = check_source(kernels, "k.py", STRICT).diagnostics
    assert d.tier == "realistic", d.size_note  # -1 heads of head_size: a row, not one element


def test_only_tensors_small_by_nature_are_small_by_name():
    from tritonlint.tensors import small_by_nature
    small = ["positions_ptr", "x_scale_ptr", "lse", "rstd_ptr", "block_table", "seq_lens_ptr", "topk_ids",
             "cos_sin_cache", "state_indices", "slot_mapping", "digit_hist", "excumsum_bins", "is_padding_ptr",
             "seqstartq", "first_seqpos"]
    # activations, weights, caches, logits and embedding tables can pass 2**31 elements
    large = ["pos_emb_ptr", "position_embeddings", "embedding_table", "hidden_states", "kv_cache_ptr", "logits_ptr",
             "x_ptr", "out", "q", "weight_ptr", "gate", "scores", "scaled_x", "attn_mask", "value_cache",
             "history", "this_x"]
    assert [n for n in small if small_by_nature(n) is None] == []
    assert [n for n in large if small_by_nature(n) is not None] == []


# the row kernel, launched behind a size check
DISPATCH = ROW_KERNEL.split("def launch")[0] + '''def launch(x, n_cols, width):
    GUARD
        write_rows[(x.shape[0],)](x, width, n_cols, BLOCK=2048)
'''


def _dispatch_tiers(guard: str) -> list[str]:
    return [d.tier for d in check_source(DISPATCH.replace("GUARD", guard), "k.py", STRICT).diagnostics]


def test_a_launch_taken_only_below_a_literal_size_is_bounded_by_it():
    # the small-row path: a row of at most 2,048 elements times a million rows stays below 2**31
    assert _dispatch_tiers("if width <= 2048:") == ["unrealistic"]
    assert _dispatch_tiers("if 2048 >= width and n_cols > 0:") == ["unrealistic"]
    assert _dispatch_tiers("if width > 2048:\n        raise ValueError('use the tiled kernel')\n    if True:") \
        == ["unrealistic"]
    assert _dispatch_tiers("if width > 2048:\n        pass\n    else:") == ["unrealistic"]
    # the other branch, or a guard on something else, says nothing
    assert _dispatch_tiers("if width > 2048:") == ["realistic"]
    assert _dispatch_tiers("if n_cols <= 2048:") == ["realistic"]
    # a bound still large enough to wrap is no proof
    assert _dispatch_tiers("if width <= 65536:") == ["realistic"]


def test_an_equality_or_a_choice_of_literals_bounds_a_size():
    # `assert head_dim == 128` and `assert BT in (16, 32, 64)` pin a size as surely as `<=`
    assert _dispatch_tiers("if width == 2048:") == ["unrealistic"]
    assert _dispatch_tiers("if 2048 == width:") == ["unrealistic"]
    assert _dispatch_tiers("assert width in (512, 1024, 2048)\n    if True:") == ["unrealistic"]
    assert _dispatch_tiers("if width != 2048:\n        raise ValueError('2048 only')\n    if True:") \
        == ["unrealistic"]
    # the branch where it differs, a choice with a large or a non-literal member, say nothing
    assert _dispatch_tiers("if width == 2048:\n        pass\n    else:") == ["realistic"]
    assert _dispatch_tiers("if width != 2048:") == ["realistic"]
    assert _dispatch_tiers("assert width in (2048, 1 << 20)\n    if True:") == ["realistic"]
    assert _dispatch_tiers("assert width in (2048, n_cols)\n    if True:") == ["realistic"]


# the row kernel on a small-batch path: the grid is spelled in terms of what the guard checks
SMALL_BATCH = ROW_KERNEL.split("def launch")[0] + '''def launch(x, width):
    PREAMBLE
    if GUARDED > 128:
        raise ValueError("small batches only")
    write_rows[(GRID,)](x, width, width, BLOCK=128)
'''


def _small_batch_tier(preamble: str, guarded: str, grid: str) -> str:
    text = SMALL_BATCH.replace("PREAMBLE", preamble).replace("GUARDED", guarded).replace("GRID", grid)
    (d,) = check_source(text, "k.py", STRICT).diagnostics
    return d.tier


def test_a_guard_bounds_the_grid_through_names_and_arithmetic():
    # the guard checks one spelling, the grid another: an alias, an unpacked shape
    assert _small_batch_tier("n = x.shape[0]", "x.shape[0]", "n") == "unrealistic"
    assert _small_batch_tier("n = x.shape[0]", "n", "x.shape[0]") == "unrealistic"
    assert _small_batch_tier("rows, cols = x.shape", "rows", "x.shape[0]") == "unrealistic"
    # arithmetic over guarded parts stays bounded (128 rows of 16 blocks, in blocks of 4)
    assert _small_batch_tier("n = x.shape[0]", "n", "n * 16") == "unrealistic"
    assert _small_batch_tier("n = x.shape[0]", "n", "triton.cdiv(n, 4) + 1") == "unrealistic"
    assert _small_batch_tier("n = x.shape[0]", "n", "min(n, x.shape[1])") == "unrealistic"
    # a name assigned twice, a part nothing bounds, or the other dimension say nothing
    assert _small_batch_tier("n = x.shape[0]\n    n = x.shape[1]", "x.shape[0]", "n") == "realistic"
    assert _small_batch_tier("n = x.shape[0]", "n", "n * x.shape[1]") == "realistic"
    assert _small_batch_tier("rows, cols = x.shape", "cols", "x.shape[0]") == "realistic"
    assert _small_batch_tier("n = x.shape[0]", "n", "max(n, x.shape[1])") == "realistic"


# the row kernel, its arguments gathered in a tuple and its options in a dict first
SPLICED = ROW_KERNEL.split("def launch")[0] + '''def launch(x, width, n_cols):
    assert width <= 1024
    ARGS
    write_rows[(x.shape[0],)](CALL)
'''


def _spliced_tier(args: str, call: str) -> str:
    (d,) = check_source(SPLICED.replace("ARGS", args).replace("CALL", call), "k.py", STRICT).diagnostics
    return d.tier


def test_a_launch_that_forwards_a_tuple_of_arguments_binds_its_elements():
    # `*args` of a tuple built once before the launch: `width` reaches `stride_row`
    assert _spliced_tier("args = (x, width, n_cols)", "*args, BLOCK=128") == "unrealistic"
    assert _spliced_tier("args = [x, width]", "*args, n_cols, BLOCK=128") == "unrealistic"
    assert _spliced_tier("opts = dict(stride_row=width, BLOCK=128)", "x, n_cols=n_cols, **opts") == "unrealistic"
    assert _spliced_tier("opts = {'stride_row': width}", "x, n_cols=n_cols, BLOCK=128, **opts") == "unrealistic"
    # a tuple assigned twice, or built some other way, binds nothing
    assert _spliced_tier("args = (x, width, n_cols)\n    args = (x, n_cols, n_cols)", "*args, BLOCK=128") \
        == "realistic"
    assert _spliced_tier("args = tuple([x, width, n_cols])", "*args, BLOCK=128") == "realistic"


# a backend that loads slots from `meta.slot_mapping`, whose type it does not show
SLOT_BACKEND = '''import triton
import triton.language as tl


@triton.jit
def store_kv(cache_ptr, slots_ptr, stride_slot):
    i = tl.program_id(0)
    slot = tl.load(slots_ptr + i)
    tl.store(cache_ptr + slot * stride_slot, 0.0)


def write(cache, meta):
    store_kv[(meta.num_tokens,)](cache, meta.slot_mapping, cache.stride(0))
'''


def test_an_index_tensor_allocated_as_int64_elsewhere_in_the_run_loads_int64():
    runner = '''import torch


class Runner:
    def __init__(self, n):
        self.slot_mapping = torch.zeros(n, dtype=torch.int64)
'''
    backend = SLOT_BACKEND
    from tritonlint.launch_facts import LaunchIndex
    alone = check_source(backend, "backend.py", STRICT, launches=LaunchIndex.from_texts([("backend.py", backend)]))
    assert [d.expression for d in alone.diagnostics] == ["slot * stride_slot"]
    both = LaunchIndex.from_texts([("backend.py", backend), ("runner.py", runner)])
    assert check_source(backend, "backend.py", STRICT, launches=both).diagnostics == []
    # a generic word names a different tensor in every module
    generic = LaunchIndex.from_texts([("backend.py", backend.replace("meta.slot_mapping", "indices")),
                                      ("runner.py", runner.replace("slot_mapping", "indices"))])
    assert len(check_source(backend.replace("meta.slot_mapping", "indices"), "backend.py", STRICT,
                            launches=generic).diagnostics) == 1
    # an allocation through a helper whose dtype comes lines after the attribute
    spread = runner.replace("torch.zeros(n, dtype=torch.int64)", "self._buffer(\n            n,\n            dtype=torch.int64,\n        )")
    assert "dtype=torch.int64" in spread and "self._buffer(\n" in spread
    assert check_source(backend, "backend.py", STRICT,
                        launches=LaunchIndex.from_texts([("backend.py", backend), ("runner.py", spread)])).diagnostics == []
    # allocated with two widths in the run: the name says nothing
    mixed = LaunchIndex.from_texts([("backend.py", backend), ("runner.py", runner),
                                    ("other.py", runner.replace("torch.int64", "torch.int32"))])
    assert len(check_source(backend, "backend.py", STRICT, launches=mixed).diagnostics) == 1


def test_a_module_constant_passed_at_the_launch_is_its_value():
    text = ROW_KERNEL.replace("def launch(x, width, n_cols):\n    DST\n", "WIDTH = 1024\n\n\ndef launch(x, n_cols):\n    dst = x\n")
    text = text.replace("(dst, width, n_cols, BLOCK=128)", "(dst, WIDTH, n_cols, BLOCK=128)")
    assert "WIDTH = 1024" in text and "(dst, WIDTH, n_cols" in text
    (d,) = check_source(text, "k.py", STRICT).diagnostics
    assert d.tier == "unrealistic", d.size_note  # a million rows of 1,024
    # a parameter of the launching function named like the constant is not it
    shadowed = text.replace("def launch(x, n_cols):", "def launch(x, n_cols, WIDTH):")
    (d,) = check_source(shadowed, "k.py", STRICT).diagnostics
    assert d.tier == "realistic"


def test_an_index_tensor_built_by_keyword_elsewhere_in_the_run_loads_int64():
    # a metadata object built by keyword, passed to the launch as `meta.slot_mapping`
    builder = '''import torch


def build(n):
    return Metadata(
        num_tokens=n,
        slot_mapping=torch.zeros(
            n, dtype=torch.int64, device="cuda"
        ),
    )
'''
    backend = SLOT_BACKEND
    from tritonlint.launch_facts import LaunchIndex

    def found(*files):
        index = LaunchIndex.from_texts([("backend.py", backend), *files])
        return [d.expression for d in check_source(backend, "backend.py", STRICT, launches=index).diagnostics]

    assert found() == ["slot * stride_slot"]
    assert found(("builder.py", builder)) == []
    # a test's toy object says nothing; a local variable of that name is not a field
    assert found(("tests/test_builder.py", builder)) == ["slot * stride_slot"]
    local = "import torch\n\n\ndef f(n):\n    slot_mapping = torch.zeros(\n        n, dtype=torch.int64)\n"
    assert found(("local.py", local)) == ["slot * stride_slot"]
    # built with two widths in the run: the name says nothing
    assert found(("builder.py", builder), ("other.py", builder.replace("int64", "int32"))) == ["slot * stride_slot"]


STRIDED_ROWS = '''import triton
import triton.language as tl


@triton.jit
def rows(x_ptr, stride_row, stride_col, n_cols, BLOCK: tl.constexpr):
    row = tl.program_id(0)
    cols = tl.program_id(1) * BLOCK + tl.arange(0, BLOCK)
    x = tl.load(x_ptr + row * stride_row + cols * stride_col, mask=cols < n_cols)
    tl.store(x_ptr + row * stride_row + cols * stride_col, x * 2, mask=cols < n_cols)


def launch(x):
{body}
'''


def _row_diagnostics(body: str) -> dict:
    source = STRIDED_ROWS.format(body="\n".join("    " + line for line in body.strip().splitlines()))
    return {d.expression: d for d in check_source(source, "k.py", STRICT).diagnostics}


def _row_tiers(body: str) -> dict[str, str]:
    return {expression: d.tier for expression, d in _row_diagnostics(body).items()}


def test_a_literal_check_on_a_dimension_bounds_the_stride_it_makes():
    # `x.stride(0)` of `[n_rows, width]` is `width`: a checked width of 1,024 times a
    # million rows stays below 2**31; unchecked, a row of features can wrap it
    launch = "n_rows, width = x.shape\n{check}rows[(n_rows, triton.cdiv(width, 1024))](x, x.stride(0), x.stride(1), width, BLOCK=1024)"
    assert _row_tiers(launch.format(check="assert width <= 1024\n"))["row * stride_row"] == "unrealistic"
    assert _row_tiers(launch.format(check="if width > 1024:\n    raise ValueError(width)\n"))["row * stride_row"] \
        == "unrealistic"
    assert _row_tiers(launch.format(check=""))["row * stride_row"] == "realistic"
    # a check on another name, or one that still lets the row wrap, is no proof
    assert _row_tiers(launch.format(check="assert n_rows >= 1024\n"))["row * stride_row"] == "realistic"
    assert _row_tiers(launch.format(check="assert width <= 65536\n"))["row * stride_row"] == "realistic"


def test_a_checked_rank_does_not_hide_the_names_of_the_dimensions():
    launch = ("assert x.dim() == 2\nn_rows, width = x.shape\nassert width <= 1024\n"
              "rows[(n_rows, triton.cdiv(width, 1024))](x, x.stride(0), x.stride(1), width, BLOCK=1024)")
    assert _row_tiers(launch)["row * stride_row"] == "unrealistic"


def test_an_index_along_a_row_times_an_inner_stride_stays_inside_the_row():
    # `cols * x.stride(1)`: a step along one row; only the row's own offset can wrap
    tiers = _row_tiers("rows[(x.shape[0], triton.cdiv(x.shape[1], 1024))](x, x.stride(0), x.stride(1), x.shape[1], BLOCK=1024)")
    assert tiers["cols * stride_col"] == "unrealistic"
    assert tiers["row * stride_row"] == "realistic"
    # a stride of the first dimension is no step along a row
    diags = _row_diagnostics("rows[(x.shape[0], triton.cdiv(x.shape[1], 1024))](x, x.stride(0), x.stride(0), "
                             "x.shape[1], BLOCK=1024)")
    assert "along a row" not in diags["cols * stride_col"].size_note


def test_a_loaded_index_times_an_inner_stride_is_not_read_as_a_step_along_a_row():
    kernels = '''import triton
import triton.language as tl


@triton.jit
def pick_class(grad_ptr, target_ptr, stride_class):
    n = tl.program_id(0)
    cls = tl.load(target_ptr + n)
    tl.store(grad_ptr + cls * stride_class, 1.0)


def launch(grad, target):
    n, classes, spatial = grad.shape
    pick_class[(n,)](grad, target, grad.stride(1))
'''
    tiers = tiers_of(kernels)
    assert tiers["cls * stride_class"] == "realistic"


def test_the_next_to_last_stride_of_a_four_dimensional_tensor_is_one_head():
    kernels = '''import triton
import triton.language as tl


@triton.jit
def scale_seq(q_ptr, stride_b, stride_HEADS, stride_s, seq_len, BLOCK: tl.constexpr):
    b = tl.program_id(0)
    s = tl.program_id(1) * BLOCK + tl.arange(0, BLOCK)
    tl.store(q_ptr + b * stride_b + s * stride_s, 0.0, mask=s < seq_len)


def launch(q, seq_len):
    assert q.dim() == 4
    scale_seq[(q.shape[0], triton.cdiv(seq_len, 64))](q, q.stride(0), q.stride(1), q.stride({dim}), seq_len, BLOCK=64)
'''
    def tiers(dim: int, heads: str = "h") -> dict[str, str]:
        source = kernels.replace("{dim}", str(dim)).replace("HEADS", heads)
        return tiers_of(source)
    # [B, H, S, D]: the kernel takes the heads' stride, and stride(2) is one head: a
    # million tokens of it stay below 2**31
    assert tiers(2)["s * stride_s"] == "unrealistic"
    # a 4-D tensor not laid out per head (`[B, 3, T, C]` states): the last dimension is a row's features
    assert tiers(2, heads="c")["s * stride_s"] == "realistic"
    # stride(1) spans the heads too (`[B, S, H, D]`): a token row, reported
    assert tiers(1)["s * stride_s"] == "realistic"


def test_a_grid_capped_by_the_core_count_runs_over_cores():
    kernels = '''import triton
import triton.language as tl


@triton.jit
def persistent(x_ptr, stride_w, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    tl.store(x_ptr + pid * stride_w, 0.0)


def launch(x, n):
    persistent[(min(triton.cdiv(n, 1024), NUM_SMS),)](x, x.stride(0), BLOCK=1024)
'''
    diags = {d.expression: d for d in check_source(kernels, "k.py", STRICT).diagnostics}
    assert diags["pid * stride_w"].tier == "unrealistic"
    assert "SMs" in diags["pid * stride_w"].size_note or "splits" in diags["pid * stride_w"].size_note


def test_a_negative_dimension_is_inner_only_when_the_rank_is_shown():
    # `x.stride(-2)` of a 2-D `x` is its row stride: a step along a row is no step inside it
    diags = _row_diagnostics("rows[(x.shape[0], triton.cdiv(x.shape[1], 1024))](x, x.stride(-2), x.stride(-2), "
                             "x.shape[1], BLOCK=1024)")
    assert "along a row" not in diags["cols * stride_col"].size_note
    diags = _row_diagnostics("n_rows, width = x.shape\n"
                             "rows[(n_rows, triton.cdiv(width, 1024))](x, x.stride(0), x.stride(-1), width, BLOCK=1024)")
    assert diags["cols * stride_col"].tier == "unrealistic"


def test_a_launch_passing_four_strides_of_a_tensor_shows_its_rank():
    kernels = '''import triton
import triton.language as tl


@triton.jit
def scale_seq(q_ptr, stride_b, stride_h, stride_s, stride_d, seq_len, BLOCK: tl.constexpr):
    b = tl.program_id(0)
    s = tl.program_id(1) * BLOCK + tl.arange(0, BLOCK)
    tl.store(q_ptr + b * stride_b + s * stride_s, 0.0, mask=s < seq_len)


def launch(q, seq_len):
    scale_seq[(q.shape[0], triton.cdiv(seq_len, 64))](q, q.stride(0), q.stride(1), q.stride({dim}), {last}, seq_len,
                                                       BLOCK=64)
'''
    def tier(dim: int, last: str) -> str:
        source = kernels.replace("{dim}", str(dim)).replace("{last}", last)
        return tiers_of(source)["s * stride_s"]
    assert tier(2, "q.stride(3)") == "unrealistic"  # rank 4, laid out per head: stride(2) is one head
    assert tier(2, "1") == "realistic"  # three strides say nothing about the rank


def test_a_dtype_the_host_asserts_types_the_loads():
    kernels = '''import triton
import triton.language as tl


@triton.jit
def write_pages(cache_ptr, loc_ptr, stride_page):
    i = tl.program_id(0)
    loc = tl.load(loc_ptr + i)
    tl.store(cache_ptr + loc * stride_page, 0.0)


def launch(cache, loc):
    {check}
    write_pages[(loc.numel(),)](cache, loc, cache.stride(0))
'''
    def found(check: str) -> list[str]:
        return found_in(kernels.replace("{check}", check))
    assert found("assert loc.dtype == torch.int64") == []
    assert found("assert loc.dtype == torch.int64\n    loc = loc.contiguous()") == []
    assert found("assert loc.dtype == torch.int64\n    loc = loc.to(torch.int32)") == ["loc * stride_page"]
    assert found("assert loc.dtype == torch.int32") == ["loc * stride_page"]
    # `a or b` asserts neither
    assert found("assert loc.dtype == torch.int64 or loc.dtype == torch.int32") == ["loc * stride_page"]


def test_a_pointer_cast_to_int64_elements_loads_int64():
    kernels = '''import triton
import triton.language as tl


@triton.jit
def gather(out_ptr, offsets_ptr, x_ptr, dim):
    i = tl.program_id(0)
    start = tl.load(offsets_ptr.to(tl.pointer_type({dtype})) + i)
    tl.store(out_ptr + i, tl.load(x_ptr + start * dim))
'''
    def found(dtype: str) -> list[str]:
        return found_in(kernels.replace("{dtype}", dtype))
    assert found("tl.int64") == []
    assert found("tl.int32") == ["start * dim"]


def test_the_first_dimension_is_never_inner():
    from tritonlint.launch_facts import _inner_stride
    from tritonlint.launches import HostArg

    def stride(dim: int, ndim: int | None) -> HostArg:
        return HostArg(f"x.stride({dim})", "stride", tensor="x", dim=dim, ndim=ndim)
    assert [_inner_stride(stride(0, n)) for n in (None, 2, 4)] == [False, False, False]
    assert [_inner_stride(stride(1, n)) for n in (None, 2, 4)] == [True, True, True]
    assert [_inner_stride(stride(-2, n)) for n in (None, 2, 4)] == [False, False, True]
    assert _inner_stride(stride(-1, 2)) is True


def test_a_shape_asserted_in_one_branch_says_nothing_about_the_other():
    kernels = '''import triton
import triton.language as tl


@triton.jit
def gate(z_ptr, stride_z_token, Z_HEADS: tl.constexpr, BLOCK: tl.constexpr):
    rows = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    tl.store(z_ptr + (rows // Z_HEADS) * stride_z_token, 0.0)


def launch(z, M, N):
    if z.ndim == 3:
        assert z.shape[2] == N
    else:
        assert z.shape == (M, 64)
    gate[(triton.cdiv(M, 64),)](z, z.stride(0), z.shape[1], BLOCK=64)
'''
    tiers = tiers_of(kernels)
    assert tiers["(rows // Z_HEADS) * stride_z_token"] == "realistic"
    # asserted where every launch sees it, the 64-wide row bounds it
    flat = kernels.replace("    if z.ndim == 3:\n        assert z.shape[2] == N\n    else:\n    ", "")
    tiers = tiers_of(flat)
    assert tiers["(rows // Z_HEADS) * stride_z_token"] == "unrealistic"


def test_a_guard_may_name_a_module_constant():
    constant = "SMALL_WIDTH = 2048\n\n\n"
    assert [d.tier for d in check_source(constant + DISPATCH.replace("GUARD", "if width <= SMALL_WIDTH:"), "k.py",
                                         STRICT).diagnostics] == ["unrealistic"]
    # a name assigned twice, or not at module level, is no constant
    twice = "SMALL_WIDTH = 2048\nSMALL_WIDTH = 1 << 20\n\n\n"
    assert [d.tier for d in check_source(twice + DISPATCH.replace("GUARD", "if width <= SMALL_WIDTH:"), "k.py",
                                         STRICT).diagnostics] == ["realistic"]
    assert _dispatch_tiers("if width <= SMALL_WIDTH:") == ["realistic"]


BLOCKS_OF_VOCAB = '''import triton
import triton.language as tl

@triton.jit
def vocab_partials(x_ptr, out_ptr, stride_x, nblocks, BLOCK: tl.constexpr):
    row = tl.program_id(0)
    blk = tl.program_id(1)
    tl.store(out_ptr + row * nblocks + blk, tl.load(x_ptr + row * stride_x))


def launch(logits, out):
    rows, vocab = logits.shape
    BLOCK = BLOCK_LITERAL
    nblocks = triton.cdiv(vocab, BLOCK)
    vocab_partials[(rows, nblocks)](logits, out, logits.stride(0), nblocks, BLOCK=BLOCK)
'''


def test_a_count_of_blocks_of_the_vocabulary_is_not_the_vocabulary():
    # 64 blocks of a 256k vocabulary per row: a row of partials, not a logits row
    tiers = tiers_of(BLOCKS_OF_VOCAB.replace("BLOCK_LITERAL", "4096"))
    assert tiers == {"row * nblocks": "unrealistic", "row * stride_x": "realistic"}
    # a block of 4 entries makes 65,536 per row: that row wraps from 32,768 tokens
    assert tiers_of(BLOCKS_OF_VOCAB.replace("BLOCK_LITERAL", "4"))["row * nblocks"] == "realistic"
    # a block size the launch does not show says nothing about the count
    assert tiers_of(BLOCKS_OF_VOCAB.replace("BLOCK_LITERAL", "pick_block(vocab)"))["row * nblocks"] == "realistic"


FIELD_READS = '''import triton
import triton.language as tl


@triton.jit
def class_rows(x_ptr, C, D, BLOCK: tl.constexpr):
    c = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    tl.store(x_ptr + c * D, 0.0, mask=c < C)


def backward(ctx, x):
    class_rows[(triton.cdiv(ctx.C, 128),)](x, ctx.C, ctx.D, BLOCK=128)
'''


def test_the_object_a_size_is_read_from_does_not_name_it():
    # `ctx` (an autograd context) is no context length: `ctx.D` says only `D`
    (launch,) = read_launches(FIELD_READS, "k.py", {"class_rows"})
    assert launch.args[2].names == ("D",)
    assert tiers_of(FIELD_READS)["c * D"] == "unrealistic"
    assert tiers_of(FIELD_READS.replace("ctx.D", "ctx.seq_len"))["c * D"] == "realistic"


HELD_STRIDES = '''import torch
import triton
import triton.language as tl


@triton.jit
def volume_rows(out_ptr, stride_n, stride_d, D, BLOCK: tl.constexpr):
    n = tl.program_id(0)
    od = tl.program_id(1) * BLOCK + tl.arange(0, BLOCK)
    tl.store(out_ptr + n * stride_n + od * stride_d, 0.0, mask=od < D)


def launch(x, N, C, OD, OH, OW):
    out = torch.empty((N, C, OD, OH, OW), device=x.device)
    out_strides = out.stride()
    volume_rows[(N, triton.cdiv(OD, 64))](out, out_strides[0], out_strides[2], OD, BLOCK=64)
'''


def test_a_stride_read_from_a_held_stride_tuple_is_bound_like_the_read():
    (launch,) = read_launches(HELD_STRIDES, "k.py", {"volume_rows"})
    stride_d = launch.args[2]
    assert (stride_d.form, stride_d.tensor, stride_d.dim, stride_d.ndim) == ("stride", "out", 2, 5)
    assert stride_d.text == "out_strides[2]"
    # a depth index times the stride of a dimension after the first stays inside one
    # entry of the outermost dimension
    assert tiers_of(HELD_STRIDES)["od * stride_d"] == "unrealistic"


QUOTIENTS = '''import triton
import triton.language as tl


@triton.jit
def rows_kernel(x_ptr, n_rows, n_blocks, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    tl.store(x_ptr + pid, 0.0)


def launch(x, last_dim, vocab):
    M = x.numel() // last_dim
    rows_kernel[(triton.cdiv(M, 64), triton.cdiv(vocab, 1024))](x, M, triton.cdiv(vocab, 1024), BLOCK=64)
'''


def test_a_quotient_is_of_the_kind_of_what_is_divided():
    index = LaunchIndex.from_texts([("k.py", QUOTIENTS)])
    bound = index.for_kernel("rows_kernel", ["x_ptr", "n_rows", "n_blocks", "BLOCK"])
    # rows of a flattened tensor are no features because the divisor is `last_dim`
    assert bound.param("n_rows").kind is None and bound.axis(0).kind is None
    # blocks of the vocabulary still run over it, and there are at most 256 of them
    assert bound.axis(1).kind == "vocab"
    assert bound.param("n_blocks").estimate == 256


def test_a_quotient_the_host_names_is_of_the_kind_its_name_says():
    # requests are tokens over tokens per request: the host's own name for the count is
    # the more specific reading (4,096 sequences, not a million tokens)
    source = QUOTIENTS.replace("M = x.numel() // last_dim", "num_reqs = num_tokens // q_len").replace(
        "(x, last_dim, vocab)", "(x, num_tokens, q_len, vocab)").replace("cdiv(M, 64)", "num_reqs").replace(
        "(x, M,", "(x, num_reqs,")
    bound = LaunchIndex.from_texts([("k.py", source)]).for_kernel("rows_kernel", ["x_ptr", "n_rows", "n_blocks",
                                                                                    "BLOCK"])
    assert bound.axis(0).kind == "batch" and bound.param("n_rows").kind == "batch"


def test_a_chained_rank_assert_shows_every_rank_it_names():
    source = '''import triton
import triton.language as tl


@triton.jit
def rows_kernel(x_ptr, w_ptr, stride_xm, stride_xk, K, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    k = tl.program_id(1) * BLOCK + tl.arange(0, BLOCK)
    tl.store(x_ptr + pid * stride_xm + k * stride_xk, 0.0, mask=k < K)


def launch(x, w):
    assert w.dim() == x.dim() == 2
    rows_kernel[(x.shape[0], triton.cdiv(x.shape[1], 64))](x, w, x.stride(0), x.stride(1), x.shape[1], BLOCK=64)
'''
    (launch,) = read_launches(source, "k.py", {"rows_kernel"})
    assert launch.args[3].ndim == 2 and launch.args[3].unit_stride
    assert tiers_of(source)["k * stride_xk"] == "unrealistic"


PERSISTENT_UNROLLED = '''import triton
import triton.language as tl


@triton.jit
def unrolled_copy(x_ptr, y_ptr, n, UNROLL: tl.constexpr, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    start = pid * UNROLL * BLOCK
    for u in tl.static_range(UNROLL):
        offs = start + u * BLOCK + tl.arange(0, BLOCK)
        tl.store(y_ptr + offs, tl.load(x_ptr + offs, mask=offs < n), mask=offs < n)


def launch(x, y, NUM_SMS):
    n = x.numel()
    grid = (GRID,)
    unrolled_copy[grid](x, y, n, UNROLL=4, BLOCK=1024)
'''


def test_a_composite_index_is_sized_by_what_the_launch_says_of_its_parts():
    # a persistent grid of at most one program per core: pid * 4 * 1,024 stays small
    capped = PERSISTENT_UNROLLED.replace("GRID", "min(triton.cdiv(n, 4 * 1024), NUM_SMS)")
    assert tiers_of(capped)["pid * UNROLL * BLOCK"] == "unrealistic"
    # one program per block of all the elements: the same product spans the tensor
    flat = PERSISTENT_UNROLLED.replace("GRID", "triton.cdiv(n, 4 * 1024)")
    assert tiers_of(flat)["pid * UNROLL * BLOCK"] == "realistic"


def test_a_name_updated_after_its_literal_is_no_longer_the_literal():
    source = '''import triton
import triton.language as tl


@triton.jit
def outer_rows(x_ptr, M, N, K, TILE: tl.constexpr):
    pid_m = tl.program_id(0)
    k = tl.arange(0, TILE)
    tl.store(x_ptr + pid_m * N * K + k, 0.0, mask=k < K)


def launch(x, dim):
    M = 1
    for i in range(dim):
        M *= x.shape[i]
    N = x.shape[dim]
    K = x.numel() // M // N
    outer_rows[(M,)](x, M, N, K, TILE=128)
'''
    (launch,) = read_launches(source, "k.py", {"outer_rows"})
    assert launch.args[1].const is None and launch.grid[0].const is None
    assert tiers_of(source)["pid_m * N * K"] == "realistic"


def test_a_stride_estimate_stays_within_a_slab():
    """A batch stride over [B, H, S, D] is each dimension after it at its maximum
    (heads x a 1M-token sequence x a 1,024-wide head): more than any real stride.
    The estimate stops at a slab, and the message never says a single sequence wraps."""
    text = '''import torch
import triton
import triton.language as tl


@triton.jit
def per_batch(x_ptr, stride_b, BLOCK: tl.constexpr):
    b = tl.program_id(0)
    tl.store(x_ptr + b * stride_b + tl.arange(0, BLOCK), 0.0)


def run(x):
    B, num_heads, seq_len, D = x.shape
    per_batch[(B,)](x, x.stride(0), BLOCK=64)
'''
    [d] = [d for d in check_source(text, "k.py", STRICT).diagnostics if d.expression == "b * stride_b"]
    assert d.tier == "realistic"
    assert "268,435,456" in d.message and "from 1 sequence" not in d.message and "137,438,953,472" not in d.message
