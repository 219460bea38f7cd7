"""One GPU case just past the int32 boundary, in a process of its own.

    python tests/kernels/gpu_case.py CASE FORM [--module-path PATH]

CASE: conv_fwd | conv_update | delta | delta_varlen; FORM: unfixed | fixed (with
--module-path the kernels come from that file, e.g. tritonlint's --fix output).
The correct values are checked *past* the boundary against something computed
independently and cheaply (the PyTorch reference on a slice, or inputs whose
result is known in closed form). Prints a final ``VERDICT: ...`` line.

Exit codes: 0 correct values; 1 wrong values; 3 CUDA error (illegal memory
access...); 2 the case could not run (no CUDA, not enough memory, a bug here).
An illegal address poisons the CUDA context, hence one process per case.
"""
from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# --cpu-small: the same checks at tiny sizes in the Triton interpreter (to test this
# script without a GPU; proves nothing about overflow). Must be set before triton loads.
SMALL = "--cpu-small" in sys.argv
if SMALL:
    import os

    os.environ["TRITON_INTERPRET"] = "1"

import torch  # noqa: E402

from fixtures.kernels import api  # noqa: E402
from fixtures.kernels import reference as ref  # noqa: E402

INT32_MAX = 2**31 - 1
DEV = "cpu" if SMALL else "cuda"


def _sync():
    if DEV == "cuda":
        torch.cuda.synchronize()


class WrongValues(Exception):
    pass


def _rel_err(got: torch.Tensor, want: torch.Tensor) -> float:
    got, want = got.float(), want.float()
    if not torch.isfinite(got).all():
        return float("inf")
    return ((got - want).norm() / want.norm().clamp_min(1e-30)).item()


def _expect(label: str, got: torch.Tensor, want: torch.Tensor, tol: float) -> None:
    e = _rel_err(got, want)
    ok = e <= tol
    print(f"  check {label}: relative error {e:.3g} (tolerance {tol:g}) {'ok' if ok else 'WRONG'}", flush=True)
    if not ok:
        raise WrongValues(label)


def _expect_equal(label: str, got: torch.Tensor, want: torch.Tensor) -> None:
    bad = (got != want) | got.isnan()
    n = int(bad.sum().item())
    print(f"  check {label}: {n} of {got.numel()} elements differ {'ok' if n == 0 else 'WRONG'}", flush=True)
    if n:
        raise WrongValues(label)


# ----------------------------------------------------------------------------- causal_conv1d


def case_conv_fwd(kw):
    """dim = 8192, 266240 tokens in bf16: x has 2.18e9 > 2**31 elements; token
    index * stride_x_token (8192) wraps from token 262144 on."""
    dev, dt, W, dim = DEV, torch.bfloat16, 4, (64 if SMALL else 8192)
    boundary = 600 if SMALL else (INT32_MAX + 1) // dim  # 262144
    total = boundary + (100 if SMALL else 4096)
    s2 = 100 if SMALL else 1000  # start of sequence 2
    span = 50 if SMALL else 1024
    qsl = torch.tensor([0, s2, total], dtype=torch.int32, device=dev)
    print(f"  x: ({dim}, {total}) bf16 = {dim * total:,} elements (2**31 = {2**31:,}); "
          f"token offsets wrap from token {boundary}", flush=True)
    g = torch.Generator(device=dev).manual_seed(0)
    x = torch.randn(total, dim, device=dev, dtype=dt, generator=g).t()
    weight = torch.randn(dim, W, device=dev, dtype=dt, generator=g) * 0.5
    bias = torch.randn(dim, device=dev, dtype=dt, generator=g)
    states = torch.randn(4, dim, W - 1, device=dev, dtype=dt, generator=g)
    cache_indices = torch.tensor([2, 1], dtype=torch.int32, device=dev)
    has_init = torch.tensor([1, 1], dtype=torch.int32, device=dev)
    states0 = states.clone()
    t = time.time()
    out = api.causal_conv1d_fn(x, weight, bias, states, qsl, cache_indices, has_init, "silu", **kw)
    _sync()
    print(f"  kernel done in {time.time() - t:.1f}s (incl. compile)", flush=True)

    def ref_slice(a, b, bos, init_state):
        # output tokens [a, b) of a sequence starting at bos, from inputs [a - (W-1), b) only
        if a - bos >= W - 1:
            prefix = x[:, a - (W - 1):a]
        else:
            prefix = torch.cat([init_state[:, (a - bos):], x[:, bos:a]], dim=1)
        o, _ = ref.causal_conv1d_ref(x[:, a:b], weight, bias, prefix[None].contiguous(), None, None,
                                     torch.ones(1, dtype=torch.bool), "silu")
        return o

    for a, b, label in [
        (s2, s2 + span // 2, "seq 2 start (initial state)"),
        (boundary - span, boundary + span, "around the int32 boundary"),
        (total - 2 * span, total, "last tokens"),
        (0, span // 2, "seq 1 start (initial state)"),
    ]:
        bos = 0 if a < s2 else s2
        init = states0[int(cache_indices[0 if bos == 0 else 1])]
        _expect(f"out[:, {a}:{b}] {label}", out[:, a:b], ref_slice(a, b, bos, init).to(dt), 1e-2)
    _expect_equal("final conv state of seq 2 (last 3 inputs)", states[1], x[:, total - (W - 1):total])
    _expect_equal("final conv state of seq 1", states[2], x[:, s2 - (W - 1):s2])


def case_conv_update(kw):
    """conv_state (90000, 8192, 3) bf16: 2.2e9 elements; cache line * stride
    (24576) wraps from line 87382 on."""
    dev, dt, W, dim = DEV, torch.bfloat16, 4, (64 if SMALL else 8192)
    lines = 60 if SMALL else 90000
    stride = dim * (W - 1)
    print(f"  conv_state: ({lines}, {dim}, {W - 1}) bf16 = {lines * stride:,} elements; "
          f"line offsets wrap from line {(INT32_MAX + 1 + stride - 1) // stride}", flush=True)
    g = torch.Generator(device=dev).manual_seed(1)
    state = torch.randn(lines, dim, W - 1, device=dev, dtype=dt, generator=g)
    picks = [0, 5, 40, 41, 45, 59, 12, 50] if SMALL else [0, 5, 87381, 87382, 87390, 89999, 12345, 88000]
    spare = lines - 2  # a line no sequence uses
    idx = torch.tensor(picks, dtype=torch.int32, device=dev)
    batch = idx.numel()
    x = torch.randn(batch, dim, 2, device=dev, dtype=dt, generator=g)
    weight = torch.randn(dim, W, device=dev, dtype=dt, generator=g) * 0.5
    bias = torch.randn(dim, device=dev, dtype=dt, generator=g)
    before = state[idx.long()].clone()
    untouched = state[spare].clone()
    out = api.causal_conv1d_update(x, state, weight, bias, "silu", idx, **kw)
    _sync()
    want, want_state = ref.causal_conv1d_update_ref(x, before, weight, bias, "silu", torch.arange(batch))
    _expect("out (8 sequences, 4 of them past the boundary)", out, want.to(dt), 1e-2)
    _expect_equal("updated cache lines", state[idx.long()], want_state.to(dt))
    _expect_equal("an untouched cache line past the boundary", state[spare], untouched)


# ----------------------------------------------------------------------------- gated delta rule

H, K, V, BT = (2 if SMALL else 32), 128, 128, 64
STRIDE_H = H * K * V  # 524288 (H = 32): i_t * stride_h wraps from chunk 4096 on
DELTA_DT = torch.float32 if SMALL else torch.bfloat16  # the interpreter's tl.dot is wrong on bf16


def _delta_inputs(seqs, active_from, dev=DEV, dt=DELTA_DT):
    """Tokens before ``active_from[n]`` (within sequence n) have k = w = 0 and g = 0,
    so the state stays equal to h0 there and v_new = u; after it, random inputs."""
    total = seqs[-1]
    g = torch.Generator(device=dev).manual_seed(2)
    k = torch.zeros(1, total, H, K, device=dev, dtype=dt)
    u = torch.randn(1, total, H, V, device=dev, dtype=dt, generator=g)
    gate = torch.zeros(1, total, H, device=dev, dtype=torch.float32)
    for n in range(len(seqs) - 1):
        a, b = seqs[n] + active_from[n], seqs[n + 1]
        if a >= b:
            continue
        kk = torch.randn(b - a, H, K, device=dev, generator=g)
        k[0, a:b] = (kk / kk.norm(dim=-1, keepdim=True)).to(dt)
        raw = -torch.rand(b - a, H, device=dev, generator=g) * 0.02
        for c0 in range(0, b - a, BT):  # cumulative within each chunk (chunks are aligned: a - seqs[n] % BT == 0)
            gate[0, a + c0:a + min(c0 + BT, b - a)] = raw[c0:c0 + BT].cumsum(0)
    w = k * 0.5
    return k, w, u, gate


def _count_not_h0(h, c0, c1, h0n) -> int:
    """Elements of h[0, c0:c1] (bf16) that are not h0n (fp32) rounded to bf16, within
    one bf16 ulp (the GPU rounds to nearest like torch; the interpreter truncates)."""
    bad = 0
    tol = h0n.abs() * 2.0**-7
    for c in range(c0, c1, 256):
        blk = h[0, c:min(c + 256, c1)].float()
        bad += int((((blk - h0n).abs() > tol) | blk.isnan()).sum().item())
    return bad


def _check_delta_seq(h, v_new, ht, k, w, u, gate, h0, bos, eos, chunk0, quiet_chunks, n, dt):
    """Sequence n: chunks [chunk0, chunk0 + quiet_chunks] carry h0 exactly; the rest
    is compared with the reference run on the active tail only."""
    t = time.time()
    last_quiet = chunk0 + quiet_chunks  # the state at the start of the first active chunk is still h0
    bad = _count_not_h0(h, chunk0, last_quiet + 1, h0[n])
    print(f"  check seq {n + 1}: h at chunks {chunk0}..{last_quiet} (zero keys) equal to h0 (to 1 bf16 ulp): "
          f"{bad} elements differ {'ok' if bad == 0 else 'WRONG'}", flush=True)
    if bad:
        raise WrongValues("h (quiet chunks)")
    a = bos + quiet_chunks * BT
    _expect_equal(f"seq {n + 1}: v_new = u before token {a}", v_new[0, bos:a], u[0, bos:a])
    hr, vr, htr = ref.chunk_gated_delta_rule_fwd_h_ref(
        k[:, a:eos], w[:, a:eos], u[:, a:eos], gate[:, a:eos], h0[n:n + 1], True, None, BT)
    nt = hr.shape[1]
    _expect(f"seq {n + 1}: h at chunks {last_quiet}..{last_quiet + nt - 1} (past the boundary)",
            h[0, last_quiet:last_quiet + nt], hr[0], 3e-2)
    _expect(f"seq {n + 1}: v_new tokens {a}..{eos - 1}", v_new[0, a:eos], vr[0], 3e-2)
    _expect(f"seq {n + 1}: final state", ht[n], htr[0], 3e-2)
    print(f"  (checks took {time.time() - t:.1f}s)", flush=True)


def case_delta(kw):
    """B = 1, H = 32, K = V = 128, 4160 chunks of 64 tokens: h has 2.18e9 elements
    and i_t * H*K*V wraps from chunk 4096 on."""
    dev, dt = DEV, DELTA_DT
    nt = 10 if SMALL else 4160
    total = nt * BT
    quiet = 6 if SMALL else 4100  # chunks with zero keys; the state at chunk `quiet` is still h0
    print(f"  h: (1, {nt}, {H}, {K}, {V}) bf16 = {nt * STRIDE_H:,} elements; i_t * stride_h wraps from chunk "
          f"{(INT32_MAX + 1) // STRIDE_H}", flush=True)
    k, w, u, gate = _delta_inputs([0, total], [quiet * BT])
    h0 = torch.randn(1, H, K, V, device=dev, generator=torch.Generator(device=dev).manual_seed(3))
    h_out = torch.full((1, nt, H, K, V), float("nan"), device=dev, dtype=dt)
    t = time.time()
    h, v_new, ht = api.chunk_gated_delta_rule_fwd_h(k, w, u, gate, h0, True, None, h_out=h_out, **kw)
    _sync()
    print(f"  kernel done in {time.time() - t:.1f}s (incl. compile)", flush=True)
    _check_delta_seq(h, v_new, ht, k, w, u, gate, h0, 0, total, 0, quiet, 0, dt)


def case_delta_varlen(kw):
    """Packed batch of 2: sequence 1 has 4097 chunks, sequence 2 (8 chunks) starts at
    chunk 4097, so its base (boh * H + i_h) * K * V wraps in int32 (the late cast)."""
    dev, dt = DEV, DELTA_DT
    n1, n2 = (5, 5) if SMALL else (4097, 8)
    seqs = [0, n1 * BT, (n1 + n2) * BT]
    print(f"  cu_seqlens {seqs}; sequence 2 starts at chunk {n1}: base offset {n1 * STRIDE_H:,} > 2**31", flush=True)
    k, w, u, gate = _delta_inputs(seqs, [n1 * BT, 2 * BT])  # seq 1 all quiet; seq 2 active after 2 chunks
    h0 = torch.randn(2, H, K, V, device=dev, generator=torch.Generator(device=dev).manual_seed(4))
    cu = torch.tensor(seqs, dtype=torch.int32, device=dev)
    h_out = torch.full((1, n1 + n2, H, K, V), float("nan"), device=dev, dtype=dt)
    h, v_new, ht = api.chunk_gated_delta_rule_fwd_h(k, w, u, gate, h0, True, cu, h_out=h_out, **kw)
    _sync()
    _expect("seq 1: final state (zero keys) equals h0", ht[0], h0[0], 1e-3)
    bad = _count_not_h0(h, 0, n1, h0[0])
    print(f"  check seq 1: h at chunks 0..{n1 - 1} equal to h0 (to 1 bf16 ulp): {bad} elements differ {'ok' if bad == 0 else 'WRONG'}",
          flush=True)
    if bad:
        raise WrongValues("seq 1 h")
    _check_delta_seq(h, v_new, ht, k, w, u, gate, h0, seqs[1], seqs[2], n1, 2, 1, dt)


CASES = {"conv_fwd": case_conv_fwd, "conv_update": case_conv_update, "delta": case_delta,
         "delta_varlen": case_delta_varlen}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=sorted(CASES))
    ap.add_argument("form", choices=("unfixed", "fixed"))
    ap.add_argument("--module-path", help="load the kernels from this file instead of fixtures/kernels")
    ap.add_argument("--cpu-small", action="store_true", help="tiny sizes in the Triton interpreter (tests this script)")
    args = ap.parse_args(argv)
    label = f"{args.case} [{args.module_path or args.form}]" + (" (cpu-small dry run)" if SMALL else "")
    if not SMALL and not torch.cuda.is_available():
        print(f"VERDICT: ERROR {label}: no CUDA device")
        return 2
    print(f"{label} on {torch.cuda.get_device_name() if DEV == 'cuda' else 'cpu (interpreter)'}", flush=True)
    kw = {"fixed": args.form == "fixed", "module_path": args.module_path}
    try:
        CASES[args.case](kw)
    except WrongValues as e:
        print(f"VERDICT: FAIL (wrong values past the int32 boundary: {e}) {label}")
        return 1
    except torch.cuda.OutOfMemoryError as e:
        print(f"VERDICT: ERROR {label}: out of memory: {e}")
        return 2
    except Exception as e:  # noqa: BLE001
        msg = f"{type(e).__name__}: {e}"
        if "CUDA" in msg or "illegal" in msg or "cuda" in type(e).__name__.lower() or "Accelerator" in msg:
            print(msg.strip().splitlines()[0][:300])
            print(f"VERDICT: FAIL (CUDA error: {msg.strip().splitlines()[0][:160]}) {label}")
            return 3
        traceback.print_exc()
        print(f"VERDICT: ERROR {label}: {msg[:300]}")
        return 2
    print(f"VERDICT: PASS (correct values past the int32 boundary) {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
