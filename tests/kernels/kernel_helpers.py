"""Shared helpers for the kernel tests (tests/kernels): source tags, the
tritonlint CLI, compiler specialisations, and the CPU case list.

Importing this module does not import torch or triton.
"""
from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KERNELS = ROOT / "fixtures" / "kernels"
FAMILIES = ("causal_conv1d", "gated_delta_rule")
KERNEL_NAMES = {
    "causal_conv1d": ("_causal_conv1d_fwd_kernel", "_causal_conv1d_update_kernel"),
    "gated_delta_rule": ("chunk_gated_delta_rule_fwd_h_kernel",),
}

TAG_RE = re.compile(r"#\s*overflow site \[(TL\d{3})\]")
WAIVER_RE = re.compile(r"#\s*oracle:")


def kernel_file(family: str, fixed: bool) -> Path:
    return KERNELS / f"{family}_{'fixed' if fixed else 'unfixed'}.py"


def tagged_sites(path) -> set[tuple[str, int]]:
    """(code, row) of every line tagged ``# overflow site [TLxxx]`` (rows 1-based)."""
    out = set()
    for i, line in enumerate(Path(path).read_text().splitlines(), 1):
        m = TAG_RE.search(line)
        if m:
            out.add((m.group(1), i))
    return out


def waived_lines(path) -> set[int]:
    return {i for i, line in enumerate(Path(path).read_text().splitlines(), 1) if WAIVER_RE.search(line)}


# ----------------------------------------------------------------------------- tritonlint CLI


def tritonlint_available() -> str | None:
    """None when ``python -m tritonlint`` can run here, else the reason it cannot."""
    try:
        import libcst  # noqa: F401
    except ImportError:
        return "libcst is not installed"
    r = subprocess.run([sys.executable, "-m", "tritonlint", "--help"], capture_output=True, text=True, cwd=ROOT,
                       env=_lint_env())
    if r.returncode != 0:
        return f"`python -m tritonlint --help` failed: {(r.stderr or r.stdout).strip()[-300:]}"
    return None


def _lint_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("TRITON_INTERPRET", None)
    return env


# The tags mark every int32 product that reaches an address (the type analysis), so
# these runs are --strict: the default tier also leaves out the ones no realistic
# workload wraps (a token index times the head count), which test_sizes covers.
def lint_json(path) -> tuple[int, list[dict], str]:
    """Run ``tritonlint check --strict --format json --select ALL PATH``: (exit code, findings, stderr)."""
    cmd = [sys.executable, "-m", "tritonlint", "check", "--strict", "--format", "json", "--select", "ALL", str(path)]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=_lint_env(), timeout=300)
    try:
        findings = json.loads(r.stdout) if r.stdout.strip() else []
    except json.JSONDecodeError as e:  # pragma: no cover - reported by the caller
        raise AssertionError(f"tritonlint did not print JSON (rc={r.returncode}): {r.stdout[-2000:]}\n{r.stderr[-2000:]}") from e
    return r.returncode, findings, r.stderr


def lint_fix(path) -> subprocess.CompletedProcess:
    """Run ``tritonlint check --strict --fix --unsafe-fixes PATH`` (rewrites PATH in place)."""
    cmd = [sys.executable, "-m", "tritonlint", "check", "--strict", "--fix", "--unsafe-fixes", str(path)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=_lint_env(), timeout=300)


def fix_copies(directory) -> dict[str, tuple[Path, subprocess.CompletedProcess]]:
    """Copy each family's unfixed kernel into ``directory`` and run ``lint_fix`` on the
    copy: family -> (fixed path, tritonlint's result)."""
    out = {}
    for fam in FAMILIES:
        p = Path(directory) / f"{fam}_unfixed.py"
        shutil.copyfile(kernel_file(fam, fixed=False), p)
        out[fam] = (p, lint_fix(p))
    return out


def finding_pairs(findings: list[dict]) -> set[tuple[str, int]]:
    return {(f["code"], f["location"]["row"]) for f in findings}


# ----------------------------------------------------------------------------- compiler specialisations

# Realistic constexpr values (dim = 8192, width 4, bf16 activations; H = 32, K = V = 128).
CONV_CONSTEXPRS = dict(
    stride_x_dim=1, stride_x_token=8192, stride_w_dim=4, stride_w_width=1,
    stride_istate_seq=3 * 8192, stride_istate_dim=3, stride_istate_token=1,
    stride_o_dim=1, stride_o_token=8192,
    stride_x_seq=8192, stride_state_seq=3 * 8192, stride_state_dim=3, stride_state_token=1, stride_o_seq=8192,
    KERNEL_WIDTH=4, HAS_BIAS=True, SILU_ACTIVATION=True, HAS_CONV_STATE=True, BLOCK_M=64, BLOCK_N=128,
)
CONV_POINTERS = dict(
    x_ptr="*bf16", w_ptr="*bf16", bias_ptr="*bf16", conv_states_ptr="*bf16", conv_state_ptr="*bf16",
    o_ptr="*bf16", has_initial_state_ptr="*i32", cache_indices_ptr="*i32", conv_state_indices_ptr="*i32",
    query_start_loc_ptr="*i32",
)
DELTA_CONSTEXPRS = dict(H=32, K=128, V=128, BT=64, BV=64, USE_G=True, USE_INITIAL_STATE=True,
                        STORE_FINAL_STATE=True, SAVE_NEW_VALUE=True, IS_VARLEN=False)
DELTA_POINTERS = dict(k="*bf16", w="*bf16", u="*bf16", g="*fp32", h="*bf16", v_new="*bf16", h0="*fp32",
                      ht="*fp32", cu_seqlens="*i32", chunk_offsets="*i32")


def compile_specs(family: str) -> list[tuple[str, dict, dict]]:
    """(kernel name, constexpr values, pointer types) to compile for the oracle tests."""
    if family == "causal_conv1d":
        return [(name, CONV_CONSTEXPRS, CONV_POINTERS) for name in KERNEL_NAMES[family]]
    return [("chunk_gated_delta_rule_fwd_h_kernel", dict(DELTA_CONSTEXPRS, IS_VARLEN=v), DELTA_POINTERS)
            for v in (False, True)]


def overrides_for(fn, constexprs: dict, pointers: dict) -> dict:
    """Per-parameter overrides for tests/oracle.py: values for the constexpr
    parameters of *this* form, type strings for the runtime ones (a stride that is
    ``tl.constexpr`` in the unfixed form is ``tl.int64`` in the fixed one)."""
    out = {}
    for p in fn.params:
        if p.is_constexpr and p.name in constexprs:
            out[p.name] = constexprs[p.name]
        elif not p.is_constexpr and p.name in pointers:
            out[p.name] = pointers[p.name]
    return out


# ----------------------------------------------------------------------------- CPU cases

def _conv_cases() -> list[dict]:
    cases = []
    combos = [(False, False, False), (True, True, True), (True, False, True), (False, True, False)]
    for width, dtype, (bias, silu, init) in itertools.product((2, 3, 4), ("float32", "bfloat16"), combos):
        cases.append(dict(kind="conv_fwd", width=width, dtype=dtype, bias=bias, silu=silu, init=init,
                          name=f"conv_fwd-w{width}-{dtype}-bias{int(bias)}-silu{int(silu)}-init{int(init)}"))
    cases.append(dict(kind="conv_fwd", width=4, dtype="float32", bias=True, silu=False, init=None,
                      name="conv_fwd-w4-float32-no_conv_states"))
    for width, dtype, seqlen in itertools.product((2, 3, 4), ("float32", "bfloat16"), (1, 3)):
        bias = silu = seqlen == 1
        cases.append(dict(kind="conv_update", width=width, dtype=dtype, seqlen=seqlen, bias=bias, silu=silu,
                          name=f"conv_update-w{width}-{dtype}-seqlen{seqlen}-bias{int(bias)}-silu{int(silu)}"))
    return cases


def _delta_cases() -> list[dict]:
    return [
        dict(kind="delta", name="delta-fixed_len-K128-V64-g-h0-ht", B=2, T=150, H=2, K=128, V=64,
             g=True, h0=True, ht=True, varlen=None, save_v=True, dtype="float32"),
        dict(kind="delta", name="delta-varlen-K64-V48-g-h0-ht", B=1, T=200, H=2, K=64, V=48,
             g=True, h0=True, ht=True, varlen=[0, 70, 71, 200], save_v=True, dtype="float32", BV=32),
        dict(kind="delta", name="delta-varlen-K96-V32-no_g-no_h0", B=1, T=160, H=3, K=96, V=32,
             g=False, h0=False, ht=True, varlen=[0, 64, 129, 160], save_v=True, dtype="float32"),
        dict(kind="delta", name="delta-fixed_len-K32-V16-plain", B=3, T=65, H=1, K=32, V=16,
             g=False, h0=False, ht=False, varlen=None, save_v=False, dtype="float32"),
    ]


def cpu_cases() -> list[dict]:
    return _conv_cases() + _delta_cases()


def case_family(case: dict) -> str:
    return "gated_delta_rule" if case["kind"] == "delta" else "causal_conv1d"
