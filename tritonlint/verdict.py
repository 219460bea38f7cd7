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

from . import sizes
from .facts import Risk
from .values import Value, short_int

LIMIT = 2**31
REALISTIC, UNREALISTIC, BOUNDED = "realistic", "unrealistic", "bounded"
TIERS = (REALISTIC, UNREALISTIC, BOUNDED)
_RANK = {REALISTIC: 2, UNREALISTIC: 1, BOUNDED: 0}
_IDENT = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


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
              "int32", "if", "the", "tensor", "holds", "range", "min", "max", "tl_load", "triton", "language"}
    return [n for n in out if n not in ignore and not n.isupper() or n in ("T", "N", "M", "B", "H")]


def index_extent(value: Value, code: str, table: dict[str, int]) -> tuple[int, str, bool, str | None]:
    """(realistic maximum, what it runs over, outer dimension?, kind) of an index."""
    # The nearest name that says what the index runs over wins: the index's own
    # text, then its provenance from the closest definition outwards (an offset
    # built from `pid_m` and `cols` is judged by its own name, not by the largest
    # kind among everything it was computed from).
    best: tuple[int, str, bool] | None = None
    if value.kind in table and value.kind not in ("row_stride", "slab_stride"):
        # the launch says what it runs over (a grid axis, a host size)
        best = (table[value.kind], f"{sizes.describe_kind(value.kind)}, at most {table[value.kind]:,}",
                sizes.is_outer(value.kind), value.kind)
        if value.host:
            best = (best[0], f"{best[1]}: {value.host}", best[2], best[3])
    for name in ([] if best is not None else _names(value, code)):
        kind = sizes.kind_of_name(name)
        if kind is not None:
            best = (table[kind], f"{sizes.describe_kind(kind)}, at most {table[kind]:,}", sizes.is_outer(kind), kind)
            break
    if best is None or ("*" in code and not best[2]):
        # Nothing says what it runs over, or it is itself a coordinate built from a
        # product (`(i_b * H + i_h) * K`) that spans several dimensions: assume it
        # reaches the tokens of a batch (the common case; keeps real bugs reported).
        best = (table["tokens"], f"assumed to run over tokens, at most {table['tokens']:,}", True, None)
    if value.bound is not None and value.bound < best[0]:
        best = (value.bound, f"at most {value.bound:,}", best[2], best[3])
    return best


def stride_extent(value: Value, code: str, outer_index: bool, table: dict[str, int],
                  index_kind: str | None = None) -> tuple[int, str]:
    if value.const is not None:
        return abs(value.const), f"= {value.const:,}"
    if value.bound is not None:
        return value.bound, f"at most {value.bound:,}"
    host = f"; {value.host}" if value.host else ""
    if value.kind == "unit":
        return 1, f"the stride of a last dimension, 1 for a contiguous tensor{host}"
    if value.kind in table and value.kind not in ("row_stride", "slab_stride"):
        # a size passed as a stride (`N = x.shape[1]` as the row length)
        return table[value.kind], f"{sizes.describe_kind(value.kind)}, up to {table[value.kind]:,}{host}"
    names = _IDENT.findall(code) + [n for n, _ in value.origin]
    if any(sizes.is_table_stride(n) for n in names):
        return table["table_stride"], f"{sizes.describe_kind('table_stride')}, up to {table['table_stride']:,}{host}"
    if len(names) == 1 or (names and names[0] == code):
        # a stride named as a size (`* D`, `* head_dim`): that dimension's extent
        dim = sizes.kind_of_name(names[0])
        if dim is not None and not sizes.is_outer(dim):
            return table[dim], f"{sizes.describe_kind(dim)}, up to {table[dim]:,}{host}"
    if index_kind == "batch" or any(sizes.is_slab_stride(n) for n in names):
        return table["slab_stride"], f"{sizes.describe_kind('slab_stride')}, up to {table['slab_stride']:,}{host}"
    if outer_index:
        return table["row_stride"], f"{sizes.describe_kind('row_stride')}, up to {table['row_stride']:,}{host}"
    inner = table["head_dim"]
    return inner, f"the stride of an inner dimension, up to {inner:,}"


def for_risk(risk: Risk, table: dict[str, int]) -> Verdict:
    if risk.kind == "product" and risk.index is not None and risk.stride is not None:
        idx, st = risk.index, risk.stride
        if idx.value.guarded or st.value.guarded:
            return Verdict(BOUNDED, "the kernel widens this value under a constexpr flag the host sets for large "
                                    "sizes; this is the int32 specialisation for small ones")
        if idx.value.bound is not None and st.value.bound is not None and idx.value.bound * st.value.bound < LIMIT:
            return Verdict(BOUNDED, f"at most {idx.value.bound * st.value.bound:,} (bounded operands)")
        emax, ewhat, outer, kind = index_extent(idx.value, idx.code, table)
        smax, swhat = stride_extent(st.value, st.code, outer, table, kind)
        if emax * smax < LIMIT:
            return Verdict(UNREALISTIC, f"only at unrealistic sizes: `{idx.code}` ({ewhat}) times `{st.code}` "
                                        f"({swhat}) stays below {short_int(LIMIT)}")
        at = math.ceil(LIMIT / max(smax, 1))
        return Verdict(REALISTIC, f"wraps at realistic sizes: once `{idx.code}` ({ewhat}) reaches {at:,} "
                                  f"with `{st.code}` at {smax:,} ({swhat})")
    if risk.kind == "accumulator" and risk.stride is not None:
        st = risk.stride
        return Verdict(REALISTIC, f"the offset grows by `{st.code}` every iteration; a loop over a realistic "
                                  f"sequence ({table['tokens']:,} tokens) wraps it")
    return Verdict(REALISTIC, "")
