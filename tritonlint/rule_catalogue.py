"""The rule catalogue's metadata (code, name, summary, docs, fix, default), read from
the rule modules' source with the stdlib ``ast`` instead of importing them.

Importing a rule loads its check, and with it libcst and the analysis (0.3 s and
more of start-up); ``tritonlint rule TL002`` needs none of that. Every rule states
its metadata as literal class attributes, so they can be read as text. A rule
whose metadata is not literal (or a catalogue this reader does not understand) is
imported after all: the reader never guesses. ``tests/test_rule_catalogue.py``
checks that what it reads is what the imported classes say.
"""
from __future__ import annotations

import ast
import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import Applicability

#: the class attributes the catalogue holds, with the base class's defaults
FIELDS = {"code": None, "name": None, "summary": None, "docs": None, "fix_applicability": None,
          "default_enabled": True}


class NotLiteral(Exception):
    """Something only importing the rules can answer."""


@dataclass(frozen=True)
class RuleInfo:
    code: str
    name: str
    summary: str
    docs: str
    fix_applicability: Applicability | None
    default_enabled: bool

    def url(self) -> str | None:
        from .urls import rule_page

        return rule_page(self.code)


@functools.cache
def rules() -> tuple:
    """Every rule, in the catalogue's order: read from source, or the imported classes."""
    try:
        return _read()
    except (NotLiteral, OSError, SyntaxError, ValueError):
        from .rules import ALL_RULES

        return ALL_RULES


def by_code_or_name(key: str):
    key = key.strip()
    for rule in rules():
        if rule.code == key.upper() or rule.name == key.lower():
            return rule
    return None


def _folder() -> Path:
    spec = importlib.util.find_spec("tritonlint.rules")  # found, not run: rules/__init__ imports every check
    if spec is None or not spec.submodule_search_locations:
        raise NotLiteral("no rules package")
    return Path(next(iter(spec.submodule_search_locations)))


def _read() -> tuple[RuleInfo, ...]:
    folder = _folder()
    init = ast.parse((folder / "__init__.py").read_text(encoding="utf-8"))
    modules: dict[str, str] = {}  # class name -> module file
    order: list[str] | None = None
    for node in init.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            for alias in node.names:
                modules[alias.asname or alias.name] = node.module
        target = node.target if isinstance(node, ast.AnnAssign) else (
            node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None)
        if isinstance(target, ast.Name) and target.id == "ALL_RULES":
            if not isinstance(node.value, ast.Tuple) or not all(isinstance(e, ast.Name) for e in node.value.elts):
                raise NotLiteral("ALL_RULES is not a tuple of names")
            order = [e.id for e in node.value.elts]
    if order is None:
        raise NotLiteral("no ALL_RULES")
    out = []
    for cls in order:
        if cls not in modules:
            raise NotLiteral(f"{cls}: not imported from a rule module")
        out.append(_rule(folder / f"{modules[cls].replace('.', '/')}.py", cls))
    return tuple(out)


def _rule(path: Path, cls: str) -> RuleInfo:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == cls:
            if [b.id if isinstance(b, ast.Name) else None for b in node.bases] != ["Rule"]:
                raise NotLiteral(f"{cls}: not a direct subclass of Rule")
            values = dict(FIELDS)
            for stmt in node.body:
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                    name, value = stmt.targets[0].id, stmt.value
                elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value:
                    name, value = stmt.target.id, stmt.value
                else:
                    continue
                if name in FIELDS:
                    values[name] = _value(value, name)
            if any(values[k] is None for k in ("code", "name", "summary", "docs")):
                raise NotLiteral(f"{cls}: metadata missing")
            return RuleInfo(**values)
    raise NotLiteral(f"{cls} not found in {path.name}")


def _value(node: ast.expr, name: str):
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Applicability":
        return Applicability[node.attr]
    try:
        value = ast.literal_eval(node)
    except ValueError:
        raise NotLiteral(f"`{name}` is not a literal") from None
    if name == "fix_applicability" and value is not None:
        raise NotLiteral("fix_applicability")
    return value


@functools.cache
def by_code() -> dict:
    """Code -> rule, as ``rules.BY_CODE`` (what the reporters need: names, summaries, docs, urls)."""
    return {r.code: r for r in rules()}
