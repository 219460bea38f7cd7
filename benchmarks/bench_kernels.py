"""Benchmark: fixed vs unfixed reference kernels (fixtures/kernels) on one GPU.

    python benchmarks/bench_kernels.py [--sizes 512,4096,...] [--kernels conv_fwd,conv_update,delta]
                                       [--plot out.png]

For each kernel and token count it times the unfixed form (constexpr / int32
offsets) and the fixed form (int64 offsets) with ``triton.testing.do_bench``
(median of repeated launches, after warm-up) and prints the ratio
fixed / unfixed: the int64 fix should cost nothing measurable. For the
causal_conv1d forward it also prints the achieved memory bandwidth (x read +
out written) against the GPU's peak (H100 SXM ~3.35 TB/s, H200 ~4.8 TB/s).

Shapes are chosen so that even the largest size stays below 2**31 elements
per offset, so the unfixed form is still correct there and the comparison is
like for like:

* conv_fwd: dim 1024, bf16, width 4, bias + SiLU, initial states, sequences of
  2048 tokens (fewer when the total is smaller); 2M tokens x 1024 = 2**31 elements.
* conv_update: decode, one token per sequence (tokens = batch), dim 256, width 4.
* delta: gated delta rule state pass, bf16, H = 4, K = V = 128, chunks of 64,
  sequences of min(tokens, 8192) tokens.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
import triton  # noqa: E402
from triton.testing import do_bench, do_bench_cudagraph  # noqa: E402

from fixtures.kernels import api  # noqa: E402

DEFAULT_SIZES = [512, 4096, 32768, 262144, 1048576, 2097152]
PEAKS = [  # (substring of the device name, peak HBM bandwidth in bytes/s)
    ("H200", 4.8e12),
    ("H100 PCIe", 2.0e12),
    ("H100", 3.35e12),
    ("H800", 3.35e12),
    ("A100-SXM4-80GB", 2.039e12),
    ("A100", 1.555e12),
]


def peak_bandwidth(name: str) -> float | None:
    for key, bw in PEAKS:
        if key.lower() in name.lower():
            return bw
    return None


def _bench(fn, rep_ms: int) -> float:
    return do_bench(fn, warmup=max(10, rep_ms // 4), rep=rep_ms, return_mode="median")


# ----------------------------------------------------------------------------- cases


def setup_conv_fwd(tokens: int, dev: str):
    dim, width, seq = 1024, 4, 2048
    seq = min(seq, tokens)
    batch = tokens // seq
    total = batch * seq
    g = torch.Generator(device=dev).manual_seed(0)
    x = torch.randn(total, dim, device=dev, dtype=torch.bfloat16, generator=g).t()
    weight = torch.randn(dim, width, device=dev, dtype=torch.bfloat16, generator=g)
    bias = torch.randn(dim, device=dev, dtype=torch.bfloat16, generator=g)
    states = torch.randn(batch, dim, width - 1, device=dev, dtype=torch.bfloat16, generator=g)
    qsl = torch.arange(0, total + 1, seq, dtype=torch.int32, device=dev)
    idx = torch.arange(batch, dtype=torch.int32, device=dev)
    has_init = torch.ones(batch, dtype=torch.int32, device=dev)

    def run(fixed: bool):
        return lambda: api.causal_conv1d_fn(x, weight, bias, states, qsl, idx, has_init, "silu", fixed=fixed,
                                            max_seqlen=seq)
    nbytes = 2 * x.numel() * x.element_size()  # read x, write out (weights and states are negligible)
    return run, nbytes, f"dim {dim}, {batch} x {seq} tokens"


def setup_conv_update(tokens: int, dev: str):
    dim, width = 256, 4
    batch = tokens
    g = torch.Generator(device=dev).manual_seed(1)
    x = torch.randn(batch, dim, device=dev, dtype=torch.bfloat16, generator=g)
    weight = torch.randn(dim, width, device=dev, dtype=torch.bfloat16, generator=g)
    bias = torch.randn(dim, device=dev, dtype=torch.bfloat16, generator=g)
    state = torch.randn(batch, dim, width - 1, device=dev, dtype=torch.bfloat16, generator=g)
    idx = torch.randperm(batch, device=dev, generator=g).to(torch.int32)

    def run(fixed: bool):
        return lambda: api.causal_conv1d_update(x, state, weight, bias, "silu", idx, fixed=fixed)
    nbytes = (2 * x.numel() + 2 * state.numel()) * 2
    return run, nbytes, f"dim {dim}, batch {batch}"


def setup_delta(tokens: int, dev: str):
    H, K, V = 4, 128, 128
    seq = min(tokens, 8192)
    B = tokens // seq
    g = torch.Generator(device=dev).manual_seed(2)
    k = torch.randn(B, seq, H, K, device=dev, dtype=torch.bfloat16, generator=g)
    k = k / k.float().norm(dim=-1, keepdim=True).to(k.dtype)
    w = k * 0.5
    u = torch.randn(B, seq, H, V, device=dev, dtype=torch.bfloat16, generator=g)
    raw = -torch.rand(B, seq, H, device=dev, generator=g) * 0.02
    gate = raw.view(B, seq // 64, 64, H).cumsum(2).view(B, seq, H) if seq % 64 == 0 else raw.cumsum(1)
    h0 = torch.randn(B, H, K, V, device=dev, generator=g)
    NT = -(-seq // 64)
    h_out = torch.empty(B, NT, H, K, V, device=dev, dtype=torch.bfloat16)

    def run(fixed: bool):
        return lambda: api.chunk_gated_delta_rule_fwd_h(k, w, u, gate, h0, True, None, fixed=fixed, h_out=h_out)
    nbytes = (k.numel() * 2 + u.numel() * 2) * 2 + h_out.numel() * 2 + gate.numel() * 4
    return run, nbytes, f"H {H}, K=V {K}, {B} x {seq} tokens"


SETUPS = {"conv_fwd": setup_conv_fwd, "conv_update": setup_conv_update, "delta": setup_delta}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="token counts (comma-separated)")
    ap.add_argument("--kernels", default="conv_fwd,conv_update,delta")
    ap.add_argument("--rep-ms", type=int, default=100, help="do_bench measuring time per point (ms)")
    ap.add_argument("--plot", metavar="PNG", help="also write a plot (needs matplotlib)")
    ap.add_argument("--graph-max-tokens", type=int, default=32768,
                    help="after the main table, re-time sizes up to this with CUDA graphs (no launch overhead); 0: skip")
    args = ap.parse_args(argv)
    if not torch.cuda.is_available():
        print("bench_kernels.py needs a CUDA GPU (the interpreter cannot time kernels).")
        return 2
    dev = "cuda"
    name = torch.cuda.get_device_name()
    peak = peak_bandwidth(name)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    kernels = [k for k in args.kernels.split(",") if k]
    print(f"device: {name}; torch {torch.__version__}, triton {triton.__version__}; "
          f"peak HBM bandwidth {'%.2f TB/s' % (peak / 1e12) if peak else 'unknown'}")
    print("times: median of triton.testing.do_bench, in microseconds; ratio = fixed / unfixed\n")
    rows = []
    header = f"{'kernel':<12}{'tokens':>9}  {'shape':<30}{'unfixed us':>12}{'fixed us':>11}{'ratio':>8}{'fixed GB/s':>12}{'% peak':>8}"
    print(header)
    print("-" * len(header))
    for kern in kernels:
        for tokens in sizes:
            run, nbytes, shape = SETUPS[kern](tokens, dev)
            f_un, f_fx = run(False), run(True)
            f_un(); f_fx()  # compile both before timing
            torch.cuda.synchronize()
            t_un = _bench(f_un, args.rep_ms) * 1e3
            t_fx = _bench(f_fx, args.rep_ms) * 1e3
            t_un2 = _bench(f_un, args.rep_ms) * 1e3  # again, to even out drift between the two
            t_un = min(t_un, t_un2)
            bw = nbytes / (t_fx * 1e-6)
            pct = f"{100 * bw / peak:.0f}%" if (peak and kern == "conv_fwd") else ""
            bws = f"{bw / 1e9:.0f}"
            print(f"{kern:<12}{tokens:>9}  {shape:<30}{t_un:>12.1f}{t_fx:>11.1f}{t_fx / t_un:>8.3f}{bws:>12}{pct:>8}",
                  flush=True)
            rows.append(dict(kernel=kern, tokens=tokens, unfixed_us=t_un, fixed_us=t_fx, gbps=bw / 1e9))
            del run, f_un, f_fx
            torch.cuda.empty_cache()
    print("\nGB/s = bytes the kernel must move (inputs read + outputs written) / fixed time; "
          "% peak only for conv_fwd (memory-bound).")
    small = [t for t in sizes if t <= args.graph_max_tokens]
    if small:
        # At small sizes the times above include the Python launch overhead of the host
        # API (the same for both forms). Replaying a CUDA graph removes it.
        print("\nsmall sizes again, timed as CUDA graph replays (triton.testing.do_bench_cudagraph, median):")
        print(f"{'kernel':<12}{'tokens':>9}{'unfixed us':>12}{'fixed us':>11}{'ratio':>8}")
        for kern in kernels:
            for tokens in small:
                run, _, _ = SETUPS[kern](tokens, dev)
                f_un, f_fx = run(False), run(True)
                try:
                    t_un = do_bench_cudagraph(f_un, rep=args.rep_ms, return_mode="median") * 1e3
                    t_fx = do_bench_cudagraph(f_fx, rep=args.rep_ms, return_mode="median") * 1e3
                    t_un = min(t_un, do_bench_cudagraph(f_un, rep=args.rep_ms, return_mode="median") * 1e3)
                except Exception as e:  # noqa: BLE001
                    print(f"{kern:<12}{tokens:>9}  CUDA graph timing failed: {type(e).__name__}: {str(e)[:120]}")
                    continue
                print(f"{kern:<12}{tokens:>9}{t_un:>12.1f}{t_fx:>11.1f}{t_fx / t_un:>8.3f}", flush=True)
                del run, f_un, f_fx
                torch.cuda.empty_cache()
    if args.plot:
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            print(f"--plot: matplotlib is not installed, {args.plot} not written "
                  "(pip install matplotlib to get the plot; the table above has the same numbers)")
            return 0
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
        for kern in kernels:
            r = [x for x in rows if x["kernel"] == kern]
            ax1.plot([x["tokens"] for x in r], [x["fixed_us"] / x["unfixed_us"] for x in r], marker="o", label=kern)
            ax2.plot([x["tokens"] for x in r], [x["gbps"] for x in r], marker="o", label=kern)
        ax1.axhline(1.0, color="gray", lw=0.8)
        ax1.set(xscale="log", xlabel="tokens", ylabel="time fixed / unfixed", title="cost of the int64 fix")
        if peak:
            ax2.axhline(peak / 1e9, color="gray", ls="--", lw=0.8, label=f"peak {peak / 1e12:.2f} TB/s")
        ax2.set(xscale="log", yscale="log", xlabel="tokens", ylabel="GB/s (fixed)", title=f"bandwidth on {name}")
        ax1.legend()
        ax2.legend()
        fig.tight_layout()
        fig.savefig(args.plot, dpi=120)
        print(f"plot written to {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
