"""Can a real workload make a 32-bit product wrap? The size model applied to a risk.

Every risky product gets one of three tiers:

* ``realistic``: a workload within the size model (``sizes.py``) reaches 2**31;
  the message names the smallest such workload;
* ``unrealistic``: it is 32-bit and reaches an address, but only sizes beyond the
  model wrap it (a head index times a head stride);
* ``bounded``: provably below 2**31 (constant bounds), or deliberately 32-bit
  (the kernel widens the same value under a constexpr flag the host sets for
  large sizes).

By default only ``realistic`` findings are reported; ``--strict`` reports all.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from . import sizes, tensors
from .facts import Risk
from .values import Value, short_int

LIMIT = 2**31
REALISTIC, UNREALISTIC, BOUNDED = "realistic", "unrealistic", "bounded"
TIERS = (REALISTIC, UNREALISTIC, BOUNDED)
_RANK = {REALISTIC: 2, UNREALISTIC: 1, BOUNDED: 0}
_IDENT = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
#: a block-size constexpr by name (`BLOCK_M`, `BT`, `TILE_N`): not a shape constexpr
#: that is also a row length (`HIDDEN` in `row * HIDDEN + tl.arange(0, HIDDEN)`)
_BLOCK_SIZE = sizes.BLOCK_SIZE_NAME


@dataclass(frozen=True)
class Verdict:
    tier: str
    note: str  # the size reasoning, in the user's terms

    @property
    def reported_by_default(self) -> bool:
        return self.tier == REALISTIC


def worst(verdicts) -> Verdict | None:
    out = None
    for v in verdicts:
        if v is not None and (out is None or _RANK[v.tier] > _RANK[out.tier]):
            out = v
    return out


def _names(value: Value, code: str) -> list[str]:
    """The names a value is built from: its own text, then its provenance (a load
    contributes the names in its pointer expression)."""
    out = _IDENT.findall(code)
    for name, what in value.origin:
        if "@" in name:  # a load: `slot_mapping + i` says what was loaded
            node = getattr(what, "node", None)
            text = str(what) if node is None else str(what).split(":", 1)[-1]
            out.extend(_IDENT.findall(text))
        else:
            out.extend(_IDENT.findall(name))
    ignore = {"tl", "load", "program_id", "arange", "to", "int64", "int32", "cast", "loaded", "from", "memory",
              "if", "the", "tensor", "holds", "range", "min", "max", "tl_load", "triton", "language"}
    return [n for n in out if n not in ignore and not n.isupper() or n in ("T", "N", "M", "B", "H")]


@dataclass(frozen=True)
class Extent:
    """How large an operand realistically gets, and why."""

    maximum: int
    why: str  # "tokens in one batch (grid axis `n_tokens` at host.py:12)"
    outer: bool = True
    kind: str | None = None
    #: a proven bound (a literal, a grid limit), not a kind's realistic maximum: it is
    #: already the largest value, and says nothing about what the operand counts
    proven: bool = False
    #: a coordinate flattened from several dimensions (`(i_b * H + i_h) * K`): its
    #: values count positions of the flattened layout, not tokens
    flattened: bool = False


def index_extent(value: Value, code: str, table: dict[str, int], parts: dict[str, Value] | None = None) -> Extent:
    """What an index runs over. The launch says it best (a grid axis, a host size, a
    mask against a dimension); then the nearest name that says what it runs over:
    the index's own text, then its provenance from the closest definition outwards
    (an offset built from `pid_m` and `cols` is judged by its own name, not by the
    largest kind among everything it was computed from)."""
    best: Extent | None = None
    composite = _expr_max(code, table, parts) if "*" in code else None
    if composite is not None:
        # a coordinate built from a product (`(i_b * H + i_h) * K`): as large as the
        # dimensions it flattens
        best = Extent(composite, f"the dimensions it flattens, up to {composite:,}", True, None, flattened=True)
    elif value.kind in sizes.NOUNS:
        host = f" ({value.host})" if value.host else ""
        best = Extent(table[value.kind], f"{sizes.noun(value.kind)}{host}, up to {table[value.kind]:,}",
                      sizes.is_outer(value.kind), value.kind)
    for name in ([] if best is not None else _names(value, code)):
        kind = sizes.kind_of_name(name)
        if kind is not None:
            best = Extent(table[kind], f"{sizes.noun(kind)}, up to {table[kind]:,}", sizes.is_outer(kind), kind)
            break
    if value.definition is not None and "*" not in code and (best is None or not best.proven):
        # a name assigned an arithmetic expression (`p = t * TOPK + j`): no larger than
        # what it is computed from, when that says less than its name
        text, parts_of = value.definition
        defined = _expr_max(text, table, dict(parts_of)) if "*" in text else None
        if defined is not None and (best is None or defined < best.maximum):
            best = Extent(defined, f"what it is computed from (`{text}`), up to {defined:,}", True, None,
                          flattened=True)
    if best is None or ("*" in code and composite is None and best.maximum < table["tokens"]):
        # Nothing says what it runs over, or it is a product whose parts do not say:
        # assume it reaches the tokens of a batch (the common case; keeps real bugs reported).
        best = Extent(table["tokens"], f"tokens (assumed: nothing says what it runs over), up to {table['tokens']:,}", True, None)
    if value.bound is not None and value.bound < best.maximum:
        best = Extent(value.bound, f"at most {value.bound:,}", best.outer, best.kind, proven=True)
    return best


def stride_extent(value: Value, code: str, outer_index: bool, table: dict[str, int],
                  index_kind: str | None = None, per_head: bool = False) -> Extent:
    """How large a stride (or the size a coordinate is scaled by) realistically is.
    ``per_head``: the index counts heads, so a single letter it is scaled by (`i_h * K`,
    `(i_b * H + i_h) * V`) is one head's size, as in a shape laid out per head."""
    if value.const is not None:
        return Extent(abs(value.const), f"= {value.const:,}")
    if value.bound is not None:
        # a hardware bound (a grid axis below 65,536) says less than a name that says
        # what the value counts (`topk_id`)
        kind = sizes.kind_of_name(code) if _IDENT.fullmatch(code) else None
        if kind is not None and not sizes.is_outer(kind) and table[kind] < value.bound:
            return Extent(table[kind], f"{sizes.noun(kind)}, up to {table[kind]:,}", kind=kind)
        return Extent(value.bound, f"at most {value.bound:,}", proven=True)
    host = f" ({value.host})" if value.host else ""

    def named(kind: str, what: str) -> Extent:
        return Extent(table[kind], f"{what}{host}, up to {table[kind]:,}", kind=kind)

    if value.estimate is not None:
        what = "the product of the dimensions after it" if ".stride(" in (value.host or "") or \
            "stride" in code.lower() else "a count of blocks of a size"
        return Extent(value.estimate, f"{what}{host}, up to {value.estimate:,}", kind="sized")
    if value.kind == "inner_stride":
        return named("row_stride", "the stride of a dimension inside a row")
    if value.kind == "unit":
        return Extent(1, f"the stride of a last dimension{host}, 1 for a contiguous tensor", kind="unit")
    if value.kind in sizes.NOUNS:
        # a size passed as a stride (`N = x.shape[1]` as the row length)
        return named(value.kind, sizes.noun(value.kind))
    by_name = _named_stride(value, code, outer_index, table, index_kind, per_head, host)
    built = _built_stride(code, table, per_head)
    if built is not None and built < by_name.maximum:
        # a stride the kernel builds from sizes is at most their product; it never
        # makes the reading from the stride's names larger (`N * H * D` of three
        # letters each sized alone is no realistic row)
        return Extent(built, f"the product of the sizes it is built from, up to {built:,}", kind="sized")
    return by_name


def _named_stride(value: Value, code: str, outer_index: bool, table: dict[str, int], index_kind: str | None,
                  per_head: bool, host: str) -> Extent:
    """A stride's extent from what its names say, when nothing proves it."""
    def named(kind: str, what: str) -> Extent:
        return Extent(table[kind], f"{what}{host}, up to {table[kind]:,}", kind=kind)

    names = _IDENT.findall(code) + [n for n, _ in value.origin]
    if any(sizes.is_table_stride(n) for n in names):
        return named("table_stride", "the row of a block table")
    if (len(names) == 1 or (names and names[0] == code)) and "stride" not in names[0].lower():
        # a stride named as a size (`* D`, `* head_dim`): that dimension's extent
        dim = sizes.kind_of_name(names[0])
        if dim in ("features", "head_dim") and per_head and len(names[0]) == 1:
            return named("head_dim", f"one head's size after a heads index ({sizes.noun('head_dim')})")
        if dim is not None:
            return named(dim, sizes.noun(dim))
    if _IDENT.fullmatch(code) and code.isupper() and len(code) <= 3 and sizes.kind_of_name(code) is None:
        # a short constexpr size that names no dimension (`* DK`, `* HD`): one head's worth
        return Extent(table["head_dim"], f"a constexpr size{host}, taken as one head, up to {table['head_dim']:,}",
                      kind="head_dim")
    if any(sizes.is_slab_stride(n) for n in names) or (
            index_kind == "batch" and any(sizes.is_sequence_stride(n) for n in names)):
        # a batch entry's stride spans a whole sequence when its name says so
        # (`stride_x_seq`); a request's row of a per-request table does not
        return named("slab_stride", "a slab stride (one expert, batch entry or layer)")
    if outer_index:
        return named("row_stride", "a row stride")
    inner = table["head_dim"]
    return Extent(inner, f"the stride of an inner dimension{host}, up to {inner:,}")


def _built_stride(code: str, table: dict[str, int], per_head: bool) -> int | None:
    """A stride the kernel builds from sizes (`H * 16`, `2 * D`, `H * K`): the product
    of their realistic maxima. None when it is a single name, or a part says nothing
    or is itself a stride (`stride_t * 2` spans what the host's stride spans)."""
    if _IDENT.fullmatch(code):
        return None
    node = sizes.parse_expression(code)
    if node is None or any("stride" in n.lower() for n in _IDENT.findall(code)):
        return None

    def unknown(name: str) -> int | None:
        if name and _BLOCK_SIZE.fullmatch(name):
            return table["in_block"]  # `H * BT`: a block-size constexpr
        if name and name.isupper() and len(name) <= 3:
            return table["head_dim"]  # as a lone short constexpr size is (`* DK`)
        return None

    def letter(kind: str) -> int:
        # as in the host's shapes (launch_facts._estimate): a letter is a row's features
        # (`2 * D` of a gated MLP), one head's size only after a heads index
        if kind in ("heads", "experts"):
            return table[kind]
        return table["head_dim"] if per_head else table["features"]

    return sizes.expression_max(node, table, unknown=unknown, letter=letter)


def _expr_max(code: str, table: dict[str, int], parts: dict[str, Value] | None = None) -> int | None:
    """The realistic maximum of an index expression; a name that says nothing is one
    head when it is a constexpr-style size (`DV`), tokens otherwise (an index). A part
    whose value the analysis knows is sized by that too (``part_size``)."""
    node = sizes.parse_expression(code)
    if node is None:
        return None
    # inside a flattened coordinate a single letter is a per-head size (`* H + h) * K`)
    return sizes.expression_max(node, table, unknown=lambda name: (
        table["head_dim"] if name and name.isupper() else table["tokens"]),
        letter=lambda kind: min(table[kind], table["head_dim"]),
        resolve=(lambda name: part_size(parts.get(name), table)) if parts else None)


def part_size(value: Value | None, table: dict[str, int]) -> int | None:
    """How many values a part of a composite index takes, from what the analysis knows:
    a constant is itself (a size it is scaled by), a bound b allows b + 1 values, and a
    kind the launch gives (a grid axis over cores) its realistic maximum."""
    if value is None:
        return None
    if value.const is not None:
        return abs(value.const)
    out = None
    if value.bound is not None:
        out = value.bound + 1
    if value.kind in sizes.NOUNS:
        out = table[value.kind] if out is None else min(out, table[value.kind])
    return out


def _small_tensors(risk: Risk, table: dict[str, int]) -> str | None:
    """Why every address the risk reaches is in a tensor of fewer than 2**31 elements;
    None when one of them may be larger (or nothing says)."""
    if not risk.uses:
        return None
    reasons = []
    for use in risk.uses:
        found = tensors.extent(use.pointer, table)
        if found is None or found.maximum >= LIMIT:
            return None
        if found.why not in reasons:
            reasons.append(found.why)
    return "; ".join(reasons[:2]) + ("; ..." if len(reasons) > 2 else "")


def for_risk(risk: Risk, table: dict[str, int]) -> Verdict:
    if risk.host_guard is not None:
        return Verdict(BOUNDED, f"every launch checks the int32 range first ({risk.host_guard})")
    verdict = _by_operands(risk, table)
    if verdict.tier == REALISTIC:
        small = _small_tensors(risk, table)
        if small is not None:
            # an in-bounds offset stays below the elements of the tensor it addresses
            return Verdict(UNREALISTIC, f"only at unrealistic sizes: every address it reaches stays inside a "
                                        f"tensor below {short_int(LIMIT)} elements ({small})")
    return verdict


#: a mask against a single letter (`offs < N`) says too little to call an index a
#: row's features: `N` is as often the tokens
_LETTER_MASK = re.compile(r"^masked below `[A-Za-z]`$")


def _host(value: Value) -> str:
    return f" ({value.host})" if value.host else ""


def _steps_along_a_row(index: Value, stride: Value, extent: Extent, code: str) -> bool:
    """An index that runs along one row times the stride of an inner dimension
    (``cols * x.stride(1)``, ``offs_d * q.stride(3)``) steps inside one entry of the
    tensor's outermost dimension: only a tensor whose single entry holds 2**31
    elements wraps it. An index loaded from memory (a class id into a class-first
    layout), one only a single-letter mask names, or a column index named by a letter
    (`offs_n` over a [batch, sequence, heads, dim] view: the sequence, SageAttention
    #386) is not read so."""
    if stride.kind != "inner_stride" or extent.kind not in ("features", "head_dim", "in_block"):
        return False
    if extent.kind == "features" and not sizes.names_features(code):
        # `offs_n` is a GEMM's column and attention's key position, `offs_k` a
        # reduction step or a key: only a word says the index stays along a row
        return False
    return not index.loaded and not _LETTER_MASK.match(index.host or "")


def _by_operands(risk: Risk, table: dict[str, int]) -> Verdict:
    """The verdict from what the index runs over and what the stride spans."""
    if risk.kind == "product" and risk.index is not None and risk.stride is not None:
        idx, st = risk.index, risk.stride
        if idx.value.guarded or st.value.guarded:
            return Verdict(BOUNDED, "the kernel widens this value under a constexpr flag the host sets for large "
                                    "sizes; this is the int32 specialisation for small ones")
        if st.value.const is not None and abs(st.value.const) >= LIMIT:
            # no tensor an int32 index addresses has a stride this large: a hash or
            # bit-mixing constant (`k * 0xCC9E2D51`), not an address computation
            return Verdict(BOUNDED, f"`{st.code}` = {st.value.const:,} is a mixing constant, not a stride")
        if idx.value.bound is not None and st.value.bound is not None and idx.value.bound * st.value.bound < LIMIT:
            return Verdict(BOUNDED, f"at most {idx.value.bound * st.value.bound:,} (bounded operands)")
        e = index_extent(idx.value, idx.code, table, idx.parts)
        if _steps_along_a_row(idx.value, st.value, e, idx.code):
            return Verdict(UNREALISTIC, f"only at unrealistic sizes: `{idx.code}` runs along a row ({e.why}) and "
                                        f"`{st.code}` is the stride of a dimension after the first{_host(st.value)} "
                                        f"(1 for a contiguous last dimension): the product stays inside one entry "
                                        f"of the tensor's outermost dimension, whose own offset is checked on its own")
        if _BLOCK_SIZE.fullmatch(st.code) and st.value.small_literal and st.value.const is None \
                and e.kind is not None and not e.proven and table[e.kind] < LIMIT:
            # `pid_m * BLOCK_M`: a block index named for a dimension times its block size
            # is where the block starts along that dimension, never past its extent; an
            # index that says nothing keeps the flat reading (`pid * BLOCK_SIZE` over all
            # the elements of a tensor)
            return Verdict(UNREALISTIC, f"only at unrealistic sizes: `{idx.code} * {st.code}` is where a block "
                                        f"starts along {sizes.noun(e.kind)}, at most {table[e.kind]:,}")
        per_head = e.kind == "heads" or any(sizes.kind_of_name(n) == "heads" for n in _IDENT.findall(idx.code))
        s = stride_extent(st.value, st.code, e.outer, table, e.kind, per_head)
        if e.kind == "batch" and s.kind == "tokens":
            # `i_b * T`: where a sequence starts, never past the tokens of the whole batch;
            # scaling it further by a row is its own product, reported on its own
            return Verdict(UNREALISTIC, f"only at unrealistic sizes: `{idx.code} * {st.code}` is the start of a "
                                        f"sequence, at most the tokens of the batch ({table['tokens']:,})")
        # an extent counts elements, so an index along it is at most one less; a bound
        # is already the largest value
        largest = e.maximum if e.proven else max(e.maximum - 1, 0)
        if largest * s.maximum < LIMIT:
            return Verdict(UNREALISTIC, f"only at unrealistic sizes: `{idx.code}` ({e.why}) times `{st.code}` "
                                        f"({s.why}) stays below {short_int(LIMIT)}")
        at = math.ceil(LIMIT / max(s.maximum, 1))
        bounded_only = e.proven  # a bound, no name says what it counts
        runs = f"is {e.why}" if bounded_only else f"runs over {e.why}"
        unit = "" if bounded_only else f" {sizes.noun(e.kind)}"
        start = f"it wraps from {at:,}{unit}"
        if e.flattened and not bounded_only:
            # a flattened index counts positions of its layout, not tokens: 2M of them
            # are 16k tokens of 128 heads, not 2M tokens
            start = f"it wraps once `{idx.code}` reaches {at:,}"
        note = (f"wraps at realistic sizes: `{idx.code}` {runs}, and `{st.code}` is {s.why}; "
                f"{start} at a stride of {s.maximum:,}")
        # a second, common point of the same curve, when it is still realistic
        typical = 4096
        if s.kind in ("row_stride", "slab_stride", "table_stride", None) and s.maximum > typical \
                and math.ceil(LIMIT / typical) <= e.maximum:
            note += f", or from {math.ceil(LIMIT / typical):,} at {typical:,}"
        return Verdict(REALISTIC, note)
    if risk.kind == "accumulator" and risk.stride is not None:
        st = risk.stride
        return Verdict(REALISTIC, f"the offset grows by `{st.code}` every iteration; a loop over a realistic "
                                  f"sequence ({table['tokens']:,} tokens) wraps it")
    return Verdict(REALISTIC, "")
