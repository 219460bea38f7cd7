"""The compiler oracle (tests/oracle.py): its own tests, then the linter cross-check.

Part one compiles the probe kernels in tests/oracle_probes/ with the installed
Triton (3.6, the test pin; CI runs this file again under 3.9, .ci/run) and
asserts what the compiler does with each: these are facts about Triton, found
through the oracle's dataflow, so they test the oracle (parser, location
mapping, dataflow) against known behaviour.

Part two runs the linter CLI and the oracle over every lint case in
fixtures/cases/ (not the ``*.fixed.py`` twins) and checks each side against
the other:

(a) soundness of products: every TL001/TL002/TL005 finding is on the source
    lines of a 32-bit ``arith.muli`` that the compiler feeds into an address
    (directly, or widened after the product: an implicit or explicit late cast);
(b) every TL003 finding is on the cast (or the product) of a late cast, and every
    TL004 finding on a 32-bit ``arith.trunci`` whose value reaches an address;
(c) every TL006 finding is on the ``addi`` of a loop-carried 32-bit accumulator
    that reaches an address;
(d) completeness: every 32-bit product into an address and every late cast the
    compiler shows has a linter finding on its lines, or a ``# oracle: <reason>``
    waiver there; and no waiver is stale (on a compiled line with nothing to waive);
(e) the inline ``# error: TLxxx`` expectations equal the linter's codes per line.

Fixture files may define ORACLE_CONSTEXPRS, ORACLE_POINTERS, ORACLE_SIGNATURE,
ORACLE_VARIANTS and ORACLE_SKIP (see tests/oracle.py).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tokenize
from functools import lru_cache
from pathlib import Path

import pytest

import oracle

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
PROBES = TESTS / "oracle_probes" / "basic.py"
CASES_DIR = ROOT / "fixtures" / "cases"

pytest.importorskip("triton")


# ======================================================================================
# Part one: the oracle on probe kernels
# ======================================================================================


@lru_cache(maxsize=None)
def marker(tag: str, path: Path = PROBES) -> int:
    """Line number of the ``# P:<tag>`` marker in a probe file."""
    hits = [i for i, line in enumerate(path.read_text().splitlines(), 1)
            if re.search(rf"#\s*P:{re.escape(tag)}\b", line)]
    assert len(hits) == 1, f"marker P:{tag} found {len(hits)} times in {path.name}"
    return hits[0]


def analyse(kernel: str, stage: str = "source", **overrides) -> oracle.OracleResult:
    """One specialisation of one probe kernel (default signature plus overrides)."""
    text = oracle.compile_ttir(PROBES, kernel, overrides=overrides or None, stage=stage)
    return oracle.analyse_ttir(text, PROBES, kernel)


def product_lines(r):
    return {s.line for s in r.offset_products}


def ir_ops(r, opname: str, type_suffix: str) -> list[str]:
    return [ln for ln in r.ttir.splitlines()
            if f" {opname} " in ln and re.search(rf":\s*{re.escape(type_suffix)}\s+loc", ln)]


# --- loading and signatures ------------------------------------------------------------


def test_load_kernels_unwraps_wrappers_and_keeps_helpers():
    from triton.runtime.jit import JITFunction

    fns = oracle.load_kernels(PROBES)
    assert {"i32_product", "tuned", "_row_offset", "uses_helper"} <= set(fns)
    assert all(isinstance(f, JITFunction) for f in fns.values())
    # the autotune(heuristics(jit)) stack is unwrapped to the JITFunction
    assert fns["tuned"].fn.__name__ == "tuned"


def test_load_kernels_ignores_triton_interpret(tmp_path, monkeypatch):
    from triton.runtime.jit import JITFunction

    copy = tmp_path / "probe_copy.py"
    copy.write_text(PROBES.read_text())
    monkeypatch.setenv("TRITON_INTERPRET", "1")
    fns = oracle.load_kernels(copy)
    assert fns and all(isinstance(f, JITFunction) for f in fns.values())
    assert os.environ["TRITON_INTERPRET"] == "1", "the caller's environment is restored"


def test_load_kernels_skips_imported_jit_functions(tmp_path):
    (tmp_path / "lib_kernels.py").write_text(
        "import triton\n\n@triton.jit\ndef imported(x_ptr):\n    pass\n")
    user = tmp_path / "user_kernels.py"
    user.write_text(
        "import sys, triton\nsys.path.insert(0, %r)\nfrom lib_kernels import imported\n\n"
        "@triton.jit\ndef own(x_ptr):\n    imported(x_ptr)\n" % str(tmp_path))
    assert set(oracle.load_kernels(user)) == {"own"}


def test_kernel_names_excludes_called_helpers():
    names = oracle.kernel_names(PROBES)
    assert "uses_helper" in names and "i32_product" in names
    assert "_row_offset" not in names


def test_default_signature_rules():
    fn = oracle.load_kernels(PROBES)["sig_heuristics"]
    sig, cx = oracle.default_signature(fn)
    assert sig == {
        "out": "*fp32",  # ORACLE_POINTERS
        "src": "*fp32",  # used as a load base
        "cu_seqlens": "*i32",  # load base with an index-like name
        "stride": "i32",  # `int` annotation
        "big": "i64",  # tl.int64 annotation
        "n": "i32",
        "BLOCK": "constexpr", "HAS_BIAS": "constexpr", "W": "constexpr",
        "eps": "fp32",  # float default
    }
    assert cx == {"BLOCK": 32, "HAS_BIAS": False, "W": 4}  # ORACLE_CONSTEXPRS, flag, default
    sig, cx = oracle.default_signature(fn, {"n": "i64", "stride": 1, "W": 2})
    assert sig["n"] == "i64"
    assert sig["stride"] == "constexpr" and cx["stride"] == 1  # value-1 specialisation
    assert cx["W"] == 2


def test_default_signature_index_pointers_and_autotune():
    fns = oracle.load_kernels(PROBES)
    sig, _ = oracle.default_signature(fns["narrowing"])
    assert sig["idx_ptr"] == "*i64"  # ORACLE_SIGNATURE
    sig, cx = oracle.default_signature(fns["tuned"])
    assert cx["BLOCK"] == 64  # first triton.Config of the autotuner
    sig, cx = oracle.default_signature(fns["block_ptr"])
    assert sig["h"] == "*fp32"  # base of make_block_ptr, no `ptr` in the name
    assert cx == {"BT": 16, "BK": 16}


def test_default_signature_index_pointer_from_use(tmp_path):
    f = tmp_path / "use.py"
    f.write_text(
        "import triton\nimport triton.language as tl\n\n@triton.jit\n"
        "def k(cache_ptr, block_table_ptr, stride, BLOCK: tl.constexpr):\n"
        "    slot = tl.load(block_table_ptr + tl.program_id(0))\n"
        "    tl.store(cache_ptr + slot * stride + tl.arange(0, BLOCK), 0.0)\n")
    sig, _ = oracle.default_signature(oracle.load_kernels(f)["k"])
    assert sig["block_table_ptr"] == "*i32" and sig["cache_ptr"] == "*fp32"


def test_default_signature_rejects_unknown_override():
    fn = oracle.load_kernels(PROBES)["i32_product"]
    with pytest.raises(oracle.OracleError, match="unknown parameters"):
        oracle.default_signature(fn, {"nope": "i64"})


# --- the probes: facts about Triton 3.6 ------------------------------------------------


def test_i32_param_times_pid_is_an_i32_product_into_addptr():
    r = analyse("i32_product")
    [site] = r.offset_products
    assert site.line == marker("i32_product") and site.sinks == {"addptr"}
    assert site.file == str(PROBES)
    assert not r.late_casts and ir_ops(r, "arith.muli", "i32")


def test_same_kernel_i64_specialisation_has_no_i32_product():
    r = analyse("i32_product", stride="i64")  # what the JIT picks for stride >= 2**31
    assert not r.offset_products and not r.late_casts
    assert ir_ops(r, "arith.muli", "i64") and not ir_ops(r, "arith.muli", "i32")


def test_value_one_specialisation_keeps_a_multiply_by_one_until_canonicalised():
    src = analyse("i32_product", stride=1)
    assert "arith.constant 1 : i32" in src.ttir
    assert product_lines(src) == {marker("i32_product")}  # `pid * 1` is still an i32 muli
    ttir = analyse("i32_product", stage="ttir", stride=1)
    assert not ttir.offset_products and "arith.muli" not in ttir.ttir


def test_widening_the_index_operand_removes_the_i32_product():
    r = analyse("widened_operand")
    assert not r.offset_products and not r.late_casts
    assert ir_ops(r, "arith.muli", "i64")


def test_tl_int64_parameter_has_no_i32_product():
    r = analyse("int64_param")
    assert not r.offset_products and ir_ops(r, "arith.muli", "i64")


def test_int_annotation_is_i32():
    assert product_lines(analyse("int_annotated")) == {marker("int_annotated")}


def test_cast_after_the_product_is_a_late_cast():
    r = analyse("late_cast")
    assert not r.offset_products  # the product reaches the address only through extsi
    [lc] = r.late_casts
    assert lc.site.line == lc.cast_line == marker("late_cast")
    assert lc.explicit and lc.reaches_address


def test_implicit_promotion_after_the_product_is_a_late_cast():
    r = analyse("implicit_widening")
    [lc] = r.late_casts
    assert lc.site.line == marker("implicit_widening")
    assert not lc.explicit and lc.reaches_address


def test_flat_block_offset_is_an_i32_product_located_at_the_constexpr():
    r = analyse("flat_block")
    [site] = r.offset_products
    line = marker("flat_block")
    assert site.line == line and site.sinks == {"addptr"}
    src = PROBES.read_text().splitlines()[line - 1]
    if oracle.locations_at_start(r.ttir):  # Triton 3.9: at the start of `a * b`, 1-based
        assert src[site.col - 1:].startswith("pid * BLOCK")
    else:  # up to 3.6: Triton locates `a * b` at `b`
        assert src[site.col:].startswith("BLOCK")
    assert site.span == (line, line) and site.name == "offs"
    assert {s.line for s in r.offset_adds} == {line}  # `+ tl.arange` is i32 too


def test_constexpr_times_constexpr_is_python_arithmetic():
    r = analyse("constexpr_only")
    assert "arith.muli" not in r.ttir and not r.offset_products
    assert "arith.constant 256" in r.ttir


needs_block_pointers = pytest.mark.skipif(not oracle.has_api("make_block_ptr"),
                                          reason="block pointers are removed in this Triton (3.9+)")


def test_kernels_using_a_removed_api_are_not_compiled():
    res = oracle.oracle_sites(PROBES, ["block_ptr", "descriptor"], variants=False)
    assert res["descriptor"].not_compiled is None
    if oracle.has_api("make_block_ptr"):
        assert res["block_ptr"].not_compiled is None and res["block_ptr"].offset_products
    else:
        assert "make_block_ptr` does not exist in Triton" in res["block_ptr"].not_compiled
        assert marker("block_ptr_base") in res["block_ptr"].source_lines
    assert oracle.has_api("make_block_ptr", (3, 8)) and not oracle.has_api("make_block_ptr", (3, 9))
    assert oracle.has_api("make_tensor_descriptor", (3, 9)) and not oracle.has_api("make_tensor_descriptor", (3, 3))


@needs_block_pointers
def test_block_pointer_base_and_offsets():
    r = analyse("block_ptr")
    by_line = {s.line: s.sinks for s in r.offset_products}
    assert by_line == {marker("block_ptr_base"): {"addptr"},
                       marker("block_ptr_offset"): {"block_ptr_offset"}}
    # the shape product T * K is widened by make_block_ptr itself: not a late cast
    assert "arith.muli %T, %K : i32" in r.ttir and not r.late_casts


@needs_block_pointers
def test_block_pointer_rewrite_in_ttir_widens_offsets():
    r = analyse("block_ptr", stage="ttir")
    assert "tt.make_tensor_ptr" not in r.ttir  # RewriteTensorPointer ran
    # offsets are sign-extended and scaled in i64: the i32 coordinate is widened
    # and then becomes an address; the shape T * K is widened for the bounds check only
    assert {(lc.site.line, lc.reaches_address) for lc in r.late_casts} == {
        (marker("block_ptr_offset"), True), (marker("block_ptr_base"), False)}
    assert product_lines(r) == {marker("block_ptr_base")}


def test_int32_accumulator_in_for_loop():
    r = analyse("accumulator")
    [acc] = r.accumulators
    assert acc.site.line == marker("accumulator") and acc.loop == "scf.for" and not acc.scaled
    assert not r.offset_products
    assert {s.line for s in r.offset_adds} == {marker("accumulator")}


def test_two_accumulators_in_one_loop():
    r = analyse("two_accumulators")
    assert "%oy_0:2 = scf.for" in r.ttir or re.search(r"%\S+:2 = scf\.for", r.ttir)
    assert r.accumulator_lines() == {marker("acc_x"), marker("acc_y")}


def test_while_counter_is_a_scaled_accumulator_and_its_product_an_offset():
    r = analyse("while_counter")
    assert product_lines(r) == {marker("while_product")}
    [acc] = r.accumulators
    assert acc.site.line == marker("while_counter") and acc.loop == "scf.while" and acc.scaled


def test_pointer_increment_is_an_i32_product_added_to_the_running_pointer():
    r = analyse("pointer_increment")
    [site] = r.offset_products
    assert site.line == marker("pointer_increment") and site.sinks == {"addptr_increment"}
    assert not r.accumulators  # the carried value is a pointer, accumulated in 64 bits


def test_recomputed_offset_in_loop_is_a_plain_addptr_product():
    r = analyse("recomputed_in_loop")
    assert [(s.line, s.sinks) for s in r.offset_products] == [(marker("recomputed"), {"addptr"})]


def test_chained_pointer_adds_stay_separate_grouped_add_is_i32():
    r = analyse("chained_vs_grouped")
    assert product_lines(r) == {marker("chained"), marker("grouped")}
    assert {s.line for s in r.offset_adds} == {marker("grouped")}


def test_helper_product_is_reported_at_the_helper_line():
    r = analyse("uses_helper")
    assert "tt.call" in r.ttir  # frontend IR: not inlined yet
    assert product_lines(r) == {marker("helper_product")}
    t = analyse("uses_helper", stage="ttir")
    assert "tt.call" not in t.ttir  # inlined
    [site] = t.offset_products
    assert site.line == marker("helper_product")
    assert [c[1] for c in site.callers] == [marker("helper_call")]  # callsite location


def test_multiline_product_span():
    r = analyse("multiline")
    [site] = r.offset_products
    # the compiler's line: the right operand (up to 3.6), the start of the product (3.9)
    assert site.line == marker("multiline_start" if oracle.locations_at_start(r.ttir) else "multiline_end")
    assert site.span == (marker("multiline_start"), marker("multiline_end"))
    assert r.product_lines() == {marker("multiline_start"), marker("multiline_end")}


def test_narrowing_cast_of_int64_indices():
    r = analyse("narrowing")  # ORACLE_SIGNATURE makes idx_ptr *i64
    assert [c.cast.line for c in r.narrowing_casts] == [marker("narrowing")]
    assert product_lines(r) == {marker("narrowed_product")}
    r32 = analyse("narrowing", idx_ptr="*i32")  # .to(tl.int32) of an i32 is a no-op
    assert not r32.narrowing_casts and "arith.trunci" not in r32.ttir


def test_if_else_join_and_where():
    r = analyse("branches")
    assert product_lines(r) == {marker("if_then"), marker("if_else")}


def test_product_that_never_becomes_an_address():
    r = analyse("not_an_address")
    assert ir_ops(r, "arith.muli", "i32")
    assert not r.offset_products and not r.late_casts


def test_descriptor_coordinates():
    r = analyse("descriptor")
    assert [(s.line, s.sinks) for s in r.offset_products] == [
        (marker("descriptor"), {"descriptor_coord"})]


def test_descriptor_shapes_are_int32_products_truncations_or_arguments():
    r = analyse("descriptor_shapes")
    got = {(d.site.line, d.dim, d.how) for d in r.descriptor_shapes}
    assert got == {(marker("flat_shape"), 0, "product"), (marker("wide_shape"), 0, "truncated"),
                   (marker("two_d_shape"), 0, "argument"), (marker("two_d_shape"), 1, "argument")}
    assert "arith.trunci %n_wide : i64 to i32" in r.ttir  # the int64 shape silently truncated
    assert r.descriptor_shape_lines() == {marker("flat_shape"), marker("wide_shape")}


def test_cse_in_ttir_merges_products_from_different_lines():
    src = analyse("duplicated")
    assert product_lines(src) == {marker("dup_first"), marker("dup_second")}
    ttir = analyse("duplicated", stage="ttir")
    assert len(ttir.offset_products) == 1  # why the oracle reads the frontend IR by default


def test_oracle_sites_merges_flag_variants():
    res = oracle.oracle_sites(PROBES, ["flags", "tuned"])
    default = analyse("flags")
    assert marker("flag_true") not in product_lines(default)
    assert marker("flag_true") in product_lines(res["flags"])  # IS_VARLEN=True compiled too
    assert [cx["IS_VARLEN"] for _, cx in res["flags"].specialisations] == [False, True]
    assert product_lines(res["tuned"]) == {marker("tuned")}


def test_oracle_sites_default_kernels_skip_helpers():
    res = oracle.oracle_sites(PROBES)
    assert "_row_offset" not in res and "uses_helper" in res
    assert marker("helper_product") in res["uses_helper"].product_lines()


def test_compile_error_is_reported(tmp_path):
    f = tmp_path / "bad.py"
    f.write_text("import triton\nimport triton.language as tl\n\n@triton.jit\n"
                 "def bad(x_ptr):\n    tl.store(x_ptr + 1.5, 0.0)\n")
    with pytest.raises(oracle.OracleError, match="bad"):
        oracle.compile_ttir(f, "bad")


# --- the IR parser on hand-written text ------------------------------------------------

HANDWRITTEN = '''\
#loc = loc("/x/k.py":1:0)
#loc1 = loc("/x/k.py":5:12)
#loc2 = loc("/x/h.py":9:3)
#loc3 = loc("/x/k.py":7:20)
#loc4 = loc("off"(#loc3))
#loc5 = loc(callsite(#loc2 at #loc4))
module {
  tt.func public @k(%p: !tt.ptr<f32> loc("p"(#loc)), %s: i32 loc("s"(#loc))) attributes {noinline = false} {
    %c3 = arith.constant 3 : i32 loc(#loc1)
    %c4 = arith.constant 4 : i32 loc(#loc1)
    %k = arith.muli %c3, %c4 : i32 loc(#loc1)
    %pid = tt.get_program_id x : i32 loc(#loc1)
    %m = arith.muli %pid, %s : i32 loc(#loc5)
    %f = arith.muli %pid, %s : i32 loc(fused[#loc2, #loc3])
    %r:2 = scf.for %i = %c3 to %s step %c4 iter_args(%a = %m, %b = %k) -> (i32, i32)  : i32 {
      %n = arith.addi %a, %s : i32 loc(#loc3)
      scf.yield %n, %b : i32, i32 loc(#loc3)
    } loc(#loc1)
    %q = tt.addptr %p, %r#0 : !tt.ptr<f32>, i32 loc(#loc3)
    %q2 = tt.addptr %p, %r#1 : !tt.ptr<f32>, i32 loc(#loc3)
    %q3 = tt.addptr %p, %f : !tt.ptr<f32>, i32 loc("/x/k.py":8:1)
    tt.return loc(#loc1)
  } loc(#loc)
} loc(#loc)
'''


def test_parser_locations_multiresults_and_constants():
    r = oracle.analyse_ttir(HANDWRITTEN, None)
    sites = {(os.path.basename(s.file), s.line) for s in r.offset_products}
    # %m: callsite loc -> the callee's (helper's) line, caller chain kept;
    # %f: fused loc -> its first file location; %k = 3 * 4 is constant-only.
    assert sites == {("h.py", 9)}
    [site] = r.offset_products
    assert site.callers == (("/x/k.py", 7, 20),)
    assert [a.site.line for a in r.accumulators] == [7]
    r_k = oracle.analyse_ttir(HANDWRITTEN, "/x/k.py")  # other files filtered out
    assert not r_k.offset_products and r_k.accumulators


def test_parser_rejects_undefined_values():
    bad = HANDWRITTEN.replace("%pid, %s : i32 loc(#loc5)", "%pid, %nope : i32 loc(#loc5)")
    with pytest.raises(oracle.OracleParseError, match="undefined value %nope"):
        oracle.analyse_ttir(bad, None)


# ======================================================================================
# Part two: cross-check of the linter against the compiler on fixtures/cases
# ======================================================================================

PRODUCT_CODES = {"TL001", "TL002", "TL005"}
DESCRIPTOR_SHAPE_CODE = "TL008"
_ERROR_RE = re.compile(r"error:\s*(TL\d{3}(?:\s*,\s*TL\d{3})*)")
_WAIVER_RE = re.compile(r"oracle:\s*(\S.*)")


def case_files() -> list[Path]:
    return sorted(p for p in CASES_DIR.glob("*.py") if not p.name.endswith(".fixed.py"))


CASE_FILES = case_files()


def test_fixture_cases_exist():
    assert CASE_FILES, f"no lint cases in {CASES_DIR} (the cross-check would prove nothing)"


def comments(path: Path) -> dict[int, str]:
    st = path.stat()
    return _comments(path, st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=None)
def _comments(path: Path, mtime_ns: int, size: int) -> dict[int, str]:
    out: dict[int, str] = {}
    with open(path, "rb") as fh:
        for tok in tokenize.tokenize(fh.readline):
            if tok.type == tokenize.COMMENT:
                out[tok.start[0]] = tok.string
    return out


def expected_codes(path: Path) -> dict[int, set[str]]:
    out = {}
    for line, text in comments(path).items():
        m = _ERROR_RE.search(text)
        if m:
            out[line] = {c.strip() for c in m.group(1).split(",")}
    return out


def waivers(path: Path) -> dict[int, str]:
    return {line: m.group(1).strip() for line, text in comments(path).items()
            if (m := _WAIVER_RE.search(text))}


@lru_cache(maxsize=None)
def linter_run(path: Path) -> tuple[list[dict] | None, str]:
    """(findings in this file, error text) from the tritonlint CLI."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    # judged on the release the oracle compiles with
    version = ".".join(map(str, oracle.triton_version()))
    cmd = [sys.executable, "-m", "tritonlint", "check", "--format", "json", "--select", "ALL", "--strict",
           "--target-version", version, str(path)]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return None, f"{' '.join(cmd)} timed out"
    if proc.returncode not in (0, 1):
        return None, f"exit code {proc.returncode}\nstdout: {proc.stdout[-2000:]}\nstderr: {proc.stderr[-3000:]}"
    try:
        data = json.loads(proc.stdout)
    except json.JSONDecodeError as e:
        return None, f"output is not JSON ({e}): {proc.stdout[:2000]!r}"
    mine = [d for d in data if Path(ROOT, d.get("filename", "")).resolve() == path.resolve()]
    if (proc.returncode == 1) != bool(mine):
        return None, f"exit code {proc.returncode} with {len(mine)} findings"
    return mine, ""


@lru_cache(maxsize=None)
def oracle_run(path: Path) -> tuple[dict | None, str]:
    try:
        return oracle.oracle_sites(path), ""
    except oracle.OracleError as e:
        return None, (f"{e}\n(make the kernel compile for the oracle with ORACLE_CONSTEXPRS / "
                      f"ORACLE_POINTERS / ORACLE_SIGNATURE, or list it in ORACLE_SKIP with a reason)")


def need_linter(path: Path) -> list[dict]:
    findings, err = linter_run(path)
    if findings is None:
        pytest.fail(f"tritonlint CLI failed on {path.name}: {err}")
    return findings


def need_oracle(path: Path) -> dict:
    res, err = oracle_run(path)
    if res is None:
        pytest.fail(f"oracle failed on {path.name}: {err}")
    return res


def src_line(path: Path, line: int) -> str:
    lines = path.read_text().splitlines()
    return lines[line - 1].strip() if 0 < line <= len(lines) else "<no such line>"


def by_row(findings: list[dict]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for f in findings:
        out.setdefault(f["location"]["row"], []).append(f)
    return out


def oracle_says(results: dict, line: int) -> str:
    """Everything the compiler reports on a source line, for failure messages."""
    said = []
    for k, r in results.items():
        for s in r.offset_products:
            if line in s.lines:
                said.append(f"{k}: i32 muli into {'/'.join(sorted(s.sinks))}")
        for c in r.late_casts:
            if line in c.site.lines or line in c.cast.lines:
                said.append(f"{k}: i32 muli on line {c.site.line} widened on line {c.cast_line}"
                            f" ({'explicit' if c.explicit else 'implicit'} cast"
                            f"{', then an address' if c.reaches_address else ''})")
        for c in r.narrowing_casts:
            if line in c.cast.lines:
                said.append(f"{k}: trunci to i32 reaching an address")
        for a in r.accumulators:
            if line in a.site.lines:
                said.append(f"{k}: i32 {a.loop} accumulator {a.carried}{' (scaled)' if a.scaled else ''}")
        for s in r.offset_adds:
            if line in s.lines:
                said.append(f"{k}: i32 addi/subi into an address")
        for d in r.descriptor_shapes:
            if line in d.site.lines:
                said.append(f"{k}: descriptor shape {d.dim} is an i32 {d.how}")
        if r.not_compiled and line in r.source_lines:
            said.append(f"{k}: not compiled ({r.not_compiled})")
    covered = any(line in r.covered_lines for r in results.values())
    if not said:
        return "nothing (line compiled)" if covered else "nothing: no IR from this line in the compiled specialisations"
    return "; ".join(sorted(set(said)))


def fmt(path: Path, line: int, linter: str, results: dict) -> str:
    return (f"  line {line}: {src_line(path, line)}\n"
            f"      linter: {linter}\n"
            f"      oracle: {oracle_says(results, line)}")


def case_param():
    return pytest.mark.parametrize("case", CASE_FILES, ids=[p.name for p in CASE_FILES])


def expectation_problems(case: Path, findings: list[dict]) -> list[str]:
    """(e) `# error:` comments vs the linter's codes, line by line."""
    got: dict[int, set[str]] = {}
    for f in findings:
        got.setdefault(f["location"]["row"], set()).add(f["code"])
    want = expected_codes(case)
    return [
        f"  line {ln}: {src_line(case, ln)}\n      expected {sorted(want.get(ln, ()))}, "
        f"linter reported {sorted(got.get(ln, ()))}"
        for ln in sorted(set(got) | set(want)) if got.get(ln, set()) != want.get(ln, set())]


def soundness_problems(case: Path, findings: list[dict], results: dict) -> list[str]:
    """(a), (b), (c) and TL004: findings the compiled IR does not confirm."""
    products = set().union(*(r.product_lines() for r in results.values()))
    widened_products = {ln for r in results.values() for c in r.late_casts if c.reaches_address
                        for ln in c.site.lines}
    late = {ln for r in results.values() for c in r.late_casts for ln in (*c.cast.lines, *c.site.lines)}
    narrowing = {ln for r in results.values() for c in r.narrowing_casts for ln in c.cast.lines}
    accumulators = set().union(*(r.accumulator_lines() for r in results.values()))
    shapes = {ln for r in results.values() for ln in r.descriptor_shape_lines(("product", "truncated", "argument",
                                                                                  "computed"))}
    # a kernel this Triton cannot compile (block pointers on 3.9) is checked by the other oracle
    uncompiled = {ln for r in results.values() if r.not_compiled for ln in r.source_lines}
    problems = []
    for f in sorted(findings, key=lambda f: (f["location"]["row"], f["code"])):
        row, code = f["location"]["row"], f["code"]
        if row in uncompiled:
            continue
        if code == DESCRIPTOR_SHAPE_CODE:
            ok, want = row in shapes, "a tt.make_tensor_descriptor whose shape is a runtime i32 value"
        elif code in PRODUCT_CODES:
            ok, want = row in products | widened_products, "a 32-bit muli into an address"
        elif code == "TL003":
            ok, want = row in late, "a 32-bit muli widened after the product"
        elif code == "TL004":
            ok, want = row in narrowing, ("a trunci to 32 bits reaching an address (if the pointer "
                                          "holds int64, say so in ORACLE_SIGNATURE)")
        elif code == "TL006":
            ok, want = row in accumulators, "a loop-carried 32-bit addi reaching an address"
        else:
            continue  # codes the oracle has no model for
        if not ok:
            problems.append(fmt(case, row, f"{code} {f.get('message', '')[:160]}", results)
                            + f"\n      (expected the compiler to show {want})")
    return problems


def completeness_problems(case: Path, findings: list[dict], results: dict) -> list[str]:
    """(d) i32 products into addresses and late casts that are neither flagged nor waived."""
    rows = by_row(findings)
    waived = waivers(case)
    problems, seen = [], set()

    def check(lines: set[int], what: str, anchor: int):
        if (anchor, what) in seen:
            return
        seen.add((anchor, what))
        if any(ln in rows or ln in waived for ln in lines):
            return
        problems.append(fmt(case, anchor, "no finding", results)
                        + f"\n      ({what}: flag it, or add `# oracle: <reason>` to the line)")

    for k, r in sorted(results.items()):
        for s in r.offset_products:
            check(set(s.lines), f"{k}: i32 product into {'/'.join(sorted(s.sinks))}", s.line)
        for c in r.late_casts:
            check(set(c.site.lines) | set(c.cast.lines),
                  f"{k}: i32 product widened on line {c.cast_line}", c.site.line)
        for d in r.descriptor_shapes:
            if d.how in ("product", "truncated"):
                check(set(d.site.lines), f"{k}: descriptor shape {d.dim} is an i32 {d.how}", d.site.line)
    return problems


def waiver_problems(case: Path, results: dict) -> list[str]:
    """`# oracle:` waivers on compiled lines where the compiler shows nothing to waive."""
    covered = set().union(*(r.covered_lines for r in results.values())) if results else set()
    sites = set()
    for r in results.values():
        sites |= r.product_lines() | r.late_cast_lines()
        sites |= {ln for c in r.late_casts for ln in c.site.lines}
        sites |= {ln for s in r.offset_adds for ln in s.lines} | r.accumulator_lines()
        sites |= r.descriptor_shape_lines()
    return [f"  line {ln}: {src_line(case, ln)}\n      waiver: {why}\n"
            f"      oracle: {oracle_says(results, ln)}"
            for ln, why in sorted(waivers(case).items()) if ln in covered and ln not in sites]


@case_param()
def test_case_expectations_match_linter(case):
    """(e) `# error:` comments == the linter's codes, line by line."""
    problems = expectation_problems(case, need_linter(case))
    assert not problems, f"{case.name}: expectations differ from the linter:\n" + "\n".join(problems)


@case_param()
def test_linter_findings_confirmed_by_compiler(case):
    """(a), (b), (c): each finding sits on an op the compiler really emits."""
    problems = soundness_problems(case, need_linter(case), need_oracle(case))
    assert not problems, (f"{case.name}: linter findings the compiled IR does not confirm:\n"
                          + "\n".join(problems))


@case_param()
def test_compiler_sites_explained(case):
    """(d) each i32 product into an address / late cast is flagged or waived."""
    problems = completeness_problems(case, need_linter(case), need_oracle(case))
    assert not problems, (f"{case.name}: 32-bit address arithmetic the linter does not report:\n"
                          + "\n".join(problems))


@case_param()
def test_oracle_waivers_are_needed(case):
    """A `# oracle:` waiver must sit on a compiled line where the compiler really
    does 32-bit arithmetic into an address (or a late cast)."""
    problems = waiver_problems(case, need_oracle(case))
    assert not problems, f"{case.name}: stale `# oracle:` waivers:\n" + "\n".join(problems)


# --- the cross-check's own checks, on a synthetic case with a simulated linter ---------

SYNTHETIC = TESTS / "oracle_probes" / "case_like.py"


def perfect_linter(path: Path) -> list[dict]:
    """The findings a linter that matches the `# error:` comments would report."""
    return [{"code": c, "location": {"row": ln, "column": 1}, "message": "simulated"}
            for ln, codes in sorted(expected_codes(path).items()) for c in sorted(codes)]


def synthetic_variant(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = SYNTHETIC.read_text()
    assert old in text
    out = tmp_path / f"{name}.py"
    out.write_text(text.replace(old, new))
    return out


def test_cross_check_accepts_a_consistent_case():
    findings, results = perfect_linter(SYNTHETIC), oracle.oracle_sites(SYNTHETIC)
    assert expectation_problems(SYNTHETIC, findings) == []
    assert soundness_problems(SYNTHETIC, findings, results) == []
    assert completeness_problems(SYNTHETIC, findings, results) == []
    assert waiver_problems(SYNTHETIC, results) == []


def test_cross_check_rejects_a_finding_without_compiler_evidence():
    findings, results = perfect_linter(SYNTHETIC), oracle.oracle_sites(SYNTHETIC)
    safe = marker("safe_line", SYNTHETIC)
    for code in ("TL002", "TL003", "TL004", "TL006"):
        bogus = findings + [{"code": code, "location": {"row": safe, "column": 1}, "message": "bogus"}]
        problems = soundness_problems(SYNTHETIC, bogus, results)
        assert len(problems) == 1 and f"line {safe}:" in problems[0] and code in problems[0]
        assert len(expectation_problems(SYNTHETIC, bogus)) == 1


def test_cross_check_rejects_a_missing_finding():
    results = oracle.oracle_sites(SYNTHETIC)
    line = marker("product_line", SYNTHETIC)
    findings = [f for f in perfect_linter(SYNTHETIC) if f["location"]["row"] != line]
    problems = completeness_problems(SYNTHETIC, findings, results)
    assert len(problems) == 1 and f"line {line}:" in problems[0] and "i32 muli into addptr" in problems[0]
    late = marker("late_line", SYNTHETIC)
    findings = [f for f in perfect_linter(SYNTHETIC) if f["location"]["row"] != late]
    assert any(f"line {late}:" in p for p in completeness_problems(SYNTHETIC, findings, results))


def test_cross_check_requires_and_checks_waivers(tmp_path):
    unwaived = synthetic_variant(tmp_path, "unwaived", "# oracle: block start", "# no waiver")
    res = oracle.oracle_sites(unwaived)
    problems = completeness_problems(unwaived, perfect_linter(unwaived), res)
    assert len(problems) == 1 and f"line {marker('waived_line', SYNTHETIC)}:" in problems[0]
    stale = synthetic_variant(tmp_path, "stale", "# P:safe_line", "# P:safe_line  # oracle: not needed")
    problems = waiver_problems(stale, oracle.oracle_sites(stale))
    assert len(problems) == 1 and "not needed" in problems[0]
