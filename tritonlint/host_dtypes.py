"""Element types of host tensors allocated anywhere in the run, by attribute name.

An index tensor is often allocated far from the launch that passes it: a model
runner allocates ``self.slot_mapping = torch.zeros(n, dtype=torch.int64)``, and
an attention backend passes ``attn_metadata.slot_mapping`` to a kernel that loads
from it. When every allocation of an attribute of that name in the run shows the
same integer width, a launch that passes a tensor of that name (``x.slot_mapping``
or a parameter ``slot_mapping``) without showing its type gets it. A name that is
allocated with two widths in the run says nothing. Read with the stdlib ``ast``.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from .launches import dtype_of, self_attribute_assignments

#: cheap prefilter: an attribute assigned on a line that also names an integer dtype
_ALLOCATION = re.compile(r"self\.\w+\s*(?::[^=\n]*)?=.*(?:torch\.(?:int64|long|int32|int16|int8|uint8)|\.long\(\)|\.int\(\))")


def attribute_dtypes(texts: Iterable[tuple[str, str]]) -> dict[str, bool]:
    """Attribute name -> True (int64) / False (a narrower integer type), where every
    allocation of it in the run that shows a type agrees."""
    return merge(file_widths(text) for _path, text in texts)


def file_widths(text: str) -> dict[str, set[bool]]:
    """One file's share: the widths its allocations show, by attribute name (what
    the cache keeps per file, so a warm run does not parse the file again)."""
    seen: dict[str, set[bool]] = {}
    if not _ALLOCATION.search(text):
        return seen
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return seen
    for name, value in self_attribute_assignments(ast.walk(tree)):
        width = dtype_of(value)
        if width is not None:
            seen.setdefault(name, set()).add(width)
    return seen


def merge(per_file: Iterable[dict[str, set[bool]]]) -> dict[str, bool]:
    seen: dict[str, set[bool]] = {}
    for widths in per_file:
        for name, found in widths.items():
            seen.setdefault(name, set()).update(found)
    return {name: widths.pop() for name, widths in seen.items() if len(widths) == 1}
