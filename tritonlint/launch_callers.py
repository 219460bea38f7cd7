"""Launches read through the calls of a private wrapper: where its sizes come from.

Host code often launches a kernel from a small private function of the module
(``_run_fused_small(qkvr, out, ...)``) whose parameters say nothing by themselves:
the sizes, the allocations and the dispatch that bound them are in its callers
(``if tokens < SMALL_TOKEN_THRESHOLD: _run_fused_small(...)``, ``out =
torch.empty(tokens, 64)``). For a module-level function whose name starts with an
underscore, whose every use in the module is a plain call that passes what it
binds (no ``*args`` of unknown length), each launch is read once per call: the
launching function's own names are spelled out in terms of its parameters, the
parameters are replaced by what the call passes, and the result is read in the
caller's scope at the call, with the caller's size guards. A launch argument that
does not resolve to the caller's terms keeps what the wrapper's own scope says (it
holds for every call). A public function may be called from anywhere, so its
launches are read in its own scope only. One level of callers; read with the
stdlib ``ast``, like the rest of the launch reading.
"""
from __future__ import annotations

import ast
import copy
from dataclasses import replace

from . import launches as L

#: how deep a launch argument is spelled out through the wrapper's own assignments
_MAX_DEPTH = 6


def through_callers(tree: ast.Module, scope: ast.AST, env: L._Scope, calls: list[ast.Call], path: str,
                    imports: frozenset[str], constants: dict[str, int],
                    created: dict[str, tuple[str, ...]]) -> list[L.Launch] | None:
    """The launches in ``scope`` read at each call of it, or None when they are read
    in its own scope (not a private module-level function, or a use of it this reading
    cannot follow)."""
    if not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) or scope not in tree.body \
            or not scope.name.startswith("_") or scope.decorator_list:
        return None
    sites = _call_sites(tree, scope.name)
    if not sites:
        return None
    out: list[L.Launch] = []
    callers: dict[int, tuple[L._Scope, frozenset[str]]] = {}  # each caller read once
    for call, caller in sites:
        bound = _bind(scope.args, call)
        if bound is None:
            return None
        if id(caller) not in callers:
            # texts are spelled by ast.unparse there: a node moved from the wrapper has
            # no place in the caller's source
            caller_env = L._Scope(caller, None, constants)
            caller_env.file_shapes = created
            caller_env.file_functions = env.file_functions
            callers[id(caller)] = caller_env, _assigned_in_branches(caller)
        caller_env, conditional = callers[id(caller)]
        site = CallSite(caller_env, call.lineno, bound, env, conditional)
        for launch in calls:
            out.append(L._launch(L._last_name(launch.func.value), launch, path, env, imports, via=site))
    return out


def _call_sites(tree: ast.Module, name: str) -> list[tuple[ast.Call, ast.AST]] | None:
    """Every call of ``name`` in the module with the function (or the module) it is
    made in; None when the name is used otherwise too (passed as a callback, aliased,
    assigned), since then who calls it is not known."""
    return Uses(tree).calls(name)


class Uses:
    """Where a module uses each name, from one walk of its tree: the plain calls
    ``name(...)`` with the function (or the module) each is made in, and the names
    used any other way (read or assigned as a value, or defined again inside a
    function or class, which shadows the module's)."""

    def __init__(self, tree: ast.Module):
        self.sites: dict[str, list[tuple[ast.Call, ast.AST]]] = {}
        self.other: set[str] = set()
        callees: set[int] = set()
        stack: list[tuple[ast.AST, ast.AST]] = [(tree, tree)]
        while stack:
            node, owner = stack.pop()
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.Call) and isinstance(child.func, ast.Name):
                    self.sites.setdefault(child.func.id, []).append((child, owner))
                    callees.add(id(child.func))
                elif isinstance(child, ast.Name) and id(child) not in callees:
                    self.other.add(child.id)
                elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and owner is not tree:
                    self.other.add(child.name)
                inner = child if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else owner
                stack.append((child, inner))

    def calls(self, name: str) -> list[tuple[ast.Call, ast.AST]] | None:
        if name in self.other:
            return None
        # in the order the module reads (the walk above is depth-first from the end)
        return sorted(self.sites.get(name, []), key=lambda site: (site[0].lineno, site[0].col_offset))


def _bind(args: ast.arguments, call: ast.Call) -> dict[str, ast.expr | list] | None:
    """The wrapper's parameters -> what the call passes (its default where the call
    passes nothing); its ``*args`` -> the list of extra positional arguments and its
    ``**kwargs`` -> the list of extra keywords. None where the call cannot be matched
    (a star of unknown length, a parameter neither passed nor defaulted)."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return None
    positional = [*args.posonlyargs, *args.args]
    out: dict[str, ast.expr | list] = {}
    extra = list(call.args[len(positional):])
    if extra and args.vararg is None:
        return None
    for param, value in zip(positional, call.args):
        out[param.arg] = value
    keywords = {k.arg: k.value for k in call.keywords}
    names = {p.arg for p in positional} | {p.arg for p in args.kwonlyargs}
    for k in keywords:
        if k in out or (k not in names and args.kwarg is None):
            return None
    defaults = dict(zip([p.arg for p in positional][len(positional) - len(args.defaults):], args.defaults))
    defaults.update({p.arg: d for p, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
    for param in [*positional, *args.kwonlyargs]:
        if param.arg in out:
            continue
        if param.arg in keywords:
            out[param.arg] = keywords[param.arg]
        elif param.arg in defaults:
            out[param.arg] = defaults[param.arg]
        else:
            return None
    if args.vararg is not None:
        out[args.vararg.arg] = extra
    if args.kwarg is not None:
        out[args.kwarg.arg] = [ast.keyword(arg=k, value=v) for k, v in keywords.items() if k not in names]
    return out


class CallSite:
    """One call of a launching wrapper: its caller's scope, the call's line and what
    the call binds to each parameter."""

    def __init__(self, env: L._Scope, line: int, bound: dict[str, ast.expr | list], wrapper: L._Scope,
                 conditional: frozenset[str] = frozenset(), path: str | None = None):
        self.env, self.line, self.bound, self.wrapper = env, line, bound, wrapper
        #: the caller's file, where it is another module's (launch_importers.py)
        self.path = path
        #: the caller's names assigned inside a branch or loop: their one assignment
        #: may not be the value the call sees (`if z.shape == x.shape: z = z.reshape(...)`)
        self.conditional = conditional
        self._moved: set[int] = set()  # the caller's own nodes, already in its terms

    def _settled(self, node: ast.expr) -> bool:
        """Every caller name ``node`` reads, and every name their assignments read,
        has the value the call sees: assigned only at the caller's top level, or not
        at all (a parameter or a global)."""
        seen: set[str] = set()
        stack = [node]
        while stack:
            for n in ast.walk(stack.pop()):
                if not isinstance(n, ast.Name) or n.id in seen:
                    continue
                seen.add(n.id)
                if n.id in self.conditional:
                    return False
                found = self.env.lookup(n.id, self.line)
                if found is not None:
                    stack.append(found[1])
                if len(seen) > 64:
                    return False
        return True

    def forward(self, positional: list[ast.expr], keywords: list[ast.keyword]):
        """``kernel[grid](*args, **kwargs)`` of the wrapper's own ``*args``/``**kwargs``:
        what this call passes in their place."""
        out_pos: list[ast.expr] = []
        for a in positional:
            extra = self.bound.get(a.value.id) if isinstance(a, ast.Starred) and isinstance(a.value, ast.Name) \
                else None
            if isinstance(extra, list):
                self._moved.update(id(e) for e in extra)
                out_pos.extend(extra)
            else:
                out_pos.append(a)
        out_kw: list[ast.keyword] = []
        for k in keywords:
            extra = self.bound.get(k.value.id) if k.arg is None and isinstance(k.value, ast.Name) else None
            if isinstance(extra, list):
                self._moved.update(id(e.value) for e in extra)
                out_kw.extend(extra)
            else:
                out_kw.append(k)
        return out_pos, out_kw

    def grid(self, node: ast.expr, line: int) -> tuple[ast.expr, ...] | None:
        """The axes of a grid the wrapper does not build but is passed
        (``_launch(grid, *args)``), read at the call."""
        moved = self.move(node, line)
        if moved is None or not self._settled(moved):
            return None
        axes = L._grid(moved, self.env, self.line)
        if axes is not None:
            self._moved.update(id(a) for a in axes)
        return axes

    def guard(self, path: str) -> str | None:
        line = self.env.guard_line
        return f"{self.path or path}:{line}" if line is not None and line < self.line else None

    def reader(self, own: L._Reader):
        caller = L._Reader(self.env, self.line)

        def read(node: ast.expr) -> L.HostArg:
            if id(node) in self._moved:
                return caller(node)
            direct = own(node)
            moved = self.move(node, own.line)
            if moved is None or not self._settled(moved):
                return direct
            return combined(direct, caller(moved))
        return read

    def move(self, node: ast.expr, line: int) -> ast.expr | None:
        """``node`` of the wrapper in the caller's terms, or None where a name of the
        wrapper does not resolve to its parameters (assigned twice, in a loop...)."""
        wrapper = self.wrapper

        def spell(n: ast.AST, depth: int, at: int):
            # `at`: the line whose bindings the names of `n` see (a definition's value
            # reads the bindings before it: `x = x.contiguous()` reads the parameter)
            if depth > _MAX_DEPTH or isinstance(n, (ast.Lambda, ast.comprehension, ast.NamedExpr)):
                raise _Unresolved
            if isinstance(n, ast.Name):
                defined = n.id in wrapper.defs or n.id in wrapper.unpacked
                before = wrapper.definitions_before(n.id, at) if defined else 0
                value = self.bound.get(n.id, _ABSENT)
                if value is not _ABSENT and before == 0:
                    if isinstance(value, list):
                        raise _Unresolved  # `*args` used as a tuple
                    return copy.deepcopy(value)
                if defined:
                    # a parameter the wrapper assigns again (`out = out if out is not
                    # None else torch.empty(...)`) is what it assigned
                    if before != 1:
                        raise _Unresolved
                    found = wrapper.lookup(n.id, at)
                    if found is None:
                        raise _Unresolved
                    if found[0] == "expr":
                        value = found[1]
                        line_of = next(ln for ln, v in wrapper.defs[n.id] if v is value)
                        return spell(copy.deepcopy(value), depth + 1, line_of)
                    _, source, i, _arity = found
                    line_of = next(ln for ln, v, *_ in wrapper.unpacked[n.id] if v is source)
                    return ast.Subscript(value=spell(copy.deepcopy(source), depth + 1, line_of),
                                         slice=ast.Constant(i), ctx=ast.Load())
                return n  # a global or builtin of the module: the same in the caller
            for field_name, value in ast.iter_fields(n):
                if isinstance(value, ast.AST):
                    setattr(n, field_name, spell(value, depth, at))
                elif isinstance(value, list):
                    setattr(n, field_name, [spell(v, depth, at) if isinstance(v, ast.AST) else v for v in value])
            return n

        try:
            moved = spell(copy.deepcopy(node), 0, line)
        except (_Unresolved, RecursionError):
            return None
        if any(isinstance(n, ast.Attribute) and isinstance(n.value, ast.Constant) and n.value.value is None
               for n in ast.walk(moved)):
            return None  # `None.stride(0)`: the call leaves an optional tensor out, its branch is dead
        return moved


#: what the wrapper's own reading may know of a value that the caller's does not show
_KNOWN_IN_THE_WRAPPER = ("ndim", "int64", "trailing", "dims", "trailing_bounds", "per_block")


def combined(direct: L.HostArg, derived: L.HostArg) -> L.HostArg:
    """A launch argument read at a call: what the caller passes (``derived``), and
    what the wrapper's own scope says of it (``direct``), which holds for every call:
    its asserts and allocations (`assert x.shape == (M, E)` before passing
    `x.stride(0)`), its size guards. Where the caller's reading says nothing the
    wrapper's stands; where both read the same stride or shape, what only the
    wrapper shows (its rank, its dimensions' names and bounds, its element type)
    is kept."""
    bounds = [b for b in (direct.guard_bound, derived.guard_bound) if b is not None]
    guard = min(bounds) if bounds else None
    if derived.form == "expr" and direct.form in ("stride", "shape", "numel", "literal"):
        return replace(direct, guard_bound=guard)
    if direct.form == "literal" or (direct.form == "stride" and direct.trailing is not None) \
            or (direct.form == "tensor" and direct.dims is not None):
        # the wrapper shows the value's shape itself (its own allocation, an assert):
        # that holds for every call, and the caller adds only the element type
        int64 = direct.int64 if direct.int64 is not None else derived.int64
        return replace(direct, guard_bound=guard, int64=int64)
    if derived.form == direct.form and derived.dim == direct.dim:
        kept = {f: getattr(direct, f) for f in _KNOWN_IN_THE_WRAPPER
                if getattr(derived, f) is None and getattr(direct, f) is not None}
        derived = replace(derived, **kept, per_head=derived.per_head or direct.per_head)
    return replace(derived, guard_bound=guard)


def _assigned_in_branches(function: ast.AST) -> frozenset[str]:
    """Names a function assigns inside an ``if``, a loop, a ``try`` or a ``match``
    (anywhere but its top level and its ``with`` blocks)."""
    out: set[str] = set()

    def visit(body: list[ast.stmt], nested: bool) -> None:
        for stmt in body:
            if nested:
                for n in L._walk_scope([stmt]):
                    if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                        out.add(n.id)
                continue
            if isinstance(stmt, (ast.With, ast.AsyncWith)):
                visit(stmt.body, False)
            elif isinstance(stmt, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try, ast.Match)):
                visit([stmt], True)
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
    visit(list(getattr(function, "body", [])), False)
    return frozenset(out)


class _Unresolved(Exception):
    pass


_ABSENT = object()
