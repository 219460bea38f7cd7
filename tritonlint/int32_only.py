"""Places Triton requires int32: values whose type a fix must not change.

Block-pointer offsets (``tl.make_block_ptr(..., offsets=...)``, ``tl.advance``) and
tensor-descriptor coordinates (``desc.load([m, k])``, ``tl.load_tensor_descriptor``)
must be int32 in every release (triton-int-semantics.md, 4.4-4.6): an int64 value
there is rejected ("Block pointers only support 32 bit `offsets/block_shape`").
A product computed once and used both there and in an address
(``offs_n = pid_n * BLOCK_N``, then ``desc.store([offs_m, offs_n], c)`` and
``bias_ptr + offs_n``) cannot be widened where it is computed: the analysis
records every such use here, and the rules turn the fix into a suggestion, as for
a join or a random-number offset.
"""
from __future__ import annotations

import libcst as cst

from .facts import Facts
from .values import Value

BLOCK_POINTER_OFFSET = "a block-pointer offset (Triton requires int32 there)"


def note(facts: Facts, node: cst.Call, values, where: str) -> None:
    """``values`` reach ``where`` (an int32-only operand of the call ``node``)."""
    for v in values:
        _note(facts, node, v, where)


def _note(facts: Facts, node: cst.Call, value: Value, where: str) -> None:
    for rid in getattr(value, "risks", ()) or ():
        facts.risks[rid].merges.append((where, node))
    for nid in getattr(value, "narrowed", ()) or ():
        facts.narrowings[nid].constrained.append(where)
    for e in getattr(value, "elements", None) or ():
        _note(facts, node, e, where)


def is_place(name: str) -> bool:
    """A merge recorded here (its name is the place's description), not a variable's."""
    return name.endswith("(Triton requires int32 there)")


def reason(where: str) -> str:
    """Why a widening that reaches ``where`` is only suggested."""
    return f"the value is also {where}"
