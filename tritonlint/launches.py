"""Reading the host code that launches kernels: ``kernel[grid](args...)``.

What a kernel's parameters hold is decided at its launch sites, which are often
in another module of the same package. This reads every file of the run with the
stdlib ``ast`` (it only reads facts; nothing is imported or executed) and binds,
for each launch:

* each argument to what the host passes: ``t.stride(d)``, ``t.shape[d]``,
  ``t.size(d)``, ``t.numel()``, names unpacked from a shape (``B, T, H = q.shape``),
  literals, and the tensor behind a pointer with its dtype where the host shows
  it (``torch.empty(n, dtype=torch.int64)``, ``.long()``);
* each grid axis, as the host expression it is computed from.

The binding to parameter names happens in :mod:`tritonlint.launch_facts`, which
knows the kernel's signature.
"""
from __future__ import annotations

import ast
import bisect
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from . import host_guards
from .diagnostics import source_lines

#: ``@triton.jit`` (possibly under other decorators) followed by ``def name``
_JIT_DEF = re.compile(r"@(?:triton\.)?jit\b[^\n]*\n(?:[ \t]*@[^\n]*\n|[ \t]*[^\n@]*\)\s*\n)*?[ \t]*def\s+(\w+)")
_INT64_DTYPES = {"int64", "long", "uint64"}
_NARROW_DTYPES = {"int32", "int", "int16", "int8", "uint8", "uint16", "uint32", "short", "bool"}
_RESHAPES = {"view", "reshape", "expand", "flatten", "contiguous", "permute", "transpose", "unsqueeze", "squeeze"}


@dataclass(frozen=True)
class HostArg:
    """One value the host passes (an argument or a grid axis)."""

    text: str
    form: str  # "stride" | "shape" | "numel" | "literal" | "tensor" | "expr"
    tensor: str | None = None  # the tensor it reads or is (host variable name)
    dim: int | None = None  # for stride / shape
    ndim: int | None = None  # the tensor's rank, where the host shows it
    const: int | None = None
    #: a tensor's element type, where the host shows it: True int64, False a narrower type
    int64: bool | None = None
    #: host identifiers it is computed from, outermost first (the host's own names
    #: for sizes: ``num_tokens``, ``num_heads``)
    names: tuple[str, ...] = ()
    #: for ``t.stride(d)``: the sizes of t's dimensions after d, as the host spells
    #: them (``("num_heads", "head_dim")``), when it shows t's shape; their product
    #: is the stride of a contiguous t
    trailing: tuple[str, ...] | None = None
    #: for a tensor (or the tensor a stride reads): the host's names for all its
    #: dimensions, when it shows them (``torch.empty(T, H, D)``, ``T, H, D = x.shape``,
    #: ``empty_like`` of such a tensor)
    dims: tuple[str, ...] | None = None
    #: the launch runs only when this value is at most a literal (`if n <= 2048:`)
    guard_bound: int | None = None
    #: for ``t.stride(d)``: a literal bound the launching function checks on each of
    #: ``trailing`` (``assert D <= 256``), None where it checks none
    trailing_bounds: tuple[int | None, ...] | None = None
    #: the tensor is laid out per head: the same launch passes its heads' stride to a
    #: kernel parameter named for heads (``stride_qh``, ``k_head_stride``)
    per_head: bool = False
    #: a count of blocks of a size (``triton.cdiv(vocab, BLOCK)``, ``n // 4``): the
    #: size's host text and the divisor, where it resolves to a literal (else None)
    per_block: tuple[str, int | None] | None = None

    @property
    def unit_stride(self) -> bool:
        """The stride of a tensor's last dimension: 1 for every contiguous tensor."""
        if self.form != "stride" or self.dim is None:
            return False
        return self.dim == -1 or (self.ndim is not None and self.dim == self.ndim - 1)


@dataclass(frozen=True)
class Launch:
    kernel: str
    path: str
    line: int
    grid: tuple[HostArg, ...] | None
    args: tuple[HostArg | None, ...]  # positional; None after a *star (unknown position)
    kwargs: dict[str, HostArg] = field(default_factory=dict)
    #: the modules the launching file imports from (last components: `attn_res` for
    #: `from .ops.attn_res import ...`), to tell apart kernels of the same name
    imports: frozenset[str] = frozenset()
    #: the launching function checks the int32 range before the launch
    #: (`assert x.numel() < 2**31`, `if n > 2**31 - 1: raise ...`): where
    guard: str | None = None

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def kernel_names(text: str) -> set[str]:
    """Names of the jit functions a file defines, by a cheap scan of its text."""
    return set(_JIT_DEF.findall(text))


_WORD = re.compile(r"\w+")


def launched_names(text: str, names: set[str]) -> set[str]:
    """Which of ``names`` the text mentions at all: a cheap filter before parsing."""
    return names.intersection(_WORD.findall(text)) if "[" in text else set()


def read_launches(text: str, path: str, names: set[str], mentioned: set[str] | None = None) -> list[Launch]:
    """Every ``kernel[grid](...)`` of a kernel in ``names``, with its arguments read
    in the scope of the enclosing function. ``mentioned``: ``launched_names(text,
    names)`` where the caller has it already (a scan of every word of the file)."""
    if mentioned is None:
        mentioned = launched_names(text, names)
    if not mentioned:
        return []
    # the spaces between the name and its bracket stay on one line
    subscript = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(mentioned))) + r")"
                           r"[^\S\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]*\[")
    lines = _lines_matching(text, subscript)
    if not lines:
        return []
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return []  # the lint itself reports what does not parse
    # Only the functions that hold a launch line are read expression by expression.
    scopes: dict[int, ast.AST] = {}
    for line in lines:
        scope = _innermost_function(tree, line)
        scopes[id(scope)] = scope
    out: list[Launch] = []
    source = _Source(text)
    imports = _imported_modules(tree)
    created = _created_in_file(tree, source)
    constants = host_guards.module_constants(tree)
    from .launch_callers import through_callers

    functions = {f.name: f for f in tree.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))}
    for scope in scopes.values():
        env = _Scope(scope, source, constants)
        env.file_shapes = created
        env.file_functions = functions
        calls = [node for node in _walk_scope(scope.body) if isinstance(node, ast.Call)
                 and isinstance(node.func, ast.Subscript) and _last_name(node.func.value) in mentioned]
        if not calls:
            continue
        derived = through_callers(tree, scope, env, calls, path, imports, constants, created)
        if derived is not None:
            out.extend(derived)
            continue
        for node in calls:
            out.append(_launch(_last_name(node.func.value), node, path, env, imports))
    return out


def _lines_matching(text: str, pattern: re.Pattern) -> set[int]:
    """The (1-based) lines where ``pattern`` matches, from one scan of the text, as
    a search of each of ``text.splitlines()`` finds them. A match never spans lines
    here (the pattern is a name, spaces and a bracket), so its start's line is its
    line; the line breaks are splitlines' own, found once only if something matched."""
    starts = [m.start() for m in pattern.finditer(text)]
    if not starts:
        return set()
    ends = list(itertools.accumulate(map(len, text.splitlines(keepends=True))))  # where each line ends
    return {bisect.bisect_right(ends, start) + 1 for start in starts}


def _imported_modules(tree: ast.Module) -> frozenset[str]:
    out: set[str] = set()
    for node in _statements(tree.body):  # an import is a statement: no need to visit expressions
        if isinstance(node, ast.ImportFrom):
            if node.module:
                out.add(node.module.split(".")[-1])
            else:
                out.update(a.name for a in node.names)  # from . import attn_res
        elif isinstance(node, ast.Import):
            out.update(a.name.split(".")[-1] for a in node.names)
    return frozenset(out)


def _statements(body):
    for stmt in body:
        yield stmt
        for inner in _stmt_bodies(stmt):
            yield from _statements(inner)


def _created_in_file(tree: ast.Module, source: _Source) -> dict[str, tuple[str, ...]]:
    """Tensors the file allocates as attributes (`self.state_indices = torch.empty((n, 1 + k))`),
    by name, where every allocation of that attribute in the file has the same rank."""
    found: dict[str, set[tuple[str, ...]]] = {}
    # only attributes of `self`: a plain local name (`x`) means different
    # tensors in different functions of a file
    for name, value in self_attribute_assignments(_statements(tree.body)):
        if not isinstance(value, ast.Call):
            continue
        if not isinstance(value.func, ast.Attribute) or value.func.attr in ("view", "reshape"):
            continue
        dims = _created_dims(value, source)
        if dims is not None:
            found.setdefault(name, set()).add(dims)
    out = {}
    for name, shapes in found.items():
        if len({len(d) for d in shapes}) == 1:
            # the same rank everywhere; the sizes only where they also agree
            out[name] = shapes.pop() if len(shapes) == 1 else ("?",) * len(next(iter(shapes)))
    return out


def self_attribute_assignments(nodes) -> Iterable[tuple[str, ast.expr]]:
    """(attribute, value) of every `self.attribute = value` among ``nodes``."""
    for node in nodes:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
            yield target.attr, value


def _innermost_function(tree: ast.Module, line: int) -> ast.AST:
    scope: ast.AST = tree
    body = tree.body
    while True:
        for stmt in body:
            if stmt.lineno <= line <= (stmt.end_lineno or stmt.lineno):
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    scope, body = stmt, stmt.body
                    break
                inner = [b for b in _stmt_bodies(stmt)]
                if inner:
                    body = [s for b in inner for s in b]
                    break
        else:
            return scope
        if not body:
            return scope


def _stmt_bodies(stmt: ast.stmt):
    for attr in ("body", "orelse", "finalbody"):
        b = getattr(stmt, attr, None)
        if isinstance(b, list) and b and isinstance(b[0], ast.stmt):
            yield b
    for h in getattr(stmt, "handlers", ()) or ():
        yield h.body
    for c in getattr(stmt, "cases", ()) or ():
        yield c.body


# ---------------------------------------------------------------------------- scope
class _Scope:
    """Assignments of one function (or module), to resolve names at a launch."""

    def __init__(self, scope: ast.AST, source: _Source | None = None, constants: dict[str, int] | None = None):
        self.source = source
        self.defs: dict[str, list[tuple[int, ast.expr]]] = {}
        self.unpacked: dict[str, list[tuple[int, ast.expr, int, int]]] = {}  # name -> (line, source, index, arity)
        self.functions: dict[str, ast.FunctionDef] = {}
        #: `assert t.shape == (rows, k)`, `assert t.dim() == 2`: a tensor's dimensions
        #: as the host states them ("?" where only the rank is stated)
        self.asserted: dict[str, tuple[str, ...]] = {}
        #: `assert t.dtype == torch.int64`: a tensor's element type as the host checks it
        self.asserted_int64: dict[str, bool] = {}
        self.guard_line: int | None = None
        self.size_guards = host_guards.read_guards(scope, constants)
        self.constants = constants or {}
        args = getattr(scope, "args", None)
        #: the function's parameters: a parameter named like a module constant is not it
        self.params = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs,
                                        *[v for v in (args.vararg, args.kwarg) if v is not None]]} if args else set()
        self._aliases: dict[str, list[str]] | None = None
        #: allocations anywhere in the file, by name (set by the reader)
        self.file_shapes: dict[str, tuple[str, ...]] = {}
        #: the file's module-level functions, by name (set by the reader): a tensor
        #: made by one of them (`out, lens = _alloc(x)`) has the shape it returns
        self.file_functions: dict[str, ast.FunctionDef] = {}
        body = scope.body
        # an assert holds for the rest of the function only at its top level: inside
        # a branch (`else: assert z.shape == (M, N)`) it says nothing about the others
        for node in _top_level(body):
            if isinstance(node, ast.Assert):
                self._shape_assert(node.test)
        for node in _walk_scope(body):
            if isinstance(node, ast.Assert):
                if _checks_int32_range(node.test):
                    self.guard_line = self.guard_line or node.lineno
            elif isinstance(node, ast.If) and _checks_int32_range(node.test) and any(
                    isinstance(n, ast.Raise) for b in node.body for n in ast.walk(b)):
                self.guard_line = self.guard_line or node.lineno
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    self._bind(target, node.value, node.lineno)
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                self._bind(node.target, node.value, node.lineno)
            elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                # `M = 1` then `M *= x.shape[i]`: M is no longer the literal
                updated = ast.BinOp(ast.Name(node.target.id, ast.Load()), node.op, node.value)
                self._bind(node.target, ast.copy_location(updated, node), node.lineno)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node is not scope:
                self.functions[node.name] = node

    def _shape_assert(self, test: ast.expr) -> None:
        if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):  # `a or b` asserts neither
            for v in test.values:
                self._shape_assert(v)
            return
        if not (isinstance(test, ast.Compare) and all(isinstance(op, ast.Eq) for op in test.ops)):
            return
        # `a.dim() == b.dim() == 2` asserts every operand of the chain equal
        operands = [test.left, *test.comparators]
        pairs = [(a, b) for a in operands for b in operands if a is not b]
        for a, b in pairs:
            if isinstance(a, ast.Attribute) and a.attr == "dtype" and isinstance(a.value, ast.Name):
                dtype = _dtype_name(b)
                if dtype in _INT64_DTYPES | _NARROW_DTYPES:
                    self.asserted_int64[a.value.id] = dtype in _INT64_DTYPES
            if _is_shape(a) and isinstance(a.value, ast.Name) and isinstance(b, (ast.Tuple, ast.List)):
                if not any(isinstance(e, ast.Starred) for e in b.elts):
                    self.asserted[a.value.id] = tuple(_source_text(e, self.source) for e in b.elts)
            rank = _literal_int(b)
            if rank is not None and 0 < rank <= 8:
                tensor = None
                if isinstance(a, ast.Attribute) and a.attr == "ndim" and isinstance(a.value, ast.Name):
                    tensor = a.value.id
                elif (isinstance(a, ast.Call) and isinstance(a.func, ast.Attribute) and a.func.attr == "dim"
                      and isinstance(a.func.value, ast.Name) and not a.args):
                    tensor = a.func.value.id
                if tensor is not None and tensor not in self.asserted:
                    self.asserted[tensor] = ("?",) * rank

    def _bind(self, target: ast.expr, value: ast.expr, line: int) -> None:
        if isinstance(target, ast.Name):
            self.defs.setdefault(target.id, []).append((line, value))
        elif isinstance(target, (ast.Tuple, ast.List)):
            elts = target.elts
            if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(elts):
                for t, v in zip(elts, value.elts):
                    self._bind(t, v, line)
                return
            for i, t in enumerate(elts):
                if isinstance(t, ast.Name):
                    self.unpacked.setdefault(t.id, []).append((line, value, i, len(elts)))

    def aliases(self, text: str) -> list[str]:
        """Names assigned once in the function from the expression ``text`` (as
        ``ast.unparse`` writes it): ``n`` of ``n = x.shape[0]``, ``M`` of ``M, K = x.shape``
        for ``x.shape[0]``; a guard on the name bounds the expression too."""
        if self._aliases is None:
            self._aliases = {}
            for name, defs in self.defs.items():
                if len(defs) == 1 and name not in self.unpacked:
                    self._aliases.setdefault(_unparse(defs[0][1]), []).append(name)
            for name, unpacks in self.unpacked.items():
                if len(unpacks) == 1 and name not in self.defs:
                    _line, source, i, _arity = unpacks[0]
                    self._aliases.setdefault(f"{_unparse(source)}[{i}]", []).append(name)
        return self._aliases.get(text, [])

    def definitions_before(self, name: str, line: int) -> int:
        return (sum(1 for ln, _ in self.defs.get(name, ()) if ln < line)
                + sum(1 for ln, *_ in self.unpacked.get(name, ()) if ln < line))

    def lookup(self, name: str, line: int):
        """The latest definition of ``name`` before ``line``: ('expr', node) or
        ('unpack', source, index, arity); None for parameters and globals."""
        best = None
        for ln, value in self.defs.get(name, ()):
            if ln < line and (best is None or ln > best[0]):
                best = (ln, ("expr", value))
        for ln, value, i, n in self.unpacked.get(name, ()):
            if ln < line and (best is None or ln > best[0]):
                best = (ln, ("unpack", value, i, n))
        return None if best is None else best[1]


def _top_level(body: list[ast.stmt]):
    """The statements of a body that run whenever it does (through `with` and `try`)."""
    for node in body:
        yield node
        if isinstance(node, (ast.With, ast.AsyncWith, ast.Try)):
            yield from _top_level(node.body)


def _walk_scope(body):
    """Nodes of a body, not descending into nested function or class bodies."""
    stack = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


# --------------------------------------------------------------------------- launch
def _launch(name: str, call: ast.Call, path: str, env: _Scope, imports: frozenset[str] = frozenset(),
            via=None) -> Launch:
    """One launch, its arguments read in the launching function's scope; ``via``
    (``launch_callers.CallSite``): read them instead at one call of that function,
    where its parameters are what that call passes."""
    line = call.lineno
    grid_nodes = _grid(call.func.slice, env, line)
    positional = _spliced_args(call.args, env, line)
    named = _spliced_keywords(call.keywords, env, line)
    read = _Reader(env, line)
    if via is not None:
        positional, named = via.forward(positional, named)
        if grid_nodes is None:
            grid_nodes = via.grid(call.func.slice, line)  # a grid the wrapper is passed
        read = via.reader(read)
    args: list[HostArg | None] = []
    starred = False
    for a in positional:
        if isinstance(a, ast.Starred):
            starred = True
            continue
        args.append(None if starred else read(a))
    keywords = [k for k in named if k.arg is not None]
    kwargs = {k.arg: read(k.value) for k in keywords}
    guard = f"{path}:{env.guard_line}" if env.guard_line is not None and env.guard_line < line else None
    if via is not None:
        guard = guard or via.guard(path)
        line = via.line
    args, kwargs = _ranks_from_strides(args, kwargs)
    grid = None if grid_nodes is None else tuple(read(e) for e in grid_nodes)
    return Launch(name, path, line, grid, tuple(args), kwargs, imports, guard)


class _Reader:
    """A host expression as a launch argument, in one scope at one line: what it is
    (``_host_arg``) and the bound the scope's size guards put on it."""

    def __init__(self, env: _Scope, line: int):
        self.env, self.line = env, line

    def __call__(self, node: ast.expr) -> HostArg:
        arg = _host_arg(node, self.env, self.line)
        bound = guard_bound(node, self.env, self.line) if self.env.size_guards else None
        return arg if bound is None else replace(arg, guard_bound=bound)


def _spliced_args(args: list[ast.expr], env: _Scope, line: int) -> list[ast.expr]:
    """The launch's positional arguments, with ``*stage_args`` spelled out where the
    function builds ``stage_args`` once as a tuple or list literal before the launch
    (``stage_args = (q, k, v, q.stride(0))``); any other star stays a star."""
    out: list[ast.expr] = []
    for a in args:
        literal = _single_literal(a.value, env, line, (ast.Tuple, ast.List)) if isinstance(a, ast.Starred) else None
        if literal is not None and not any(isinstance(e, ast.Starred) for e in literal.elts):
            out.extend(literal.elts)
        else:
            out.append(a)
    return out


def _spliced_keywords(keywords: list[ast.keyword], env: _Scope, line: int) -> list[ast.keyword]:
    """``**options`` spelled out where ``options`` is built once before the launch as
    ``dict(num_warps=4, BLOCK=64)`` or ``{"num_warps": 4}``; any other stays unnamed."""
    out: list[ast.keyword] = []
    for k in keywords:
        spelled = None
        if k.arg is None:
            built = _single_literal(k.value, env, line, (ast.Dict, ast.Call))
            if isinstance(built, ast.Call) and _last_name(built.func) == "dict" and not built.args \
                    and all(kw.arg is not None for kw in built.keywords):
                spelled = list(built.keywords)
            elif isinstance(built, ast.Dict) and all(isinstance(key, ast.Constant) and isinstance(key.value, str)
                                                     for key in built.keys):
                spelled = [ast.keyword(arg=key.value, value=value) for key, value in zip(built.keys, built.values)]
        out.extend(spelled if spelled is not None else [k])
    return out


def _single_literal(node: ast.expr, env: _Scope, line: int, kinds: tuple[type, ...]) -> ast.expr | None:
    """The value of a name assigned once before ``line``, when it is one of ``kinds``."""
    if not isinstance(node, ast.Name) or env.definitions_before(node.id, line) != 1:
        return None
    found = env.lookup(node.id, line)
    if found is None or found[0] != "expr" or not isinstance(found[1], kinds):
        return None
    return found[1]


def guard_bound(node: ast.expr, env: _Scope, line: int, depth: int = 0) -> int | None:
    """The tightest bound the launching function's size guards put on a host
    expression at ``line``: a guard on the expression itself, or one on what it is
    computed from (``n = x.shape[0]`` under ``if x.shape[0] <= 128:``; ``M, K = x.shape``
    under ``if M <= 64:``; ``tokens * heads``, ``triton.cdiv(M, 64)``, ``min(n, 32)``
    of guarded parts). None when no guard bounds it."""
    if depth > 4:
        return None
    found: list[int] = []
    text = _unparse(node)
    for spelling in (text, *env.aliases(text)):
        exact = host_guards.bound_of_unparsed(env.size_guards, spelling, line)
        if exact is not None:
            found.append(exact)
    literal = _literal_int(node)
    if literal is not None:
        return literal
    if isinstance(node, ast.Name) and node.id in env.constants and node.id not in env.params \
            and env.definitions_before(node.id, line) == 0:
        return env.constants[node.id]
    if isinstance(node, ast.Name) and env.definitions_before(node.id, line) == 1:
        defined = env.lookup(node.id, line)
        if defined is not None and defined[0] == "expr":
            inner = guard_bound(defined[1], env, line, depth + 1)
        elif defined is not None:
            _, source, i, _arity = defined
            inner = host_guards.bound_of_unparsed(env.size_guards, f"{_unparse(source)}[{i}]", line)
        else:
            inner = None
        if inner is not None:
            found.append(inner)
    elif isinstance(node, ast.BinOp):
        left = guard_bound(node.left, env, line, depth + 1)
        right = guard_bound(node.right, env, line, depth + 1)
        if left is not None and right is not None and left >= 0 and right >= 0:
            if isinstance(node.op, ast.Add):
                found.append(left + right)
            elif isinstance(node.op, ast.Mult):
                found.append(left * right)
        if left is not None and left >= 0 and isinstance(node.op, (ast.FloorDiv, ast.Sub, ast.RShift)):
            # never larger than the left side (sizes are not negative)
            divisor = _literal_int(node.right) if isinstance(node.op, ast.FloorDiv) else None
            found.append(left // divisor if divisor else left)
    elif isinstance(node, ast.Call):
        func = _last_name(node.func)
        parts = [guard_bound(a, env, line, depth + 1) for a in node.args]
        if func == "cdiv" and len(parts) == 2 and parts[0] is not None:
            divisor = _literal_int(node.args[1])
            found.append(-(-parts[0] // divisor) if divisor and divisor > 0 else parts[0])
        elif func == "min" and any(p is not None for p in parts):
            found.append(min(p for p in parts if p is not None))
        elif func == "max" and parts and all(p is not None for p in parts):
            found.append(max(parts))
    return min(found) if found else None


def _ranks_from_strides(args: list[HostArg | None], kwargs: dict[str, HostArg]):
    """A launch that passes the strides of four dimensions of a tensor, ``t.stride(0)``
    to ``t.stride(3)``, shows its rank (4) even when the host never shows its shape:
    then `t.stride(3)` is its last dimension's and `t.stride(2)` the next-to-last's.
    With fewer it shows nothing: kernels often leave out the stride of a contiguous
    last dimension (`x.stride(0), x.stride(1)` of a 3-D `x`)."""
    read: dict[str, set[int]] = {}
    for a in [*args, *kwargs.values()]:
        if a is not None and a.form == "stride" and a.tensor and a.dim is not None and a.ndim is None:
            read.setdefault(a.tensor, set()).add(a.dim)
    ranks = {t: max(dims) + 1 for t, dims in read.items()
             if max(dims) >= 3 and dims == set(range(max(dims) + 1))}
    if not ranks:
        return args, kwargs

    def ranked(a: HostArg | None) -> HostArg | None:
        if a is None or a.form != "stride" or a.ndim is not None or a.tensor not in ranks:
            return a
        rank = ranks[a.tensor]
        return replace(a, ndim=rank, trailing=("?",) * (rank - 1 - a.dim) if a.dim is not None else None,
                       trailing_bounds=(None,) * (rank - 1 - a.dim) if a.dim is not None else None)

    return [ranked(a) for a in args], {k: ranked(v) for k, v in kwargs.items()}


def _grid(node: ast.expr, env: _Scope, line: int, depth: int = 0) -> tuple[ast.expr, ...] | None:
    """The axes of a launch's grid, as the host writes them."""
    if depth > 3:
        return None
    if isinstance(node, (ast.Tuple, ast.List)):
        return tuple(node.elts)
    if isinstance(node, ast.Lambda):
        return _grid(node.body, env, line, depth + 1)
    if isinstance(node, ast.Name):
        if node.id in env.functions:
            for stmt in ast.walk(env.functions[node.id]):
                if isinstance(stmt, ast.Return) and stmt.value is not None:
                    return _grid(stmt.value, env, line, depth + 1)
            return None
        found = env.lookup(node.id, line)
        if found is not None and found[0] == "expr" and env.definitions_before(node.id, line) == 1:
            return _grid(found[1], env, line, depth + 1)  # one grid, not one of several branches
    return None


def _host_arg(node: ast.expr, env: _Scope, line: int, depth: int = 0) -> HostArg:
    text = _source_text(node, env.source)
    names = tuple(_identifiers(node))
    if isinstance(node, ast.IfExp):
        # `t.stride(0) if t is not None else 0`: the branch that passes something
        branches = [b for b in (node.body, node.orelse)
                    if not (isinstance(b, ast.Constant) and b.value in (0, None))]
        if len(branches) == 1:
            return replace(_host_arg(branches[0], env, line, depth + 1), text=text)
    # literals
    value = _literal_int(node)
    if value is not None:
        return HostArg(text, "literal", const=value, names=names)
    held = _held_read(node, env, line) if depth < 3 else None
    if held is not None:
        return replace(_host_arg(held, env, line, depth + 1), text=text, names=names)
    # t.stride(d), t.shape[d], t.size(d), t.numel()
    read = _tensor_read(node)
    if read is not None:
        form, tensor_node, dim = read
        tensor = _last_name(tensor_node)
        dims = _dims(tensor_node, env, line)
        trailing = bounds = None
        if form == "stride" and dims is not None and dim is not None and -len(dims) <= dim < len(dims):
            trailing = dims[dim % len(dims) + 1:]
            bounds = tuple(host_guards.bound_at(env.size_guards, d, line) for d in trailing)
        return HostArg(text, form, tensor=tensor, dim=dim, ndim=len(dims) if dims is not None else None,
                       names=names, trailing=trailing, dims=dims if form == "stride" else None,
                       trailing_bounds=bounds)
    if isinstance(node, ast.Name) and depth < 3:
        found = env.lookup(node.id, line)
        if found is not None and found[0] == "unpack":
            _, source, i, arity = found
            inner = _shape_source(source)
            if inner is not None:
                form, tensor_node = inner
                tensor = _last_name(tensor_node)
                return HostArg(text, form, tensor=tensor, dim=i, ndim=arity, names=names)
        elif found is not None and found[0] == "expr":
            resolved = _host_arg(found[1], env, line, depth + 1)
            if resolved.form == "literal" and env.definitions_before(node.id, line) > 1:
                # `s = t.stride(2)` in one branch, `s = 1` in the other: the literal
                # is one of several values, not a bound
                return HostArg(text, "expr", names=names + resolved.names)
            if resolved.form in ("literal", "stride", "shape", "numel"):
                return replace(resolved, text=text, names=names + resolved.names)
            if resolved.form == "tensor":
                dims = _dims(node, env, line) or resolved.dims
                # `assert loc.dtype == torch.int64` then `loc = loc.contiguous()`: a view or
                # copy keeps the element type the host checked
                int64 = resolved.int64 if resolved.int64 is not None else env.asserted_int64.get(node.id)
                return HostArg(text, "tensor", node.id, ndim=resolved.ndim if dims is None else len(dims),
                               int64=int64, names=names + resolved.names, dims=dims)
            return HostArg(text, "expr", names=names + resolved.names, per_block=resolved.per_block)
        if found is None and node.id in env.constants and node.id not in env.params:
            # a module-level integer constant (`HIDDEN = 4096`): its value, as a literal
            return HostArg(text, "literal", const=env.constants[node.id], names=names)
        if found is None:
            dims = _dims(node, env, line)
            return HostArg(text, "tensor", tensor=node.id, names=names, dims=dims,
                           ndim=len(dims) if dims is not None else None, int64=env.asserted_int64.get(node.id))
        return HostArg(text, "expr", tensor=node.id, names=names)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        dims = env.file_shapes.get(node.attr)  # self.state_indices, allocated in __init__
        return HostArg(text, "tensor", tensor=node.attr, names=names, dims=dims,
                       ndim=len(dims) if dims is not None else None)
    dtype = dtype_of(node)
    if dtype is not None or _is_tensor_expr(node):
        base = _base_tensor(node)
        int64 = dtype
        dims = _dims(node, env, line) if depth < 3 else None
        if base is not None and dtype is None and depth < 3:
            found = env.lookup(base, line)
            if found is not None and found[0] == "expr":
                int64 = dtype_of(found[1])
        return HostArg(text, "tensor", tensor=base, ndim=len(dims) if dims is not None else None, int64=int64,
                       names=names, dims=dims)
    return HostArg(text, "expr", names=names, per_block=_per_block(node, env, line))


def _per_block(node: ast.expr, env: _Scope, line: int) -> tuple[str, int | None] | None:
    """``triton.cdiv(n, BLOCK)``, ``n // BLOCK``, ``(n + BLOCK - 1) // BLOCK``: a count
    of blocks of ``n``, not ``n`` itself. The divisor resolves through the launching
    function's literals (``BLOCK = 4096``)."""
    if isinstance(node, ast.Call) and _last_name(node.func) == "cdiv" and len(node.args) == 2:
        whole, divisor = node.args
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.FloorDiv):
        whole, divisor = node.left, node.right
        if isinstance(whole, ast.BinOp) and isinstance(whole.op, ast.Sub):
            whole = whole.left  # `(n + B - 1) // B`
        if isinstance(whole, ast.BinOp) and isinstance(whole.op, ast.Add):
            whole = whole.left
    else:
        return None
    value = _literal_int(divisor)
    if value is None and isinstance(divisor, ast.Name):
        found = env.lookup(divisor.id, line)
        if found is not None and found[0] == "expr" and env.definitions_before(divisor.id, line) == 1:
            value = _literal_int(found[1])
    return _source_text(whole, env.source), value if value is not None and value > 0 else None


_INT32_LIMITS = {2**31 - 1, 2**31, 2**32 - 1, 2**32}


def _checks_int32_range(test: ast.expr) -> bool:
    """A comparison against the int32 range: `2**31`, `2147483647`, `torch.iinfo(torch.int32).max`."""
    for node in ast.walk(test):
        if not isinstance(node, ast.Compare):
            continue
        for side in [node.left, *node.comparators]:
            if _int32_limit(side):
                return True
    return False


def _int32_limit(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant) and node.value in _INT32_LIMITS and not isinstance(node.value, bool):
        return True
    if isinstance(node, ast.BinOp):
        left, right = _literal_int(node.left), _literal_int(node.right)
        if isinstance(node.op, ast.Pow) and left == 2 and right in (31, 32):
            return True
        if isinstance(node.op, ast.Sub) and right == 1 and isinstance(node.left, ast.BinOp):
            return _int32_limit(node.left)
        if isinstance(node.op, ast.LShift) and left == 1 and right in (31, 32):
            return True
    if isinstance(node, ast.Attribute) and node.attr == "max" and "int32" in ast.dump(node.value):
        return True  # torch.iinfo(torch.int32).max
    if isinstance(node, ast.Name) and re.fullmatch(r"(?i)int32_max|max_int32|i32_max|INT_MAX", node.id):
        return True
    return False


def _held_read(node: ast.expr, env: _Scope, line: int) -> ast.expr | None:
    """``strides[2]`` after ``strides = out.stride()`` (or ``dims = x.shape``): the read
    ``out.stride(2)`` (``x.shape[d]``) itself, so it is bound like one."""
    if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)):
        return None
    dim = _literal_int(node.slice)
    found = env.lookup(node.value.id, line)
    if dim is None or found is None or found[0] != "expr" or env.definitions_before(node.value.id, line) != 1:
        return None
    source = _shape_source(found[1])
    if source is None:
        return None
    form, tensor_node = source
    if form == "stride":
        return ast.Call(ast.Attribute(tensor_node, "stride", ast.Load()), [ast.Constant(dim)], [])
    return ast.Subscript(ast.Attribute(tensor_node, "shape", ast.Load()), ast.Constant(dim), ast.Load())


def _tensor_read(node: ast.expr):
    """('stride'|'shape'|'numel', tensor node, dim) for t.stride(d), t.shape[d], t.size(d), t.numel()."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        attr = node.func.attr
        if attr in ("stride", "size") and len(node.args) == 1:
            dim = _literal_int(node.args[0])
            return ("stride" if attr == "stride" else "shape", node.func.value, dim)
        if attr in ("numel", "nelement") and not node.args:
            return ("numel", node.func.value, None)
    if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute)
            and node.value.attr == "shape"):
        return ("shape", node.value.value, _literal_int(node.slice))
    return None


def _shape_source(node: ast.expr):
    """For ``B, T, H = q.shape`` / ``q.size()`` / ``q.stride()``: (form, tensor node)."""
    if isinstance(node, ast.Attribute) and node.attr == "shape":
        return "shape", node.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and not node.args:
        if node.func.attr == "size":
            return "shape", node.func.value
        if node.func.attr == "stride":
            return "stride", node.func.value
    return None


#: calls whose result has the shape of their tensor argument or receiver
_SAME_SHAPE_FUNCTIONS = frozenset({"empty_like", "zeros_like", "ones_like", "full_like", "rand_like", "randn_like"})
_SAME_SHAPE_METHODS = frozenset({"contiguous", "clone", "to", "float", "half", "bfloat16", "int", "long", "detach",
                                 "empty_like", "zeros_like"})


def _same_shape_as(node: ast.expr) -> ast.expr | None:
    """``torch.empty_like(x)``, ``x.contiguous()``, ``x.to(torch.float32)``: x."""
    if not isinstance(node, ast.Call):
        return None
    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
    if name in _SAME_SHAPE_FUNCTIONS and node.args and not isinstance(node.func, ast.Attribute):
        return node.args[0]
    if name in _SAME_SHAPE_FUNCTIONS and node.args and isinstance(node.func.value, ast.Name) \
            and node.func.value.id == "torch":
        return node.args[0]
    if name in _SAME_SHAPE_METHODS and isinstance(node.func, ast.Attribute) \
            and not (isinstance(node.func.value, ast.Name) and node.func.value.id == "torch"):
        return node.func.value
    return None


def _dims(tensor_node: ast.expr, env: _Scope, line: int, depth: int = 0) -> tuple[str, ...] | None:
    """The host's names for a tensor's dimensions: from ``B, T, H = x.shape`` anywhere
    in the scope, a shape it asserts, or the call that creates it (``torch.empty(T, H, D)``,
    ``torch.empty_like(y)`` of a tensor whose dimensions are known)."""
    if depth > 4:
        return None
    same = _same_shape_as(tensor_node)
    if same is not None:
        return _dims(same, env, line, depth + 1)
    if isinstance(tensor_node, ast.Name):
        asserted = env.asserted.get(tensor_node.id)
        if asserted is not None and "?" not in asserted:
            return asserted
        for entries in env.unpacked.values():
            for _ln, source, _i, arity in entries:
                inner = _shape_source(source)
                if (inner is not None and inner[0] == "shape" and isinstance(inner[1], ast.Name)
                        and inner[1].id == tensor_node.id):
                    return tuple(_unpacked_names(env, source, arity))
        if asserted is not None:
            return asserted  # only its rank (`assert x.dim() == 4`)
        found = env.lookup(tensor_node.id, line)
        if found is not None and found[0] == "expr":
            if _same_shape_as(found[1]) is not None:
                # `x = x.contiguous()`: the x before this line
                return _dims(found[1], env, getattr(found[1], "lineno", line), depth + 1)
            made = _made_by_helper(found[1], None, env, line)
            return made if made is not None else _created_dims(found[1], env.source)
        if found is not None and found[0] == "unpack":
            _, source, i, arity = found
            return _made_by_helper(source, (i, arity), env, line)
        return None
    if isinstance(tensor_node, ast.Attribute) and isinstance(tensor_node.value, ast.Name) \
            and tensor_node.value.id == "self":
        return env.file_shapes.get(tensor_node.attr)  # self.state_indices, allocated in __init__
    return _created_dims(tensor_node, env.source)


def _made_by_helper(call: ast.expr, element: tuple[int, int] | None, env: _Scope, line: int) -> tuple[str, ...] | None:
    """The dimensions of a tensor a module-level function of the file allocates and
    returns (``sparse_bt, lens = _alloc_table(topk_idx)`` with ``return
    torch.empty((n, k * 8)), ...``), spelled in the caller's terms; ``element``: which
    of the returned tuple (index, length). None where the function returns anything
    else, or more than once."""
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
        return None
    helper = env.file_functions.get(call.func.id)
    if helper is None:
        return None
    returns = [n for n in _walk_scope(helper.body) if isinstance(n, ast.Return)]
    if len(returns) != 1 or returns[0].value is None:
        return None
    value = returns[0].value
    if element is not None:
        index, arity = element
        if not isinstance(value, ast.Tuple) or len(value.elts) != arity:
            return None
        value = value.elts[index]
    from .launch_callers import CallSite, _bind

    bound = _bind(helper.args, call)
    if bound is None:
        return None
    moved = CallSite(env, line, bound, _Scope(helper)).move(value, returns[0].lineno)
    if moved is None:
        return None
    for n in ast.walk(moved):  # the module's integer constants, as their values
        for name, child in ast.iter_fields(n):
            if isinstance(child, ast.Name) and child.id in env.constants:
                setattr(n, name, ast.Constant(env.constants[child.id]))
            elif isinstance(child, list):
                setattr(n, name, [ast.Constant(env.constants[c.id]) if isinstance(c, ast.Name)
                                  and c.id in env.constants else c for c in child])
    return _created_dims(moved, None)


def _unpacked_names(env: _Scope, source: ast.expr, arity: int) -> list[str]:
    out = ["?"] * arity
    for name, entries in env.unpacked.items():
        for _ln, src, i, n in entries:
            if src is source and n == arity:
                out[i] = name
    return out


def _is_shape(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "shape"


def _created_dims(node: ast.expr, source: str) -> tuple[str, ...] | None:
    """``torch.empty((M, N))``, ``torch.empty(M, N)``, ``x.new_empty(M, N)``, ``x.view(-1, D)``."""
    if not isinstance(node, ast.Call):
        return None
    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
    if name not in ("empty", "zeros", "ones", "full", "view", "reshape", "randn", "rand", "new_empty", "new_zeros",
                    "new_ones", "new_full"):
        return None
    args = node.args[:-1] if name in ("full", "new_full") else node.args
    if len(args) == 1 and isinstance(args[0], (ast.Tuple, ast.List)):
        args = args[0].elts
    elif len(args) == 1 and not isinstance(args[0], (ast.Constant, ast.BinOp)) and not (
            isinstance(args[0], ast.Subscript) and not _is_shape(args[0].value)):
        return None  # torch.empty(shape), x.new_empty(y.shape): a whole shape, its rank unknown
    if not args or any(isinstance(a, ast.Starred) for a in args):
        return None
    return tuple(_source_text(a, source) for a in args)


def dtype_of(node: ast.expr) -> bool | None:
    """True when an expression is visibly an int64 tensor, False when visibly a
    narrower integer one, None when the host does not say."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        attr = node.func.attr
        if attr == "long":
            return True
        if attr == "int":
            return False
        if attr == "to":
            for a in list(node.args) + [k.value for k in node.keywords if k.arg == "dtype"]:
                d = _dtype_name(a)
                if d is not None:
                    return d in _INT64_DTYPES
        for k in node.keywords:
            if k.arg == "dtype":  # factories, cumsum(..., dtype=...), ...
                d = _dtype_name(k.value)
                if d is not None:
                    return d in _INT64_DTYPES if d in _INT64_DTYPES | _NARROW_DTYPES else None
        if attr in _RESHAPES:
            return dtype_of(node.func.value)  # a view keeps its tensor's element type
        return _default_int64(node, attr)
    if isinstance(node, ast.Attribute) and node.attr == "indices" and isinstance(node.value, ast.Call):
        return True  # x.topk(k).indices, x.sort().indices: int64
    return None


#: PyTorch ops whose integer results are int64 unless a dtype says otherwise
_INT64_RESULTS = {"arange", "randint", "nonzero", "argsort", "argmax", "argmin", "cumsum", "searchsorted",
                  "bincount", "multinomial", "randperm"}


def _default_int64(call: ast.Call, name: str) -> bool | None:
    """`torch.arange(n)`, `torch.tensor([0, 4, 8])`, `lens.cumsum(0)`: int64 by PyTorch's default."""
    if any(k.arg == "dtype" for k in call.keywords):
        return None  # a dtype we could not read
    if name in _INT64_RESULTS:
        floats = [a for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, float)]
        return True if not floats else None
    if name == "tensor" and call.args and isinstance(call.args[0], (ast.List, ast.Tuple)):
        elts = call.args[0].elts
        if elts and all(isinstance(e, ast.Constant) and type(e.value) is int for e in elts):
            return True
    return None


def _dtype_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Attribute) and _last_name(node.value) == "torch":
        return node.attr
    return None


#: calls that allocate a tensor
_CREATIONS = frozenset({"empty", "zeros", "ones", "full", "rand", "randn", "empty_strided", "new_empty", "new_zeros",
                        "new_ones", "new_full"}) | _SAME_SHAPE_FUNCTIONS


def _is_tensor_expr(node: ast.expr) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in _RESHAPES | _CREATIONS) or (
        isinstance(node, ast.Subscript) and isinstance(node.value, (ast.Name, ast.Attribute)))


def _base_tensor(node: ast.expr) -> str | None:
    while True:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) \
                and node.func.value.id == "torch":
            return None  # `torch.empty(...)`: a new tensor, named by what it is assigned to
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            node = node.func.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, (ast.Name, ast.Attribute)):
            return _last_name(node)
        else:
            return None


def _literal_int(node: ast.expr) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        v = _literal_int(node.operand)
        return -v if v is not None else None
    return None


def _last_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


_NOT_SIZES = {"triton", "cdiv", "META", "meta", "torch", "math", "min", "max", "int", "len", "next_power_of_2",
              "shape", "size", "stride", "numel", "self", "ceil", "div", "lambda"}


def _identifiers(node: ast.expr) -> list[str]:
    # the object a field is read from (`ctx.D`, `self.num_heads`, `config.hidden_size`)
    # holds the size; its own name (`ctx` is no context length) says nothing of it
    holders = {id(n.value) for n in ast.walk(node) if isinstance(n, ast.Attribute) and n.attr not in _NOT_SIZES}
    out = []
    for n in ast.walk(node):
        if id(n) in holders and isinstance(n, (ast.Name, ast.Attribute)):
            if isinstance(n, ast.Attribute):
                holders.add(id(n.value))
            continue
        if isinstance(n, ast.Name):
            out.append(n.id)
        elif isinstance(n, ast.Attribute):
            out.append(n.attr)
        elif isinstance(n, ast.Constant) and isinstance(n.value, str):
            out.append(n.value)  # META["BLOCK_M"]
    return [n for n in out if n not in _NOT_SIZES]


class _Source:
    """A file's lines, split once: the host's own text of an expression is sliced from
    them (``ast.get_source_segment`` splits the whole file on every call)."""

    def __init__(self, text: str):
        self.lines = source_lines(text, keepends=True)  # as Python counts them: a form feed is no break

    def segment(self, node: ast.expr) -> str | None:
        try:
            first, last = node.lineno - 1, node.end_lineno - 1
            start, end = node.col_offset, node.end_col_offset
        except AttributeError:
            return None
        if first < 0 or last >= len(self.lines) or end is None:
            return None
        # ast columns are UTF-8 byte offsets
        if first == last:
            return self.lines[first].encode()[start:end].decode(errors="replace")
        parts = [self.lines[first].encode()[start:].decode(errors="replace")]
        parts.extend(self.lines[first + 1:last])
        parts.append(self.lines[last].encode()[:end].decode(errors="replace"))
        return "".join(parts)


def _source_text(node: ast.expr, source: _Source | None) -> str:
    """The host's own text of an expression (its quotes and spelling), on one line."""
    segment = source.segment(node) if source is not None else None
    return " ".join(segment.split()) if segment else _unparse(node)


def _unparse(node: ast.expr) -> str:
    try:
        return " ".join(ast.unparse(node).split())
    except (ValueError, AttributeError, RecursionError):  # pragma: no cover
        return "..."
