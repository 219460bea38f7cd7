"""Joins where Triton requires one type: what a widening fix must not split.

A variable that meets itself at a loop back edge (a value set before the loop
and updated inside it: ``m_end = 0`` then ``m_end = m_start + size``), at a
runtime ``if``/``else`` merge, and the return values of one helper, must keep a
single type: Triton rejects a loop-carried or merged variable that is int32 on
one side and int64 on the other, and a function whose returns disagree. A fix
widens a product (its risk id) or a narrowing cast (its narrowing id) to int64;
when only one side of such a join carries it and the other side is a plain
32-bit value (a Python int literal is int32 there), the fix would break
compilation. The analysis calls these checks at every join and the rules turn
what they record into suggestions instead of fixes.

Tuples are joined element by element (``acc = (0, 0)`` carried through a loop).
A compile-time ``if`` is not a join (each specialisation compiles one branch).
"""
from __future__ import annotations

import libcst as cst

from .facts import Facts
from .values import Value


def check_envs(facts: Facts, a: dict[str, Value], b: dict[str, Value], stmt: cst.CSTNode,
               before: dict[str, Value] | None) -> None:
    """Two environments meeting at ``stmt`` (a loop: ``before`` is the entry, and only
    variables live on entry are carried)."""
    names = a.keys() & b.keys() if before is None else a.keys() & b.keys() & before.keys()
    for name in sorted(names):  # a set of names: its order changes with the hash seed, and messages name the first
        check_values(facts, name, a[name], b[name], stmt)


def check_returns(facts: Facts, returns: list[Value], fn: cst.FunctionDef) -> None:
    """The return values of one function must agree on their type."""
    for other in returns[1:]:
        check_values(facts, fn.name.value, returns[0], other, fn)


def check_values(facts: Facts, name: str, va: Value, vb: Value, stmt: cst.CSTNode) -> None:
    if va is vb:
        return
    if va.elements is not None and vb.elements is not None and len(va.elements) == len(vb.elements):
        for i, (ea, eb) in enumerate(zip(va.elements, vb.elements)):
            check_values(facts, f"{name}[{i}]", ea, eb, stmt)
        return
    if not (va.width.is_int and vb.width.is_int):
        return
    for x, y in ((va, vb), (vb, va)):
        if y.width.is64:
            continue
        if x.risks and not _fixed_by_default(facts, y.risks):
            for rid in x.risks:
                facts.risks[rid].merges.append((name, stmt))
        for nid in x.narrowed - y.narrowed:
            facts.narrowings[nid].constrained.append(f"{where(stmt)} `{name}`, whose other value is int32")


def _fixed_by_default(facts: Facts, risks) -> frozenset[int]:
    """The products of ``risks`` whose fix a default ``--fix`` applies: not the int32
    block starts of TL007, a rule that is off unless selected. A value whose only
    products are those stays int32 after the fix (a helper returning its argument
    ``offs = pid * BLOCK + tl.arange(...)`` in one branch and ``row * stride + col``
    in the other)."""
    return frozenset(r for r in risks if facts.risks[r].kind != "block_start")


def where(stmt: cst.CSTNode) -> str:
    """How a message names the join."""
    if isinstance(stmt, (cst.For, cst.While)):
        return "the loop-carried"
    if isinstance(stmt, cst.FunctionDef):
        return "the return value of"
    return "the if/else merge of"
