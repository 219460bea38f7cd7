"""Read the integer multiplies of Triton IR text by source line.

A small reader for the IR that ``tests/oracle.py``'s ``compile_ttir`` returns
(frontend IR with ``loc(...)`` on every op): for each ``arith.muli`` it gives the
source line of the file being compiled and the result type (``i32``,
``tensor<64x1xi64>``...). It complements the oracle's dataflow with the plain
fact the tests want to state: on a given line the compiler multiplies in 32 or
in 64 bits.
"""
from __future__ import annotations

import re
from collections import defaultdict

_ALIAS = re.compile(r"^(#loc\d*)\s*=\s*(loc\(.*\))\s*$")
_FILELOC = re.compile(r'^loc\("([^"]*)":(\d+):(\d+)\)$')
_NAMED = re.compile(r'^loc\("[^"]*"\((#loc\d*)\)\)$')
_NAMED_INLINE = re.compile(r'^loc\("[^"]*"\((loc\(.*\))\)\)$')
_CALLSITE = re.compile(r"^loc\(callsite\((#loc\d*|loc\(.*?\))\s+at\s+")
_REF = re.compile(r"^loc\((#loc\d*)\)$")
_MULI = re.compile(r"=\s*arith\.muli\s+[^:]*:\s*(\S+)\s+loc\((.*)\)\s*$")


def _resolve(loc: str, aliases: dict, depth: int = 0):
    if depth > 50:
        return None
    loc = loc.strip()
    if loc.startswith("#loc"):
        return _resolve(aliases.get(loc, ""), aliases, depth + 1)
    m = _FILELOC.match(loc)
    if m:
        return m.group(1), int(m.group(2))
    for rx in (_NAMED, _NAMED_INLINE, _CALLSITE, _REF):
        m = rx.match(loc)
        if m:
            return _resolve(m.group(1), aliases, depth + 1)
    return None


def muli_types_by_line(ir_text: str, path: str) -> dict[int, set[str]]:
    """{source line of ``path``: {element width of each ``arith.muli`` there, "i32"/"i64"}}."""
    aliases = {}
    for line in ir_text.splitlines():
        m = _ALIAS.match(line.strip())
        if m:
            aliases[m.group(1)] = m.group(2)
    out: dict[int, set[str]] = defaultdict(set)
    for line in ir_text.splitlines():
        m = _MULI.search(line)
        if not m:
            continue
        ty, loc = m.group(1), m.group(2)
        where = _resolve("loc(" + loc + ")" if not loc.startswith("#") else loc, aliases)
        if where is None or where[0] != str(path):
            continue
        w = re.search(r"i(\d+)>?$", ty)
        if w:
            out[where[1]].add("i" + w.group(1))
    return dict(out)
