"""Benchmark: fixed vs unfixed reference kernels (fixtures/kernels) on one GPU.

    python benchmarks/bench_kernels.py [--sizes 512,4096,...] [--kernels conv_fwd,conv_update,delta]
                                       [--rounds 21] [--out DIR] [--name h200]
    python benchmarks/bench_kernels.py --sweep [--sizes ...]     # conv_fwd tile sweep
    python benchmarks/bench_kernels.py --kernel-dir DIR ...       # other kernel files (e.g. an older commit's)

How it separates the two forms from noise:

* Interleaved: every round times each variant once, adjacent in time, in an
  order that alternates between rounds (unfixed, fixed, baselines... then the
  reverse). A per-round ratio fixed / unfixed compares two runs a few
  milliseconds apart, so clock and thermal drift cancel; the table gives the
  median ratio over the rounds and its spread (25th-75th percentile).
* CUDA graphs: each variant is captured once as a graph of ``n`` back-to-back
  calls (``n`` chosen so that one replay takes about ``--target-ms``), and a
  round times one replay with CUDA events. At small sizes this removes the
  Python launch overhead of the host API, which is the same for both forms and
  would otherwise hide (or fake) a difference in the kernels. If a capture
  fails the variant falls back to timing plain launches (marked in the table).
* Ceiling measured in the same run: a device-to-device copy of 2 GiB (bytes
  read + written) is timed at the start, three ways in interleaved rounds
  (``torch.Tensor.copy_`` launched plainly and in a CUDA graph, and a Triton
  load/store kernel), and the best median is the ceiling; bandwidth is reported
  as a percentage of it, not of a datasheet peak. (In a graph ``copy_`` is a
  memcpy node, which can run on the copy engines at a fraction of the SMs'
  bandwidth.) For conv_fwd a load/store copy of exactly the bytes the kernel
  moves is timed in the same rounds, so small sizes are compared with what a
  copy of that size can do.
* Baselines: what a user would otherwise run at the same shapes, in PyTorch:
  depthwise ``F.conv1d`` (``padding=width - 1``, sliced back to the sequence,
  then ``F.silu``; the initial state is not used, so it does less work than the
  kernel), the decode update as a gather + ``torch.cat`` + ``F.conv1d`` +
  ``F.silu`` + scatter of the new state, and the delta rule's reference
  (fixtures/kernels/reference.py) batched over sequences: a loop over chunks of
  ``torch.matmul`` in float32.
* Numerics: before timing, each size checks fixed == unfixed (bit for bit) and
  both against the PyTorch reference (relative error), on fresh random data.

Shapes are chosen so that even the largest size stays below 2**31 elements
per offset, so the unfixed form is still correct there and the comparison is
like for like:

* conv_fwd: dim 1024, bf16, width 4, bias + SiLU, initial states, sequences of
  2048 tokens (fewer when the total is smaller); 2M tokens x 1024 = 2**31 elements.
* conv_update: decode, one token per sequence (tokens = batch), dim 256, width 4.
* delta: gated delta rule state pass, bf16, H = 4, K = V = 128, chunks of 64,
  sequences of min(tokens, 8192) tokens.

Writes ``bench-kernels.txt`` (the table), ``bench-kernels.json`` (every round's
times) and, with matplotlib, ``bench-kernels.png`` to ``--out``, each prefixed
with ``--name``.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch
import torch.nn.functional as F
import triton
import triton.language as tl

from fixtures.kernels import api
from fixtures.kernels import reference as ref

DEFAULT_SIZES = [512, 4096, 32768, 262144, 1048576, 2097152]
COPY_BYTES = 2 * 2**30  # the ceiling's copy: 2 GiB read + 2 GiB written, far past the L2


def _q(vals, p):
    """p-th percentile (0..100) of vals, linear interpolation."""
    s = sorted(vals)
    if len(s) == 1:
        return s[0]
    k = (len(s) - 1) * p / 100
    i = int(k)
    j = min(i + 1, len(s) - 1)
    return s[i] + (s[j] - s[i]) * (k - i)


# ----------------------------------------------------------------------------- timing


class Timed:
    """One variant: a callable, captured as a CUDA graph of ``n`` calls when possible."""

    def __init__(self, name: str, fn, target_ms: float, use_graph: bool = True):
        self.name, self.fn = name, fn
        self.graph = None
        self.mode = "launch"
        torch.cuda.synchronize()
        fn()  # compile / warm up
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(3):
            fn()
        torch.cuda.synchronize()
        est_ms = max((time.perf_counter() - t0) * 1e3 / 3, 1e-3)  # host view: an upper bound with launch overhead
        self.n = max(1, min(200, int(target_ms / est_ms)))
        if use_graph:
            try:
                s = torch.cuda.Stream()
                s.wait_stream(torch.cuda.current_stream())
                with torch.cuda.stream(s):
                    fn()  # warm-up on the capture stream (allocator, autotuner)
                torch.cuda.current_stream().wait_stream(s)
                torch.cuda.synchronize()
                g = torch.cuda.CUDAGraph()
                with torch.cuda.graph(g):
                    for _ in range(self.n):
                        fn()
                g.replay()
                torch.cuda.synchronize()
                self.graph, self.mode = g, "graph"
                # re-size n from a device-timed replay (the host estimate included launch overhead)
                per = self._time_once() / self.n
                n2 = max(1, min(200, int(target_ms * 1e3 / max(per, 1e-3))))
                if n2 > 2 * self.n:
                    self.graph = None
                    self.n = n2
                    g2 = torch.cuda.CUDAGraph()
                    with torch.cuda.graph(g2):
                        for _ in range(self.n):
                            fn()
                    g2.replay()
                    torch.cuda.synchronize()
                    self.graph = g2
                del g
            except Exception as e:  # noqa: BLE001 - fall back to plain launches, say so
                self.graph, self.mode = None, f"launch ({type(e).__name__})"
                torch.cuda.synchronize()
        self._time_once()  # one replay untimed: clocks up, caches as in the rounds

    def _time_once(self) -> float:
        """Microseconds for one replay (n calls)."""
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        if self.graph is not None:
            self.graph.replay()
        else:
            for _ in range(self.n):
                self.fn()
        b.record()
        b.synchronize()
        return a.elapsed_time(b) * 1e3

    def time_us(self) -> float:
        """Microseconds per call, from one replay."""
        return self._time_once() / self.n


def interleaved(variants: list[Timed], rounds: int) -> dict[str, list[float]]:
    """Time each variant once per round, alternating the order; per-call microseconds."""
    out = {v.name: [] for v in variants}
    for r in range(rounds):
        order = variants if r % 2 == 0 else variants[::-1]
        for v in order:
            out[v.name].append(v.time_us())
    return out


# ----------------------------------------------------------------------------- cases


class Case:
    """The inputs of one kernel at one size, and the variants to time on them."""

    kernel: str
    shape: str
    nbytes: int  # bytes the kernel must move: inputs read once, outputs written once

    def run(self, fixed: bool):  # -> callable
        raise NotImplementedError

    def baselines(self) -> dict:  # name -> callable (PyTorch)
        return {}

    def check(self) -> list[str]:  # numerics: problems found (empty: fine)
        return []


def _rel(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a.float(), b.float()
    if not torch.isfinite(a).all():
        return float("inf")
    return ((a - b).norm() / b.norm().clamp_min(1e-30)).item()


class ConvFwd(Case):
    kernel = "conv_fwd"

    def __init__(self, tokens: int, dev: str, seed: int = 0, kernel_dir=None, config=None):
        dim, width, seq = 1024, 4, 2048
        seq = min(seq, tokens)
        batch = tokens // seq
        total = batch * seq
        g = torch.Generator(device=dev).manual_seed(seed)
        self.x = torch.randn(total, dim, device=dev, dtype=torch.bfloat16, generator=g).t()
        self.weight = torch.randn(dim, width, device=dev, dtype=torch.bfloat16, generator=g)
        self.bias = torch.randn(dim, device=dev, dtype=torch.bfloat16, generator=g)
        self.states = torch.randn(batch, dim, width - 1, device=dev, dtype=torch.bfloat16, generator=g)
        self.qsl = torch.arange(0, total + 1, seq, dtype=torch.int32, device=dev)
        self.idx = torch.arange(batch, dtype=torch.int32, device=dev)
        self.has_init = torch.ones(batch, dtype=torch.int32, device=dev)
        self.dim, self.width, self.seq, self.batch = dim, width, seq, batch
        # one output buffer for every form timed: the same addresses for both
        self.out = torch.empty_like(self.x)
        self.kernel_dir, self.config = kernel_dir, config or {}
        self.nbytes = 2 * self.x.numel() * self.x.element_size()  # read x, write out (weights, states: negligible)
        self.shape = f"dim {dim}, {batch} x {seq} tokens"
        # what a user holds: (batch, dim, seq) views of the token-major activations
        self.xb = self.x.t().view(batch, seq, dim).transpose(1, 2)
        self.w3 = self.weight[:, None, :].contiguous()

    def _path(self, fixed):
        if self.kernel_dir is None:
            return None
        return Path(self.kernel_dir) / f"causal_conv1d_{'fixed' if fixed else 'unfixed'}.py"

    def run(self, fixed: bool, states=None, config=None):
        st = self.states if states is None else states
        path = self._path(fixed)
        cfg = self.config if config is None else config
        return lambda: api.causal_conv1d_fn(self.x, self.weight, self.bias, st, self.qsl, self.idx, self.has_init,
                                            "silu", fixed=fixed, module_path=path, max_seqlen=self.seq,
                                            out=self.out if states is None else None, **cfg)

    def baselines(self):
        W = self.width

        def torch_conv():
            y = F.conv1d(self.xb, self.w3, self.bias, padding=W - 1, groups=self.dim)[..., : self.seq]
            return F.silu(y)
        return {"torch": torch_conv}

    def check(self):
        problems = []
        s_un, s_fx = self.states.clone(), self.states.clone()
        o_un = self.run(False, s_un)()
        o_fx = self.run(True, s_fx)()
        if not (torch.equal(o_un, o_fx) and torch.equal(s_un, s_fx)):
            problems.append("fixed and unfixed outputs differ")
        # reference: the initial state in front of each sequence, F.conv1d in float32
        xs = torch.cat([self.states.float(), self.xb.float()], dim=-1)
        want = F.silu(F.conv1d(xs, self.weight.float()[:, None, :], self.bias.float(), groups=self.dim))
        got = o_fx.t().reshape(self.batch, self.seq, self.dim).transpose(1, 2)
        e = _rel(got, want)
        if e > 1e-2:
            problems.append(f"out: relative error {e:.3g} against F.conv1d")
        if not torch.equal(s_fx, self.xb[..., -(self.width - 1):]):
            problems.append("final conv states are not the last inputs")
        self.check_err = e
        return problems


class ConvUpdate(Case):
    kernel = "conv_update"

    def __init__(self, tokens: int, dev: str, seed: int = 1, kernel_dir=None):
        dim, width = 256, 4
        batch = tokens
        g = torch.Generator(device=dev).manual_seed(seed)
        self.x = torch.randn(batch, dim, device=dev, dtype=torch.bfloat16, generator=g)
        self.weight = torch.randn(dim, width, device=dev, dtype=torch.bfloat16, generator=g)
        self.bias = torch.randn(dim, device=dev, dtype=torch.bfloat16, generator=g)
        self.state = torch.randn(batch, dim, width - 1, device=dev, dtype=torch.bfloat16, generator=g)
        self.idx = torch.randperm(batch, device=dev, generator=g).to(torch.int32)
        self.idx_long = self.idx.long()
        self.w3 = self.weight[:, None, :].contiguous()
        self.dim, self.width = dim, width
        self.kernel_dir = kernel_dir
        self.nbytes = (2 * self.x.numel() + 2 * self.state.numel()) * 2
        self.shape = f"dim {dim}, batch {batch}"

    def run(self, fixed: bool, state=None):
        st = self.state if state is None else state
        path = None if self.kernel_dir is None else Path(self.kernel_dir) / f"causal_conv1d_{'fixed' if fixed else 'unfixed'}.py"
        return lambda: api.causal_conv1d_update(self.x, st, self.weight, self.bias, "silu", self.idx, fixed=fixed,
                                                module_path=path)

    def _torch_update(self, state):
        xc = torch.cat([state[self.idx_long], self.x[..., None]], dim=-1)  # (batch, dim, width)
        out = F.silu(F.conv1d(xc, self.w3, self.bias, groups=self.dim))[..., 0]
        state[self.idx_long] = xc[..., 1:]
        return out

    def baselines(self):
        return {"torch": lambda: self._torch_update(self.state)}

    def check(self):
        problems = []
        s_un, s_fx, s_ref = self.state.clone(), self.state.clone(), self.state.clone()
        o_un = self.run(False, s_un)()
        o_fx = self.run(True, s_fx)()
        if not (torch.equal(o_un, o_fx) and torch.equal(s_un, s_fx)):
            problems.append("fixed and unfixed outputs differ")
        want = self._torch_update(s_ref)
        e = _rel(o_fx, want)
        if e > 1e-2:
            problems.append(f"out: relative error {e:.3g} against the PyTorch update")
        if not torch.equal(s_fx, s_ref):
            problems.append("updated conv states differ from the PyTorch update")
        self.check_err = e
        return problems


def delta_torch(k, w, u, g, h0, BT=64):
    """The reference's chunk recurrence (fixtures/kernels/reference.py), batched over
    sequences and heads: float32 state, one iteration per chunk. Returns (h, v_new, ht)."""
    B, T, H, K = k.shape
    V = u.shape[-1]
    NT = T // BT
    kc = k.view(B, NT, BT, H, K).permute(1, 0, 3, 2, 4).float()  # (NT, B, H, BT, K)
    wc = w.view(B, NT, BT, H, K).permute(1, 0, 3, 2, 4).float()
    uc = u.view(B, NT, BT, H, V).permute(1, 0, 3, 2, 4).float()
    gc = g.view(B, NT, BT, H).permute(1, 0, 3, 2)  # (NT, B, H, BT)
    state = h0.float().clone()
    hs, vs = [], []
    for c in range(NT):
        hs.append(state.to(k.dtype))
        vc = uc[c] - wc[c] @ state  # (B, H, BT, V)
        vs.append(vc)
        g_last = gc[c][..., -1:]  # (B, H, 1)
        vc = vc * torch.exp(g_last - gc[c])[..., None]
        state = state * torch.exp(g_last)[..., None] + kc[c].transpose(-1, -2) @ vc
    return torch.stack(hs, 1), torch.stack(vs, 0), state


class Delta(Case):
    kernel = "delta"

    def __init__(self, tokens: int, dev: str, seed: int = 2, kernel_dir=None):
        H, K, V = 4, 128, 128
        seq = min(tokens, 8192)
        B = tokens // seq
        g = torch.Generator(device=dev).manual_seed(seed)
        k = torch.randn(B, seq, H, K, device=dev, dtype=torch.bfloat16, generator=g)
        self.k = k / k.float().norm(dim=-1, keepdim=True).to(k.dtype)
        self.w = self.k * 0.5
        self.u = torch.randn(B, seq, H, V, device=dev, dtype=torch.bfloat16, generator=g)
        raw = -torch.rand(B, seq, H, device=dev, generator=g) * 0.02
        self.gate = raw.view(B, seq // 64, 64, H).cumsum(2).view(B, seq, H)
        self.h0 = torch.randn(B, H, K, V, device=dev, generator=g)
        NT = -(-seq // 64)
        self.h_out = torch.empty(B, NT, H, K, V, device=dev, dtype=torch.bfloat16)
        self.kernel_dir = kernel_dir
        self.nbytes = (self.k.numel() * 2 + self.u.numel() * 2) * 2 + self.h_out.numel() * 2 + self.gate.numel() * 4
        self.shape = f"H {H}, K=V {K}, {B} x {seq} tokens"

    def run(self, fixed: bool, h_out=None):
        path = None if self.kernel_dir is None else Path(self.kernel_dir) / f"gated_delta_rule_{'fixed' if fixed else 'unfixed'}.py"
        ho = self.h_out if h_out is None else h_out
        return lambda: api.chunk_gated_delta_rule_fwd_h(self.k, self.w, self.u, self.gate, self.h0, True, None,
                                                        fixed=fixed, module_path=path, h_out=ho)

    def baselines(self):
        return {"torch": lambda: delta_torch(self.k, self.w, self.u, self.gate, self.h0)}

    def check(self):
        problems = []
        h_un, v_un, ht_un = self.run(False, torch.full_like(self.h_out, float("nan")))()
        h_fx, v_fx, ht_fx = self.run(True, torch.full_like(self.h_out, float("nan")))()
        if not (torch.equal(h_un, h_fx) and torch.equal(v_un, v_fx) and torch.equal(ht_un, ht_fx)):
            problems.append("fixed and unfixed outputs differ")
        hr, vr, htr = delta_torch(self.k, self.w, self.u, self.gate, self.h0)
        B, T, H, V = self.u.shape
        vr = vr.permute(1, 0, 3, 2, 4).reshape(B, T, H, V)
        errs = [_rel(h_fx, hr), _rel(v_fx, vr), _rel(ht_fx, htr)]
        self.check_err = max(errs)
        if max(errs) > 3e-2:
            problems.append(f"relative errors h {errs[0]:.3g}, v_new {errs[1]:.3g}, ht {errs[2]:.3g} against PyTorch")
        return problems


CASES = {"conv_fwd": ConvFwd, "conv_update": ConvUpdate, "delta": Delta}


def _ref_check_small(dev: str) -> None:
    """The batched PyTorch delta rule agrees with the loop reference (small shapes)."""
    d = Delta(1024, dev)
    hr, vr, htr = ref.chunk_gated_delta_rule_fwd_h_ref(d.k, d.w, d.u, d.gate, d.h0, True)
    h, v, ht = delta_torch(d.k, d.w, d.u, d.gate, d.h0)
    B, T, H, V = d.u.shape
    v = v.permute(1, 0, 3, 2, 4).reshape(B, T, H, V)
    e = max(_rel(h, hr), _rel(v, vr), _rel(ht, htr))
    assert e < 2e-2, f"batched delta reference disagrees with reference.py: {e}"


# ----------------------------------------------------------------------------- main runs


@triton.jit
def _copy_kernel(src, dst, n, BLOCK: tl.constexpr):
    # 16 fp32 (four 16-byte vectors) per thread with 8 warps
    offs = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(dst + offs, tl.load(src + offs, mask=m), mask=m)


def triton_copy(src: torch.Tensor, dst: torch.Tensor) -> None:
    """A plain load/store copy on the SMs, as a memory-bound kernel moves bytes."""
    n = src.numel()
    _copy_kernel[(triton.cdiv(n, 4096),)](src, dst, n, BLOCK=4096, num_warps=8)


def measure_copy(rounds: int, target_ms: float, nbytes: int = COPY_BYTES) -> tuple[float, dict]:
    """Bytes/s of a device-to-device copy (read + write): the best median of three ways to
    copy, timed in interleaved rounds. ``copy_`` inside a CUDA graph becomes a memcpy node
    that the copy engines may run, slower than the SMs, so it is timed with plain launches."""
    src = torch.randn(nbytes // 4, device="cuda")
    dst = torch.empty_like(src)
    variants = [Timed("torch copy_ (launch)", lambda: dst.copy_(src), target_ms, use_graph=False),
                Timed("torch copy_ (graph)", lambda: dst.copy_(src), target_ms),
                Timed("triton load/store (graph)", lambda: triton_copy(src, dst), target_ms)]
    t = interleaved(variants, rounds)
    bw = {k: 2 * nbytes / (statistics.median(v) * 1e-6) for k, v in t.items()}
    assert torch.equal(src, dst)
    return max(bw.values()), {"bytes_per_s": bw, "rounds_us": t}


def bench(args, dev, name) -> dict:
    sizes = [int(s) for s in args.sizes.split(",") if s]
    kernels = [k for k in args.kernels.split(",") if k]
    print(f"device: {name}; torch {torch.__version__}, triton {triton.__version__}")
    copy_bw, copy_info = measure_copy(args.rounds, args.target_ms)
    ways = ", ".join(f"{k} {v / 1e12:.2f}" for k, v in copy_info["bytes_per_s"].items())
    print(f"copy ceiling (same run): {copy_bw / 1e12:.3f} TB/s, the best of: {ways} TB/s "
          f"({COPY_BYTES / 2**30:.0f} GiB copied, bytes read + written, median of {args.rounds} interleaved rounds)")
    print(f"timing: {args.rounds} interleaved rounds per point, each a CUDA-graph replay of n calls "
          f"(~{args.target_ms} ms); ratio = fixed / unfixed per round, median [25th-75th percentile]\n")
    header = (f"{'kernel':<12}{'tokens':>9}  {'unfixed us':>11}{'fixed us':>10}{'ratio':>8}  {'[p25-p75]':<15}"
              f"{'torch us':>10}{'fixed GB/s':>11}{'% copy':>8}{'% copy@size':>12}  check")
    print(header)
    print("-" * len(header))
    rows = []
    for kern in kernels:
        for tokens in sizes:
            kw = {"config": args.conv_config} if kern == "conv_fwd" else {}
            case = CASES[kern](tokens, dev, kernel_dir=args.kernel_dir, **kw)
            problems = case.check()
            variants = [Timed("unfixed", case.run(False), args.target_ms),
                        Timed("fixed", case.run(True), args.target_ms)]
            if args.control:
                # A/A: the fixed form again, as a separate graph: the method's own bias and noise
                variants.append(Timed("fixed again", case.run(True), args.target_ms))
            for bname, fn in case.baselines().items():
                variants.append(Timed(bname, fn, args.target_ms))
            size_copy = None
            if kern == "conv_fwd":
                src = torch.empty(case.nbytes // 8, dtype=torch.float32, device=dev).normal_()
                dst = torch.empty_like(src)
                size_copy = Timed("copy@size", lambda d=dst, s=src: triton_copy(s, d), args.target_ms)
                variants.append(size_copy)
            t = interleaved(variants, args.rounds)
            ratios = [f / u for f, u in zip(t["fixed"], t["unfixed"])]
            control = [a / f for a, f in zip(t["fixed again"], t["fixed"])] if args.control else None
            med = {k: statistics.median(v) for k, v in t.items()}
            bw = case.nbytes / (med["fixed"] * 1e-6)
            row = {"kernel": kern, "tokens": tokens, "shape": case.shape, "nbytes": case.nbytes,
                       "unfixed_us": med["unfixed"], "fixed_us": med["fixed"], "torch_us": med.get("torch"),
                       "ratio": statistics.median(ratios), "ratio_p25": _q(ratios, 25), "ratio_p75": _q(ratios, 75),
                       "ratio_min": min(ratios), "ratio_max": max(ratios),
                       "control": statistics.median(control) if control else None,
                       "fixed_gbps": bw / 1e9, "pct_copy": 100 * bw / copy_bw,
                       "modes": {v.name: v.mode for v in variants}, "n": {v.name: v.n for v in variants},
                       "rounds": t, "check": problems or "ok", "check_err": getattr(case, "check_err", None)}
            if size_copy is not None:
                row["copy_at_size_us"] = med["copy@size"]
                row["pct_copy_at_size"] = 100 * med["copy@size"] / med["fixed"]
            rows.append(row)
            mode = "" if all(v.mode == "graph" for v in variants) else " (launch timing)"
            pcs = f"{row['pct_copy_at_size']:.0f}%" if size_copy is not None else ""
            tus = f"{row['torch_us']:.1f}" if row["torch_us"] is not None else ""
            spread = f"[{row['ratio_p25']:.3f}-{row['ratio_p75']:.3f}]"
            print(f"{kern:<12}{tokens:>9}  {row['unfixed_us']:>11.1f}{row['fixed_us']:>10.1f}{row['ratio']:>8.3f}  "
                  f"{spread:<15}{tus:>10}{bw / 1e9:>11.0f}"
                  f"{row['pct_copy']:>7.0f}%{pcs:>12}  {'ok' if not problems else '; '.join(problems)}{mode}"
                  + (f"  A/A {row['control']:.3f}" if control else ""),
                  flush=True)
            del case, variants, size_copy
            torch.cuda.empty_cache()
    worst = max(rows, key=lambda r: r["ratio"]) if rows else None
    print(f"\nGB/s = bytes the kernel must move (inputs read once + outputs written once) / fixed time. "
          f"% copy: of the {copy_bw / 1e12:.2f} TB/s copy above; % copy@size: time of a load/store copy of the same "
          f"bytes / fixed time. Small sizes stay in the {torch.cuda.get_device_properties(0).L2_cache_size / 2**20:.0f} MiB "
          f"L2 between calls. torch: the PyTorch baseline (module docstring).")
    if worst:
        print(f"largest median ratio: {worst['ratio']:.3f} ({worst['kernel']}, {worst['tokens']} tokens)")
    return {"device": name, "torch": torch.__version__, "triton": triton.__version__, "copy_bytes_per_s": copy_bw,
                "copy": copy_info, "rounds": args.rounds, "target_ms": args.target_ms, "rows": rows,
                "kernel_dir": args.kernel_dir, "configs": api.CONV_FWD_CONFIGS}


# (BLOCK_N, num_warps) pairs: 4, 8 or 16 channels (8, 16 or 32 bytes) per thread
CHANNEL_SPLITS = [(128, 1), (256, 1), (512, 1), (512, 2), (1024, 2), (1024, 4)]


def sweep(args, dev, name) -> dict:
    """conv_fwd (fixed form) over tile configurations, interleaved, at each size."""
    sizes = [int(s) for s in args.sizes.split(",") if s]
    copy_bw, _ = measure_copy(args.rounds, args.target_ms)
    print(f"device: {name}; copy ceiling {copy_bw / 1e12:.3f} TB/s")
    configs = [(bm, bn, nw) for bm in (8, 16, 32, 64) for bn, nw in CHANNEL_SPLITS]
    out = []
    for tokens in sizes:
        variants = []
        case = ConvFwd(tokens, dev)
        for bm, bn, nw in configs:
            cfg = {"block_m": bm, "block_n": bn, "num_warps": nw}
            # graphs only where launches dominate: each graph keeps its outputs' memory
            variants.append(Timed(f"{bm}x{bn}/w{nw}", case.run(True, config=cfg), args.target_ms, tokens <= 32768))
        variants.append(Timed("default", case.run(True), args.target_ms, tokens <= 32768))
        t = interleaved(variants, max(5, args.rounds // 3))
        med = sorted(((statistics.median(v), k) for k, v in t.items()))
        nbytes = case.nbytes
        print(f"\n{tokens} tokens ({case.shape}): best first, GB/s and % of copy")
        for us, k in med[:8]:
            print(f"  {k:<14}{us:>9.1f} us{nbytes / us / 1e3:>8.0f} GB/s{100 * nbytes / (us * 1e-6) / copy_bw:>6.0f}%")
        out.append({"tokens": tokens, "results": {k: statistics.median(v) for k, v in t.items()}, "nbytes": nbytes})
        del variants, case
        torch.cuda.empty_cache()
    return {"device": name, "copy_bytes_per_s": copy_bw, "sweep": out}


PTX_INT64 = ("mul.wide.s32", "mul.wide.u32", "mul.lo.s64", "mad.lo.s64", "mad.wide.s32", "add.s64", "sub.s64",
             "cvt.s64.s32", "shl.b64")


def diag() -> None:
    """Registers, spills and 64-bit integer PTX instructions of every kernel compiled in this process."""
    import re

    print("\ncompiled kernels: registers, spills, PTX instructions (all / 64-bit integer address math)")
    for mod_name, mod in sorted(sys.modules.items()):
        if not mod_name.startswith("_tl_kernels_"):
            continue
        for attr in dir(mod):
            fn = getattr(mod, attr)
            caches = getattr(fn, "device_caches", None)
            if not caches:
                continue
            for entry in caches.values():
                for ck in list(entry[0].values()):
                    try:
                        ptx = ck.asm.get("ptx", "")
                        regs, spills = ck.n_regs, ck.n_spills
                    except Exception as e:  # noqa: BLE001 - a diagnostic, never the run's result
                        print(f"  {attr}: {type(e).__name__}: {e}")
                        continue
                    body = [ln.strip() for ln in ptx.splitlines() if re.match(r"\s+[a-z]", ln) and ";" in ln]
                    n64 = sum(1 for ln in body if ln.startswith(PTX_INT64))
                    print(f"  {mod_name.split('_jit_')[0][len('_tl_kernels_'):]:<26}{attr:<32}"
                          f"regs {regs:>3}  spills {spills:>2}  ptx {len(body):>5}  int64 {n64:>4}")


def plot(result: dict, path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"matplotlib is not installed: {path} not written (the JSON has the same numbers)")
        return False
    rows = result["rows"]
    kernels = list(dict.fromkeys(r["kernel"] for r in rows))
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 4.8))
    for kern in kernels:
        r = [x for x in rows if x["kernel"] == kern]
        xs = [x["tokens"] for x in r]
        line, = ax1.plot(xs, [x["ratio"] for x in r], marker="o", label=kern)
        ax1.fill_between(xs, [x["ratio_p25"] for x in r], [x["ratio_p75"] for x in r], color=line.get_color(),
                         alpha=0.2)
        ax2.plot(xs, [x["fixed_gbps"] for x in r], marker="o", color=line.get_color(), label=f"{kern} (fixed)")
        if all(x["torch_us"] for x in r):
            ax2.plot(xs, [x["nbytes"] / (x["torch_us"] * 1e3) for x in r], marker="x", ls=":",
                     color=line.get_color(), label=f"{kern}: PyTorch")
    ax1.axhline(1.0, color="gray", lw=0.8)
    ax1.axhline(1.02, color="red", lw=0.8, ls="--", label="1.02")
    ax1.set(xscale="log", xlabel="tokens", ylabel="time fixed / unfixed (median, band: p25-p75)",
            title="cost of the int64 fix (interleaved rounds, CUDA graphs)")
    cb = result["copy_bytes_per_s"] / 1e9
    ax2.axhline(cb, color="gray", ls="--", lw=1, label=f"copy, measured: {cb / 1e3:.2f} TB/s")
    ax2.axhline(0.8 * cb, color="gray", ls=":", lw=1, label="80% of copy")
    cf = [x for x in rows if x["kernel"] == "conv_fwd" and "copy_at_size_us" in x]
    if cf:
        ax2.plot([x["tokens"] for x in cf], [x["nbytes"] / (x["copy_at_size_us"] * 1e3) for x in cf], color="gray",
                 lw=0.8, marker=".", label="copy of conv_fwd's bytes")
    ax2.set(xscale="log", yscale="log", xlabel="tokens", ylabel="GB/s (bytes moved / time)",
            title=f"bandwidth on {result['device']}")
    ax1.legend(fontsize=8)
    ax2.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    print(f"plot written to {path}")
    return True


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="token counts (comma-separated)")
    ap.add_argument("--kernels", default="conv_fwd,conv_update,delta")
    ap.add_argument("--rounds", type=int, default=21, help="interleaved rounds per point")
    ap.add_argument("--target-ms", type=float, default=2.0, help="device time of one timed replay")
    ap.add_argument("--kernel-dir", help="load causal_conv1d_*.py / gated_delta_rule_*.py from this folder")
    ap.add_argument("--conv-config", metavar="BM,BN,WARPS", help="conv_fwd tile instead of api.conv_fwd_config's")
    ap.add_argument("--control", action="store_true",
                    help="also time the fixed form twice (A/A): the ratio the method gives for identical code")
    ap.add_argument("--sweep", action="store_true", help="conv_fwd tile sweep instead of the comparison")
    ap.add_argument("--diag", action="store_true",
                    help="after the run, print registers, spills and 64-bit integer PTX instructions of each kernel")
    ap.add_argument("--out", help="folder for NAME-bench-kernels.{txt,json,png}")
    ap.add_argument("--name", default="gpu", help="file name prefix under --out (e.g. h200)")
    args = ap.parse_args(argv)
    if args.conv_config:
        bm, bn, nw = (int(v) for v in args.conv_config.split(","))
        args.conv_config = {"block_m": bm, "block_n": bn, "num_warps": nw}
    if not torch.cuda.is_available():
        print("bench_kernels.py needs a CUDA GPU (the interpreter cannot time kernels).")
        return 2
    dev = "cuda"
    name = torch.cuda.get_device_name()
    if args.sweep:
        res = sweep(args, dev, name)
        if args.out:
            Path(args.out).mkdir(parents=True, exist_ok=True)
            (Path(args.out) / f"{args.name}-conv-fwd-sweep.json").write_text(json.dumps(res, indent=1))
        return 0
    _ref_check_small(dev)
    import contextlib
    import io

    buf = io.StringIO()

    class Tee:
        def write(self, s):
            sys.__stdout__.write(s)
            buf.write(s)

        def flush(self):
            sys.__stdout__.flush()

    with contextlib.redirect_stdout(Tee()):
        res = bench(args, dev, name)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{args.name}-bench-kernels.txt").write_text(buf.getvalue())
        (out / f"{args.name}-bench-kernels.json").write_text(json.dumps(res, indent=1))
        plot(res, out / f"{args.name}-bench-kernels.png")
    if args.diag:
        diag()
    bad = [r for r in res["rows"] if r["check"] != "ok"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
