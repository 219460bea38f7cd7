"""TL100 unused-noqa (opt-in): a `# noqa` that silences no finding, as ruff's RUF100."""
from __future__ import annotations

from typing import Callable, Collection, Mapping

from tritonlint.diagnostics import Applicability, Diagnostic, Edit, Fix, Position
from tritonlint.suppressions import OWN_PREFIX, Directive, Suppressions, lines_with_endings

from .base import Invalid, Rule, RuleContext


class UnusedNoqa(Rule):
    code = "TL100"
    name = "unused-noqa"
    summary = "A `# noqa` directive that silences no tritonlint finding"
    fix_applicability = Applicability.SAFE
    default_enabled = False  # as ruff's RUF100: enable it with --extend-select TL100
    #: it judges the other rules' findings, so it runs after all of them
    order = 1000
    docs = """
## What it does
Finds `# noqa` directives that no longer silence anything: a code on a line that
has no finding of that rule (`unused`), a code of a rule that is not enabled for
the file (`non-enabled`), a `TL` code that is not a rule (`unknown`), a code given
twice (`duplicated`), and a blanket `# noqa` inside a kernel on a line without any
finding. It follows ruff's RUF100, and like it is not enabled by default: select it
with `--extend-select TL100`.

Codes of other linters (`# noqa: E501`) are left alone, and so is a blanket `# noqa`
outside the jit functions, where tritonlint never reports: both belong to other
tools. A product the size model does not report (one that `--strict` would show)
still uses the `# noqa` on its line. A directive that names `TL100` itself is kept.

## Why is this bad
A suppression that outlived its finding (the product was widened, the code moved)
hides the next real finding on that line, and tells a reader that a line is risky
when it no longer is.

## Example
```python
offs = pid.to(tl.int64) * stride  # noqa: TL002 rows are < 2**20 here
```

## Use instead
```python
offs = pid.to(tl.int64) * stride  # rows are < 2**20 here
```

## Fix safety
Safe: only the unused codes are removed (`# noqa: TL002, TL005` becomes
`# noqa: TL002`), or the whole directive when none is used. The reason written after
the codes and any other comment on the line are kept; a line that held only the
directive is deleted. A blanket `# noqa` also silences other linters: prefer codes
(`# noqa: E501`) for them, which this rule never touches.
"""
    VALID = [
        """
import triton
import triton.language as tl
from helpers import *  # noqa

@triton.jit
def scale(x_ptr, stride, BLOCK: tl.constexpr):
    pid = tl.program_id(0).to(tl.int64)
    tl.store(x_ptr + pid * stride + tl.arange(0, BLOCK), 0.0)  # noqa: E501 a long line
""",
        """
import triton
import triton.language as tl

@triton.jit
def scale(x_ptr, stride, BLOCK: tl.constexpr):
    pid = tl.program_id(0).to(tl.int64)
    tl.store(x_ptr + pid * stride, 0.0)  # noqa: TL002, TL100 kept on purpose
""",
    ]
    INVALID = [
        Invalid(
            """
import triton
import triton.language as tl

@triton.jit
def scale(x_ptr, stride, BLOCK: tl.constexpr):
    pid = tl.program_id(0).to(tl.int64)
    tl.store(x_ptr + pid * stride, 0.0)  # noqa: TL002 rows are < 2**20 here
    tl.store(x_ptr + pid, 1.0)  # noqa
    # noqa: TL005
""",
            fixed="""
import triton
import triton.language as tl

@triton.jit
def scale(x_ptr, stride, BLOCK: tl.constexpr):
    pid = tl.program_id(0).to(tl.int64)
    tl.store(x_ptr + pid * stride, 0.0)  # rows are < 2**20 here
    tl.store(x_ptr + pid, 1.0)
""",
            count=3,
        ),
        Invalid(
            """
import triton
import triton.language as tl

@triton.jit
def scale(x_ptr, stride, BLOCK: tl.constexpr):
    pid = tl.program_id(0).to(tl.int64)
    tl.store(x_ptr + pid * stride, 0.0)  # noqa: E501, TL002 - long line
""",
            fixed="""
import triton
import triton.language as tl

@triton.jit
def scale(x_ptr, stride, BLOCK: tl.constexpr):
    pid = tl.program_id(0).to(tl.int64)
    tl.store(x_ptr + pid * stride, 0.0)  # noqa: E501 - long line
""",
        ),
    ]

    def check(self, ctx: RuleContext):
        """Nothing from the analysis: the engine calls :meth:`unused` once the other
        rules' findings are placed on lines."""
        return ()

    @classmethod
    def unused(cls, path: str, text: str, sup: Suppressions, used: Mapping[int, Collection[str]],
               enabled: Collection[str], known: Collection[str],
               kernel_at: Callable[[int], str | None]) -> list[Diagnostic]:
        """One diagnostic per directive with something unused. ``used``: line -> the codes
        of the findings a `# noqa` on that line silences; ``enabled``: the codes that run
        on this file; ``known``: every rule code; ``kernel_at``: the kernel around a line."""
        lines = lines_with_endings(text)
        out = []
        for directive in sorted(sup.directives.values(), key=lambda d: d.line):
            kernel = kernel_at(directive.line)
            found = used.get(directive.line, ())
            if directive.blanket:
                if kernel is None or found:
                    continue  # outside kernels a blanket `# noqa` is another tool's
                message, keep = "Unused blanket `noqa` directive", []
            else:
                written = [c.text for c in directive.codes]
                if cls.code in written:
                    continue
                keep, problems = _sort_codes(written, found, enabled, known)
                if not problems:
                    continue
                message = "Unused `noqa` directive (" + "; ".join(
                    f"{kind}: " + ", ".join(f"`{c}`" for c in codes) for kind, codes in problems) + ")"
            edit = _replace(directive, keep) if keep else _delete(directive, lines)
            title = "Remove unused `noqa` directive" if not keep else (
                "Keep only " + ", ".join(f"`{c}`" for c in keep) + " in the `noqa` directive")
            expression = "# noqa" + (": " + ", ".join(c.text for c in directive.codes) if directive.codes else "")
            out.append(Diagnostic(
                code=cls.code, name=cls.name, message=message, path=path,
                start=Position(directive.line, directive.start), end=Position(directive.line, directive.end),
                kernel=kernel or "", expression=expression,
                fix=Fix(Applicability.SAFE, title, (edit,)), noqa_line=directive.line,
            ))
        return out


def _sort_codes(written: list[str], found: Collection[str], enabled: Collection[str],
                known: Collection[str]) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The codes to keep, and the others by kind, in ruff's order and words."""
    keep: list[str] = []
    kinds: dict[str, list[str]] = {"unused": [], "non-enabled": [], "unknown": [], "duplicated": []}
    seen: set[str] = set()
    for c in written:
        if c in seen:
            kinds["duplicated"].append(c)
        elif not c.startswith(OWN_PREFIX) or c in found:
            keep.append(c)  # another linter's code, or a used one
        elif c not in known:
            kinds["unknown"].append(c)
        elif c in enabled:
            kinds["unused"].append(c)
        else:
            kinds["non-enabled"].append(c)
        seen.add(c)
    return keep, [(kind, codes) for kind, codes in kinds.items() if codes]


def _replace(d: Directive, keep: list[str]) -> Edit:
    return Edit(Position(d.line, d.start), Position(d.line, d.end), "# noqa: " + ", ".join(keep))


def _delete(d: Directive, lines: list[str]) -> Edit:
    """Removes the directive, as ruff does: the whole line when it held only the
    directive, the comment with the spaces before it when it ends the line, and
    otherwise only the directive, so that a reason or another comment after it stays."""
    full = lines[d.line - 1]
    line = full.rstrip("\r\n")
    before, after = line[:d.start], line[d.reason_start:]
    if after:
        return Edit(Position(d.line, d.start), Position(d.line, d.reason_start), "# ")
    if not before.strip():
        if full != line:
            return Edit(Position(d.line, 0), Position(d.line + 1, 0), "")
        return Edit(Position(d.line, 0), Position(d.line, len(line)), "")
    return Edit(Position(d.line, len(before.rstrip())), Position(d.line, len(line)), "")
