"""The size model: how big each kind of dimension gets in a real 2026 workload.

A 32-bit product is only worth a kernel author's attention when a real workload
can make it reach 2**31. Whether it can depends on what the index runs over (a
head index stays below the head count; a token index reaches the tokens of a
prefill batch) and on what the stride spans (one row of a tensor, or one whole
expert's weights). This module holds the realistic maxima, sized for serving
and training on 80-141 GB GPUs, and recognises the kinds from names.

The table is overridable in ``[tool.tritonlint.sizes]`` (``tokens = 4194304``).
Names are the fallback: a launch site that binds a parameter says more, when the
analysis has one.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Dimension:
    kind: str
    maximum: int
    what: str
    #: an outer dimension: its index times the stride of its rows spans a whole
    #: tensor (activations, KV caches, logits); an inner one spans only part of a row
    outer: bool
    pattern: str  # names (program-id variables, loop indices, loaded pointers) of this kind


#: the words that name a row's features (the `features` kind without the letters it
#: also takes, `n`, `offs_n`, `k`, which name other dimensions as often)
FEATURE_WORDS = r"col|feat|chan|hidden|dim|d_?model|embed|inter|width"
_FEATURE_WORDS = re.compile(FEATURE_WORDS, re.IGNORECASE)


def names_features(text: str) -> bool:
    """The text names a row's features by a word (`cols`, `hidden_idx`), not a letter."""
    return bool(_FEATURE_WORDS.search(text))


#: The defaults, largest realistic extent of each kind of dimension.
DIMENSIONS: tuple[Dimension, ...] = (
    # most specific first: the first kind whose names match wins
    # `x % block_size`, `pos % page_size`: a position inside one block, page or chunk
    Dimension("in_block", 4096, "positions inside one block, page or chunk", False,
              r"(block|page|chunk|blk|tile)_?(size|len)|^bs$|^page_?sz$|kernel_?size|conv_?width|^width$"),
    Dimension("spec_steps", 64, "speculative or draft steps of a request", False,
              r"depth|^spec|_spec(_|$)|speculative|draft|num_?steps|^step_?(idx|id)?$"),
    Dimension("topk", 32, "experts chosen per token", False, r"topk|top_k"),
    # LoRA adapters resident at once (vLLM's max_loras, SGLang's max_loras_per_batch):
    # tens in practice; a LoRA index loaded through a per-token table is still one of them
    Dimension("adapters", 512, "LoRA adapters loaded at once", True, r"lora|adapter"),
    Dimension("experts", 512, "experts of a MoE layer", False, r"expert|^e$|^i_?e$|^pid_?e$"),
    Dimension("splits", 1024, "KV splits, slices, SMs or cores, ranks, programs of a persistent kernel", False,
              r"split|slices?($|_)|^sm|^sid$|^pid_?s$|(^|_)sms($|_)|multi_?processor|(^|_)cores?($|_)|core_?num|(^|_)ctas($|_)"
              r"|(^|_)ranks?($|_)|world|^i_?r$"),
    # a layer index times a layer's stride spans a whole multi-layer cache: a slab
    Dimension("layers", 512, "layers of a model", True, r"layer|^n_?layers?$|^i_?l$|^pid_?l$"),
    Dimension("cache_slots", 2**24, "slots or pages of a KV cache filling 141 GB", True,
              r"slot|page|block_table|block_idx|kv_ind|req_to_token|cache|(^|_)locs?($|_)|^blk"),
    Dimension("vocab", 2**18, "vocabulary entries (256k)", True, r"vocab|token_ids?$|input_ids?$|label|target"),
    Dimension("chunks", 2**16, "chunks of a 1M-token sequence (16-token chunks)", True,
              r"chunk|^i_?c$|^nt$|^i_?nt$"),
    # 128 query heads on one rank is the most of 2026's open models (DeepSeek-V3, Llama-3.1-405B)
    Dimension("heads", 128, "attention heads (query or KV)", False, r"head(?!_?(dim|size|_?d$))|^h$|^i_?h$|^pid_?h$|^off_?h|^hid$|^i_?hq$|^i_?hk|^i_?hv$|^hq$|^hkv?$|^hv$|^o_?hv?$|^nh$|^num_?h$"),
    Dimension("head_dim", 1024, "elements of one head", False, r"head_?(dim|size)|^d$|^i_?d$|^(qk|rope|nope|rot|pe)_?(head_?)?dim$|^i_?k$|^i_?v$|^pid_?k$|^pid_?v$|^offs?_?d$|^offs?_?dv?$"),
    # a batch entry's stride spans a whole sequence (or a whole state): judged as a slab
    Dimension("batch", 4096, "sequences or requests in a batch", True,
              r"batch|^b$|^i_?b$|^pid_?b$|^off_?b$|^bid$|^off_?z$|^pid_?z$|^i_?z$|^i_?n$|^req|(^|_)req(s|uests?)($|_)|^pid_?n_?seq|^seq_?idx"),
    Dimension("features", 2**16, "features of one row (hidden, intermediate, channels)", False,
              FEATURE_WORDS + r"|^n$|^pid_?n$|^offs?_?n$|^offs?_?k$|^rn$|^rk$|^i_?n_?blk|^c$|^i_?c_?blk|^k$"),
    Dimension("tokens", 2**20, "tokens in one batch or sequence (a 1M-token prefill)", True,
              r"tok|seq|pos|row|ctx|context|^m$|^pid_?m$|^offs?_?m$|^rm$|^i_?m$|^bos$|^eos$|start|^t$|^i_t$|^pid_?t$|query|^q_?idx|^idx$|^i$"),
)

#: Strides, when nothing more is known about them.
ROW_STRIDE = ("row_stride", 2**18, "elements of one row (a 256k-vocab logits row, a fused QKV row)")
#: A stride that steps over a whole slab: one expert's weights, one batch entry,
#: one layer of a cache. Named so (`stride_expert`, `stride_b`, `layer_stride`).
SLAB_STRIDE = ("slab_stride", 2**28, "elements of one expert's weights, batch entry or layer")
#: The row of a per-request table (a block table, req_to_token): one entry per
#: page of the longest sequence (2M tokens in 16-token pages).
TABLE_STRIDE = ("table_stride", 2**17, "entries of one request's row in a block table")
#: A tensor small by nature (``tensors.py``): indices and other metadata, per-row
#: statistics, quantisation scales, rotary caches: a million tokens x 1,024 entries.
METADATA = ("metadata", 2**30, "elements of a tensor of indices, scales, statistics or a rotary cache")
#: (also index tables in general: `state_indices`, `block_ids`: one small row of ids per request)
_TABLE_NAME = re.compile(r"table|req_to_token|token_to_kv|indices|indptr|block_ids|_per_(seq|req)",
                         re.IGNORECASE)
#: a stride that steps over a whole sequence: the stride of a batch index
_SEQUENCE_STRIDE = re.compile(r"seq|batch|^stride_?[a-z]?b$|_b$|state", re.IGNORECASE)
_SLAB_NAME = re.compile(r"expert|^stride_?[a-z]?e$|_e$|batch|^stride_?[a-z]?[bz]$|_b$|_z$|layer|_l$")


def defaults() -> dict[str, int]:
    out = {d.kind: d.maximum for d in DIMENSIONS}
    out[ROW_STRIDE[0]] = ROW_STRIDE[1]
    out[SLAB_STRIDE[0]] = SLAB_STRIDE[1]
    out[TABLE_STRIDE[0]] = TABLE_STRIDE[1]
    out[METADATA[0]] = METADATA[1]
    return out


DEFAULTS = defaults()
_BY_KIND = {d.kind: d for d in DIMENSIONS}
_COMPILED = [(d, re.compile(d.pattern, re.IGNORECASE)) for d in DIMENSIONS]


#: What one unit of each kind is called in a message ("from 8,192 tokens").
NOUNS = {
    "in_block": "positions in a block", "spec_steps": "speculative steps", "topk": "chosen experts",
    "adapters": "LoRA adapters", "experts": "experts", "splits": "splits",
    "layers": "layers", "cache_slots": "cache slots or pages", "vocab": "vocabulary entries", "chunks": "chunks", "heads": "heads",
    "head_dim": "elements of a head", "batch": "sequences", "features": "features", "tokens": "tokens",
}


def noun(kind: str | None) -> str:
    return NOUNS.get(kind or "tokens", "rows")


def is_outer(kind: str) -> bool:
    d = _BY_KIND.get(kind)
    return d is None or d.outer


#: where each expert's, adapter's or request's rows start (`expert_start_loc`,
#: `expert_offsets`, `lora_token_start_loc`, `req_start`): a row of the batch, not an
#: expert; what a counter of that name hands out (`tl.atomic_add(expert_start_loc + e, 1)`)
#: is a row too
_ROW_STARTS = re.compile(r"^(?P<owner>.+?)_(start_?locs?|starts?|begins?|offsets|indptr|cumsum)$", re.IGNORECASE)
_ROW_OWNERS = ("experts", "adapters", "batch")


def kind_of_name(name: str) -> str | None:
    """The kind of dimension a variable or pointer name runs over, if it says."""
    base = name.strip("`").split(".")[-1]
    starts = _ROW_STARTS.match(POINTER_AFFIXES.sub("", base))
    if starts is not None and _kind_by_pattern(starts.group("owner")) in _ROW_OWNERS:
        return "tokens"
    return _kind_by_pattern(base)


#: what a pointer's name adds to its tensor's (`scale_ptr`, `p_lse`, `seq_lens_ptrs`)
POINTER_AFFIXES = re.compile(r"(_ptrs?|_base|_ptr_base)$|^(p_|ptr_)", re.IGNORECASE)


def _kind_by_pattern(base: str) -> str | None:
    for d, rx in _COMPILED:
        if rx.search(base):
            return d.kind
    return None


#: Host tensors whose rows are narrow by nature, by name: the row (``t.stride(0)``)
#: of a top-k table is k wide, of a RoPE cos/sin cache one head; 1-D index
#: tensors (sequence lengths, positions, slot mappings) have unit stride.
_NARROW_TENSORS = (
    (re.compile(r"topk|top_k", re.IGNORECASE), "topk"),
    (re.compile(r"freq|cos_sin|rotary|rope|inv_freq", re.IGNORECASE), "head_dim"),
    (re.compile(r"seq_?lens?$|seqlens?$|^positions$|slot_mapping$|cu_seqlens|start_loc|seq_?starts?(_?[qk])?$|seq_?pos$",
                re.IGNORECASE), "unit"),
)


def narrow_row(tensor: str) -> str | None:
    """The kind that bounds the row of a host tensor narrow by nature, or "unit"."""
    for rx, kind in _NARROW_TENSORS:
        if rx.search(tensor):
            return kind
    return None


def expression_max(node: ast.expr, table: dict[str, int], unknown, letter, resolve=None) -> int | None:
    """The realistic maximum of a size or index expression (``1 + num_spec``,
    ``(i_b * H + i_h) * K``) from what its names count, and from ``resolve(name)``,
    what the analysis knows of a name's value (None: nothing). A single letter that names an
    inner kind (``D``, ``K``) means different things in different kernels:
    ``letter(kind)`` sizes it. ``unknown(name)`` sizes a name the table does not know
    (None: the whole expression is unknown)."""
    def size(n: ast.expr) -> int | None:
        if isinstance(n, ast.Constant) and type(n.value) is int:
            return abs(n.value)
        if isinstance(n, (ast.Name, ast.Attribute)):
            name = n.id if isinstance(n, ast.Name) else n.attr
            known = resolve(name) if resolve is not None and isinstance(n, ast.Name) else None
            kind = kind_of_name(name)
            if kind is None:
                by_name = unknown(name)
            elif len(name) == 1 and not is_outer(kind):
                by_name = letter(kind)
            else:
                by_name = table[kind]
            # what the analysis knows of the value (a bound, its grid axis) and what its
            # name says both hold: the smaller is the realistic size
            if known is not None:
                return known if by_name is None else min(known, by_name)
            return by_name
        if isinstance(n, ast.Subscript):
            narrow = _narrow_last_dimension(n)
            if narrow is not None:
                return table[narrow]
            return size(n.value)  # `offs[:, None]`
        if isinstance(n, ast.UnaryOp):
            return size(n.operand)
        if isinstance(n, ast.BinOp):
            left, right = size(n.left), size(n.right)
            if left is None or (right is None and not isinstance(n.op, (ast.Sub, ast.FloorDiv, ast.Div, ast.RShift))):
                return None
            if isinstance(n.op, ast.Add):
                same = _position_kind(n.left)
                if same is not None and same == _position_kind(n.right):
                    # `start + i`, `bos + t`: two positions along one dimension make a
                    # position along it (masked or in bounds), not the sum of two extents
                    return max(left, right)
                for scaled, inner, total, extra in ((n.left, n.right, left, right), (n.right, n.left, right, left)):
                    if _position_kind(inner) is not None and isinstance(scaled, ast.BinOp) \
                            and isinstance(scaled.op, ast.Mult):
                        sizes_ = [size(f) for f in (scaled.left, scaled.right) if _position_kind(f) is None]
                        if any(f is not None and f >= extra for f in sizes_):
                            # `i_b * H + i_h` with i_h below H: a flattened coordinate
                            # stays below the product of the extents it flattens
                            return total
                return left + right
            if isinstance(n.op, (ast.FloorDiv, ast.Div)) and _literal(n.right):
                return -(-left // max(n.right.value, 1))  # `n // 4`: a quarter of n, rounded up
            if isinstance(n.op, ast.Mult):
                for index, block in ((n.left, n.right), (n.right, n.left)):
                    along = _block_start_along(index, block)
                    if along is not None:
                        # `pid_m * BLOCK_M`, `i_t * BT`: where a block starts along the
                        # dimension the index's name says, never past that dimension
                        return min(left * right, table[along])
                return left * right
            if isinstance(n.op, ast.Mod):
                return min(left, right)
            if isinstance(n.op, ast.LShift):
                return left * 2 ** min(right, 62)
            return left  # -, //, >>: never larger than the left side
        if isinstance(n, ast.Call):
            func = n.func.attr if isinstance(n.func, ast.Attribute) else getattr(n.func, "id", "")
            if func == "arange" and len(n.args) == 2:
                return size(n.args[1])
            if func == "cdiv" and len(n.args) == 2 and _literal(n.args[1]):
                whole = size(n.args[0])  # `cdiv(vocab, 4096)`: blocks of a dimension
                return None if whole is None else -(-whole // max(n.args[1].value, 1))
            if func in ("minimum", "min") and n.args:
                sizes_ = [size(a) for a in n.args]
                return None if None in sizes_ else min(sizes_)
            if func in ("to", "cast", "multiple_of", "max_contiguous") and isinstance(n.func, ast.Attribute):
                return size(n.func.value)
            if func in ("cast", "multiple_of", "max_contiguous") and n.args:
                return size(n.args[0])
        return unknown("")
    try:
        return size(node)
    except RecursionError:  # pragma: no cover - pathological input
        return None


#: a block-size constexpr by name (`BLOCK_M`, `BT`, `TILE_N`)
BLOCK_SIZE_NAME = re.compile(r"(BLOCK|BLK|TILE)[A-Z0-9_]*|[A-Z0-9_]*_BLOCK|B[A-Z0-9]{1,2}")


def _block_start_along(index: ast.expr, block: ast.expr) -> str | None:
    """The dimension whose blocks an index counts, when ``index * block`` is where a
    block starts along it: a block-size name times an index whose own name says what
    it runs over (a chunk index tiles the tokens). None for an index that says nothing
    (`pid * BLOCK_SIZE` over all the elements of a tensor)."""
    if not (isinstance(block, ast.Name) and BLOCK_SIZE_NAME.fullmatch(block.id)):
        return None
    while isinstance(index, ast.Subscript):
        index = index.value
    if not isinstance(index, ast.Name) or not index.id.islower():
        return None
    kind = kind_of_name(index.id)
    return "tokens" if kind == "chunks" else kind


def _narrow_last_dimension(n: ast.Subscript) -> str | None:
    """``topk_ids.shape[-1]``: the last dimension of a tensor narrow by nature is
    what bounds its rows (k of a top-k table, one head of a rotary cache)."""
    if not (isinstance(n.value, ast.Attribute) and n.value.attr == "shape"):
        return None
    index = n.slice
    if not (isinstance(index, ast.UnaryOp) and isinstance(index.op, ast.USub)
            and isinstance(index.operand, ast.Constant) and index.operand.value == 1):
        return None
    base = n.value.value
    name = base.id if isinstance(base, ast.Name) else base.attr if isinstance(base, ast.Attribute) else None
    kind = narrow_row(name) if name else None
    return kind if kind in DEFAULTS else None


def _literal(n: ast.expr) -> bool:
    return isinstance(n, ast.Constant) and type(n.value) is int and n.value > 0


def _position_kind(n: ast.expr) -> str | None:
    """The kind a position (a lower-case name, or a broadcast of one: `offs[:, None]`)
    runs over, tokens when its name says nothing (as an index is taken then). None for
    anything else (a size, a product)."""
    while isinstance(n, ast.Subscript):
        n = n.value
    if isinstance(n, (ast.Name, ast.Attribute)):
        name = n.id if isinstance(n, ast.Name) else n.attr
        if not name.islower():
            return None
        return kind_of_name(name) or "tokens"  # as an index whose name says nothing is taken
    return None


def parse_expression(text: str) -> ast.expr | None:
    try:
        return ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError, RecursionError):
        return None


def is_table_stride(name: str) -> bool:
    return bool(_TABLE_NAME.search(name))


def is_sequence_stride(name: str) -> bool:
    return bool(_SEQUENCE_STRIDE.search(name))


def is_slab_stride(name: str) -> bool:
    return bool(_SLAB_NAME.search(name.lower()))


def validate(overrides: dict) -> dict[str, int]:
    """``[tool.tritonlint.sizes]``: known kinds only, positive integers."""
    out = dict(DEFAULTS)
    for key, value in overrides.items():
        kind = key.replace("-", "_")
        if kind not in out:
            raise ValueError(f"unknown size `{key}` (known: {', '.join(sorted(out))})")
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"size `{key}` must be a positive integer, got {value!r}")
        out[kind] = value
    return out
