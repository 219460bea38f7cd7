"""The size model: default findings are the ones a realistic workload wraps; --strict
reports every int32 product that reaches an address."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tritonlint import sizes
from tritonlint.engine import check_source
from tritonlint.settings import ConfigError, Settings, from_table

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = Settings()
STRICT = Settings(strict=True)

HEADER = "import triton\nimport triton.language as tl\n\n"

TOKEN_AND_HEAD = HEADER + """
@triton.jit
def attn_rows(q_ptr, stride_tok, stride_head, D: tl.constexpr):
    tok = tl.program_id(0)
    head = tl.program_id(1)
    d = tl.arange(0, D)
    tl.store(q_ptr + tok * stride_tok + head * stride_head + d, 0.0)
"""


def codes_by_expr(text: str, settings: Settings) -> dict[str, str]:
    result = check_source(text, "k.py", settings)
    assert result.error is None
    return {d.expression: d.tier for d in result.diagnostics}


def test_token_row_is_reported_head_index_only_in_strict():
    assert codes_by_expr(TOKEN_AND_HEAD, DEFAULT) == {"tok * stride_tok": "realistic"}
    assert codes_by_expr(TOKEN_AND_HEAD, STRICT) == {"tok * stride_tok": "realistic",
                                                     "head * stride_head": "unrealistic"}


def test_message_names_the_smallest_workload():
    (d,) = check_source(TOKEN_AND_HEAD, "k.py", DEFAULT).diagnostics
    assert "`tok` runs over tokens" in d.message and "wraps from 8,192 tokens at a stride of 262,144" in d.message
    assert "e.g. with" not in d.message  # no made-up example stride


def test_size_override_changes_the_verdict():
    # a deployment that caps rows at 4096 elements: 1M tokens x 4096 still wraps
    # (2**32), but 2048 tokens do not
    small = from_table({"sizes": {"tokens": 2048}}, Settings(), "pyproject.toml", ROOT)
    assert codes_by_expr(TOKEN_AND_HEAD, small) == {}
    assert "tok * stride_tok" in codes_by_expr(TOKEN_AND_HEAD, from_table({"strict": True, "sizes": {"tokens": 2048}},
                                                                           Settings(), "pyproject.toml", ROOT))


@pytest.mark.parametrize("table,msg", [({"sizes": {"tokenz": 5}}, "unknown size `tokenz`"),
                                       ({"sizes": {"tokens": 0}}, "positive integer"),
                                       ({"strict": "yes"}, "`strict` must be true or false")])
def test_bad_size_settings_are_errors(table, msg):
    with pytest.raises(ConfigError, match=msg):
        from_table(table, Settings(), "pyproject.toml", ROOT)


def test_expert_slab_stride_is_realistic():
    text = HEADER + """
@triton.jit
def moe(w_ptr, stride_we, N: tl.constexpr):
    expert = tl.program_id(1)
    tl.store(w_ptr + expert * stride_we + tl.arange(0, N), 0.0)
"""
    assert codes_by_expr(text, DEFAULT) == {"expert * stride_we": "realistic"}


def test_head_index_from_modulo_and_name():
    text = HEADER + """
@triton.jit
def per_head(x_ptr, stride_h, num_heads):
    pid = tl.program_id(0)
    i_h = pid % num_heads
    tl.store(x_ptr + i_h * stride_h, 0.0)
"""
    assert codes_by_expr(text, DEFAULT) == {}
    assert codes_by_expr(text, STRICT) == {"i_h * stride_h": "unrealistic"}


def test_method_cast_widens():
    text = HEADER + """
@triton.jit
def rows(x_ptr, stride):
    pid = tl.program_id(0).cast(tl.int64)
    r = tl.program_id(1)
    tl.store(x_ptr + pid * stride + r.cast(tl.int64) * stride, 0.0)
"""
    assert codes_by_expr(text, STRICT) == {}


def test_widening_gated_by_constexpr_flag_is_bounded():
    text = HEADER + """
@triton.jit
def gated(x_ptr, stride, LONG_INDEXING: tl.constexpr):
    pid = tl.program_id(0)
    if LONG_INDEXING:
        pid = pid.to(tl.int64)
    tl.store(x_ptr + pid * stride, 0.0)
"""
    assert codes_by_expr(text, DEFAULT) == {}
    result = check_source(text, "k.py", STRICT)
    (d,) = result.diagnostics
    assert d.tier == "bounded"
    # the chain quotes the int32 specialisation, not the other branch's cast
    assert not any("int64" in line for line in d.chain)


def test_unguarded_product_still_reported_next_to_a_gated_one():
    text = HEADER + """
@triton.jit
def mixed(x_ptr, stride, LONG: tl.constexpr):
    pid = tl.program_id(0)
    row = tl.program_id(0)
    if LONG:
        pid = pid.to(tl.int64)
    tl.store(x_ptr + pid * stride + row * stride, 0.0)
"""
    assert codes_by_expr(text, DEFAULT) == {"row * stride": "realistic"}


def test_cli_strict_and_formats_carry_the_tier(tmp_path):
    f = tmp_path / "k.py"
    f.write_text(TOKEN_AND_HEAD)
    run = lambda *a: subprocess.run([sys.executable, "-m", "tritonlint", "check", *a, str(f)],  # noqa: E731
                                    capture_output=True, text=True, cwd=ROOT)
    default = json.loads(run("--format", "json").stdout)
    strict = json.loads(run("--format", "json", "--strict").stdout)
    assert [d["tier"] for d in default] == ["realistic"]
    assert sorted(d["tier"] for d in strict) == ["realistic", "unrealistic"]
    sarif = json.loads(run("--format", "sarif", "--strict").stdout)
    levels = {r["properties"]["tier"]: (r["level"], r["properties"]["precision"]) for r in sarif["runs"][0]["results"]}
    assert levels == {"realistic": ("error", "high"), "unrealistic": ("note", "low")}


def test_kind_names():
    assert sizes.kind_of_name("i_h") == "heads"
    assert sizes.kind_of_name("slot_mapping") == "cache_slots"
    assert sizes.kind_of_name("topk_ids") == "topk"
    assert sizes.kind_of_name("token_idx") == "tokens"
    assert sizes.kind_of_name("frobnicate") is None
    # a grid of one program per SM or core, a context-parallel rank
    assert {sizes.kind_of_name(n) for n in ("num_sms", "NUM_SMS", "num_cores", "world_size", "i_r")} == {"splits"}
    assert sizes.kind_of_name("scores") is None
    # a LoRA index counts adapters, also when it is loaded through a per-token table
    assert {sizes.kind_of_name(n) for n in ("lora_id", "lora_idx", "adapter_index")} == {"adapters"}


LORA_TABLE = HEADER + """
@triton.jit
def lora_rows(w_ptr, token_lora_ptr, out_ptr, stride_lora, BLOCK: tl.constexpr):
    tok = tl.program_id(0)
    lora_id = tl.load(token_lora_ptr + tok)
    cols = tl.arange(0, BLOCK)
    tl.store(out_ptr + cols, tl.load(w_ptr + lora_id * stride_lora + cols))
"""


def test_a_lora_index_loaded_per_token_counts_adapters_not_tokens():
    # one adapter of a stack of rows of up to 262,144: 512 of them stay below 2**31
    assert codes_by_expr(LORA_TABLE, STRICT) == {"lora_id * stride_lora": "unrealistic"}


HOST_PICKED_WIDTH = HEADER + """
@triton.jit
def rows(X, M, N, stride, INT64_INDEX: tl.constexpr = False, UPCAST: tl.constexpr = False):
    pid = tl.program_id(0)
    if INT64_INDEX:
        pid = pid.to(tl.int64)
    for m_offset in range(pid * 16, M, 1024):
        cur_row = m_offset + 1
        tl.store(X + cur_row * N, 0.0)
    index_type: tl.constexpr = tl.int64 if UPCAST else tl.int32
    q = tl.program_id(1).to(index_type)
    tl.store(X + q * stride, 1.0)
    tl.store(X + tl.program_id(0) * stride, 1.0)
"""


def test_widths_the_host_picks_by_a_flag_are_bounded_through_loops_and_dtype_choices():
    tiers = codes_by_expr(HOST_PICKED_WIDTH, STRICT)
    assert tiers["cur_row * N"] == "bounded"  # the flag-widened pid reaches the loop index
    assert tiers["q * stride"] == "bounded"  # `.to(index_type)`, int64 or int32 by a flag
    assert tiers["tl.program_id(0) * stride"] == "realistic"
    assert set(codes_by_expr(HOST_PICKED_WIDTH, DEFAULT)) == {"tl.program_id(0) * stride"}


CLAMPED = HEADER + """
@triton.jit
def pick(x_ptr, stride_k, bound):
    tok = tl.program_id(0)
    sel = tl.minimum(tl.load(x_ptr + tok), bound - 1)
    tl.store(x_ptr + sel * stride_k, 0.0)
"""


def test_a_clamp_below_a_small_dimension_bounds_the_index():
    heads = CLAMPED.replace("bound", "num_heads")
    assert codes_by_expr(heads, STRICT) == {"sel * stride_k": "unrealistic"}
    assert codes_by_expr(CLAMPED.replace("bound", "n_rows"), STRICT) == {"sel * stride_k": "realistic"}


SEQUENCE_START = HEADER + """
@triton.jit
def starts(x_ptr, y_ptr, T, H: tl.constexpr, K: tl.constexpr):
    i_b = tl.program_id(0)
    i_h = tl.program_id(1)
    bos = i_b * T
    tl.store(x_ptr + i_b * T, 0.0)
    tl.store(y_ptr + (bos * H + i_h) * K, 0.0)
"""


def test_a_sequence_start_is_bounded_by_the_tokens_but_scaling_it_by_a_row_is_not():
    tiers = codes_by_expr(SEQUENCE_START, STRICT)
    assert tiers["i_b * T"] == "unrealistic"
    assert tiers["(bos * H + i_h) * K"] == "realistic"


def test_an_index_known_only_by_its_bound_is_not_called_tokens():
    text = HEADER + """
@triton.jit
def second_axis(x_ptr, stride_row):
    row = tl.program_id(1)
    tl.store(x_ptr + row * stride_row, 0.0)
"""
    (d,) = check_source(text, "k.py", STRICT).diagnostics
    assert "`row` is at most 65,535" in d.size_note, d.size_note
    assert "wraps from 8,192 at a stride of 262,144" in d.size_note



BLOCK_STARTS = HEADER + '''
@triton.jit
def block_starts(x_ptr, out_ptr, M, BLOCK_M: tl.constexpr):
    pid = tl.program_id(0)
    for it in range(0, tl.cdiv(M, BLOCK_M)):
        IDX = it * tl.num_programs(0) + pid
        offs = IDX * BLOCK_M + tl.arange(0, BLOCK_M)
        tl.store(out_ptr + offs, tl.load(x_ptr + offs), mask=offs < M)
'''


def test_a_named_block_index_times_its_block_size_is_where_the_block_starts():
    # the start of a block of rows is at most the rows' extent
    assert codes_by_expr(BLOCK_STARTS.replace("IDX", "row_block"), STRICT) == {"row_block * BLOCK_M": "unrealistic"}
    (d,) = check_source(BLOCK_STARTS.replace("IDX", "row_block"), "k.py", STRICT).diagnostics
    assert "is where a block starts along tokens" in d.size_note
    # an index that says nothing keeps the flat reading: `pid * BLOCK` over all of a tensor's elements
    assert codes_by_expr(BLOCK_STARTS.replace("IDX", "g"), DEFAULT) == {"g * BLOCK_M": "realistic"}


PERSISTENT = HEADER + '''
@triton.jit
def persistent_rows(x_ptr, stride_row):
    pid = tl.program_id(0)
    tl.store(x_ptr + pid * stride_row, 0.0)


def launch(x):
    GRID
    persistent_rows[grid](x, x.stride(0))
'''


def test_a_grid_of_one_program_per_sm_bounds_the_program_id():
    per_sm = PERSISTENT.replace("GRID", "grid = (torch.cuda.get_device_properties(0).multi_processor_count,)")
    assert codes_by_expr(per_sm, STRICT) == {"pid * stride_row": "unrealistic"}
    assert codes_by_expr(PERSISTENT.replace("GRID", "grid = (NUM_SMS,)"), STRICT) == {"pid * stride_row": "unrealistic"}
    assert codes_by_expr(PERSISTENT.replace("GRID", "grid = (x.shape[0],)"), DEFAULT) == {"pid * stride_row": "realistic"}


def test_a_row_length_used_as_a_block_shape_is_still_a_row_stride():
    full_rows = HEADER + '''
@triton.jit
def copy_rows(x_ptr, HIDDEN: tl.constexpr):
    pid = tl.program_id(0)
    for it in range(0, 4):
        row = it * tl.num_programs(0) + pid
        tl.store(x_ptr + row * HIDDEN + tl.arange(0, HIDDEN), 0.0)
'''
    assert codes_by_expr(full_rows, DEFAULT) == {"row * HIDDEN": "realistic"}


def test_the_readme_size_table_is_the_size_model():
    import re
    from pathlib import Path

    from tritonlint import sizes

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(\w+)` \| ([\d,]+) \|", readme, flags=re.MULTILINE))
    assert {kind: int(v.replace(",", "")) for kind, v in rows.items()} == sizes.DEFAULTS


def test_a_letter_after_a_heads_index_is_one_head():
    text = HEADER + """
@triton.jit
def per_head_state(h_ptr, o_ptr, K: tl.constexpr, V: tl.constexpr, N):
    i_h = tl.program_id(1)
    tok = tl.program_id(0)
    tl.store(h_ptr + i_h * V * K, 0.0)
    tl.store(o_ptr + tok * K, 0.0)
"""
    tiers = codes_by_expr(text, STRICT)
    # heads x one head's state (V x K): below 2**31 at the largest head count and size
    assert tiers["i_h * V * K"] == "unrealistic"
    # without a heads index a letter is a row's features
    assert tiers["tok * K"] == "realistic"


BUILT_STRIDES = HEADER + """
@triton.jit
def per_token_rows(a_ptr, x_ptr, T, H: tl.constexpr, D: tl.constexpr):
    i_t = tl.program_id(0)
    i = tl.arange(0, 16)
    t = i_t * 16 + i
    tl.store(a_ptr + t * (H * 16), 0.0, mask=t < T)
    tl.store(x_ptr + t * (2 * D), 0.0, mask=t < T)
"""


def test_a_stride_built_from_sizes_is_as_large_as_their_product():
    # H heads of 16 entries a token: at most 2,048 a row, below 2**31 for a million tokens;
    # a gated row of 2 * D features is a full activation row
    assert codes_by_expr(BUILT_STRIDES, STRICT) == {"t * (H * 16)": "unrealistic", "t * (2 * D)": "realistic"}
    (d,) = [d for d in check_source(BUILT_STRIDES, "k.py", STRICT).diagnostics if d.expression == "t * (H * 16)"]
    assert "the product of the sizes it is built from, up to 2,048" in d.message


POSITION_IN_A_SEQUENCE = HEADER + """
@triton.jit
def chunk_rows(a_ptr, T, H: tl.constexpr, BT: tl.constexpr, BC: tl.constexpr):
    i_t = tl.program_id(0)
    i_tc0 = i_t * BT
    for i in range(0, BC):
        tl.store(a_ptr + (i_tc0 + i) * H * BC, 0.0, mask=i_tc0 + i < T)


def launch(a, T, H):
    chunk_rows[(triton.cdiv(T, 64),)](a, T, H, BT=64, BC=16)
"""


def test_two_positions_along_one_dimension_do_not_add_their_extents():
    # the start of a chunk plus a row inside it is one position along the tokens: a
    # million tokens x 128 heads x 16 stays below 2**31, where two extents added would not
    assert codes_by_expr(POSITION_IN_A_SEQUENCE, STRICT) == {"(i_tc0 + i) * H * BC": "unrealistic"}
    assert sizes.expression_max(sizes.parse_expression("(start + i) * H"), sizes.DEFAULTS,
                                unknown=lambda n: sizes.DEFAULTS["tokens"], letter=lambda k: 128) == 2**20 * 128
    # a flattened coordinate stays below the product of what it flattens: i_h < H
    assert sizes.expression_max(sizes.parse_expression("bos * H + i_h"), sizes.DEFAULTS,
                                unknown=lambda n: None, letter=lambda k: 128) == 2**20 * 128
    # a position plus a product it is not inside of still adds (a sequence start plus a
    # chunk's offset), and so does a literal
    assert sizes.expression_max(sizes.parse_expression("bos + i_t * 64"), sizes.DEFAULTS,
                                unknown=lambda n: None, letter=lambda k: 128) == 2**20 + 2**20 * 64
    assert sizes.expression_max(sizes.parse_expression("pid * 4 + 1000"), sizes.DEFAULTS,
                                unknown=lambda n: 2**20, letter=lambda k: 128) == 2**22 + 1000


def test_a_flattened_coordinate_at_the_table_corner_does_not_wrap():
    # (bos * H + i_h) * 16 over a million tokens and 128 heads is at most 2**31 - 16:
    # the head index stays below H
    source = HEADER + """
@triton.jit
def per_head_rows(a_ptr, cu_seqlens, H: tl.constexpr):
    i_n = tl.program_id(0)
    i_h = tl.program_id(1)
    bos = tl.load(cu_seqlens + i_n)
    tl.store(a_ptr + (bos * H + i_h) * 16, 0.0)
"""
    assert codes_by_expr(source, STRICT) == {"(bos * H + i_h) * 16": "unrealistic"}
    assert codes_by_expr(source.replace("* 16, 0.0", "* 32, 0.0"), STRICT) == {"(bos * H + i_h) * 32": "realistic"}


def test_a_built_stride_never_exceeds_what_its_names_say():
    # three letters each sized alone (N x H x D) are no realistic row: a batch index times
    # a stride the kernel builds stays at the reading from names, a row
    source = HEADER + """
@triton.jit
def per_sample(o_ptr, N, H: tl.constexpr, D: tl.constexpr):
    pid_b = tl.program_id(0)
    tl.store(o_ptr + pid_b * (N * H * D), 0.0)
"""
    assert codes_by_expr(source, STRICT) == {"pid_b * (N * H * D)": "unrealistic"}


VARLEN_OR_FIXED = HEADER + """
@triton.jit
def seq_rows(x_ptr, cu_seqlens, T, H: tl.constexpr, K: tl.constexpr, IS_VARLEN: tl.constexpr):
    i_n = tl.program_id(0)
    i_h = tl.program_id(1)
    if IS_VARLEN:
        bos = tl.load(cu_seqlens + i_n).to(tl.int64)
    else:
        bos = i_n * T
    tl.store(x_ptr + (bos * H + i_h) * K, 0.0)
"""


def test_a_flag_that_selects_something_else_leaves_the_int32_branch_reported():
    # the fixed-length branch computes the sequence start in int32 at any size: IS_VARLEN
    # picks the layout, not a width for large tensors
    assert codes_by_expr(VARLEN_OR_FIXED, DEFAULT) == {"(bos * H + i_h) * K": "realistic"}
    # a flag named for the width, or one every launch sets from the int32 range, is
    # the host picking the wide specialisation for large sizes
    named = VARLEN_OR_FIXED.replace("IS_VARLEN", "INT64_OFFSETS")
    assert codes_by_expr(named, STRICT) == {"(bos * H + i_h) * K": "bounded"}
    launched = VARLEN_OR_FIXED.replace("IS_VARLEN", "SPLIT_SEQS") + """

def launch(x, cu_seqlens, T, H, K):
    seq_rows[(cu_seqlens.numel() - 1, H)](x, cu_seqlens, T, H, K, SPLIT_SEQS=x.numel() > 2**31 - 1)
"""
    assert codes_by_expr(launched, STRICT) == {"(bos * H + i_h) * K": "bounded"}
    assert codes_by_expr(launched.replace("x.numel() > 2**31 - 1", "cu_seqlens is not None"), DEFAULT) == {
        "(bos * H + i_h) * K": "realistic"}
