"""What makes a finding "the same one" in another revision of the code.

``review --base`` (the merge base against the working tree) and the baseline
(``--baseline FILE`` against today's findings) both ask which findings were already
there. Neither may use line numbers: an edit anywhere above a finding moves it.
A finding is identified by its rule, file, kernel and expression, and, so that
refactors that change none of the arithmetic do not resurrect it, also by

* its **shape**: the expression with the kernel's own names (parameters and the
  locals it assigns) replaced by their position in the kernel, so renaming
  ``pid`` to ``row`` keeps it;
* its kernel's **body**: a hash of the kernel's syntax up to the same renaming and
  to the kernel's own name, so a kernel renamed or moved to another module keeps
  its findings.

:func:`match` pairs findings from strict keys to loose ones, consuming one old
finding per new one (two identical products where there was one: one is new).
"""
from __future__ import annotations

import ast
import copy
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from .diagnostics import Diagnostic


@dataclass(frozen=True)
class Identity:
    code: str
    file: str  # posix path, anchored wherever the caller anchors both sides
    kernel: str
    expression: str
    shape: str
    body: str  # "" when the kernel's source is unknown

    @classmethod
    def of(cls, d: Diagnostic, file: str, kernels: "KernelIndex") -> "Identity":
        names, body = kernels.lookup(d.kernel)
        return cls(d.code, file, d.kernel, d.expression, shape(d.expression, names), body)


#: From the strictest key to the loosest. Across files only the kernel's body
#: (up to local names) identifies it: two unrelated kernels called ``_fwd`` in two
#: modules must not be taken for one that moved.
PASSES: tuple[Callable[[Identity], tuple | None], ...] = (
    lambda i: (i.code, i.file, i.kernel, i.expression),  # unchanged, wherever it moved in the file
    lambda i: (i.code, i.file, i.kernel, i.shape),  # locals renamed
    lambda i: (i.code, i.body, i.shape) if i.body else None,  # kernel renamed, or moved to another file
)


def match(old: Sequence[Identity], new: Sequence[Identity]) -> tuple[set[int], set[int]]:
    """(indices of ``new`` that were already in ``old``, indices of ``old`` that
    match nothing in ``new``). Earlier entries of ``new`` are matched first: list
    the ones least likely to be new (untouched lines) first."""
    matched_new: set[int] = set()
    used_old: set[int] = set()
    for key_of in PASSES:
        available: dict[tuple, list[int]] = defaultdict(list)
        for j, ident in enumerate(old):
            if j not in used_old:
                key = key_of(ident)
                if key is not None:
                    available[key].append(j)
        for i, ident in enumerate(new):
            if i in matched_new:
                continue
            key = key_of(ident)
            if key is not None and available.get(key):
                used_old.add(available[key].pop(0))
                matched_new.add(i)
    return matched_new, set(range(len(old))) - used_old


# --- kernels and their local names ------------------------------------------------------------


class KernelIndex:
    """The functions of one module's source, by name: their local names in order
    of definition and the hash of their body. Built lazily, once per file."""

    def __init__(self, source: str | None):
        self._source = source
        self._functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] | None = None
        self._cache: dict[str, tuple[dict[str, str], str]] = {}

    def _parse(self) -> dict:
        if self._functions is None:
            self._functions = {}
            try:
                tree = ast.parse(self._source or "")
            except (SyntaxError, ValueError):
                return self._functions
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self._functions.setdefault(node.name, node)
        return self._functions

    def lookup(self, kernel: str) -> tuple[dict[str, str], str]:
        """({local name: placeholder}, body hash); ({}, "") for an unknown kernel."""
        if kernel not in self._cache:
            fn = self._parse().get(kernel)
            if fn is None:
                self._cache[kernel] = ({}, "")
            else:
                names = local_names(fn)
                self._cache[kernel] = (names, body_hash(fn, names))
        return self._cache[kernel]


def local_names(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, str]:
    """{name: placeholder} for the kernel's parameters (``_p0``, ``_p1``... by position)
    and every local it binds (``_v`` and a hash of what it is bound to, its
    definition with the names in it replaced the same way), so that a local keeps
    its placeholder when it is renamed or when other locals are added before it."""
    names: dict[str, str] = {}
    args = fn.args
    params = [a for a in (*args.posonlyargs, *args.args, args.vararg, *args.kwonlyargs, args.kwarg) if a]
    for i, a in enumerate(params):
        names.setdefault(a.arg, f"_p{i}")
    _Binder(names).visit_body(fn.body)
    return names


class _Binder(ast.NodeVisitor):
    """Walks a body in source order and gives each name its placeholder at its first binding."""

    def __init__(self, names: dict[str, str]):
        self.names = names

    def visit_body(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self.visit(stmt)

    def _bind(self, target: ast.AST, origin: str) -> None:
        targets = [n for n in ast.walk(target) if isinstance(n, ast.Name)]
        for k, n in enumerate(targets):
            digest = hashlib.sha256(f"{origin}#{k}".encode()).hexdigest()[:8]
            self.names.setdefault(n.id, f"_v{digest}")

    def _shape(self, node: ast.AST) -> str:
        return ast.unparse(_Rename(self.names).visit(copy.deepcopy(node)))

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        origin = self._shape(node.value)
        for target in node.targets:
            self._bind(target, origin)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
        self._bind(node.target, self._shape(node.value if node.value is not None else node.annotation))

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        self._bind(node.target, f"{type(node.op).__name__}={self._shape(node.value)}")

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self._bind(node.target, self._shape(node.value))

    def visit_For(self, node: ast.For) -> None:
        self.visit(node.iter)
        self._bind(node.target, f"for {self._shape(node.iter)}")
        self.visit_body(node.body)
        self.visit_body(node.orelse)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        self.visit(node.iter)
        self._bind(node.target, f"for {self._shape(node.iter)}")
        for cond in node.ifs:
            self.visit(cond)

    def visit_withitem(self, node: ast.withitem) -> None:
        self.visit(node.context_expr)
        if node.optional_vars is not None:
            self._bind(node.optional_vars, f"with {self._shape(node.context_expr)}")

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        """A function nested in a kernel has names of its own."""

    visit_AsyncFunctionDef = visit_FunctionDef


class _Rename(ast.NodeTransformer):
    def __init__(self, names: dict[str, str]):
        self.names = names

    def visit_Name(self, node: ast.Name) -> ast.Name:
        return ast.copy_location(ast.Name(self.names.get(node.id, node.id), node.ctx), node)

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.arg = self.names.get(node.arg, node.arg)
        node.annotation = self.visit(node.annotation) if node.annotation else None
        return node


def shape(expression: str, names: dict[str, str]) -> str:
    """``pid * stride`` -> ``_v1c2f0e4a * _p1``: the expression up to renaming of the kernel's names."""
    if not names:
        return expression
    try:
        tree = ast.parse(expression)
    except SyntaxError:
        return expression
    return ast.unparse(_Rename(names).visit(tree))


def body_hash(fn: ast.FunctionDef | ast.AsyncFunctionDef, names: dict[str, str]) -> str:
    clone = copy.deepcopy(fn)
    clone.name = "_"
    clone.decorator_list = []  # a kernel moved to a module that imports `jit` differently is the same kernel
    clone = _Rename(names).visit(clone)
    return hashlib.sha256(ast.dump(clone, include_attributes=False).encode()).hexdigest()[:16]


def identities(diagnostics: Iterable[Diagnostic], file: str, source: str | None) -> list[Identity]:
    kernels = KernelIndex(source)
    return [Identity.of(d, file, kernels) for d in diagnostics]


__all__ = ["Identity", "KernelIndex", "PASSES", "identities", "match", "shape"]
