"""Run the reference kernels in the Triton interpreter against the PyTorch references.

Usage (normally started by tests/kernels/test_kernels_cpu.py):

    python tests/kernels/cpu_worker.py --form fixed|unfixed
        [--conv-module PATH] [--delta-module PATH] [--cases NAME,NAME...]

It sets TRITON_INTERPRET=1 *before* importing triton (in triton 3.6 the
interpreter choice is made when ``triton.language`` is first imported, so it
has to be a process of its own) and prints one JSON object per case on stdout:
``{"name", "ok", "detail"}``. Exit code 0 whether or not cases fail; 2 when the
worker itself cannot run.
"""
from __future__ import annotations

import os

os.environ["TRITON_INTERPRET"] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import traceback  # noqa: E402
import zlib  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for p in (str(HERE), str(ROOT)):
    if p not in sys.path:
        sys.path.insert(0, p)

import torch  # noqa: E402

import kernel_helpers as KH  # noqa: E402
from fixtures.kernels import api  # noqa: E402
from fixtures.kernels import reference as ref  # noqa: E402

TOL = {"float32": (2e-5, 2e-5), "bfloat16": (1e-2, 2e-2)}  # (atol, rtol) on outputs


def _close(name, got, want, atol, rtol, errors):
    got, want = got.float(), want.float()
    if got.shape != want.shape:
        errors.append(f"{name}: shape {tuple(got.shape)} != {tuple(want.shape)}")
        return
    if not torch.allclose(got, want, atol=atol, rtol=rtol):
        diff = (got - want).abs()
        errors.append(f"{name}: max abs err {diff.max().item():.3g} at {tuple(int(i) for i in torch.nonzero(diff == diff.max())[0])}")


def run_conv_fwd(case, fixed, module_path):
    g = torch.Generator().manual_seed(zlib.crc32(case["name"].encode()))
    dt = getattr(torch, case["dtype"])
    width, dim = case["width"], 40  # 40 channels: two channel blocks of 32, the second one partial
    lens = [5, 1, 19, 2, 0, 33]  # several sequences; shorter than width - 1, empty, several token blocks
    total = sum(lens)
    qsl = torch.tensor([0] + torch.tensor(lens).cumsum(0).tolist(), dtype=torch.int32)
    x = torch.randn(total, dim, generator=g).to(dt).t()  # (dim, total), token stride dim
    weight = torch.randn(dim, width, generator=g).to(dt)
    bias = torch.randn(dim, generator=g).to(dt) if case["bias"] else None
    act = "silu" if case["silu"] else None
    errors = []
    if case["init"] is None:
        out = api.causal_conv1d_fn(x, weight, bias, None, qsl, activation=act, fixed=fixed,
                                   module_path=module_path, block_m=16, block_n=32)
        want, _ = ref.causal_conv1d_ref(x, weight, bias, None, qsl, activation=act)
    else:
        lines = 9
        states = torch.randn(lines, dim, width - 1, generator=g).to(dt)
        cache_indices = torch.tensor([7, 0, 4, 2, 5, 8], dtype=torch.int32)
        has_init = torch.tensor([1, 1, 0, 1, 1, 0] if case["init"] else [0] * 6, dtype=torch.bool)
        states_k = states.clone()
        out = api.causal_conv1d_fn(x, weight, bias, states_k, qsl, cache_indices, has_init, act, fixed=fixed,
                                   module_path=module_path, block_m=16, block_n=32)
        want, want_states = ref.causal_conv1d_ref(x, weight, bias, states, qsl, cache_indices, has_init, act)
        # states are copies of inputs: exact
        _close("conv_states", states_k, want_states.to(dt), 0.0, 0.0, errors)
    assert out.stride() == x.stride()
    atol, rtol = TOL[case["dtype"]]
    _close("out", out, want.to(dt) if dt != torch.float32 else want, atol, rtol, errors)
    return errors


def run_conv_update(case, fixed, module_path):
    g = torch.Generator().manual_seed(zlib.crc32(case["name"].encode()))
    dt = getattr(torch, case["dtype"])
    width, dim, batch, seqlen = case["width"], 40, 3, case["seqlen"]
    x = torch.randn(batch, dim, seqlen, generator=g).to(dt)
    if seqlen == 1:
        x = x[..., 0]  # (batch, dim), the common decode shape
    weight = torch.randn(dim, width, generator=g).to(dt)
    bias = torch.randn(dim, generator=g).to(dt) if case["bias"] else None
    act = "silu" if case["silu"] else None
    state = torch.randn(6, dim, width - 1, generator=g).to(dt)
    idx = torch.tensor([5, 0, 3], dtype=torch.int32)
    state_k = state.clone()
    out = api.causal_conv1d_update(x, state_k, weight, bias, act, idx, fixed=fixed, module_path=module_path,
                                   block_n=16)
    want, want_state = ref.causal_conv1d_update_ref(x, state, weight, bias, act, idx)
    errors = []
    atol, rtol = TOL[case["dtype"]]
    _close("out", out, want.to(dt) if dt != torch.float32 else want, atol, rtol, errors)
    _close("conv_state", state_k, want_state.to(dt), 0.0, 0.0, errors)
    return errors


def run_delta(case, fixed, module_path):
    g = torch.Generator().manual_seed(zlib.crc32(case["name"].encode()))
    dt = getattr(torch, case["dtype"])
    B, T, H, K, V = case["B"], case["T"], case["H"], case["K"], case["V"]
    k = (torch.randn(B, T, H, K, generator=g) / K**0.5).to(dt)
    w = (torch.randn(B, T, H, K, generator=g) / K**0.5).to(dt)
    u = torch.randn(B, T, H, V, generator=g).to(dt)
    cu = torch.tensor(case["varlen"], dtype=torch.int32) if case["varlen"] else None
    gate = None
    if case["g"]:
        # cumulative log-gates within each chunk of 64 tokens of each sequence
        raw = -torch.rand(B, T, H, generator=g) * 0.1
        gate = torch.empty_like(raw)
        starts = case["varlen"] if case["varlen"] else [0, T]
        for s in range(len(starts) - 1):
            for c0 in range(starts[s], starts[s + 1], 64):
                c1 = min(c0 + 64, starts[s + 1])
                gate[:, c0:c1] = raw[:, c0:c1].cumsum(1)
    N = len(case["varlen"]) - 1 if case["varlen"] else B
    h0 = torch.randn(N, H, K, V, generator=g) if case["h0"] else None
    h, v_new, ht = api.chunk_gated_delta_rule_fwd_h(
        k, w, u, gate, h0, case["ht"], cu, save_new_value=case["save_v"], h_dtype=torch.float32,
        fixed=fixed, module_path=module_path, BV=case.get("BV"))
    hr, vr, htr = ref.chunk_gated_delta_rule_fwd_h_ref(k, w, u, gate, h0, case["ht"], cu)
    errors = []
    atol, rtol = 1e-4, 1e-4
    _close("h", h, hr, atol, rtol, errors)
    if case["save_v"]:
        _close("v_new", v_new, vr, atol, rtol, errors)
    else:
        assert v_new is None
    if case["ht"]:
        _close("final_state", ht, htr, atol, rtol, errors)
    return errors


RUNNERS = {"conv_fwd": run_conv_fwd, "conv_update": run_conv_update, "delta": run_delta}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--form", choices=("fixed", "unfixed"), default="fixed")
    ap.add_argument("--conv-module", help="load the causal_conv1d kernels from this file")
    ap.add_argument("--delta-module", help="load the gated delta rule kernel from this file")
    ap.add_argument("--cases", help="comma-separated case names (default: all)")
    args = ap.parse_args(argv)
    cases = KH.cpu_cases()
    if args.cases:
        wanted = set(args.cases.split(","))
        cases = [c for c in cases if c["name"] in wanted]
    fixed = args.form == "fixed"
    torch.manual_seed(0)
    for case in cases:
        module_path = args.delta_module if case["kind"] == "delta" else args.conv_module
        try:
            errors = RUNNERS[case["kind"]](case, fixed, module_path)
            res = {"name": case["name"], "ok": not errors, "detail": "; ".join(errors)}
        except Exception as e:  # noqa: BLE001 - reported per case
            tb = traceback.format_exc(limit=6)
            res = {"name": case["name"], "ok": False, "detail": f"{type(e).__name__}: {e}\n{tb[-3000:]}"}
        print(json.dumps(res), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
