"""GPU tier: the reference kernels just past the int32 boundary (H100/H200).

Each case runs in its own process (tests/kernels/gpu_case.py), because an
illegal memory access poisons the CUDA context. For every case:

* the unfixed form must fail: a CUDA error, or wrong values past the boundary;
* the fixed form must give the right values past the boundary;
* tritonlint's ``--fix --unsafe-fixes`` output of the unfixed form (made here on a
  temp copy) must give the right values too (skipped when tritonlint cannot run,
  e.g. without libcst).

Cases (each well under 20 GiB of GPU memory):
  conv_fwd      causal_conv1d forward, dim 8192 x 266240 tokens bf16 (token * 8192 wraps at 262144)
  conv_update   causal_conv1d decode update, 90000 cache lines x 8192 x 3 (line * 24576 wraps at 87382)
  delta         gated delta rule, H = 32, K = V = 128, 4160 chunks (i_t * H*K*V wraps at chunk 4096)
  delta_varlen  packed batch whose 2nd sequence starts at chunk 4097 (the late cast of boh * H*K*V)

Run: ``pytest -m gpu tests/kernels``.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import kernel_helpers as KH

try:
    import torch

    HAVE_CUDA = torch.cuda.is_available()
except ImportError:  # pragma: no cover
    HAVE_CUDA = False

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not HAVE_CUDA, reason="needs a CUDA GPU")]

CASE_SCRIPT = Path(__file__).resolve().parent / "gpu_case.py"
CASES = ["conv_fwd", "conv_update", "delta", "delta_varlen"]
FAMILY = {"conv_fwd": "causal_conv1d", "conv_update": "causal_conv1d", "delta": "gated_delta_rule",
          "delta_varlen": "gated_delta_rule"}
TIMEOUT = 420


@pytest.fixture(scope="module", autouse=True)
def _enough_memory():
    free, total = torch.cuda.mem_get_info()
    if total < 40 * 2**30:
        pytest.skip(f"needs a GPU with >= 40 GiB (this one has {total / 2**30:.0f} GiB)")


def _run(case: str, form: str, module_path: Path | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, str(CASE_SCRIPT), case, form]
    if module_path is not None:
        cmd += ["--module-path", str(module_path)]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=KH.ROOT, timeout=TIMEOUT, env=KH._lint_env())
    out = (r.stdout + ("\n" + r.stderr if r.stderr.strip() else "")).strip()
    print(f"\n$ {' '.join(cmd[1:])}  (rc={r.returncode})\n{out[-4000:]}")
    r.output = out
    return r


def _verdict(r) -> str:
    lines = [ln for ln in r.output.splitlines() if ln.startswith("VERDICT:")]
    return lines[-1] if lines else f"(no verdict line; exit code {r.returncode})"


@pytest.mark.parametrize("case", CASES)
def test_unfixed_fails_past_int32_boundary(case):
    r = _run(case, "unfixed")
    assert r.returncode != 2, f"the case could not run: {_verdict(r)}\n{r.output[-3000:]}"
    assert r.returncode != 0, f"the unfixed form gave correct values past the boundary: {_verdict(r)}"
    # 1: wrong values; 3: CUDA error; anything else (a signal): the process died on the bad address
    print(_verdict(r))


@pytest.mark.parametrize("case", CASES)
def test_fixed_matches_past_int32_boundary(case):
    r = _run(case, "fixed")
    assert r.returncode == 0, f"{_verdict(r)}\n{r.output[-3000:]}"


@pytest.fixture(scope="module")
def fix_output_dir(tmp_path_factory):
    reason = KH.tritonlint_available()
    if reason is not None:
        pytest.skip(f"tritonlint cannot run here ({reason}): the --fix output is not generated")
    out = {}
    for fam, (p, r) in KH.fix_copies(tmp_path_factory.mktemp("tritonlint_fix_gpu")).items():
        assert r.returncode == 0, f"tritonlint --fix failed on {fam}: {r.stdout[-2000:]}{r.stderr[-2000:]}"
        out[fam] = p
    return out


@pytest.mark.parametrize("case", CASES)
def test_fix_output_matches_past_int32_boundary(case, fix_output_dir):
    r = _run(case, "fixed", module_path=fix_output_dir[FAMILY[case]])
    assert r.returncode == 0, f"{_verdict(r)}\n{r.output[-3000:]}"
