"""The int-width analysis: a small abstract interpretation of each jit function.

It walks a kernel body statement by statement with an environment of abstract
:class:`~tritonlint.values.Value` s, following assignments, augmented
assignments, tuple unpacking, if/else joins, ``for`` over ``range`` /
``tl.range`` / ``tl.static_range``, ``while`` loops and calls into the other jit
functions of the module (analysed in the caller's context, so a helper that
returns ``i * stride`` is a finding when the caller passes a program id).

The typing follows ``triton-int-semantics.md`` (Triton 3.x; the target
version changes literal promotion and annotation handling). The result is a
:class:`~tritonlint.facts.Facts`: risky 32-bit operations with the addresses
they reach, late casts and narrowing casts. Rules turn facts into findings.
"""
from __future__ import annotations

import fnmatch
import re
import libcst as cst

from . import descriptors, int32_only, joins, mixed_sums, rng, sizes, static_paths, width_flags
from .bounds import FunctionBounds, clamp_kind, index_base
from .facts import Facts, LateCast, Narrowing, Operand, Risk, Use
from .kernels import ImportMap, JitFunction, ModuleKernels
from .launch_facts import KernelLaunches, LaunchIndex, bind_param, bind_program_id
from .static_paths import StaticPath
from .walk import contains, names, walk
from .values import (
    BLOCK_LITERAL_MAX,
    INDEX_ROLES,
    INT32_MAX,
    Role,
    Value,
    Width,
    arith_width,
    int_literal_width,
    join,
    merge_origin,
)

_MODULE = cst.Module(body=[])
_POINTER_NAME = re.compile(r"(^ptr$|_ptr$|Ptr$|_ptrs$|^ptrs$)")
_BLOCK_NAME = re.compile(r"^(BLOCK|BLK|TILE|NUM_WARPS|NUM_STAGES)|_BLOCK$|^B[A-Z0-9]{1,2}$|BLOCK_SIZE")

# language members whose result is their first argument's value
_PASSTHROUGH = frozenset(
    {
        "multiple_of", "max_contiguous", "max_constancy", "abs", "broadcast_to", "reshape",
        "view", "expand_dims", "trans", "permute", "ravel", "sum", "max", "min", "reduce",
        "cumsum", "cumprod", "flip", "sort", "broadcast", "squeeze", "unsqueeze",
        "assume_aligned", "debug_barrier",
    }
)
_FLOAT_FUNCS = frozenset(
    {
        "exp", "exp2", "log", "log2", "sqrt", "rsqrt", "sigmoid", "softmax", "dot", "sin", "cos",
        "fdiv", "div_rn", "erf", "tanh", "fma", "dot_scaled", "log1p",
    }
)
_SINK_FUNCS = frozenset(
    {
        "load", "store", "atomic_add", "atomic_max", "atomic_min", "atomic_and", "atomic_or",
        "atomic_xor", "atomic_xchg", "atomic_cas", "prefetch",
    }
)
_SHAPE_ARGS = {  # language call -> positional indexes / keywords that are shapes
    "arange": ((0, 1), ("start", "end")),
    "zeros": ((0,), ("shape",)),
    "full": ((0,), ("shape",)),
    "static_range": ((0, 1, 2), ()),
    "reshape": ((1, 2, 3), ("shape",)),
    "view": ((1, 2, 3), ("shape",)),
    "broadcast_to": ((1, 2, 3), ("shape",)),
    "make_block_ptr": ((4,), ("block_shape",)),
    "make_tensor_descriptor": ((3,), ("block_shape",)),
}
_DTYPES = {
    "int64": Width.I64, "uint64": Width.U64, "int32": Width.I32, "uint32": Width.U32,
    "int16": Width.I32, "int8": Width.I32, "uint16": Width.I32, "uint8": Width.I32,
    "int1": Width.BOOL, "float16": Width.FLOAT, "bfloat16": Width.FLOAT, "float32": Width.FLOAT,
    "float64": Width.FLOAT, "float8e4nv": Width.FLOAT, "float8e5": Width.FLOAT,
}
MAX_CALL_DEPTH = 4


_CODE_MEMO: dict[int, tuple[cst.CSTNode, str]] = {}


def code_of(node: cst.CSTNode) -> str:
    """Source text of a node, whitespace-normalised (used in messages and fingerprints).

    Memoised: the analysis asks for the same nodes on every loop pass and for every
    call of a helper."""
    hit = _CODE_MEMO.get(id(node))
    if hit is not None and hit[0] is node:
        return hit[1]
    if len(_CODE_MEMO) > 50_000:
        _CODE_MEMO.clear()
    text = _code_of(node)
    _CODE_MEMO[id(node)] = (node, text)
    return text


def _shallow(node: cst.BinaryOperation, most: int = 16) -> bool:
    """An arithmetic expression of at most ``most`` nested operations: a definition
    worth keeping to size an index (`t * TOPK + j`), not a generated sum of hundreds
    of terms, whose text would cost more than it says."""
    stack, seen = [node], 0
    while stack:
        n = stack.pop()
        if isinstance(n, cst.BinaryOperation):
            seen += 1
            if seen > most:
                return False
            stack.extend((n.left, n.right))
    return True


class Lazy:
    """Text of a node, rendered only if a message needs it (most values never
    reach a message, and rendering code is costly)."""

    __slots__ = ("prefix", "node")

    def __init__(self, prefix: str, node: cst.CSTNode):
        self.prefix = prefix
        self.node = node

    def __str__(self) -> str:
        return self.prefix + _clip(code_of(self.node))

    __format__ = lambda self, spec: format(str(self), spec)  # noqa: E731


def _code_of(node: cst.CSTNode) -> str:
    if isinstance(node, cst.BaseExpression) and node.lpar:
        node = node.with_changes(lpar=[], rpar=[])  # `(a * b)` reads as `a * b`
    text = _MODULE.code_for_node(node)
    return " ".join(text.split())


class _Frame:
    """Per-function state while interpreting one function body."""

    def __init__(self, fn: JitFunction, shape_names: set[str]):
        self.fn = fn
        self.shape_names = shape_names
        self.returns: list[Value] = []
        self.constexprs: set[str] = set()  # names of compile-time values (for static ifs)
        self.loop_entries: list[dict[str, Value]] = []
        self.launches: KernelLaunches | None = None  # the launches of the kernel being run
        self.bounds: FunctionBounds | None = None  # set by the analyzer, once per function node
        self.path = StaticPath()  # the constexpr branches being interpreted


class Analyzer:
    def __init__(self, module: cst.Module, mk: ModuleKernels, target: tuple[int, int] = (3, 0),
                 int64_pointers: tuple[str, ...] = (), launches: LaunchIndex | None = None,
                 path: str | None = None):
        self.module = module
        self.launches = launches
        self.path = path
        self.int64_pointers = int64_pointers
        self.mk = mk
        self.imports: ImportMap = mk.imports
        self.target = target
        self.facts = Facts()
        self._risk_by_node: dict[int, int] = {}
        #: the value each evaluated name had (by node), for the parts of composite indices
        self._name_values: dict[int, Value] = {}
        self._cast_by_node: dict[int, int] = {}
        self._narrow_by_node: dict[int, int] = {}
        self._next_id = 0
        self._frames: list[_Frame] = []
        self._globals = _module_int_constants(module)
        self._shape_cache: dict[int, set[str]] = {}
        self._ptr_cache: dict[int, set[str]] = {}
        self._bounds_cache: dict[int, FunctionBounds] = {}

    # ------------------------------------------------------------------ driver
    def run(self) -> Facts:
        # A helper that a kernel of this module calls is analysed at its calls, with
        # the caller's argument types; on its own it would be typed as if every
        # argument were an int32 kernel argument, which the callers may not pass.
        called = _called_helpers(self.mk)
        for fn in self.mk.kernels:
            if fn.name not in called:
                self.analyse_function(fn, None)
        return self.facts

    def analyse_function(self, fn: JitFunction, args: dict[str, Value] | None) -> Value:
        node = fn.node
        shape_names = self._shape_names(node)
        frame = _Frame(fn, shape_names)
        if id(node) not in self._bounds_cache:
            self._bounds_cache[id(node)] = FunctionBounds.of(node)
        frame.bounds = self._bounds_cache[id(node)]
        params = _all_params(node.params)
        if args is None:
            if self.launches is not None:
                frame.launches = self.launches.for_kernel(fn.name, [p.name.value for p in params], self.path)
        elif self._frames:
            frame.launches = self.frame.launches  # a helper runs in its caller's grid
        env: dict[str, Value] = {}
        pointer_names = self._pointer_names(node)
        for param in params:
            name = param.name.value
            self.facts.params.setdefault((fn.name, name), param)
            if args is not None and name in args:
                env[name] = args[name]
            else:
                env[name] = self._param_value(param, pointer_names, shape_names)
                if frame.launches is not None and args is None:
                    env[name] = bind_param(env[name], frame.launches.param(name))
            if self._annotation_kind(param.annotation.annotation if param.annotation else None) == "constexpr":
                frame.constexprs.add(name)
        self._frames.append(frame)
        try:
            self.exec_block(node.body.body, env)
        finally:
            self._frames.pop()
        if not frame.returns:
            return Value(Width.OTHER)
        joins.check_returns(self.facts, frame.returns, node)
        out = frame.returns[0]
        for r in frame.returns[1:]:
            out = join(out, r)
        return out

    @property
    def frame(self) -> _Frame:
        return self._frames[-1]

    # ------------------------------------------------------------ parameters
    def _param_value(self, param: cst.Param, pointer_names: set[str], shape_names: set[str]) -> Value:
        name = param.name.value
        ann = param.annotation.annotation if param.annotation is not None else None
        kind = self._annotation_kind(ann)
        origin = ((name, ""),)
        if kind == "constexpr":
            const = _int_value(param.default) if param.default is not None else None
            if isinstance(param.default, cst.Name) and param.default.value in ("True", "False", "None"):
                return Value(Width.OTHER, origin=((name, "constexpr flag"),))
            small = name in shape_names or bool(_BLOCK_NAME.search(name))
            what = "block-size constexpr" if small else "tl.constexpr parameter"
            return Value(
                Width.CONST,
                role=Role.SMALL if small else Role.STRIDE,
                const=None,  # a default can be overridden at launch: the value is not known
                bound=None,
                origin=((name, what + (f" (default {const})" if const is not None else "")),),
                constexpr_names=frozenset() if small else frozenset({name}),
                small_literal=small,
            )
        if kind in ("int64", "uint64"):
            if self.target >= (3, 0):
                w = Width.I64 if kind == "int64" else Width.U64
                return Value(w, role=Role.STRIDE, origin=((name, f"tl.{kind} parameter"),))
            return Value(Width.I32, role=Role.STRIDE, origin=((name, f"int argument (tl.{kind} annotation ignored before Triton 3.0)"),))
        if kind in ("int", "int32", "uint32"):
            w = Width.U32 if kind == "uint32" else Width.I32
            what = "`int` parameter (always int32 from Triton 3.4)" if kind == "int" else f"tl.{kind} parameter"
            if kind == "int" and self.target < (3, 4):
                what = "`int` parameter (int32 below 2**31; forced int32 from Triton 3.4)"
            return Value(w, role=Role.STRIDE, origin=((name, what),), int_annotated=frozenset({name}))
        if kind == "float":
            return Value(Width.FLOAT, origin=origin)
        if kind == "bool":
            return Value(Width.BOOL, origin=origin)
        if kind == "pointer" or name in pointer_names or _POINTER_NAME.search(name):
            return Value(Width.PTR, origin=((name, "pointer"),))
        return Value(Width.I32, role=Role.STRIDE, origin=((name, "int argument, int32 for values below 2**31"),))

    def _is_pointer_type(self, dtype_node) -> bool:
        return isinstance(dtype_node, cst.Call) and \
            (self.imports.language_member(dtype_node.func) or "").endswith("pointer_type")

    def _pointer_cast(self, pointer: Value, dtype_node) -> Value:
        """`p.to(tl.pointer_type(tl.int64))`: what its loads hold is the new element type."""
        if self._is_pointer_type(dtype_node) and dtype_node.args:
            w = _DTYPES.get(self._dtype_name(dtype_node.args[0].value) or "")
            if w is not None:
                return pointer.with_(int64_elements=w.is64, host=pointer.host or "cast to a pointer to int64"
                                     if w.is64 else pointer.host)
        return pointer

    def _annotation_kind(self, ann: cst.BaseExpression | None) -> str | None:
        if ann is None:
            return None
        if isinstance(ann, cst.SimpleString):
            text = ann.evaluated_value if isinstance(ann.evaluated_value, str) else ""
            text = text.split(".")[-1]
        else:
            q = self.imports.qualify(ann) or ""
            text = q.split(".")[-1]
        if text == "constexpr":
            return "constexpr"
        if text in ("int64", "uint64", "int32", "uint32", "int"):
            return text
        if text in ("float", "float32", "float16", "bfloat16"):
            return "float"
        if text in ("bool", "int1"):
            return "bool"
        if text in ("tensor", "pointer_type", "Tensor") or "ptr" in text.lower():
            return "pointer"
        return None

    # --------------------------------------------------------------- pre-passes
    def _shape_names(self, fn: cst.FunctionDef) -> set[str]:
        key = id(fn)
        if key not in self._shape_cache:
            collector = _ShapeCollector(self.imports)
            for node in walk(fn.body):
                if isinstance(node, cst.Call):
                    collector.visit_Call(node)
            self._shape_cache[key] = collector.names
        return self._shape_cache[key]

    def _pointer_names(self, fn: cst.FunctionDef) -> set[str]:
        key = id(fn)
        if key not in self._ptr_cache:
            self._ptr_cache[key] = set()  # a recursive helper sees no pointers of its own caller
            collector = _PointerCollector(self.imports)
            for node in walk(fn.body):
                if isinstance(node, cst.Call):
                    collector.visit_Call(node)
                    self._helper_pointer_args(node, collector)
                elif isinstance(node, cst.Assign):
                    collector.visit_Assign(node)
            self._ptr_cache[key] = collector.resolve()
        return self._ptr_cache[key]

    def _helper_pointer_args(self, call: cst.Call, collector: "_PointerCollector") -> None:
        """An argument passed where a jit helper of this module expects a pointer is
        a pointer here too (a kernel that only forwards ``inp`` to a helper)."""
        if not isinstance(call.func, cst.Name) or call.func.value not in self.mk.by_name:
            return
        helper = self.mk.by_name[call.func.value].node
        pointers = self._pointer_names(helper)
        params = _all_params(helper.params)
        pos = [a.value for a in call.args if a.keyword is None and not a.star]
        for param, arg in zip(params, pos):
            if param.name.value in pointers or _POINTER_NAME.search(param.name.value):
                collector.direct.update(_base_names(arg))
        for a in call.args:
            if a.keyword is not None and (a.keyword.value in pointers or _POINTER_NAME.search(a.keyword.value)):
                collector.direct.update(_base_names(a.value))

    # -------------------------------------------------------------- statements
    def exec_block(self, body, env: dict[str, Value]) -> None:
        for stmt in body:
            self.exec_stmt(stmt, env)

    def exec_stmt(self, stmt: cst.CSTNode, env: dict[str, Value]) -> None:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                self.exec_small(small, env)
        elif isinstance(stmt, cst.If):
            self.eval(stmt.test, env)
            static = self._is_static(stmt.test)
            condition = code_of(stmt.test) if static else None
            then_env = dict(env)
            with self.frame.path.branch(condition, True):
                self.exec_block(stmt.body.body, then_env)
            else_env = dict(env)
            if stmt.orelse is not None:
                with self.frame.path.branch(condition, False):
                    if isinstance(stmt.orelse, cst.If):
                        self.exec_stmt(stmt.orelse, else_env)
                    else:
                        self.exec_block(stmt.orelse.body.body, else_env)
            if not static:
                self._check_merge(then_env, else_env, stmt, None)
                _merge_into(env, then_env, else_env)
            else:
                _merge_static(env, then_env, else_env, self._selects_width(stmt.test))
        elif isinstance(stmt, cst.For):
            self.exec_for(stmt, env)
        elif isinstance(stmt, cst.While):
            self.eval(stmt.test, env)
            self._loop(stmt, env, lambda e: None)
        elif isinstance(stmt, cst.With):
            self.exec_block(stmt.body.body, env)
        elif isinstance(stmt, (cst.Try, cst.TryStar)):
            self.exec_block(stmt.body.body, env)
        elif isinstance(stmt, cst.SimpleStatementSuite):
            for small in stmt.body:
                self.exec_small(small, env)

    def exec_for(self, stmt: cst.For, env: dict[str, Value]) -> None:
        induction = self.loop_index_value(stmt.iter, env, stmt.target)

        def bind(e: dict[str, Value]) -> None:
            self.assign(stmt.target, induction, e, stmt)

        self._loop(stmt, env, bind)

    def _loop(self, stmt: cst.For | cst.While, env: dict[str, Value], bind) -> None:
        entry = dict(env)
        self.frame.loop_entries.append(entry)
        try:
            # Two passes: the second sees values carried around the back edge.
            current = dict(env)
            for _ in range(2):
                body_env = dict(current)
                bind(body_env)
                self.exec_block(stmt.body.body, body_env)
                if isinstance(stmt, cst.While):
                    self.eval(stmt.test, body_env)
                merged = dict(current)
                self._check_merge(current, body_env, stmt, current)
                _merge_into(merged, current, body_env)
                current = merged
        finally:
            self.frame.loop_entries.pop()
        env.clear()
        env.update(current)
        if stmt.orelse is not None:
            self.exec_block(stmt.orelse.body.body, env)

    def loop_index_value(self, it: cst.BaseExpression, env, target) -> Value:
        if not isinstance(it, cst.Call):
            self.eval(it, env)
            return Value(Width.OTHER)
        fname = self.imports.language_member(it.func)
        is_range = (isinstance(it.func, cst.Name) and it.func.value == "range") or fname == "range"
        args = [self.eval(a.value, env) for a in it.args if a.keyword is None]
        name = code_of(target)
        if fname == "static_range":
            bound = _max_bound(args[:2])
            # an unrolled loop counts what its bound names (`tl.static_range(TOPK)`: the
            # chosen experts), which sizes an index built from it
            positional = [a.value for a in it.args if a.keyword is None]
            stop = positional[1] if len(positional) > 1 else positional[0] if positional else None
            kind = sizes.kind_of_name(stop.value) if isinstance(stop, cst.Name) else None
            return Value(Width.CONST, role=Role.SMALL, bound=bound, origin=((name, "tl.static_range index"),),
                         small_literal=True, kind=kind)
        if not is_range:
            return Value(Width.OTHER)
        if not args:
            return Value(Width.OTHER)
        self._constrain(args, "a loop bound")
        if len(args) == 1:
            start, stop, step = None, args[0], None
        else:
            start, stop = args[0], args[1]
            step = args[2] if len(args) > 2 else None
        parts = [v for v in (start, stop, step) if v is not None]
        width = Width.CONST
        for v in parts:
            if v.width == Width.CONST:
                if v.const is not None:
                    lit = int_literal_width(v.const, self.target)
                    if abs(v.const) >= 2**32:
                        lit = Width.I64
                    elif v.const >= 2**31:
                        lit = Width.U32
                    width = arith_width(Value(width), Value(lit), self.target) if width != Width.CONST else lit
                continue
            width = v.width if width == Width.CONST else arith_width(Value(width), Value(v.width), self.target)
        if width == Width.CONST:
            width = Width.I32
        if stop.bound is not None and (start is None or start.bound is not None):
            role, bound = Role.SMALL, stop.bound
        elif stop.role == Role.SMALL:
            role, bound = Role.SMALL, None
        elif step is not None and step.role in (Role.SMALL, Role.STRIDE) and step.const != 1:
            role, bound = Role.COORD, None
        else:
            role, bound = Role.BLOCKIDX, None
        if start is not None and start.role in (Role.COORD, Role.FLAT):
            role = Role.COORD
        return Value(
            width,
            role=role,
            bound=bound,
            kind=stop.kind if stop.kind != "unit" else None,
            origin=((name, Lazy("loop index over ", it)),),
            risks=frozenset().union(*(v.risks for v in parts)),
            narrowed=frozenset().union(*(v.narrowed for v in parts)),
            guarded=any(v.guarded for v in parts),
        )

    def exec_small(self, small: cst.BaseSmallStatement, env: dict[str, Value]) -> None:
        if isinstance(small, cst.Assign):
            value = self.eval(small.value, env)
            acc = self._accumulation(small, small.targets[0].target, small.value, env) if len(small.targets) == 1 else None
            if acc is not None:
                value = acc
            for target in small.targets:
                self.assign(target.target, value, env, small, small.value)
        elif isinstance(small, cst.AnnAssign):
            if small.value is None:
                return
            value = self.eval(small.value, env)
            if self._annotation_kind(small.annotation.annotation) == "constexpr" and isinstance(small.target, cst.Name):
                name = small.target.value
                self.frame.constexprs.add(name)
                # a block size, or an alias of one (`VALID_BLOCK_H: tl.constexpr = BLOCK_H`)
                small_block = (name in self.frame.shape_names or bool(_BLOCK_NAME.search(name))
                               or (isinstance(small.value, cst.Name) and value.role == Role.SMALL))
                value = value.with_(
                    width=Width.CONST,
                    role=Role.SMALL if small_block else Role.STRIDE,
                    constexpr_names=frozenset() if small_block else frozenset({name}),
                    origin=((name, f"tl.constexpr = {code_of(small.value)}"),),
                    small_literal=small_block,
                )
            self.assign(small.target, value, env, small, small.value)
        elif isinstance(small, cst.AugAssign):
            self.exec_augassign(small, env)
        elif isinstance(small, cst.Expr):
            self.eval(small.value, env)
        elif isinstance(small, cst.Return):
            if small.value is not None:
                self.frame.returns.append(self.eval(small.value, env))
        elif isinstance(small, cst.Assert):
            self.eval(small.test, env)

    def exec_augassign(self, node: cst.AugAssign, env: dict[str, Value]) -> None:
        target = node.target
        rhs = self.eval(node.value, env)
        current = self.eval(target, env)
        op = type(node.operator).__name__.replace("Assign", "")
        if current.width == Width.PTR and op in ("Add", "Subtract"):
            self.sink(rhs, node, node, current)
            return
        acc = self._accumulation(node, target, node.value, env, rhs=rhs, op=op)
        value = acc if acc is not None else self.binop(op, current, rhs, node, target, node.value)
        if isinstance(target, cst.Name):
            env[target.value] = value

    def _accumulation(self, stmt, target, value_expr, env, rhs: Value | None = None, op: str | None = None) -> Value | None:
        """``off += stride`` (or ``off = off + stride``) inside a loop, on a variable that
        lives across iterations: the 32-bit sum grows with the trip count (TL006)."""
        if not isinstance(target, cst.Name) or not self.frame.loop_entries:
            return None
        name = target.value
        if op is None:
            if not (isinstance(value_expr, cst.BinaryOperation) and isinstance(value_expr.left, cst.Name)
                    and value_expr.left.value == name and isinstance(value_expr.operator, (cst.Add, cst.Subtract))):
                return None
            rhs = self.eval(value_expr.right, env)
            op = type(value_expr.operator).__name__
            value_expr = value_expr.right
        if op not in ("Add", "Subtract"):
            return None
        entry = self.frame.loop_entries[-1]
        if name not in entry or name not in env:
            return None
        current = env[name]
        if current.width == Width.PTR or not current.width.is_int:
            return None
        if rhs.role not in (Role.STRIDE, Role.FLAT) or rhs.width == Width.PTR:
            return None
        width = arith_width(current if current.width != Width.CONST else Value(Width.I32), rhs, self.target)
        if not width.maybe32:
            return None
        risk = self._risk(
            stmt,
            kind="accumulator",
            result=None,
            accumulator=name,
            stride=Operand(value_expr, rhs, code_of(value_expr)),
        )
        out = Value(
            width,
            role=Role.FLAT,
            origin=merge_origin(((name, "offset accumulated in a loop"),), rhs.origin),
            risks=current.risks | rhs.risks | {risk.id},
            narrowed=current.narrowed | rhs.narrowed,
        )
        risk.result = out
        return out

    def assign(self, target, value: Value, env, stmt, value_expr=None) -> None:
        if isinstance(target, cst.Name):
            if value_expr is not None and not isinstance(value_expr, (cst.Name, cst.Integer)) and value.width.is_int:
                value = value.with_(origin=merge_origin(((target.value, Lazy("= ", value_expr)),), value.origin))
                if isinstance(value_expr, cst.BinaryOperation) and _shallow(value_expr):
                    parts = self._parts(value_expr)
                    value = value.with_(definition=(code_of(value_expr), tuple(parts.items()) if parts else ()))
            env[target.value] = value
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = [e.value for e in target.elements]
            if isinstance(value_expr, (cst.Tuple, cst.List)) and len(value_expr.elements) == len(elements):
                # `a, b = x, y`: evaluate pairwise so each name keeps its own provenance
                values = [self.eval(e.value, env) for e in value_expr.elements]
                for t, v, e in zip(elements, values, value_expr.elements):
                    self.assign(t, v, env, stmt, e.value)
            else:
                parts = value.elements if value.elements is not None and len(value.elements) == len(elements) else None
                for i, t in enumerate(elements):
                    self.assign(t, parts[i] if parts else Value(Width.OTHER), env, stmt)

    # ------------------------------------------------------------- expressions
    def eval(self, node: cst.BaseExpression, env: dict[str, Value]) -> Value:
        if isinstance(node, cst.Integer):
            v = _int_value(node)
            small = v is not None and abs(v) <= BLOCK_LITERAL_MAX
            return Value(Width.CONST, role=Role.SMALL if small else Role.STRIDE, const=v,
                         bound=abs(v) if v is not None else None, small_literal=small)
        if isinstance(node, (cst.Float, cst.Imaginary)):
            return Value(Width.FLOAT)
        if isinstance(node, cst.Name):
            if node.value in env:
                value = env[node.value]
                self._name_values[id(node)] = value
                return value
            if node.value in ("True", "False"):
                return Value(Width.BOOL, const=int(node.value == "True"))
            if node.value in self._globals:
                c = self._globals[node.value]
                return Value(Width.CONST, role=Role.SMALL if abs(c) <= BLOCK_LITERAL_MAX else Role.STRIDE,
                             const=c, bound=abs(c), origin=((node.value, f"module constant {c}"),))
            return Value(Width.OTHER)
        if isinstance(node, cst.BinaryOperation):
            left = self.eval(node.left, env)
            right = self.eval(node.right, env)
            return self.binop(type(node.operator).__name__, left, right, node, node.left, node.right)
        if isinstance(node, cst.UnaryOperation):
            v = self.eval(node.expression, env)
            if isinstance(node.operator, cst.Not):
                return Value(Width.BOOL)
            if isinstance(node.operator, cst.Minus) and v.const is not None:
                return v.with_(const=-v.const)
            return v
        if isinstance(node, cst.Comparison):
            self.eval(node.left, env)
            for c in node.comparisons:
                self.eval(c.comparator, env)
            return Value(Width.BOOL)
        if isinstance(node, cst.BooleanOperation):
            self.eval(node.left, env)
            self.eval(node.right, env)
            return Value(Width.BOOL)
        if isinstance(node, cst.Subscript):
            return self.eval(node.value, env)  # x[:, None] keeps x's type
        if isinstance(node, cst.Call):
            return self.eval_call(node, env)
        if isinstance(node, cst.IfExp):
            self.eval(node.test, env)
            return join(self.eval(node.body, env), self.eval(node.orelse, env))
        if isinstance(node, (cst.Tuple, cst.List)):
            return Value(Width.OTHER, elements=tuple(self.eval(e.value, env) for e in node.elements))
        if isinstance(node, cst.Attribute):
            base = self.eval(node.value, env)
            if node.attr.value == "T":
                return base
            return Value(Width.OTHER)
        return Value(Width.OTHER)

    # ---------------------------------------------------------------- binops
    def binop(self, op: str, a: Value, b: Value, node, left_node, right_node) -> Value:
        if Width.PTR in (a.width, b.width):
            if a.width == Width.PTR and op in ("Add", "Subtract"):
                self.sink(b, node, node, a)
            elif b.width == Width.PTR and op == "Add":
                self.sink(a, node, node, b)
            p = a if a.width == Width.PTR else b
            return Value(Width.PTR, origin=p.origin, kind=p.kind, host=p.host, int64_elements=p.int64_elements,
                         tensor_name=p.tensor_name, tensor_elements=p.tensor_elements)
        width = arith_width(a, b, self.target)
        meta = dict(
            tensor=a.tensor or b.tensor,
            risks=a.risks | b.risks,
            narrowed=a.narrowed | b.narrowed,
            casts=a.casts | b.casts,
            loaded=a.loaded or b.loaded,
            guarded=a.guarded or b.guarded,
            int_annotated=frozenset(),
            constexpr_names=frozenset(),
            origin=merge_origin(a.origin, b.origin),
            kind=_carry_kind(a, b) if op in ("Add", "Subtract", "Multiply") else None,
        )
        if width == Width.FLOAT or width == Width.OTHER or op == "Divide":
            return Value(Width.FLOAT if width == Width.FLOAT or op == "Divide" else Width.OTHER, **meta)
        if op == "Multiply":
            return self.mul(a, b, width, node, left_node, right_node, meta)
        if op == "LeftShift" and b.const is not None and 0 <= b.const < 63:
            return self.mul(a, Value(Width.CONST, role=Role.SMALL if b.const <= 10 else Role.STRIDE,
                                     const=2 ** b.const, bound=2 ** b.const, small_literal=b.const <= 10),
                            width, node, left_node, right_node, meta)
        const = _fold(op, a.const, b.const)
        if op in ("Add", "Subtract"):
            bound = a.bound + b.bound if a.bound is not None and b.bound is not None else None
            role = max(a.role, b.role)
            if a.role == Role.OTHER or b.role == Role.OTHER:
                role = max(a.role, b.role) if Role.OTHER in (a.role, b.role) and max(a.role, b.role) != Role.FLAT else role
            return Value(width, role=role, const=const, bound=bound,
                         small_literal=a.small_literal and b.small_literal, **meta)
        if op == "FloorDivide" or op == "RightShift":
            role = {Role.FLAT: Role.COORD, Role.COORD: Role.BLOCKIDX}.get(a.role, a.role)
            return Value(width, role=role, const=const, bound=a.bound, **meta)
        if op == "Modulo":
            bound = None
            if b.const is not None:
                bound = abs(b.const) - 1
            elif b.bound is not None:
                bound = b.bound
            if a.bound is not None:
                bound = a.bound if bound is None else min(bound, a.bound)
            # `x % H` with a compile-time H is a small index (a head); `x % M` with a
            # runtime size is a coordinate along that dimension. Either way the
            # result is a fresh index: what was scaled before the modulo is not an offset.
            small = b.width == Width.CONST or b.role == Role.SMALL or bound is not None
            # `pid % num_heads`: an index over what the divisor counts
            divisor_kind = b.kind if b.kind != "unit" else None
            if divisor_kind is None and isinstance(right_node, cst.Name):
                divisor_kind = sizes.kind_of_name(right_node.value)
            meta.update(risks=b.risks, casts=b.casts, kind=divisor_kind)
            # a block index modulo a count is still a block index (`(pid % n) * BLOCK`)
            role = Role.SMALL if small else (Role.BLOCKIDX if a.role == Role.BLOCKIDX else Role.COORD)
            return Value(width, role=role, const=const, bound=bound, **meta)
        if op == "Power":
            return Value(width, role=max(a.role, b.role), const=const, **meta)
        # bitwise ops: keep the wider meaning, no new risk
        return Value(width, role=max(a.role, b.role), const=const, bound=None, **meta)

    def mul(self, a: Value, b: Value, width: Width, node, left_node, right_node, meta) -> Value:
        if a.const is not None and b.const is not None:
            c = a.const * b.const
            return Value(width, role=Role.SMALL if a.small_literal and b.small_literal else Role.STRIDE,
                         const=c, bound=abs(c), small_literal=a.small_literal and b.small_literal, **meta)
        if a.const == 1:
            return b
        if b.const == 1:
            return a
        bound = a.bound * b.bound if a.bound is not None and b.bound is not None else None
        if width == Width.CONST:
            small = a.role == Role.SMALL and b.role == Role.SMALL
            return Value(width, role=Role.SMALL if small else Role.STRIDE, bound=bound,
                         small_literal=a.small_literal and b.small_literal, **meta)
        # `tl.cdiv(n, C) * C` rounds n up to a multiple of C: it is n's size, not a product
        for x_node, y_node, x in ((left_node, right_node, a), (right_node, left_node, b)):
            if (isinstance(x_node, cst.Call) and self.imports.language_member(x_node.func) == "cdiv"
                    and len(x_node.args) == 2 and code_of(x_node.args[1].value) == code_of(y_node)):
                return x.with_(width=width, risks=meta["risks"], narrowed=meta["narrowed"])
        # A value that already went through a risky product (or a late cast) and is
        # scaled again was a coordinate: the flat offset is formed here, so this is
        # the product to report (`(bos * H + i_h) * K`, `tok * stride` after
        # `tok = BLOCK * chunk`), and a cast before it was in the right place.
        inner_risks: frozenset[int] = frozenset()
        inner_node = None
        for x, y, x_node in ((a, b, left_node), (b, a, right_node)):
            if (x.risks or x.casts) and not (y.risks or y.casts) and _scales(y):
                inner_risks, inner_node = x.risks, x_node
                for cid in x.casts:
                    self.facts.late_casts[cid].coordinate = True
                x2 = x.with_(risks=frozenset(), casts=frozenset(), role=Role.COORD)
                a, b = (x2, b) if x is a else (a, x2)
                meta.update(risks=y.risks, casts=y.casts)
                break
        # Which operand is the index (what grows with the problem size)?
        ra, rb = a.role, b.role
        if ra in INDEX_ROLES and rb in INDEX_ROLES:
            index_is_left = ra >= rb
            risky, role = True, Role.FLAT
        elif ra in INDEX_ROLES or rb in INDEX_ROLES:
            index_is_left = ra in INDEX_ROLES
            idx, other = (a, b) if index_is_left else (b, a)
            if other.role == Role.SMALL:
                if idx.role == Role.BLOCKIDX:
                    risky, role = False, Role.COORD  # pid * BLOCK: start of a block
                else:
                    risky, role = True, Role.FLAT  # coordinate * row size
            elif other.role == Role.STRIDE:
                risky, role = True, Role.FLAT
            else:
                risky, role = False, idx.role
        else:
            index_is_left = True
            risky = False
            if Role.OTHER in (ra, rb):
                role = Role.OTHER
            elif ra == Role.SMALL and rb == Role.SMALL:
                role = Role.SMALL
            else:
                role = Role.STRIDE
        if bound is not None and bound <= INT32_MAX:
            risky = False
            if role == Role.FLAT:
                role = Role.COORD
        if not width.maybe32:
            risky = False
        out = Value(width, role=role, bound=bound, **meta)
        if (not risky and role == Role.COORD and width.maybe32 and not (a.risks or b.risks)
                and (a.role == Role.BLOCKIDX or b.role == Role.BLOCKIDX)):
            # `pid * BLOCK`: the start of a block. A flat offset in a 1-D kernel when it
            # reaches an address unscaled (the opt-in TL007); a coordinate otherwise.
            idx_node, idx_val = (left_node, a) if a.role == Role.BLOCKIDX else (right_node, b)
            st_node, st_val = (right_node, b) if a.role == Role.BLOCKIDX else (left_node, a)
            start = self._risk(node, kind="block_start", result=out,
                               index=Operand(idx_node, idx_val, code_of(idx_node)),
                               stride=Operand(st_node, st_val, code_of(st_node)))
            out = out.with_(risks=out.risks | {start.id})
        if risky and not (a.risks or b.risks):
            idx_node, idx_val = (left_node, a) if index_is_left else (right_node, b)
            st_node, st_val = (right_node, b) if index_is_left else (left_node, a)
            idx_val = self._masked_index(idx_node, idx_val)
            risk = self._risk(node, kind="product", result=out,
                              index=Operand(idx_node, idx_val, code_of(idx_node), self._parts(idx_node)),
                              stride=Operand(st_node, st_val, code_of(st_node)))
            for n in a.narrowed | b.narrowed:
                risk.narrowings.add(n)
                self.facts.narrowings[n].feeds.add(risk.id)
            for rid in inner_risks:
                inner = self.facts.risks[rid]
                # within one expression, widen the innermost index (one edit makes the
                # whole chain int64); across a variable, widen the variable here
                if inner_node is not None and contains(inner_node, inner.node):
                    if rid not in risk.inner:
                        risk.inner.append(rid)
                    if risk.fix_index is None:
                        risk.fix_index = inner.fix_index or inner.index
            out = out.with_(risks=out.risks | {risk.id})
        elif inner_risks and width.maybe32:
            out = out.with_(risks=out.risks | inner_risks)  # not rescaled after all: keep them
        return out

    # ------------------------------------------------------------------ calls
    def eval_call(self, node: cst.Call, env) -> Value:
        func = node.func
        # method calls: x.to(dtype), x.sum(), ...
        if isinstance(func, cst.Attribute) and self.imports.language_member(func) is None:
            method = func.attr.value
            base_q = self.imports.qualify(func.value)
            if not (base_q and base_q.startswith("triton")):
                base = self.eval(func.value, env)
                # `x.to(tl.int64)` and the method form of tl.cast, `x.cast(tl.int64)`
                if method in ("to", "cast") and node.args:
                    dtype = node.args[0].value
                    for a in node.args:
                        if a.keyword is not None and a.keyword.value == "dtype":
                            dtype = a.value
                    return self.cast(node, base, func.value, dtype, env)
                values = [self.eval(a.value, env) for a in node.args]
                if base.width == Width.PTR and values and descriptors.is_method_access(node):
                    int32_only.note(self.facts, node, values[:1], descriptors.COORDINATE)  # desc.load([m, k])
                if method in _PASSTHROUGH or method in ("to",):
                    return base
                if method in _FLOAT_FUNCS:
                    return Value(Width.FLOAT)
                return base if base.width.is_int else Value(Width.OTHER)
        member = self.imports.language_member(func)
        if member is not None:
            return self.eval_language(member, node, env)
        if isinstance(func, cst.Name) and func.value in self.mk.by_name:
            return self.call_jit(self.mk.by_name[func.value], node, env)
        if isinstance(func, cst.Name) and func.value in ("min", "max", "int", "abs", "len"):
            if func.value in ("min", "max") and "min" not in self.mk.by_name and "max" not in self.mk.by_name:
                vals = [self.eval(a.value, env) for a in node.args]
                if vals and not all(v.width == Width.CONST for v in vals):
                    # inside a kernel, builtin min/max on tensors is tl.minimum/maximum
                    return self.eval_language("minimum" if func.value == "min" else "maximum", node, env)
            vals = [self.eval(a.value, env) for a in node.args]
            if vals and all(v.width == Width.CONST for v in vals):
                consts = [v.const for v in vals]
                c = None
                if None not in consts and func.value in ("min", "max"):
                    c = min(consts) if func.value == "min" else max(consts)
                return Value(Width.CONST, role=max(v.role for v in vals), const=c)
            if func.value == "abs" and vals:
                return vals[0]
            return Value(Width.OTHER)
        for a in node.args:
            self.eval(a.value, env)
        return Value(Width.OTHER)

    def _args(self, node: cst.Call) -> tuple[list[cst.BaseExpression], dict[str, cst.BaseExpression]]:
        pos = [a.value for a in node.args if a.keyword is None and not a.star]
        kw = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
        return pos, kw

    def eval_language(self, member: str, node: cst.Call, env) -> Value:
        pos, kw = self._args(node)
        arg = lambda i, name=None: pos[i] if len(pos) > i else kw.get(name) if name else None  # noqa: E731
        if member in ("program_id", "num_programs"):
            axis_node = arg(0, "axis")
            axis = _int_value(axis_node) if axis_node is not None else 0
            if member == "num_programs":
                # a count of blocks: a grid-stride loop (`row += num_programs`) walks coordinates
                return Value(Width.I32, role=Role.BLOCKIDX, origin=((f"num_programs({axis})", "grid size"),))
            pid = Value(Width.I32, role=Role.BLOCKIDX, bound=65535 if axis in (1, 2) else None, tensor=True,
                        origin=((f"program_id({axis})", f"program id, axis {axis}"),))
            if self.frame.launches is not None and axis is not None:
                pid = bind_program_id(pid, self.frame.launches.axis(axis))
            return pid
        if member == "arange":
            vals = [self.eval(p, env) for p in pos]
            bound = vals[1].const if len(vals) > 1 and vals[1].const is not None else None
            return Value(Width.I32, role=Role.SMALL, bound=bound, tensor=True, origin=(("tl.arange", "block of indices"),))
        if member in _SINK_FUNCS:
            ptr = arg(0, "pointer")
            for p in pos[1:]:
                self.eval(p, env)
            for k, v in kw.items():
                if k != "pointer":
                    self.eval(v, env)
            ptr_value = self.eval(ptr, env) if ptr is not None else None
            if member == "load":
                if ptr_value is not None and ptr_value.width == Width.PTR and ptr_value.int64_elements:
                    return Value(Width.I64, role=Role.COORD, loaded=True, tensor=True,
                                 origin=((f"tl.load@{id(node)}", f"loaded from an int64 tensor ({ptr_value.host})"),))
                wide = self._int64_pointer(ptr)
                if wide is not None:
                    return Value(Width.I64, role=Role.COORD, loaded=True, tensor=True,
                                 origin=((f"tl.load@{id(node)}", f"loaded through `{wide}`, int64 (int64-pointers)"),))
                return Value(Width.UNKNOWN, role=Role.COORD, loaded=True, tensor=True,
                             kind=ptr_value.kind if ptr_value is not None and ptr_value.width == Width.PTR else None,
                             origin=((f"tl.load@{id(node)}", Lazy("loaded from memory, int32 if the tensor holds int32: ", node)),))
            if member.startswith("atomic"):
                # an atomic returns the value it replaced: a slot claimed from a counter
                # (`dest = tl.atomic_add(next_row + e, 1)`) is an index like a loaded one
                if ptr_value is not None and ptr_value.width == Width.PTR and ptr_value.int64_elements:
                    return Value(Width.I64, role=Role.COORD, loaded=True, tensor=True,
                                 origin=((f"tl.{member}@{id(node)}", f"returned by tl.{member} on an int64 tensor"),))
                return Value(Width.UNKNOWN, role=Role.COORD, loaded=True, tensor=True,
                             origin=((f"tl.{member}@{id(node)}",
                                      Lazy(f"the value tl.{member} replaced, int32 if the tensor holds int32: ", node)),))
            return Value(Width.OTHER)
        if member == "make_block_ptr" or member in descriptors.MAKE:
            base = arg(0, "base")
            if base is not None:
                self.eval(base, env)
            shape = descriptors.shape_node(node)
            shape_value = None
            for i, p in enumerate(pos[1:], 1):
                v = self.eval(p, env)  # shape/strides are widened to int64 by Triton itself
                shape_value = v if p is shape else shape_value
                if member == "make_block_ptr" and i == 3:
                    int32_only.note(self.facts, node, [v], int32_only.BLOCK_POINTER_OFFSET)
            for k, v in kw.items():
                if k != "base":
                    value = self.eval(v, env)
                    shape_value = value if v is shape else shape_value
                    if k == "offsets":
                        int32_only.note(self.facts, node, [value], int32_only.BLOCK_POINTER_OFFSET)
            if member in descriptors.MAKE:
                # ... except a descriptor's shape, which is converted to int32 (TL008)
                self.facts.descriptor_shapes.setdefault(id(node), descriptors.DescriptorShape(
                    node, self.frame.fn, descriptors.dims(shape, shape_value)))
                return Value(Width.PTR, origin=((member, "tensor descriptor"),))
            return Value(Width.PTR, origin=((member, "block pointer"),))
        if member in descriptors.ACCESS:  # tl.load_tensor_descriptor(desc, [m, k])
            values = [self.eval(p, env) for p in pos] + [self.eval(v, env) for v in kw.values()]
            if len(pos) > 1:
                int32_only.note(self.facts, node, values[1:2], descriptors.COORDINATE)
            return Value(Width.OTHER)
        if member == "advance":
            for p in pos[1:]:
                int32_only.note(self.facts, node, [self.eval(p, env)], int32_only.BLOCK_POINTER_OFFSET)
            return self.eval(pos[0], env) if pos else Value(Width.PTR)
        if member == "cast":
            if not pos:
                return Value(Width.OTHER)
            dtype = arg(1, "dtype")
            value = self.eval(pos[0], env)
            if dtype is None:
                return value
            return self.cast(node, value, pos[0], dtype, env)
        if member in ("zeros", "full", "zeros_like", "full_like"):
            for p in pos:
                self.eval(p, env)
            dtype = kw.get("dtype") or (pos[2] if member == "full" and len(pos) > 2 else pos[1] if member == "zeros" and len(pos) > 1 else None)
            w = self._dtype_width(dtype)
            if w is None:
                return Value(Width.OTHER)
            fill = self.eval(pos[1], env) if member == "full" and len(pos) > 1 else Value(Width.CONST, const=0)
            return Value(w, role=Role.SMALL if fill.const == 0 else fill.role, const=None, tensor=True,
                         origin=((_clip(code_of(node)), f"{w.value} value"),))
        if member == "cdiv":
            vals = [self.eval(p, env) for p in pos]
            if len(vals) == 2:
                out = self.binop("FloorDivide", vals[0], vals[1], node, pos[0], pos[1])
                role = Role.STRIDE if vals[0].role in (Role.STRIDE, Role.SMALL) else out.role
                return out.with_(role=role)
            return Value(Width.OTHER)
        if member in ("minimum", "maximum", "where"):
            vals = [self.eval(p, env) for p in pos]
            if member == "where" and len(vals) == 3:
                vals = vals[1:]
            if len(vals) >= 2:
                a, b = vals[0], vals[1]
                w = arith_width(a, b, self.target)
                out = join(a, b).with_(width=w)
                if member == "minimum" and (a.bound is not None or b.bound is not None):
                    bounds = [x for x in (a.bound, b.bound) if x is not None]
                    out = out.with_(bound=min(bounds), role=Role.SMALL if min(bounds) <= 2**16 else out.role)
                elif member == "minimum" and Role.SMALL in (a.role, b.role):
                    out = out.with_(role=Role.SMALL)  # min(BLOCK, n - start) is at most a block
                if member == "minimum":
                    # `tl.minimum(k, K - 1)`: at most what the smaller side counts
                    kinds = [x.kind or clamp_kind(n) for x, n in ((a, pos[0]), (b, pos[1]))]
                    inner = [k for k in kinds if k is not None and k in sizes.NOUNS and not sizes.is_outer(k)]
                    if inner:
                        out = out.with_(kind=min(inner, key=lambda k: sizes.DEFAULTS[k]))
                return out
            return vals[0] if vals else Value(Width.OTHER)
        if member in _PASSTHROUGH:
            vals = [self.eval(p, env) for p in pos]
            for v in kw.values():
                self.eval(v, env)
            return vals[0] if vals else Value(Width.OTHER)
        if member in _FLOAT_FUNCS:
            for p in pos:
                self.eval(p, env)
            return Value(Width.FLOAT)
        if member == "constexpr":
            vals = [self.eval(p, env) for p in pos]
            return vals[0].with_(width=Width.CONST) if vals else Value(Width.OTHER)
        if rng.is_rng(member):  # a fix must not change the type of a random-number offset
            rng.note_offsets(self.facts, member, node, [(a.keyword.value if a.keyword else None, self.eval(a.value, env))
                                                        for a in node.args if not a.star])
            return Value(Width.OTHER)
        for p in pos:
            self.eval(p, env)
        for v in kw.values():
            self.eval(v, env)
        return Value(Width.OTHER)

    def _dtype_width(self, node: cst.BaseExpression | None) -> Width | None:
        if node is None:
            return None
        name = self._dtype_name(node)
        return _DTYPES.get(name) if name else None

    def _dtype_name(self, node: cst.BaseExpression) -> str | None:
        member = self.imports.language_member(node)
        if member is not None:
            return member
        if isinstance(node, cst.SimpleString) and isinstance(node.evaluated_value, str):
            return node.evaluated_value
        return None

    def cast(self, node: cst.Call, value: Value, operand: cst.BaseExpression, dtype_node, env) -> Value:
        if value.width == Width.PTR:
            return self._pointer_cast(value, dtype_node)
        if self._is_pointer_type(dtype_node):
            # an address loaded as an integer and cast back to a pointer (a table of
            # per-rank buffers, `tl.load(ptrs + r).to(tl.pointer_type(tl.int64))`):
            # a pointer whose loads hold what the pointer type says
            return self._pointer_cast(Value(Width.PTR, origin=value.origin), dtype_node)
        name = self._dtype_name(dtype_node)
        w = _DTYPES.get(name or "")
        if w is None:
            if isinstance(dtype_node, cst.Name) and dtype_node.value in self.frame.bounds.dtype_choices:
                # int64 or int32 as a constexpr flag of the host says: the int32
                # specialisation is the one the host picks for small sizes
                return value.with_(guarded=True, tensor=True)
            return value
        if w == Width.FLOAT or w == Width.BOOL:
            return Value(w)
        if w.is64:
            late = mixed_sums.late_risks(self.facts, value)  # a mixed sum: the product wrapped before it
            if late:
                key = id(node)
                if key not in self._cast_by_node:
                    cid = self._new_id()
                    self._cast_by_node[key] = cid
                    self.facts.late_casts[cid] = LateCast(cid, node, self.frame.fn, code_of(node), operand, name, late)
                cast = self.facts.late_casts[self._cast_by_node[key]]
                cast.risks = cast.risks | late
                for r in late:
                    if cast.id not in self.facts.risks[r].late_casts:
                        self.facts.risks[r].late_casts.append(cast.id)
            casts = frozenset({self._cast_by_node[id(node)]}) if id(node) in self._cast_by_node else frozenset()
            return value.with_(width=w, risks=frozenset(), narrowed=frozenset(), int_annotated=frozenset(),
                               constexpr_names=frozenset(), casts=value.casts | casts, tensor=True)
        # a 32-bit (or narrower) integer type
        narrows = value.width in (Width.I64, Width.U64, Width.UNKNOWN) or (w == Width.U32 and value.width != Width.U32)
        if value.width == Width.CONST:
            return value.with_(width=w, tensor=True)
        if not narrows:
            return value.with_(width=w, tensor=True)
        key = id(node)
        if key not in self._narrow_by_node:
            nid = self._new_id()
            self._narrow_by_node[key] = nid
            self.facts.narrowings[nid] = Narrowing(nid, node, self.frame.fn, code_of(node), name, dtype_node, value)
        nid = self._narrow_by_node[key]
        return value.with_(width=w, narrowed=value.narrowed | {nid}, tensor=True,
                           origin=merge_origin(((_clip(code_of(node)), f"narrowed to {name}"),), value.origin))

    def call_jit(self, fn: JitFunction, node: cst.Call, env) -> Value:
        pos, kw = self._args(node)
        values = [self.eval(p, env) for p in pos]
        kwvalues = {k: self.eval(v, env) for k, v in kw.items()}
        if len(self._frames) > MAX_CALL_DEPTH or any(f.fn is fn for f in self._frames):
            return Value(Width.OTHER)
        params = _all_params(fn.node.params)
        args: dict[str, Value] = {}
        for p, v in zip(params, values):
            args[p.name.value] = v
        for k, v in kwvalues.items():
            args[k] = v
        for p in params:
            if p.name.value not in args and p.default is not None:
                args[p.name.value] = self.eval(p.default, {})
                if self._annotation_kind(p.annotation.annotation if p.annotation else None) == "constexpr":
                    args[p.name.value] = args[p.name.value].with_(width=Width.CONST)
        return self.analyse_function(fn, args)

    def _selects_width(self, test: cst.BaseExpression) -> bool:
        """The constexpr test picks an index width for the tensor's size (width_flags)."""
        flags = [n.value for n in names(test) if n.value in self.frame.constexprs]
        launches = self.frame.launches
        facts = [launches.param(f) for f in flags] if launches is not None else []
        hosts = [f.text for f in facts if f is not None] if facts and all(facts) else []
        return width_flags.selects_width(flags, hosts)

    def _is_static(self, test: cst.BaseExpression) -> bool:
        """A condition on compile-time values only: each specialisation compiles
        one branch, so the branches need not agree on types."""
        for n in names(test):
            if n.value in ("True", "False", "None") or n.value in self._globals:
                continue
            if n.value not in self.frame.constexprs:
                return False
        return True

    def _int64_pointer(self, ptr: cst.BaseExpression | None) -> str | None:
        """The pointer's base name, if configured as pointing at int64 elements."""
        if ptr is None or not self.int64_pointers:
            return None
        for name in _base_names(ptr):
            if any(fnmatch.fnmatchcase(name, pattern) for pattern in self.int64_pointers):
                return name
        return None

    def _constrain(self, values, where: str) -> None:
        """Narrowed values that reach a place where int64 breaks compilation (a loop
        bound turns the loop index int64 and with it block-pointer offsets)."""
        for v in values:
            for nid in getattr(v, "narrowed", ()) or ():
                self.facts.narrowings[nid].constrained.append(where)
            for e in v.elements or ():
                self._constrain([e], where)

    def _check_merge(self, a: dict[str, Value], b: dict[str, Value], stmt, before: dict[str, Value] | None) -> None:
        """A variable that meets itself at an if/else join or a loop back edge must
        keep one type in Triton: ``joins`` records the fixes that would split it."""
        joins.check_envs(self.facts, a, b, stmt, before)

    # ----------------------------------------------------------------- facts
    def _masked_index(self, idx_node, idx_val: Value) -> Value:
        """An index the kernel compares below a dimension (`cols < N`, the mask of
        its loads) only addresses lanes below it: it runs over that dimension."""
        if idx_val.kind is not None:
            return idx_val
        base = index_base(idx_node)
        bound_node = self.frame.bounds.comparisons.get(base) if base else None
        if bound_node is None:
            return idx_val
        literal = _int_value(bound_node)
        if literal is not None:
            return idx_val.with_(kind=None, bound=literal if idx_val.bound is None else min(idx_val.bound, literal))
        kind = None
        if isinstance(bound_node, cst.Name):
            name = bound_node.value
            fact = self.frame.launches.param(name) if self.frame.launches is not None else None
            kind = fact.kind if fact is not None and fact.kind else sizes.kind_of_name(name)
        if kind is None or sizes.is_outer(kind):
            return idx_val
        return idx_val.with_(kind=kind, host=f"masked below `{code_of(bound_node)}`")

    def _parts(self, node: cst.CSTNode) -> dict[str, Value] | None:
        """The values of the names a composite index is built from (`i_t * 16 + i`):
        the verdict sizes each part by what the analysis knows of it (a bound, what
        its grid axis counts) as well as by its name. A name bound to two different
        values in the expression says nothing."""
        if isinstance(node, cst.Name):
            return None
        parts: dict[str, Value] = {}
        clashes: set[str] = set()
        for n in names(node):
            value = self._name_values.get(id(n))
            if value is None:
                continue
            if n.value in parts and parts[n.value] != value:
                clashes.add(n.value)
            parts[n.value] = value
        for name in clashes:
            del parts[name]
        return parts or None

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _risk(self, node, kind: str, result, **fields) -> Risk:
        key = id(node)
        if key in self._risk_by_node:
            return self.facts.risks[self._risk_by_node[key]]
        rid = self._new_id()
        self._risk_by_node[key] = rid
        risk = Risk(rid, kind, node, self.frame.fn, code_of(node), result, **fields)
        if self._frames:
            risk.made_under = self.frame.path.current()
        if self._frames and self.frame.launches is not None:
            risk.host_guard = self.frame.launches.guard
        self.facts.risks[rid] = risk
        return risk

    def sink(self, value: Value, node, use_node, pointer: Value | None = None) -> None:
        """``value`` becomes part of an address at ``use_node``, into ``pointer``'s tensor."""
        for cid in value.casts:
            self.facts.late_casts[cid].reaches_address = True
        here = self.frame.path.current() if self._frames else frozenset()
        for rid in value.risks:
            risk = self.facts.risks[rid]
            if static_paths.contradicts(risk.made_under, here):
                continue  # made for the other specialisation of a constexpr test
            if not any(u.node is use_node for u in risk.uses):
                risk.uses.append(Use(use_node, self.frame.fn, _clip(code_of(use_node)), pointer))


# ---------------------------------------------------------------- helpers
def _scales(v: Value) -> bool:
    """Multiplying by ``v`` turns a coordinate into an offset (a stride or size)."""
    return v.width.is_int and v.const != 1 and v.role in (Role.STRIDE, Role.SMALL) and not (
        v.const is not None and abs(v.const) <= 2)


def _clip(text: str, n: int = 72) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."


def _all_params(params: cst.Parameters) -> list[cst.Param]:
    return [*params.posonly_params, *params.params, *params.kwonly_params]


def _int_value(node) -> int | None:
    if isinstance(node, cst.Integer):
        try:
            return int(node.evaluated_value)
        except (TypeError, ValueError):
            return None
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        v = _int_value(node.expression)
        return -v if v is not None else None
    if isinstance(node, cst.BinaryOperation):
        a, b = _int_value(node.left), _int_value(node.right)
        return _fold(type(node.operator).__name__, a, b)
    return None


def _fold(op: str, a: int | None, b: int | None) -> int | None:
    if a is None or b is None:
        return None
    try:
        if op == "Add":
            return a + b
        if op == "Subtract":
            return a - b
        if op == "Multiply":
            return a * b
        if op == "FloorDivide" and b:
            return a // b
        if op == "Modulo" and b:
            return a % b
        if op == "Power" and 0 <= b < 128:
            return a**b
        if op == "LeftShift" and 0 <= b < 128:
            return a << b
        if op == "RightShift" and 0 <= b < 128:
            return a >> b
    except (OverflowError, ZeroDivisionError):
        return None
    return None


def _max_bound(vals: list[Value]) -> int | None:
    if not vals:
        return None
    last = vals[-1] if len(vals) <= 2 else vals[1]
    return last.const if last.const is not None else last.bound


def _merge_into(env: dict[str, Value], a: dict[str, Value], b: dict[str, Value]) -> None:
    for name in set(a) | set(b):
        if name in a and name in b:
            env[name] = join(a[name], b[name])
        else:
            env[name] = a.get(name) or b.get(name)


def _merge_static(env: dict[str, Value], a: dict[str, Value], b: dict[str, Value], picks_width: bool) -> None:
    """The join of a constexpr ``if``: each specialisation compiles one branch. A value
    64-bit in one branch only keeps the narrow branch's own provenance (not the
    definition of the other one). When the flag picks the width (``picks_width``,
    width_flags.py: the host selects the wide specialisation for large sizes) the
    narrow one is deliberately 32-bit and marked guarded; a flag that selects
    something else (``IS_VARLEN``) leaves it an ordinary int32 value."""
    for name in set(a) | set(b):
        if name in a and name in b:
            va, vb = a[name], b[name]
            if va.width.is_int and vb.width.is_int and va.width.is64 != vb.width.is64:
                narrow = vb if va.width.is64 else va
                env[name] = narrow.with_(guarded=True) if picks_width else narrow
            else:
                env[name] = join(va, vb)
        else:
            env[name] = a.get(name) or b.get(name)


def _carry_kind(a: Value, b: Value) -> str | None:
    """What a sum or block product runs over: the kind of its one index operand
    (`pid * BLOCK + tl.arange(0, BLOCK)` runs over what `pid`'s grid axis counts)."""
    if a.kind == b.kind:
        return a.kind
    for x, y in ((a, b), (b, a)):
        if x.kind is not None and x.kind != "unit" and y.kind is None and (y.role == Role.SMALL or y.const is not None):
            return x.kind
    return None


def _called_helpers(mk: ModuleKernels) -> set[str]:
    """Jit functions of the module that another jit function of it calls."""
    out: set[str] = set()
    for fn in mk.kernels:
        for node in walk(fn.node.body):
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Name):
                callee = node.func.value
                if callee in mk.by_name and callee != fn.name:
                    out.add(callee)
    return out


def _module_int_constants(module: cst.Module) -> dict[str, int]:
    """``BLOCK = 128`` / ``X = tl.constexpr(4)`` at module level."""
    out: dict[str, int] = {}
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
                    value = small.value
                    if isinstance(value, cst.Call) and value.args:
                        value = value.args[0].value
                    v = _int_value(value)
                    if v is not None:
                        out[small.targets[0].target.value] = v
    return out


class _ShapeCollector:
    """Names used as shapes (arange bounds, block shapes, static_range bounds):
    these constexprs are block sizes, never strides, and must stay constexpr."""

    def __init__(self, imports: ImportMap):
        self.imports = imports
        self.names: set[str] = set()

    def visit_Call(self, node: cst.Call) -> None:
        member = self.imports.language_member(node.func)
        if member not in _SHAPE_ARGS:
            return
        idxs, kws = _SHAPE_ARGS[member]
        pos = [a.value for a in node.args if a.keyword is None]
        targets = [pos[i] for i in idxs if i < len(pos)]
        targets += [a.value for a in node.args if a.keyword is not None and a.keyword.value in kws]
        for t in targets:
            for n in _names_in(t):
                self.names.add(n)


def _names_in(node: cst.CSTNode) -> list[str]:
    return [n.value for n in names(node)]


def _base_names(node: cst.BaseExpression) -> list[str]:
    """The names that an address expression is based on (``x + a*s`` -> ``x``)."""
    if isinstance(node, cst.Name):
        return [node.value]
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Add, cst.Subtract)):
        left = _base_names(node.left)
        return left if left else _base_names(node.right)
    if isinstance(node, cst.Subscript):
        return _base_names(node.value)
    if isinstance(node, cst.Call) and node.args:
        return _base_names(node.args[0].value)
    if isinstance(node, cst.IfExp):
        return _base_names(node.body) + _base_names(node.orelse)
    return []


class _PointerCollector:
    """Which names are pointers: bases of load/store/atomic/make_block_ptr
    arguments, followed back through ``p = base + off`` assignments."""

    def __init__(self, imports: ImportMap):
        self.imports = imports
        self.direct: set[str] = set()
        self.assigned: dict[str, set[str]] = {}

    def visit_Call(self, node: cst.Call) -> None:
        member = self.imports.language_member(node.func)
        desc = descriptors.receiver(node, self.imports)
        if desc is not None:  # `desc.load([m, k])`: a descriptor parameter is not an int
            self.direct.add(desc)
        if member in _SINK_FUNCS or member in ("make_block_ptr", "make_tensor_descriptor", "advance"):
            first = None
            for a in node.args:
                if a.keyword is None:
                    first = a.value
                    break
                if a.keyword.value in ("pointer", "base"):
                    first = a.value
                    break
            if first is not None:
                self.direct.update(_base_names(first))

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            if isinstance(t.target, cst.Name):
                self.assigned.setdefault(t.target.value, set()).update(_base_names(node.value))

    def resolve(self) -> set[str]:
        out = set(self.direct)
        frontier = list(out)
        while frontier:
            name = frontier.pop()
            for base in self.assigned.get(name, ()):
                if base not in out:
                    out.add(base)
                    frontier.append(base)
        return out
