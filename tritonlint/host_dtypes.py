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
import textwrap
from collections.abc import Iterable

from .launches import dtype_of, self_attribute_assignments

#: cheap prefilter: an attribute assigned where an integer dtype follows, on the same
#: line or within the next few (an allocation whose arguments are wrapped:
#: ``self.slot_mapping = self._make_buffer(\n    n, dtype=torch.int64\n)``)
_SPAN = 6
_DTYPE = re.compile(r"torch\.(?:int64|long|int32|int16|int8|uint8)|\.long\(\)|\.int\(\)")
_ATTRIBUTE_ASSIGNED = re.compile(r"^[ \t]*self\.\w+\s*(?::[^=\n]*)?=(?!=)", re.MULTILINE)
#: a keyword argument on a line of its own inside a call: a field of an object built
#: by keyword (`Metadata(\n    state_inner_sizes=torch.zeros(n, dtype=torch.int64),`),
#: which the launch passes as `meta.state_inner_sizes`. The line before ends inside the
#: call's parentheses (`(` or `,`), which a statement never does
_KEYWORD_ON_ITS_LINE = re.compile(r"[(,][ \t]*(?:#[^\n]*)?\n[ \t]*(\w+)[ \t]*=(?!=)")


def attribute_dtypes(texts: Iterable[tuple[str, str]]) -> dict[str, bool]:
    """Attribute name -> True (int64) / False (a narrower integer type), where every
    allocation of it in the run that shows a type agrees."""
    return merge(file_widths(text, path) for path, text in texts)


#: tests build toy objects by keyword (`Batch(input_ids=torch.zeros(2, dtype=torch.int32))`
#: beside a runner's int64 ones): their keywords say nothing of what a deployment passes
_TEST_PATH = re.compile(r"(^|[/\\])(tests?|testing|unit_?tests?)[/\\]|(^|[/\\])(test_[^/\\]*|[^/\\]*_test|conftest)\.py$")


def file_widths(text: str, path: str | None = None) -> dict[str, set[bool]]:
    """One file's share: the widths its allocations show, by attribute name (what
    the cache keeps per file, so a warm run does not parse the file again). Only the
    assignments the prefilter finds are parsed, each on its own: most files that
    allocate an index tensor are large, and a whole-file parse cost more than the
    rest of this reading."""
    seen: dict[str, set[bool]] = {}
    if not _DTYPE.search(text):
        return seen
    lines = None
    line, counted = 0, 0
    for match in _ATTRIBUTE_ASSIGNED.finditer(text):
        end = _span_end(text, match.end())
        if not _DTYPE.search(text, match.end(), end):
            continue
        if lines is None:
            lines = text.splitlines()
        line += text.count("\n", counted, match.start())
        counted = match.start()
        statement = _statement(lines, line)
        if statement is None:
            continue
        for name, value in self_attribute_assignments([statement]):
            width = dtype_of(value)
            if width is not None:
                seen.setdefault(name, set()).add(width)
    keywords = () if path is not None and _TEST_PATH.search(path) else _KEYWORD_ON_ITS_LINE.finditer(text)
    for match in keywords:
        name = match.group(1)
        if "_" not in name.strip("_"):
            continue  # a generic word (`out`, `indices`) is a different tensor in every call
        end = _span_end(text, match.end())
        if not _DTYPE.search(text, match.end(), end):
            continue
        value = _keyword_value(text[match.end():end])
        width = dtype_of(value) if value is not None else None
        if width is not None:
            seen.setdefault(name, set()).add(width)
    return seen


def _span_end(text: str, start: int) -> int:
    """Where the prefilter's window ends: the rest of the line at ``start`` and the
    next ``_SPAN`` lines (an allocation whose arguments are wrapped)."""
    end = start
    for _ in range(_SPAN + 1):
        nxt = text.find("\n", end)
        end = len(text) if nxt < 0 else nxt + 1
    return end


def _keyword_value(text: str) -> ast.expr | None:
    """The value of a keyword argument from the text after its ``=``: the shortest
    prefix of its lines that parses as one expression (its trailing comma dropped)."""
    lines = text.splitlines()
    for end in range(1, len(lines) + 1):
        chunk = "\n".join(lines[:end]).strip().rstrip(",")
        try:
            return ast.parse(chunk, mode="eval").body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
    return None


def _statement(lines: list[str], first: int, most: int = _SPAN + 2) -> ast.stmt | None:
    """The statement that starts on line ``first``: the fewest lines from there that
    parse, dedented (an assignment inside a method)."""
    for end in range(first + 1, min(first + most, len(lines)) + 1):
        try:
            body = ast.parse(textwrap.dedent("\n".join(lines[first:end]))).body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        return body[0] if len(body) == 1 else None
    return None


def merge(per_file: Iterable[dict[str, set[bool]]]) -> dict[str, bool]:
    seen: dict[str, set[bool]] = {}
    for widths in per_file:
        for name, found in widths.items():
            seen.setdefault(name, set()).update(found)
    return {name: widths.pop() for name, widths in seen.items() if len(widths) == 1}
