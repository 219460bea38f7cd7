"""Random-number offsets: values whose type a fix must not change.

``tl.rand(seed, offs)``, ``tl.randint``, ``tl.randn``, their ``4x`` forms and
``tl.philox`` take counters whose width selects the generator's path: an int64
offset takes the 64-bit Philox path (in releases before that path existed, a
bitcast to uint32 that does not compile), and ``tl.philox``'s counters must all
have one width ("Cannot bitcast data-type of size 32 to data-type of size 64"
when a fix widens one of them). A value that reaches such an argument is not
widened by a safe fix: the analysis records it here, and the product rules and
TL004 turn the fix into a suggestion.
"""
from __future__ import annotations

import libcst as cst

from .facts import Facts
from .values import Value

RNG = frozenset({"rand", "randn", "randint", "rand4x", "randn4x", "randint4x", "philox", "philox_impl"})


def member_name(member: str) -> str:
    """``random.rand`` (``tl.random.rand``) -> ``rand``."""
    return member.removeprefix("random.")


def is_rng(member: str) -> bool:
    return member_name(member) in RNG


def note_offsets(facts: Facts, member: str, node: cst.Call, values: list[tuple[str | None, Value]]) -> None:
    """``values``: (keyword or None, value) of each argument in order; every argument
    but the seed is a counter whose type must stay as it is."""
    name = member_name(member)
    for i, (keyword, value) in enumerate(values):
        if keyword == "seed" or (keyword is None and i == 0) or keyword == "n_rounds":
            continue
        _note(facts, name, node, value)


def _note(facts: Facts, name: str, node: cst.Call, value: Value) -> None:
    for rid in value.risks:
        facts.risks[rid].merges.append((name, node))
    for nid in value.narrowed:
        facts.narrowings[nid].constrained.append(f"a random-number offset of `tl.{name}`, whose width must not change")
    for e in value.elements or ():
        _note(facts, name, node, e)


def reason(name: str) -> str:
    """Why a widening that reaches ``tl.<name>``'s offset is only suggested."""
    return (f"the value is also an offset of `tl.{name}`, whose counters must keep their width "
            f"(int64 changes the generator's path, and mixed-width philox counters do not compile)")
