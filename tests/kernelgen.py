"""Hypothesis strategies that write Triton kernels from the overflow patterns.

Each generated kernel is valid Triton (it compiles with the oracle) and has a
known set of patterns in it; names, aliases, decorator stacks, comments,
indentation and line endings vary at random.
"""
from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

NAMES = st.sampled_from(["pid", "row", "i_n", "seq", "blk", "tok", "bh", "r0"])
STRIDES = st.sampled_from(["stride", "stride_x", "s_row", "stride_t", "ld", "n_cols"])
PATTERNS = ("direct", "variable", "bump", "block_ptr", "late_method", "late_cast", "accumulator", "loop_index",
            "loaded", "narrowed", "safe_widened", "safe_bounded", "helper")
STRIDE_KINDS = ("plain", "int", "constexpr", "int64")


@dataclass(frozen=True)
class Kernel:
    source: str
    kernel: str
    patterns: tuple[str, ...]
    crlf: bool


@st.composite
def kernels(draw) -> Kernel:
    style = draw(st.sampled_from(["triton", "alias", "from_jit"]))
    lang = draw(st.sampled_from(["tl", "language", "T"]))
    indent = draw(st.sampled_from(["    ", "  ", "\t"]))
    crlf = draw(st.booleans())
    comments = draw(st.booleans())
    heuristics = draw(st.booleans()) and style != "from_jit"
    idx = draw(NAMES)
    stride = draw(STRIDES)
    kind = draw(st.sampled_from(STRIDE_KINDS))
    patterns = tuple(draw(st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=3, unique=True)))
    name = draw(st.sampled_from(["kern", "_fwd_kernel", "copy_rows", "k1"]))

    head = {"triton": "import triton\n", "alias": "import triton as tr\n", "from_jit": "import triton\nfrom triton import jit\n"}[style]
    head += f"import triton.language as {lang}\n" if lang != "language" else "from triton import language\n"
    jit = {"triton": "@triton.jit", "alias": "@tr.jit", "from_jit": "@jit"}[style]
    mod = {"triton": "triton", "alias": "tr", "from_jit": "triton"}[style]

    ann = {"plain": "", "int": ": int", "constexpr": f": {lang}.constexpr", "int64": f": {lang}.int64"}[kind]
    params = ["x_ptr", "idx_ptr", f"{stride}{ann}", "NT", f"BLOCK: {lang}.constexpr"]
    body: list[str] = []
    c = (lambda text: f"  # {text}") if comments else (lambda text: "")
    body.append(f"{idx} = {lang}.program_id(0){c('which row')}")
    body.append(f"cols = {lang}.arange(0, BLOCK)")
    helper = ""
    for p in patterns:
        if p == "direct":
            body.append(f"{lang}.store(x_ptr + {idx} * {stride} + cols, 0.0){c('direct')}")
        elif p == "variable":
            body.append(f"off_v = {idx} * {stride}")
            body.append(f"{lang}.store(x_ptr + off_v + cols, 1.0)")
        elif p == "bump":
            body.append("p_b = x_ptr")
            body.append(f"p_b += {idx} * {stride}{c('bump')}")
            body.append(f"{lang}.store(p_b + cols, 2.0)")
        elif p == "block_ptr":
            body.append(f"p_bp = {lang}.make_block_ptr(x_ptr + {idx} * {stride}, (NT, BLOCK), (BLOCK, 1), (0, 0), (BLOCK, BLOCK), (1, 0))")
            body.append(f"{lang}.store(p_bp, {lang}.zeros((BLOCK, BLOCK), dtype={lang}.float32))")
        elif p == "late_method":
            body.append(f"{lang}.store(x_ptr + ({idx} * {stride}).to({lang}.int64) + cols, 3.0)")
        elif p == "late_cast":
            body.append(f"off_c = {lang}.cast({idx} * {stride}, {lang}.int64)")
            body.append(f"{lang}.store(x_ptr + off_c + cols, 4.0)")
        elif p == "accumulator":
            # an int64 step needs an int64 start: Triton rejects a loop-carried type change
            body.append(f"acc_off = {lang}.zeros((), dtype={lang}.int64)" if kind == "int64" else "acc_off = 0")
            body.append("for _t in range(NT):")
            body.append(f"{indent}{lang}.store(x_ptr + acc_off + cols, 5.0)")
            body.append(f"{indent}acc_off += {stride}{c('next row')}")
        elif p == "loop_index":
            body.append("for i_t in range(NT):")
            body.append(f"{indent}{lang}.store(x_ptr + i_t * {stride} + cols, 6.0)")
        elif p == "loaded":
            body.append(f"ld_i = {lang}.load(idx_ptr + {idx})")
            body.append(f"{lang}.store(x_ptr + ld_i * {stride} + cols, 7.0)")
        elif p == "narrowed":
            body.append(f"nr_i = {lang}.load(idx_ptr + {idx} + 1).to({lang}.int32)")
            body.append(f"{lang}.store(x_ptr + nr_i * {stride} + cols, 8.0)")
        elif p == "safe_widened":
            body.append(f"{lang}.store(x_ptr + {idx}.to({lang}.int64) * {stride} + cols, 9.0)")
        elif p == "safe_bounded":
            body.append(f"{lang}.store(x_ptr + cols[:, None] * {stride} + cols[None, :], 10.0)")
        elif p == "helper":
            helper = (f"{jit}\ndef _scale(a, b):\n{indent}return a * b\n\n\n")
            body.append(f"{lang}.store(x_ptr + _scale({idx}, {stride}) + cols, 11.0)")
    decos = ""
    if heuristics:
        decos += f"@{mod}.heuristics({{'EVEN': lambda args: True}})\n"
        params.append(f"EVEN: {lang}.constexpr")
    src = head + "\n\n" + helper + decos + jit + f"\ndef {name}({', '.join(params)}):\n"
    src += "".join(f"{indent}{line}\n" for line in body)
    if crlf:
        src = src.replace("\n", "\r\n")
    return Kernel(src, name, patterns, crlf)
