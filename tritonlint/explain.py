"""Wording shared by the rules: what a value is, and at what size a product wraps.

Every message says what overflows, from which values, and at what size.
"""
from __future__ import annotations

import math

from .facts import Operand, Risk
from .values import Value, Width, short_int

LIMIT = 2**31
#: Used for examples when no operand has a known value: a 8192-wide
#: activation row (Mamba/Jamba conv dims, many hidden sizes).
EXAMPLE_STRIDE = 8192


def describe(op: Operand) -> str:
    """``i_t`` -> "i_t (loop index over range(NT))"."""
    entries = op.value.origin
    own = [what for name, what in entries if name == op.code and what]
    if own:
        return f"`{op.code}` ({own[0]})"
    if entries:
        name, what = entries[0]
        if what:
            if "@" in name:  # an anonymous value (a load): its text says what it is
                return f"`{op.code}` ({what})"
            return f"`{op.code}` (from {name}: {what})" if name != op.code else f"`{op.code}` ({what})"
    return f"`{op.code}`"


def chain(risk: Risk) -> tuple[str, ...]:
    """Provenance lines for a report: every named value the product was built from."""
    out = []
    seen = set()
    for op in (risk.index, risk.stride):
        if op is None:
            continue
        for name, what in op.value.origin:
            if name in seen or not what:
                continue
            seen.add(name)
            out.append(str(what) if "@" in name else chain_line(name, str(what)))
    return tuple(out)


def chain_line(name: str, what: str) -> str:
    """"pid" and "= tl.program_id(0)" -> "pid = tl.program_id(0)"; "i_t" and "loop
    index over range(NT)" -> "i_t: loop index over range(NT)"."""
    return f"{name} {what}" if what.startswith("= ") else f"{name}: {what}"


def width_note(v: Value) -> str:
    if v.width == Width.UNKNOWN and v.loaded:
        return " (assuming the loaded values are int32, as index tensors usually are)"
    if v.width == Width.U32:
        return " (uint32: wraps at 2**32)"
    return ""


def product_threshold(risk: Risk) -> str:
    """"wraps once i_t * stride_h >= 2**31, e.g. at i_t >= 262144 when stride_h = 8192"."""
    idx, st = risk.index, risk.stride
    limit = 2**32 if risk.result is not None and risk.result.width == Width.U32 else LIMIT
    head = f"it wraps once `{risk.code}` reaches {short_int(limit)}"
    if idx is None or st is None:
        return head
    known = st.value.const if st.value.const is not None else None
    if known:
        at = math.ceil(limit / abs(known))
        return f"{head}: at `{idx.code}` >= {at} (`{st.code}` = {known})"
    if idx.value.const:
        at = math.ceil(limit / abs(idx.value.const))
        return f"{head}: at `{st.code}` >= {at}"
    # No operand is known: the size model's verdict (appended by the engine) names
    # the smallest realistic workload instead of a made-up example.
    return head


def uses_text(risk: Risk, limit: int = 3) -> str:
    uses = [u.code for u in risk.uses]
    if not uses:
        return ""
    shown = ", ".join(f"`{u}`" for u in uses[:limit])
    more = f" and {len(uses) - limit} more" if len(uses) > limit else ""
    return f"; it reaches the address{'es' if len(uses) > 1 else ''} {shown}{more}"
