"""A cast to int64 of a sum that is already int64 can still be late.

``tl.cast(pid * C + cols, tl.int64)`` with ``cols`` int64: the sum is int64,
but ``pid * C`` was computed in int32 before the sum promoted it, so it wrapped
first (the compiler emits a 32-bit ``muli`` and an ``extsi`` after it). The
value's history keeps the ids of the risky products it went through; those whose
own result was 32-bit make the cast late (TL003), as for a 32-bit operand.
"""
from __future__ import annotations

from .facts import Facts
from .values import Value


def late_risks(facts: Facts, value: Value) -> frozenset[int]:
    """The risky products a cast to int64 of ``value`` comes too late for."""
    if value.width.maybe32:
        return value.risks
    return frozenset(r for r in value.risks
                     if facts.risks[r].kind == "product" and facts.risks[r].result is not None
                     and facts.risks[r].result.width.maybe32)
