"""The compiler oracle: what Triton itself does with the integers of a kernel.

What it is for
--------------
tritonlint decides *statically* (libcst, never importing user code) which
integer products in a Triton kernel are computed in 32 bits and end up in an
address.  This module asks the compiler the same question, so the tests can
check the linter against ground truth instead of against our own reading of
the typing rules (``/work/shared/docs/triton-int-semantics.md``):

1. ``load_kernels`` imports a Triton source file (with ``TRITON_INTERPRET``
   unset, so ``@triton.jit`` yields real ``JITFunction`` objects);
2. ``default_signature`` picks one specialisation per kernel (the signature the
   JIT would pick for ordinary arguments: small ints are ``i32``, ``tl.int64``
   annotations are ``i64``, pointers ``*fp32``, constexprs a default value);
3. ``compile_ttir`` runs Triton's own frontend (``ASTSource.make_ir``, the code
   generator that applies all of Triton's typing rules) for a CUDA sm_90 target.
   No GPU is needed.  By default we read the IR *as the frontend emits it*
   (stage ``"source"``, with ``sanitize_overflow`` off so the debug shadow
   arithmetic is not emitted): one op per source operation, every op
   annotated with ``loc("file":line:col)``.  ``stage="ttir"`` gives the
   optimised TTIR instead (after inlining, block-pointer rewrite,
   canonicalisation and CSE).  The source stage is the default because CSE
   merges identical products written on different lines (``pid * stride``
   on lines 12 and 17 become one ``arith.muli`` carrying only one of the two
   locations) and the block-pointer rewrite hides the ``offsets`` operands;
4. ``analyse_ttir`` parses that IR into a small def-use graph and runs a
   worklist dataflow over it to find:

   * ``offset_products``: ``arith.muli`` with a 32-bit result and at least one
     non-constant operand whose value reaches, through 32-bit integer ops
     only, the offset of ``tt.addptr`` or the offsets of
     ``tt.make_tensor_ptr`` / ``tt.advance`` / ``tt.descriptor_*``
     coordinates.  Each ``Site`` carries the kinds of sinks it reaches
     (``addptr``, ``addptr_increment`` (the base is a loop-carried pointer,
     ``ptrs += BLOCK * stride``), ``block_ptr_offset``, ``advance``,
     ``descriptor_coord``);
   * ``late_casts``: a 32-bit product that reaches ``arith.extsi/extui`` to a
     wider type (``(a * b).to(tl.int64)``, or the implicit promotion in
     ``pid * s + off64``): the product wrapped before the widening.  The
     frontend's own widening of ``make_block_ptr`` shapes/strides and
     descriptor strides is not counted (that value never becomes an address);
   * ``narrowing_casts``: ``arith.trunci`` to 32 bits whose result reaches an
     address through 32-bit ops (``idx.to(tl.int32)`` then ``* stride``);
   * ``offset_adds``: 32-bit ``addi``/``subi`` (not constant-only) reaching an
     address (informational);
   * ``accumulators``: a 32-bit ``scf.for``/``scf.while`` iter_arg updated by an
     ``addi``/``subi`` inside the loop (``off += stride``) whose value reaches an
     address; ``scaled`` says it only gets there through a multiply (a loop
     counter ``i += 1`` used as ``i * stride``).

   ``Site`` is (line, col, file) of the op as the compiler reports it.  Triton
   puts an op at the location of the *last operand it visited*, so
   ``pid * stride_h`` is located at ``stride_h``; ``Site.span`` is therefore
   mapped back to the source expression (the ``BinOp``/``Call`` whose last
   operand starts there), giving its first and last line for multi-line code.

What a match proves
-------------------
That, for the specialisation that was compiled, the compiler really computes
the flagged product in 32 bits and really uses it (or its wrapped value) as an
address; and, in the other direction, that every such product in the compiled
code is either flagged by the linter or explicitly waived in the fixture.

What it cannot prove (limits)
-----------------------------
* **A few specialisations, not all.** Triton types ints by value at launch
  (section 1 of the semantics doc): a stride >= 2**31 becomes ``i64`` and a
  stride equal to 1 becomes the constant 1.  ``default_signature`` gives the
  ordinary case (``i32``, not 1); ``overrides`` compiles others (tests do:
  ``{"stride": "i64"}``, ``{"stride": 1}``).  In the value-1 specialisation
  the frontend still emits ``arith.muli %pid, %c1_i32`` (reported, harmless);
  the TTIR canonicaliser folds it away.  ``oracle_sites`` compiles, per kernel,
  the default; a variant with every flag-like constexpr (``IS_*``, ``HAS_*``,
  ``USE_*``, bool defaults) True, so both sides of ``if IS_VARLEN:`` are
  seen; a variant with the index-like pointers (assumed ``*i32``) as ``*i64``,
  where ``.to(tl.int32)`` is a real narrowing; and each ``ORACLE_VARIANTS``
  entry; the findings are unioned ("in some specialisation the compiler does
  this").  A variant other than the default that fails to compile is recorded
  in ``notes``.  Code under other constexpr conditions is only seen for the
  values compiled; ``covered_lines`` says which lines produced any IR at all.
* **Pointer element types are assumptions.** ``tl.load(p)`` is i32 or i64
  depending on the torch dtype of ``p`` at launch; we guess ``*fp32``, or
  ``*i32`` for index-like names (``idx``, ``indices``, ``seqlens``, ``loc``,
  ``offsets``...) and for pointers whose loaded values are used in addresses,
  ``range`` or integer casts, unless ``ORACLE_SIGNATURE`` says otherwise.
* **The dataflow is an over-approximation on the IR**, not a value analysis:
  any 32-bit op propagates (including ``divsi``, ``andi``, ``select``,
  reductions); it does not know magnitudes (``pid * BLOCK`` that can never
  reach 2**31 is still reported, hence ``# oracle:`` waivers in fixtures).
  The ``scf.for`` induction variable is taken to depend on its lower bound and
  step, not on its upper bound.  Loads do not propagate from the pointer to the
  loaded value.  ``tt.int_to_ptr``, inline asm, ``tt.make_tensor_descriptor``
  shapes (truncated to i32) are not sinks; the shapes are reported apart, as
  ``descriptor_shapes`` (an i32 product, a truncated i64, an argument).  The ``extui``/``extsi`` that
  ``ptr + u32`` emits at the pointer add's own location is treated as part of
  the address, not as a late cast.  Calls are context-insensitive (a helper's
  product is reported if *any* call reaches an address) and reported at the
  helper's own lines.  Sites in other files (``triton.language.standard``) are
  dropped.  32-bit means the IR type ``i32``: MLIR integers are signless, so a
  ``tl.uint32`` product is an ``i32`` muli too (u32 cannot be told apart).
* **The interpreter is not used** (it ignores ``tl.int64`` annotations and
  never faults, section 6 of the semantics doc), and nothing is run on a GPU:
  this says what the generated code computes, not that a launch at 2**31
  elements crashes.
* The IR parser reads the textual MLIR that Triton 3.6's and 3.9's printers emit
  (3.9 locates an op at the start of its expression, 1-based: ``locations_at_start``) (one op
  per line, regions in braces, ``#loc`` aliases, ``%x:2`` result groups,
  generic ``"op"(...) ({...})`` forms).  It is not a general MLIR parser; it
  raises ``OracleParseError`` on lines it cannot read.
* **One Triton per run.** The installed release is the one compiled; CI runs the
  oracle tests under 3.6 (the test pin) and 3.9 (a second virtual environment,
  .ci/run).  A kernel that calls an API the release lacks (block pointers in 3.9,
  descriptors before 3.4; ``unsupported_api``) is not compiled there and its
  findings are left to the other run.

Fixture configuration (module-level dicts in the analysed file)
---------------------------------------------------------------
``ORACLE_CONSTEXPRS = {"kernel": {"PARAM": value}}``,
``ORACLE_POINTERS = {"kernel": ["param", ...]}``,
``ORACLE_SIGNATURE = {"kernel": {"param": "i64" | "*i64" | ...}}``,
``ORACLE_VARIANTS = {"kernel": [{"PARAM": value_or_type}, ...]}`` (extra
specialisations, as ``overrides``), ``ORACLE_SKIP = {"kernel": "reason"}``.

Public API
----------
``load_kernels``, ``default_signature``, ``compile_ttir``, ``analyse_ttir``,
``oracle_sites``, ``kernel_names``, and the result types ``Site``,
``LateCast``, ``NarrowingCast``, ``Accumulator``, ``OracleResult``.
"""
from __future__ import annotations

import ast
import contextlib
import hashlib
import importlib.util
import inspect
import itertools
import os
import re
import sys
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

__all__ = [
    "Site", "LateCast", "NarrowingCast", "Accumulator", "OracleResult", "OracleError",
    "OracleParseError", "load_kernels", "kernel_names", "default_signature",
    "compile_ttir", "analyse_ttir", "oracle_sites", "module_config",
]

DEFAULT_CONSTEXPR = 16
TARGET = ("cuda", 90, 32)
ADDRESS_SINKS = frozenset({"addptr", "addptr_increment", "block_ptr_offset", "advance",
                           "descriptor_coord"})


class OracleError(RuntimeError):
    """A kernel could not be loaded or compiled for the oracle."""


class OracleParseError(OracleError):
    """The IR text contained something this parser does not understand."""


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """Where the compiler put an op: 1-based line, 0-based column (Python's
    ``col_offset`` of the last operand visited), absolute file path.

    Equality and hashing use (line, col, file) only."""

    line: int
    col: int
    file: str
    name: str | None = field(default=None, compare=False)  # variable name (MLIR NameLoc)
    span: tuple[int, int] | None = field(default=None, compare=False)  # source expression lines
    sinks: frozenset = field(default=frozenset(), compare=False)  # address kinds reached
    callers: tuple = field(default=(), compare=False)  # call-site (file, line, col) chain

    @property
    def lines(self) -> range:
        """The source lines of the expression this op belongs to."""
        lo, hi = self.span or (self.line, self.line)
        return range(lo, hi + 1)

    def __str__(self) -> str:  # pragma: no cover - for messages
        return f"{os.path.basename(self.file)}:{self.line}:{self.col}"


@dataclass(frozen=True)
class LateCast:
    """A 32-bit product widened after the fact: ``site`` is the ``muli``,
    ``cast`` the ``extsi``/``extui``."""

    site: Site
    cast_line: int
    cast: Site
    reaches_address: bool  # the widened value is used as an address offset
    explicit: bool  # the cast is a ``.to(...)``/``tl.cast(...)`` call in the source


@dataclass(frozen=True)
class NarrowingCast:
    """``arith.trunci`` to 32 bits whose result reaches an address."""

    cast: Site
    sinks: frozenset


@dataclass(frozen=True)
class Accumulator:
    """A loop-carried 32-bit int updated by ``site`` (an addi/subi)."""

    site: Site
    loop: str  # "scf.for" or "scf.while"
    loop_site: Site | None
    carried: str  # SSA name of the iter_arg
    scaled: bool  # reaches an address only through a multiply/shift/division


@dataclass(frozen=True)
class DescriptorShape:
    """One shape operand of a ``tt.make_tensor_descriptor`` (``site``: the descriptor).

    ``how`` says what the compiler passes there, always as i32: ``product`` (an i32
    ``muli``), ``truncated`` (an ``arith.trunci`` of an i64 value), ``argument`` (an
    i32 kernel argument as is), ``constant``, or ``computed`` (any other i32 op)."""

    site: Site
    how: str
    dim: int


@dataclass
class OracleResult:
    kernel: str
    path: str
    offset_products: list[Site] = field(default_factory=list)
    late_casts: list[LateCast] = field(default_factory=list)
    narrowing_casts: list[NarrowingCast] = field(default_factory=list)
    offset_adds: list[Site] = field(default_factory=list)
    accumulators: list[Accumulator] = field(default_factory=list)
    covered_lines: set[int] = field(default_factory=set)  # lines of `path` that produced IR
    #: ``tt.make_tensor_descriptor`` shape operands: i32 by Triton's API, so a product
    #: (or an int64 value, truncated) there wraps silently past 2**31
    descriptor_shapes: list["DescriptorShape"] = field(default_factory=list)
    #: why this kernel was not compiled on this Triton (block pointers on 3.9), or None
    not_compiled: str | None = None
    #: the kernel's own source lines (to tell which findings a skipped kernel holds)
    source_lines: range = range(0)
    specialisations: list[tuple[dict, dict]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ttir: str = field(default="", repr=False)

    # convenience views -------------------------------------------------------------
    # The *_lines views give every source line of the expression (``Site.lines``),
    # so a multi-line ``a\n * b`` matches a finding reported on either line.
    def product_lines(self) -> set[int]:
        return {ln for s in self.offset_products for ln in s.lines}

    def late_cast_lines(self) -> set[int]:
        return {ln for c in self.late_casts for ln in c.cast.lines}

    def accumulator_lines(self) -> set[int]:
        return {ln for a in self.accumulators for ln in a.site.lines}

    def descriptor_shape_lines(self, hows=("product", "truncated")) -> set[int]:
        return {ln for d in self.descriptor_shapes if d.how in hows for ln in d.site.lines}

    def product(self, line: int) -> Site | None:
        return next((s for s in self.offset_products if s.line == line), None)

    def merge(self, other: "OracleResult") -> None:
        """Union another specialisation's findings into this one."""
        self.offset_products = _merge_sites(self.offset_products + other.offset_products)
        self.late_casts = _dedup(self.late_casts + other.late_casts)
        self.narrowing_casts = _dedup(self.narrowing_casts + other.narrowing_casts)
        self.offset_adds = _merge_sites(self.offset_adds + other.offset_adds)
        self.accumulators = _dedup(self.accumulators + other.accumulators)
        self.descriptor_shapes = _dedup(self.descriptor_shapes + other.descriptor_shapes)
        self.covered_lines |= other.covered_lines
        self.specialisations += other.specialisations
        self.notes += other.notes
        self.ttir = self.ttir + ("\n" if self.ttir else "") + other.ttir


def _dedup(items):
    seen, out = set(), []
    for it in items:
        if it not in seen:
            seen.add(it)
            out.append(it)
    return sorted(out, key=_sort_key)


def _sort_key(x):
    s = x.site if hasattr(x, "site") else (x.cast if hasattr(x, "cast") else x)
    return (s.file, s.line, s.col, repr(x))


def _merge_sites(sites: Iterable[Site]) -> list[Site]:
    by_key: dict[tuple, Site] = {}
    for s in sites:
        k = (s.file, s.line, s.col)
        old = by_key.get(k)
        if old is None:
            by_key[k] = s
        else:
            by_key[k] = Site(s.line, s.col, s.file, old.name or s.name, old.span or s.span,
                             old.sinks | s.sinks, old.callers or s.callers)
    return sorted(by_key.values(), key=lambda s: (s.file, s.line, s.col))


# --------------------------------------------------------------------------------------
# Loading kernels
# --------------------------------------------------------------------------------------

_LOAD_LOCK = threading.RLock()
_MODULE_CACHE: dict[tuple, object] = {}
_COUNTER = itertools.count()


@contextlib.contextmanager
def _no_interpreter():
    """TRITON_INTERPRET is read when the decorator runs: make sure it is off."""
    saved = os.environ.pop("TRITON_INTERPRET", None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ["TRITON_INTERPRET"] = saved


def _file_key(path: Path) -> tuple:
    st = path.stat()
    return (str(path), st.st_mtime_ns, st.st_size)


def _load_module(path) -> object:
    path = Path(path).resolve()
    key = _file_key(path)
    with _LOAD_LOCK:
        mod = _MODULE_CACHE.get(key)
        if mod is not None:
            return mod
        digest = hashlib.sha1(str(path).encode()).hexdigest()[:10]
        name = f"_oracle_{re.sub(r'[^0-9A-Za-z_]', '_', path.stem)}_{digest}_{next(_COUNTER)}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise OracleError(f"cannot import {path}")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        with _no_interpreter():
            try:
                spec.loader.exec_module(mod)
            except Exception as e:  # noqa: BLE001 - report any import failure
                sys.modules.pop(name, None)
                raise OracleError(f"importing {path} failed: {type(e).__name__}: {e}") from e
        _MODULE_CACHE[key] = mod
        return mod


def _unwrap(obj):
    """Autotuner.fn / Heuristics.fn chains down to the JITFunction (or None)."""
    from triton.runtime.jit import JITFunction

    chain = []
    seen = set()
    while obj is not None and id(obj) not in seen:
        seen.add(id(obj))
        if isinstance(obj, JITFunction):
            return obj, chain
        chain.append(obj)
        obj = getattr(obj, "fn", None)
    return None, chain


def load_kernels(path) -> dict[str, "JITFunction"]:  # noqa: F821
    """Import ``path`` and return its module-level JIT functions by name.

    ``triton.autotune``/``triton.heuristics`` wrappers are unwrapped.  Only
    functions defined in this file are returned (a ``JITFunction`` imported from
    elsewhere is skipped).  Helpers called by kernels are included; use
    ``kernel_names`` for the ones nobody calls."""
    from triton.runtime.jit import JITFunction  # noqa: F401

    mod = _load_module(path)
    out: dict[str, object] = {}
    for attr, obj in vars(mod).items():
        fn, _ = _unwrap(obj)
        if fn is None:
            continue
        if getattr(fn.fn, "__module__", None) != mod.__name__:
            continue
        name = fn.fn.__name__
        if name in out and out[name] is not fn:
            name = attr
        out[name] = fn
    # Sanity: the decorator produced compiled-mode functions, not interpreter ones.
    for name, fn in out.items():
        if type(fn).__name__ == "InterpretedFunction":  # pragma: no cover
            raise OracleError(f"{path}:{name} was decorated in interpreter mode")
    return out


def module_config(fn_or_path, name: str) -> dict:
    """A module-level ``ORACLE_*`` dict (empty when the file does not define it)."""
    if isinstance(fn_or_path, (str, os.PathLike)):
        g = vars(_load_module(fn_or_path))
    else:
        g = fn_or_path.fn.__globals__
    val = g.get(name) or {}
    if not isinstance(val, dict):
        raise OracleError(f"{name} must be a dict, got {type(val).__name__}")
    return val


def _called_names(fn) -> set[str]:
    tree = _fn_ast(fn)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name):
                names.add(f.id)
            elif isinstance(f, ast.Attribute):
                names.add(f.attr)
    return names


def kernel_names(path) -> list[str]:
    """JIT functions of ``path`` that no other JIT function of the file calls."""
    fns = load_kernels(path)
    called = set()
    for name, fn in fns.items():
        called |= {c for c in _called_names(fn) if c in fns and c != name}
    return [n for n in fns if n not in called]


# --------------------------------------------------------------------------------------
# Signatures
# --------------------------------------------------------------------------------------

_INT_POINTER_TOKENS = {"idx", "idxs", "index", "indices", "seqlen", "seqlens", "loc", "locs",
                       "offset", "offsets", "ids"}
_FLAG_PREFIXES = ("IS_", "HAS_", "USE_")
_POINTER_CALLS = {"load", "store", "make_block_ptr", "make_tensor_descriptor",
                  "_experimental_make_tensor_descriptor", "atomic_add", "atomic_max",
                  "atomic_min", "atomic_and", "atomic_or", "atomic_xor", "atomic_xchg",
                  "atomic_cas", "prefetch"}


def _fn_ast(fn) -> ast.FunctionDef:
    src = getattr(fn, "src", None) or inspect.getsource(fn.fn)
    import textwrap

    tree = ast.parse(textwrap.dedent(src))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return node
    raise OracleError(f"no function definition in source of {fn}")


def _is_pointer_name(name: str) -> bool:
    low = name.lower()
    return low.endswith("ptr") or low.endswith("ptrs")


def _pointer_dtype(name: str) -> str:
    tokens = [t for t in name.lower().split("_") if t]
    return "*i32" if any(t in _INT_POINTER_TOKENS for t in tokens) else "*fp32"


def _pointer_params(fn, _seen=None) -> set[str]:
    """Parameters used as the base of a load/store/atomic/block pointer (heuristic)."""
    return _pointer_roles(fn, _seen)[0]


def _call_name(node) -> str:
    f = node.func
    return f.attr if isinstance(f, ast.Attribute) else (f.id if isinstance(f, ast.Name) else "")


def _pointer_roles(fn, _seen=None) -> tuple[set[str], set[str]]:
    """(pointer params, pointer params whose loaded values are used as indices).

    A pointer is the base of ``tl.load/store/atomic_*/make_block_ptr``: the
    leftmost operand of ``x + a + b``, following simple local aliases
    (``p = x + off``) and calls into other JIT functions of the module.  A
    pointer holds indices (so it is typed ``*i32``, not ``*fp32``) when a value
    loaded through it is used inside an address, in ``range(...)``, or cast to
    an integer type."""
    _seen = set() if _seen is None else _seen
    if id(fn) in _seen:
        return set(), set()
    _seen.add(id(fn))
    params = list(fn.arg_names)
    tree = _fn_ast(fn)
    alias: dict[str, set[str]] = {p: {p} for p in params}

    def leftmost(e):
        while True:
            if isinstance(e, ast.BinOp) and isinstance(e.op, (ast.Add, ast.Sub)):
                e = e.left
            elif isinstance(e, ast.Call) and e.args and _call_name(e) in (
                    "multiple_of", "max_contiguous", "max_constancy"):
                e = e.args[0]
            else:
                return e

    def base_of(e) -> set[str]:
        e = leftmost(e)
        return set(alias.get(e.id, set())) if isinstance(e, ast.Name) else set()

    def address_of(call):
        if call.args:
            return call.args[0]
        return next((k.value for k in call.keywords if k.arg in ("pointer", "base", "ptr")), None)

    def loads_in(e) -> set[str]:
        out = set()
        for n in ast.walk(e):
            if isinstance(n, ast.Call) and _call_name(n) == "load":
                a = address_of(n)
                if a is not None:
                    out |= base_of(a)
        return out

    assigns = [n for n in ast.walk(tree) if isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign))]
    loaded: dict[str, set[str]] = defaultdict(set)  # local name -> pointers it was loaded from
    # Fixed point over assignments (loops can use names before their textual definition).
    for _ in range(4):
        for node in assigns:
            value = node.value
            if value is None:
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            names += [e.id for t in targets if isinstance(t, ast.Tuple) for e in t.elts
                      if isinstance(e, ast.Name)]
            # `ptrs += step` keeps the base of `ptrs`; `step` is not a pointer
            b = set() if isinstance(node, ast.AugAssign) else base_of(value)
            src = loads_in(value) | {p for n in ast.walk(value) if isinstance(n, ast.Name)
                                     for p in loaded.get(n.id, ())}
            for t in names:
                if b:
                    alias.setdefault(t, set()).update(b)
                if src:
                    loaded[t] |= src

    def loaded_in(e, skip=None) -> set[str]:
        out = set()
        for n in ast.walk(e):
            if n is skip:
                continue
            if isinstance(n, ast.Name):
                out |= loaded.get(n.id, set())
        return out | loads_in(e)

    pointers: set[str] = set()
    index_ptrs: set[str] = set()
    g = fn.fn.__globals__
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        fname = _call_name(node)
        if fname in _POINTER_CALLS:
            first = address_of(node)
            if first is not None:
                pointers |= base_of(first)
                lm = leftmost(first)
                index_ptrs |= {p for p in loaded_in(first, skip=lm)} - (
                    loads_in(lm) if isinstance(lm, ast.Call) else set())
        elif fname in ("range", "static_range") or (
                fname in ("to", "cast") and any(
                    isinstance(a, ast.Attribute) and re.fullmatch(r"u?int\d+", a.attr)
                    for a in [*node.args, *(k.value for k in node.keywords)])):
            target = node.func.value if fname == "to" and isinstance(node.func, ast.Attribute) else node
            index_ptrs |= loaded_in(target)
        callee = None
        if isinstance(node.func, ast.Name):
            callee, _ = _unwrap(g.get(node.func.id))
        if callee is not None:
            cptr, cidx = _pointer_roles(callee, _seen)
            for i, a in enumerate(node.args):
                if i < len(callee.arg_names):
                    if callee.arg_names[i] in cptr:
                        pointers |= base_of(a)
                    if callee.arg_names[i] in cidx:
                        index_ptrs |= base_of(a)
            for k in node.keywords:
                if k.arg in cptr:
                    pointers |= base_of(k.value)
                if k.arg in cidx:
                    index_ptrs |= base_of(k.value)
    ps = set(params)
    return pointers & ps, index_ptrs & ps


def _autotune_kwargs(fn) -> dict:
    """Constexpr values from the first ``triton.Config`` of an autotune wrapper."""
    for obj in list(fn.fn.__globals__.values()):
        inner, chain = _unwrap(obj)
        if inner is not fn:
            continue
        for w in chain:
            configs = getattr(w, "configs", None)
            if configs:
                return dict(getattr(configs[0], "kwargs", {}) or {})
    return {}


def _is_flag(param) -> bool:
    name = param.name
    return name.startswith(_FLAG_PREFIXES) or (param.has_default and isinstance(param.default, bool))


def default_signature(fn, overrides: dict | None = None) -> tuple[dict, dict]:
    """The ``(signature, constexprs)`` an ordinary launch would compile.

    constexpr parameters get, in order of precedence: ``overrides``, the
    file's ``ORACLE_CONSTEXPRS[kernel]``, the parameter default, the first
    autotune ``Config``, ``False`` for flag names (``IS_*``/``HAS_*``/``USE_*``),
    else 16.  Other parameters: ``ORACLE_SIGNATURE[kernel]`` or ``overrides``
    (a type string such as ``"i64"``, ``"*fp32"``); a non-string override
    specialises the parameter to that constant (for example ``{"stride": 1}``,
    the value-1 specialisation).  Pointers: names ending in ``ptr``, listed in
    ``ORACLE_POINTERS[kernel]``, or used as a load/store base; their dtype is
    ``*i32`` for index-like names, else ``*fp32``.  Ints: the annotation
    (``tl.int64`` -> i64, ``int`` -> i32) else i32.
    """
    overrides = dict(overrides or {})
    name = fn.fn.__name__
    oc = dict(module_config(fn, "ORACLE_CONSTEXPRS").get(name, {}))
    osig = dict(module_config(fn, "ORACLE_SIGNATURE").get(name, {}))
    optr = set(module_config(fn, "ORACLE_POINTERS").get(name, []))
    known = set(fn.arg_names)
    for src, d in (("overrides", overrides), ("ORACLE_CONSTEXPRS", oc), ("ORACLE_SIGNATURE", osig)):
        unknown = set(d) - known
        if unknown:
            raise OracleError(f"{src} for {name} names unknown parameters {sorted(unknown)}")
    unknown = optr - known
    if unknown:
        raise OracleError(f"ORACLE_POINTERS for {name} names unknown parameters {sorted(unknown)}")
    tuned = _autotune_kwargs(fn)
    heuristic_ptrs = index_ptrs = None
    signature: dict[str, str] = {}
    constexprs: dict[str, object] = {}
    for p in fn.params:
        n = p.name
        if p.is_constexpr:
            if n in overrides:
                v = overrides[n]
            elif n in oc:
                v = oc[n]
            elif p.has_default:
                v = p.default
            elif n in tuned:
                v = tuned[n]
            elif _is_flag(p):
                v = False
            else:
                v = DEFAULT_CONSTEXPR
            signature[n] = "constexpr"
            constexprs[n] = v
            continue
        if n in overrides and not isinstance(overrides[n], str):
            signature[n] = "constexpr"  # value specialisation (e.g. stride == 1)
            constexprs[n] = overrides[n]
            continue
        if n in overrides:
            signature[n] = overrides[n]
            continue
        if n in osig:
            if isinstance(osig[n], str):
                signature[n] = osig[n]
            else:
                signature[n], constexprs[n] = "constexpr", osig[n]
            continue
        ann = p.annotation_type
        if ann:
            signature[n] = ann
            continue
        if heuristic_ptrs is None:
            heuristic_ptrs, index_ptrs = _pointer_roles(fn)
        if n in optr or _is_pointer_name(n) or n in heuristic_ptrs:
            signature[n] = "*i32" if n in index_ptrs else _pointer_dtype(n)
            continue
        if p.has_default:
            d = p.default
            if d is None:
                signature[n], constexprs[n] = "constexpr", None
            elif isinstance(d, bool):
                signature[n] = "u1"
            elif isinstance(d, float):
                signature[n] = "fp32"
            elif isinstance(d, int):
                signature[n] = "i32" if -2**31 <= d < 2**31 else "i64"
            else:
                signature[n] = "i32"
            continue
        signature[n] = "i32"
    return signature, constexprs


# --------------------------------------------------------------------------------------
# Compiling
# --------------------------------------------------------------------------------------

_COMPILE_CACHE: dict[tuple, str] = {}
_COMPILE_LOCK = threading.Lock()


def _freeze(d: dict) -> tuple:
    return tuple(sorted((k, repr(v)) for k, v in d.items()))


def compile_ttir(path, kernel_name: str, signature: dict | None = None,
                 constexprs: dict | None = None, *, overrides: dict | None = None,
                 stage: str = "source") -> str:
    """Compile one kernel of ``path`` and return its IR text (with locations).

    ``signature``/``constexprs`` default to ``default_signature(fn, overrides)``;
    a partial ``constexprs`` is merged over the defaults.  ``stage`` is
    ``"source"`` (frontend IR, default) or ``"ttir"`` (after Triton's TTIR
    pass pipeline).  Results are cached per (file contents, kernel, spec)."""
    if stage not in ("source", "ttir"):
        raise ValueError(f"stage must be 'source' or 'ttir', not {stage!r}")
    fns = load_kernels(path)
    if kernel_name not in fns:
        raise OracleError(f"{path} has no JIT function {kernel_name!r} (found {sorted(fns)})")
    fn = fns[kernel_name]
    dsig, dcx = default_signature(fn, overrides)
    if signature is not None:
        dsig = dict(signature)
        dcx = {k: v for k, v in dcx.items() if dsig.get(k) == "constexpr"}
    for k, v in (constexprs or {}).items():
        dsig[k] = "constexpr"
        dcx[k] = v
    key = (_file_key(Path(path).resolve()), kernel_name, _freeze(dsig), _freeze(dcx), stage)
    with _COMPILE_LOCK:
        hit = _COMPILE_CACHE.get(key)
    if hit is not None:
        return hit
    text = _compile(fn, dsig, dcx, stage)
    with _COMPILE_LOCK:
        _COMPILE_CACHE[key] = text
    return text


def _source_class(fn):
    """Gluon kernels (``@gluon.jit``, a ``JITFunction`` subclass) go through Gluon's own
    frontend, which types integers with the same semantic layer as triton.language."""
    from triton.compiler import ASTSource

    try:
        from triton.experimental.gluon._runtime import GluonASTSource, GluonJITFunction
    except ImportError:  # pragma: no cover - a Triton without Gluon
        return ASTSource
    return GluonASTSource if isinstance(fn, GluonJITFunction) else ASTSource


def _compile(fn, signature: dict, constexprs: dict, stage: str) -> str:
    from triton._C.libtriton import ir
    from triton.backends.compiler import GPUTarget
    from triton.compiler.compiler import make_backend

    target = GPUTarget(*TARGET)
    try:
        src = _source_class(fn)(fn, signature=signature, constexprs=constexprs)
        backend = make_backend(target)
        # sanitize_overflow=False: do not emit the debug-mode i64 shadow arithmetic
        # (extsi of every i32 operand), which is dead code without debug=True.
        # num_warps: Gluon kernels state their layouts for 4 warps (the default).
        options = backend.parse_options({"sanitize_overflow": False, "num_warps": 4})
        context = ir.context()
        ir.load_dialects(context)
        backend.load_dialects(context)
        with _no_interpreter():
            module = src.make_ir(target, options, backend.get_codegen_implementation(options),
                                 backend.get_module_map(), context)
            if stage == "ttir":
                stages: dict = {}
                backend.add_stages(stages, options, src.language)
                module = stages["ttir"](module, {})
        return str(module)
    except Exception as e:  # noqa: BLE001
        msg = str(e).strip().splitlines()
        raise OracleError(
            f"compiling {fn.fn.__name__} with signature {signature} constexprs {constexprs} "
            f"failed: {type(e).__name__}: {' | '.join(msg[-6:])}") from e


# --------------------------------------------------------------------------------------
# Parsing the IR text
# --------------------------------------------------------------------------------------

_REF = r"%[A-Za-z0-9_$.\-]+(?:#\d+)?"
_REF_RE = re.compile(_REF)
_LHS_RE = re.compile(r"^((?:%[A-Za-z0-9_$.\-]+(?::\d+)?)(?:\s*,\s*%[A-Za-z0-9_$.\-]+(?::\d+)?)*)\s*=\s*")
_OPNAME_RE = re.compile(r'^(?:"([^"]+)"|([A-Za-z_][\w.]*))')
_ALIAS_RE = re.compile(r"^(#[A-Za-z0-9_$.\-]+)\s*=\s*(loc\(.*\))\s*$")
_FOR_RE = re.compile(
    r"^(?:unsigned\s+)?(%[\w$.\-]+)\s*=\s*(" + _REF + r")\s+to\s+(" + _REF + r")\s+step\s+(" + _REF + r")"
    r"(?:\s+iter_args\((.*?)\))?\s*(?:->\s*(\(.*?\)|[^\s:]+))?\s*:\s*(\S+)\s*\{$")
_WHILE_RE = re.compile(r"^\((.*?)\)\s*:\s*\((.*?)\)\s*->\s*(.*?)\s*\{$")
_IF_RE = re.compile(r"^(" + _REF + r")\s*(?:->\s*(\(.*?\)|\S+))?\s*\{$")
_CALL_RE = re.compile(r'^@("[^"]+"|[\w.$\-]+)\((.*?)\)\s*:\s*(.*)$')
_FUNC_RE = re.compile(r'^tt\.func\s+(?:(?:public|private|nested)\s+)?@("[^"]+"|[\w.$\-]+)\((.*)$')
_BLOCK_RE = re.compile(r"^\^[\w]+(?:\((.*)\))?:")

_INT_RE = re.compile(r"^(?:tensor<(?:[\d?]+x)*)?(u?i)(\d+)(?:>|,|$)")


def _int_width(ty: str) -> int | None:
    """Bit width of an integer (or tensor-of-integer) type, else None."""
    m = _INT_RE.match(ty.strip())
    return int(m.group(2)) if m else None


def _is_int32(ty: str) -> bool:
    return _int_width(ty) == 32


def _is_int(ty: str) -> bool:
    w = _int_width(ty)
    return w is not None and w > 1


def _mask_strings(s: str) -> str:
    """Replace the inside of "..." literals by underscores (same length)."""
    return re.sub(r'"(?:[^"\\]|\\.)*"', lambda m: '"' + "_" * (len(m.group()) - 2) + '"', s)


def _depths(s: str) -> list[int]:
    """Bracket depth at each character ((), [], {}, <>), `->` not counted."""
    masked = _mask_strings(s).replace("->", "~~")
    out, d = [], 0
    for ch in masked:
        if ch in "([{<":
            out.append(d)
            d += 1
        elif ch in ")]}>":
            d -= 1
            out.append(d)
        else:
            out.append(d)
    return out


def _split_top(s: str, sep: str = ",") -> list[str]:
    dep = _depths(s)
    parts, start = [], 0
    i = 0
    while i < len(s):
        if dep[i] == 0 and s.startswith(sep, i):
            parts.append(s[start:i])
            i += len(sep)
            start = i
            continue
        i += 1
    parts.append(s[start:])
    return [p.strip() for p in parts if p.strip()]


def _rfind_top(s: str, token: str) -> int:
    dep = _depths(s)
    masked = _mask_strings(s)
    i = masked.rfind(token)
    while i >= 0 and dep[i] != 0:
        i = masked.rfind(token, 0, i)
    return i


def _split_loc(line: str) -> tuple[str, str | None]:
    """Split a trailing ``loc(...)`` off an op line."""
    masked = _mask_strings(line)
    if not masked.rstrip().endswith(")"):
        return line, None
    i = masked.rfind(" loc(")
    while i >= 0:
        # check that the paren opened at i+4 closes at the end
        depth = 0
        for j in range(i + 4, len(masked.rstrip())):
            c = masked[j]
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
                if depth == 0:
                    break
        if depth == 0 and j == len(masked.rstrip()) - 1:
            return line[:i], line[i + 1:].strip()
        i = masked.rfind(" loc(", 0, i)
    return line, None


# --- locations ------------------------------------------------------------------------

class _LocParser:
    """Recursive descent over MLIR location syntax."""

    def __init__(self, s: str):
        self.s, self.i = s, 0

    def ws(self):
        while self.i < len(self.s) and self.s[self.i] in " \t":
            self.i += 1

    def eat(self, tok: str) -> bool:
        self.ws()
        if self.s.startswith(tok, self.i):
            self.i += len(tok)
            return True
        return False

    def expect(self, tok: str):
        if not self.eat(tok):
            raise OracleParseError(f"expected {tok!r} at {self.i} in location {self.s!r}")

    def string(self) -> str:
        self.ws()
        m = re.compile(r'"((?:[^"\\]|\\.)*)"').match(self.s, self.i)
        if not m:
            raise OracleParseError(f"expected a string at {self.i} in {self.s!r}")
        self.i = m.end()
        return m.group(1)

    def loc(self):
        """`loc(...)` or a bare alias."""
        self.ws()
        if self.s.startswith("#", self.i):
            return self.alias()
        self.expect("loc(")
        node = self.inner()
        self.expect(")")
        return node

    def alias(self):
        m = re.compile(r"#[A-Za-z0-9_$.\-]+").match(self.s, self.i)
        if not m:
            raise OracleParseError(f"bad alias at {self.i} in {self.s!r}")
        self.i = m.end()
        return ("ref", m.group())

    def inner(self):
        self.ws()
        s = self.s
        if s.startswith("#", self.i):
            return self.alias()
        if s.startswith("loc(", self.i):
            return self.loc()
        if self.eat("unknown"):
            return ("unknown",)
        if self.eat("callsite("):
            callee = self.inner()
            self.expect("at")
            caller = self.inner()
            self.expect(")")
            return ("callsite", callee, caller)
        if self.eat("fused"):
            if self.eat("<"):
                depth = 1
                while depth and self.i < len(s):
                    depth += {"<": 1, ">": -1}.get(s[self.i], 0)
                    self.i += 1
            self.expect("[")
            kids = [self.inner()]
            while self.eat(","):
                kids.append(self.inner())
            self.expect("]")
            return ("fused", kids)
        if s.startswith('"', self.i):
            text = self.string()
            if self.eat(":"):
                m = re.compile(r"(\d+):(\d+)").match(s, self.i)
                if not m:
                    raise OracleParseError(f"bad file location in {s!r}")
                self.i = m.end()
                m2 = re.compile(r"\s+to\s+(?:\d+)?:\d+").match(s, self.i)  # ranges
                if m2:
                    self.i = m2.end()
                return ("file", text, int(m.group(1)), int(m.group(2)))
            if self.eat("("):
                child = self.inner()
                self.expect(")")
                return ("name", text, child)
            return ("name", text, None)
        raise OracleParseError(f"cannot parse location at {self.i} in {s!r}")


@dataclass(frozen=True)
class _Where:
    file: str
    line: int
    col: int
    name: str | None
    callers: tuple


class _Locations:
    def __init__(self):
        self.aliases: dict[str, object] = {}
        self.memo: dict[str, _Where | None] = {}

    def define(self, alias: str, text: str):
        p = _LocParser(text)
        self.aliases[alias] = p.loc()

    def parse(self, text: str | None):
        if text is None:
            return ("unknown",)
        return _LocParser(text).loc()

    def resolve(self, node, _depth=0) -> _Where | None:
        if _depth > 200:
            raise OracleParseError("location alias cycle")
        kind = node[0]
        if kind == "ref":
            alias = node[1]
            if alias not in self.memo:
                if alias not in self.aliases:
                    raise OracleParseError(f"undefined location alias {alias}")
                self.memo[alias] = None
                self.memo[alias] = self.resolve(self.aliases[alias], _depth + 1)
            return self.memo[alias]
        if kind == "file":
            return _Where(node[1], node[2], node[3], None, ())
        if kind == "name":
            if node[2] is None:
                return None
            w = self.resolve(node[2], _depth + 1)
            if w is None:
                return None
            return _Where(w.file, w.line, w.col, w.name or node[1], w.callers)
        if kind == "callsite":
            callee = self.resolve(node[1], _depth + 1)
            caller = self.resolve(node[2], _depth + 1)
            if callee is None:
                return caller
            chain = ((caller.file, caller.line, caller.col),) + caller.callers if caller else ()
            return _Where(callee.file, callee.line, callee.col, callee.name, callee.callers + chain)
        if kind == "fused":
            for k in node[1]:
                w = self.resolve(k, _depth + 1)
                if w is not None:
                    return w
            return None
        return None


# --- ops and values ---------------------------------------------------------------------

@dataclass
class _Val:
    id: int
    name: str
    type: str
    op: int | None = None  # defining op
    owner: int | None = None  # block argument: op whose region declares it
    region: int = -1
    index: int = -1  # position among that region's block arguments


@dataclass
class _Op:
    idx: int
    name: str
    func: str | None
    parent: int | None
    region: int
    text: str
    operands: list[int] = field(default_factory=list)
    groups: list[list[int]] = field(default_factory=list)  # operands inside each [...]
    results: list[int] = field(default_factory=list)
    result_names: list[str] = field(default_factory=list)
    result_types: list[str] = field(default_factory=list)
    regions: list[list[int]] = field(default_factory=list)  # block args per region
    children: list[list[int]] = field(default_factory=list)  # ops directly in each region
    callee: str | None = None
    loc: object = ("unknown",)
    where: _Where | None = None


@dataclass
class _Frame:
    op: int
    region: int
    scope: dict


class _IR:
    """The parsed module: values, ops, functions, locations."""

    def __init__(self, text: str):
        self.values: list[_Val] = []
        self.ops: list[_Op] = []
        self.funcs: dict[str, int] = {}  # func name -> op index
        self.locs = _Locations()
        self.stack: list[_Frame] = []
        self._parse(text)
        for op in self.ops:
            op.where = self.locs.resolve(op.loc)

    # -- helpers -------------------------------------------------------------------
    def new_value(self, name, ty, **kw) -> int:
        v = _Val(len(self.values), name, ty.strip(), **kw)
        self.values.append(v)
        if self.stack:
            self.stack[-1].scope[name] = v.id
        return v.id

    def lookup(self, ref: str, lineno: int) -> int:
        for fr in reversed(self.stack):
            if ref in fr.scope:
                return fr.scope[ref]
        raise OracleParseError(f"line {lineno}: use of undefined value {ref}")

    def refs(self, text: str, lineno: int) -> list[int]:
        return [self.lookup(r, lineno) for r in _REF_RE.findall(_mask_strings(text))]

    def groups(self, text: str, lineno: int) -> list[list[int]]:
        masked = _mask_strings(text)
        return [[self.lookup(r, lineno) for r in _REF_RE.findall(g)]
                for g in re.findall(r"\[([^\[\]]*)\]", masked)]

    def cur_func(self) -> str | None:
        for fr in reversed(self.stack):
            if self.ops[fr.op].name == "tt.func":
                return self.ops[fr.op].callee
        return None

    def new_op(self, name: str, text: str) -> _Op:
        parent = self.stack[-1].op if self.stack else None
        region = self.stack[-1].region if self.stack else 0
        op = _Op(len(self.ops), name, self.cur_func(), parent, region, text)
        self.ops.append(op)
        if parent is not None:
            pop = self.ops[parent]
            while len(pop.children) <= region:
                pop.children.append([])
            pop.children[region].append(op.idx)
        return op

    def push_region(self, op: _Op, region: int, args: list[tuple[str, str]]):
        self.stack.append(_Frame(op.idx, region, {}))
        while len(op.regions) <= region:
            op.regions.append([])
        for name, ty in args:
            vid = self.new_value(name, ty, owner=op.idx, region=region, index=len(op.regions[region]))
            op.regions[region].append(vid)

    @staticmethod
    def parse_typed_args(text: str) -> list[tuple[str, str]]:
        """`%a: i32 loc(...), %b: f32` -> [(name, type)]."""
        out = []
        for part in _split_top(text):
            body, _ = _split_loc(" " + part)
            m = re.match(r"\s*(%[\w$.\-]+)\s*:\s*(.*)$", body)
            if m:
                out.append((m.group(1), m.group(2).strip()))
        return out

    def define_results(self, op: _Op, lhs: str, types: list[str]):
        names = []
        for part in lhs.split(","):
            part = part.strip()
            m = re.match(r"^(%[\w$.\-]+)(?::(\d+))?$", part)
            if not m:
                raise OracleParseError(f"bad result list {lhs!r}")
            if m.group(2):
                names += [f"{m.group(1)}#{k}" for k in range(int(m.group(2)))]
            else:
                names.append(m.group(1))
        op.result_names = names
        types = list(types) + [types[-1] if types else "?"] * (len(names) - len(types))
        for n, t in zip(names, types):
            op.results.append(self.new_value(n, t, op=op.idx))
        op.result_types = types[:len(names)]

    def set_result_types(self, op: _Op, types: list[str]):
        op.result_types = types
        for vid, t in zip(op.results, types):
            self.values[vid].type = t.strip()

    # -- parsing -------------------------------------------------------------------
    def _parse(self, text: str):
        for lineno, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("//"):
                continue
            try:
                self._line(line, lineno)
            except OracleParseError:
                raise
            except Exception as e:  # noqa: BLE001
                raise OracleParseError(f"line {lineno}: {e}: {line}") from e
        if self.stack:
            raise OracleParseError("unbalanced regions at end of IR")

    def _line(self, line: str, lineno: int):
        m = _ALIAS_RE.match(line)
        if m and not self.stack:
            self.locs.define(m.group(1), m.group(2))
            return
        if line.startswith("#"):  # other attribute aliases
            return
        if line.startswith("}"):
            self._close(line, lineno)
            return
        if line.startswith("^"):
            m = _BLOCK_RE.match(line)
            if not m:
                raise OracleParseError(f"line {lineno}: bad block label {line}")
            fr = self.stack[-1]
            op = self.ops[fr.op]
            for name, ty in self.parse_typed_args(m.group(1) or ""):
                vid = self.new_value(name, ty, owner=op.idx, region=fr.region,
                                     index=len(op.regions[fr.region]))
                op.regions[fr.region].append(vid)
            return
        if line.startswith("module"):
            op = self.new_op("builtin.module", line)
            self.push_region(op, 0, [])
            return
        if line.startswith("tt.func"):
            self._func(line, lineno)
            return
        self._op(line, lineno)

    def _func(self, line: str, lineno: int):
        m = _FUNC_RE.match(line)
        if not m:
            raise OracleParseError(f"line {lineno}: bad function header {line}")
        name = m.group(1).strip('"')
        rest = m.group(2)
        depth, end = 1, None
        masked = _mask_strings(rest)
        for j, c in enumerate(masked):
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
                if depth == 0:
                    end = j
                    break
        params = self.parse_typed_args(rest[:end])
        op = self.new_op("tt.func", line)
        op.callee = name
        self.funcs[name] = op.idx
        if line.rstrip().endswith("{"):
            self.push_region(op, 0, params)
        else:
            op.regions.append([self.new_value(n, t, owner=op.idx, region=0, index=i)
                               for i, (n, t) in enumerate(params)])

    def _close(self, line: str, lineno: int):
        if not self.stack:
            raise OracleParseError(f"line {lineno}: unbalanced '}}'")
        fr = self.stack.pop()
        op = self.ops[fr.op]
        rest = line[1:].strip()
        body, loc = _split_loc(" " + rest)
        body = body.strip()
        if body.endswith("{"):  # `} else {`, `} do {`, `}, {`
            self.push_region(op, fr.region + 1, [])
            return
        if body.startswith(")") and op.results:  # generic form `}) : (...) -> types`
            sig = body[1:].strip()
            if sig.startswith(":"):
                self.set_result_types(op, _types_after(sig[1:].strip(), len(op.results)))
        if loc is not None:
            op.loc = self.locs.parse(loc)

    def _op(self, line: str, lineno: int):
        body, loc = _split_loc(line)
        body = body.strip()
        lhs = None
        m = _LHS_RE.match(body)
        if m:
            lhs = m.group(1)
            body = body[m.end():]
        m = _OPNAME_RE.match(body)
        if not m:
            raise OracleParseError(f"line {lineno}: no op name in {line}")
        name = m.group(1) or m.group(2)
        rest = body[m.end():].strip()
        opens = rest.endswith("{")
        op = self.new_op(name, line)
        if loc is not None:
            op.loc = self.locs.parse(loc)

        if name == "scf.for":
            fm = _FOR_RE.match(rest)
            if not fm:
                raise OracleParseError(f"line {lineno}: cannot read scf.for header {line}")
            iv, lb, ub, step, iters, rtypes, ivty = fm.groups()
            inits, carried = [], []
            for part in _split_top(iters or ""):
                a, b = [x.strip() for x in part.split("=", 1)]
                carried.append(a)
                inits.append(b)
            types = _unparen(rtypes) if rtypes else []
            op.operands = [self.lookup(r, lineno) for r in (lb, ub, step, *inits)]
            if lhs:
                self.define_results(op, lhs, types)
            self.push_region(op, 0, [(iv, ivty)] + list(zip(carried, types)))
            return
        if name == "scf.while":
            wm = _WHILE_RE.match(rest)
            if not wm:
                raise OracleParseError(f"line {lineno}: cannot read scf.while header {line}")
            pairs = [[x.strip() for x in p.split("=", 1)] for p in _split_top(wm.group(1))]
            argtypes = _split_top(wm.group(2))
            op.operands = [self.lookup(b, lineno) for _, b in pairs]
            if lhs:
                self.define_results(op, lhs, _unparen(wm.group(3)))
            self.push_region(op, 0, [(a, t) for (a, _), t in zip(pairs, argtypes)])
            return
        if name == "scf.if":
            im = _IF_RE.match(rest)
            if not im:
                raise OracleParseError(f"line {lineno}: cannot read scf.if header {line}")
            op.operands = [self.lookup(im.group(1), lineno)]
            if lhs:
                self.define_results(op, lhs, _unparen(im.group(2)) if im.group(2) else [])
            self.push_region(op, 0, [])
            return
        if name == "tt.call":
            cm = _CALL_RE.match(rest)
            if not cm:
                raise OracleParseError(f"line {lineno}: cannot read tt.call {line}")
            op.callee = cm.group(1).strip('"')
            op.operands = self.refs(cm.group(2), lineno)
            if lhs:
                self.define_results(op, lhs, _types_after(cm.group(3), None))
            return

        # generic op
        if opens:  # `"tt.reduce"(%x) <{...}> ({` : operands before the region
            head = rest[:-1].rstrip()
            if head.endswith("("):
                head = head[:-1]
            op.operands = self.refs(head, lineno)
            op.groups = self.groups(head, lineno)
            if lhs:
                self.define_results(op, lhs, [])
            self.push_region(op, 0, [])
            return
        op.operands = self.refs(rest, lineno)
        op.groups = self.groups(rest, lineno)
        if lhs:
            self.define_results(op, lhs, _result_types(name, rest, lhs.count(",") + 1))


def _unparen(t: str) -> list[str]:
    t = t.strip()
    if t.startswith("(") and t.endswith(")"):
        t = t[1:-1]
    return _split_top(t)


def _types_after(sig: str, n: int | None) -> list[str]:
    """Result types of a `(operand types) -> result types` or `type` signature."""
    i = _rfind_top(sig, "->")
    if i >= 0:
        return _unparen(sig[i + 2:])
    return _split_top(sig)


def _result_types(name: str, rest: str, nres: int) -> list[str]:
    i = _rfind_top(rest, " : ")
    if i < 0:
        if name == "arith.constant":
            return ["i1"] if rest.split()[0] in ("true", "false") else ["?"]
        return ["?"] * nres
    sig = rest[i + 3:].strip()
    if name in ("arith.cmpi", "arith.cmpf"):
        return ["i1"]
    if _rfind_top(sig, "->") >= 0:
        return _types_after(sig, nres)
    j = _rfind_top(sig, " to ")
    if j >= 0:
        return [sig[j + 4:].strip()]
    types = _split_top(sig)
    if name == "arith.select":
        return [types[-1]]
    return types[:1] * max(nres, 1) if nres <= 1 else types[:nres]


# --------------------------------------------------------------------------------------
# Dataflow
# --------------------------------------------------------------------------------------

_TERMINATORS = {"scf.yield", "scf.condition", "tt.return", "tt.reduce.return", "tt.scan.return"}
_WIDEN = {"arith.extsi", "arith.extui"}
_SCALING = {"arith.muli", "arith.divsi", "arith.divui", "arith.remsi", "arith.remui",
            "arith.shli", "arith.shrsi", "arith.shrui", "arith.andi", "arith.ceildivsi",
            "arith.floordivsi"}
_CONST_FORWARD = {"tt.splat", "tt.broadcast", "tt.expand_dims", "tt.reshape", "arith.bitcast",
                  "arith.extsi", "arith.extui", "arith.trunci", "arith.addi", "arith.subi",
                  "arith.muli", "arith.divsi", "arith.remsi"}


class _Flow:
    """Def-use graph over the parsed IR: value -> values its value flows into."""

    def __init__(self, ir: _IR):
        self.ir = ir
        self.succ: dict[int, list[tuple[int, int]]] = defaultdict(list)  # v -> [(w, via op)]
        self.sinks: dict[int, list[tuple[str, int]]] = defaultdict(list)  # v -> [(kind, op)]
        self.casts: dict[int, list[int]] = defaultdict(list)  # v -> [extsi/extui op]
        self.users: dict[int, list[tuple[int, str]]] = defaultdict(list)  # v -> [(op, role)]
        self.returns: dict[str, list[list[int]]] = defaultdict(list)
        self._build()

    def edge(self, v: int, w: int, via: int):
        self.succ[v].append((w, via))

    def _terms(self, op: _Op, region: int) -> list[_Op]:
        if region >= len(op.children):
            return []
        return [self.ir.ops[i] for i in op.children[region]
                if self.ir.ops[i].name in _TERMINATORS]

    def _build(self):
        ir = self.ir
        for op in ir.ops:
            for k, v in enumerate(op.operands):
                self.users[v].append((op.idx, op.name))
        for op in ir.ops:
            n = op.name
            if n == "tt.func":
                for t in self._terms(op, 0):
                    if t.name == "tt.return":
                        self.returns[op.callee].append(t.operands)
                continue
            if n in _TERMINATORS or n == "builtin.module":
                continue
            if n == "tt.addptr":
                base, off = op.operands[0], op.operands[1]
                kind = "addptr_increment" if self._loop_carried_ptr(base) else "addptr"
                self.sinks[off].append((kind, op.idx))
                continue
            if n == "tt.make_tensor_ptr":
                if len(op.groups) >= 3:
                    for v in op.groups[2]:
                        self.sinks[v].append(("block_ptr_offset", op.idx))
                    for role, g in (("shape", op.groups[0]), ("stride", op.groups[1])):
                        for v in g:
                            self.users[v].append((op.idx, "implicit:" + role))
                continue
            if n == "tt.advance":
                for v in op.operands[1:]:
                    self.sinks[v].append(("advance", op.idx))
                continue
            if n == "tt.make_tensor_descriptor":
                for g in op.groups:
                    for v in g:
                        self.users[v].append((op.idx, "implicit:descriptor"))
                continue
            if n.startswith("tt.descriptor_"):
                coords = op.groups[0] if op.groups else []
                for v in coords:
                    self.sinks[v].append(("descriptor_coord", op.idx))
                continue
            if n in _WIDEN and op.operands and _is_int32(ir.values[op.operands[0]].type) and \
                    (_int_width(op.result_types[0] if op.result_types else "") or 0) > 32:
                self.casts[op.operands[0]].append(op.idx)
                continue
            if n == "scf.for":
                lb, ub, step, *inits = op.operands
                body = op.regions[0] if op.regions else []
                iv, carried = (body[0], body[1:]) if body else (None, [])
                if iv is not None:
                    self.edge(lb, iv, op.idx)
                    self.edge(step, iv, op.idx)
                for k, init in enumerate(inits):
                    if k < len(carried):
                        self.edge(init, carried[k], op.idx)
                    if k < len(op.results):
                        self.edge(init, op.results[k], op.idx)
                for t in self._terms(op, 0):
                    for k, y in enumerate(t.operands):
                        if k < len(carried):
                            self.edge(y, carried[k], t.idx)
                        if k < len(op.results):
                            self.edge(y, op.results[k], t.idx)
                continue
            if n == "scf.if":
                for r in range(len(op.regions)):
                    for t in self._terms(op, r):
                        for k, y in enumerate(t.operands):
                            if k < len(op.results):
                                self.edge(y, op.results[k], t.idx)
                continue
            if n == "scf.while":
                before = op.regions[0] if op.regions else []
                after = op.regions[1] if len(op.regions) > 1 else []
                for k, init in enumerate(op.operands):
                    if k < len(before):
                        self.edge(init, before[k], op.idx)
                for t in self._terms(op, 0):  # scf.condition(%c) %fwd...
                    for k, y in enumerate(t.operands[1:]):
                        if k < len(after):
                            self.edge(y, after[k], t.idx)
                        if k < len(op.results):
                            self.edge(y, op.results[k], t.idx)
                for t in self._terms(op, 1):
                    for k, y in enumerate(t.operands):
                        if k < len(before):
                            self.edge(y, before[k], t.idx)
                continue
            if n == "tt.call":
                continue  # wired below, once every function has been seen
            # generic: every operand flows into every result (and region argument)
            for v in op.operands:
                for w in op.results:
                    self.edge(v, w, op.idx)
                for args in op.regions:
                    for w in args:
                        self.edge(v, w, op.idx)
            for r in range(len(op.regions)):
                for t in self._terms(op, r):
                    for y in t.operands:
                        for w in op.results:
                            self.edge(y, w, t.idx)
        # `ptr + u32` (and any sub-64-bit offset Triton widens itself): semantic.add
        # emits an extui/extsi at the pointer add's own location whose only user is
        # that addptr.  It is part of the address computation, not a user cast.
        for op in ir.ops:
            if op.name in _WIDEN and op.results and self._pointer_extension(op):
                src = op.operands[0]
                self.sinks[src].extend(self.sinks.get(op.results[0], []))
                self.casts[src] = [c for c in self.casts.get(src, []) if c != op.idx]
        for op in ir.ops:
            if op.name != "tt.call":
                continue
            fidx = ir.funcs.get(op.callee)
            if fidx is None:  # external function: treat like a generic op
                for v in op.operands:
                    for w in op.results:
                        self.edge(v, w, op.idx)
                continue
            params = ir.ops[fidx].regions[0] if ir.ops[fidx].regions else []
            for a, p in zip(op.operands, params):
                self.edge(a, p, op.idx)
            for rets in self.returns.get(op.callee, []):
                for y, w in zip(rets, op.results):
                    self.edge(y, w, op.idx)

    def _pointer_extension(self, op: _Op) -> bool:
        users = [u for u, _ in self.users.get(op.results[0], [])]
        return bool(users) and all(
            self.ir.ops[u].name == "tt.addptr" and self.ir.ops[u].operands[1] == op.results[0]
            and self.ir.ops[u].where == op.where for u in users)

    def _loop_carried_ptr(self, v: int, _depth: int = 0) -> bool:
        """Is this pointer (a splat/broadcast/addptr of) a loop-carried pointer?"""
        if _depth > 50:
            return False
        val = self.ir.values[v]
        if val.owner is not None:
            return self.ir.ops[val.owner].name in ("scf.for", "scf.while") and "ptr" in val.type
        if val.op is None:
            return False
        op = self.ir.ops[val.op]
        if op.name in ("tt.splat", "tt.broadcast", "tt.expand_dims", "tt.addptr", "tt.reshape"):
            return self._loop_carried_ptr(op.operands[0], _depth + 1)
        return False

    def reach(self, starts: Iterable[int], allow: Callable[[int], bool],
              via_ok: Callable[[int], bool] | None = None) -> set[int]:
        """Values reachable from ``starts`` along edges into allowed values."""
        seen: set[int] = set()
        work = deque(v for v in starts if allow(v))
        seen.update(work)
        while work:
            v = work.popleft()
            for w, via in self.succ.get(v, ()):
                if w in seen or not allow(w) or (via_ok is not None and not via_ok(via)):
                    continue
                seen.add(w)
                work.append(w)
        return seen


class _SourceIndex:
    """Maps compiler locations back to source expressions.

    Up to Triton 3.6 an op is located at the start of the last child expression
    it visited (``a * b`` -> at ``b``; ``x.to(tl.int64)`` -> at ``tl.int64``), with
    0-based columns, so we index every node by the start of its last child.
    Triton 3.9 locates it at the start of its own expression with 1-based columns
    (``a * b`` -> at ``a``, column + 1): ``at_start`` selects that convention."""

    def __init__(self, path: str, at_start: bool = False):
        self.at_start = at_start
        self.by_last_child: dict[tuple[int, int], list[ast.AST]] = defaultdict(list)
        try:
            tree = ast.parse(Path(path).read_text())
        except (OSError, SyntaxError, ValueError):
            return
        for node in ast.walk(tree):
            if at_start:
                if isinstance(node, (ast.BinOp, ast.AugAssign, ast.Call)):
                    self.by_last_child[(node.lineno, node.col_offset + 1)].append(node)
                continue
            last = self._last_child(node)
            if last is not None and hasattr(last, "lineno"):
                self.by_last_child[(last.lineno, last.col_offset)].append(node)

    @staticmethod
    def _last_child(node):
        if isinstance(node, ast.BinOp):
            return node.right
        if isinstance(node, ast.AugAssign):
            return node.value
        if isinstance(node, ast.Call):
            kids = [node.func, *node.args, *(k.value for k in node.keywords)]
            return kids[-1]
        return None

    def span(self, line: int, col: int, want: Callable[[ast.AST], bool]):
        cands = [n for n in self.by_last_child.get((line, col), []) if want(n)]
        if not cands:
            return None, None
        n = min(cands, key=lambda n: (n.end_lineno - n.lineno, n.end_col_offset - n.col_offset))
        return (n.lineno, n.end_lineno), n


def _is_mult(n) -> bool:
    return isinstance(n, (ast.BinOp, ast.AugAssign)) and isinstance(n.op, ast.Mult)


def _is_addsub(n) -> bool:
    return isinstance(n, (ast.BinOp, ast.AugAssign)) and isinstance(n.op, (ast.Add, ast.Sub))


def _is_call(n) -> bool:
    return isinstance(n, ast.Call)


def _is_explicit_cast(n) -> bool:
    if not isinstance(n, ast.Call):
        return False
    f = n.func
    name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
    return name in ("to", "cast")


def locations_at_start(ttir: str) -> bool:
    """Whether this IR uses Triton 3.9's location convention (``_SourceIndex``): the
    ``def`` of a module-level kernel is at column 1 there, at column 0 before."""
    m = re.search(r'^\s*tt\.func\b[^\n]*\bloc\("[^"]*"\((#loc\d*)\)\)', ttir, re.MULTILINE)
    if m:
        alias = re.search(rf'^{re.escape(m.group(1))} = loc\("[^"]*":\d+:(\d+)\)', ttir, re.MULTILINE)
        if alias:
            return alias.group(1) == "1"
    return triton_version() >= (3, 9)


def triton_version() -> tuple[int, int]:
    import triton

    major, minor = triton.__version__.split(".")[:2]
    return int(major), int(minor)


class _Analysis:
    def __init__(self, ir: _IR, path: str | None, at_start: bool = False):
        self.ir = ir
        self.flow = _Flow(ir)
        self.path = os.path.realpath(path) if path else None
        self.src = _SourceIndex(self.path, at_start) if self.path else None

    def is32(self, v: int) -> bool:
        return _is_int32(self.ir.values[v].type)

    def isint(self, v: int) -> bool:
        return _is_int(self.ir.values[v].type)

    def in_file(self, op: _Op) -> bool:
        w = op.where
        if w is None:
            return False
        return self.path is None or os.path.realpath(w.file) == self.path

    def site(self, op: _Op, want=None, sinks=frozenset()) -> Site:
        w = op.where
        span = None
        if self.src is not None and want is not None:
            span, _ = self.src.span(w.line, w.col, want)
        return Site(w.line, w.col, os.path.realpath(w.file), w.name, span, frozenset(sinks),
                    w.callers)

    def is_const(self, v: int, _depth=0) -> bool:
        val = self.ir.values[v]
        if val.op is None or _depth > 100:
            return False
        op = self.ir.ops[val.op]
        if op.name in ("arith.constant", "ub.poison"):
            return True
        if op.name in _CONST_FORWARD:
            return all(self.is_const(o, _depth + 1) for o in op.operands)
        return False

    def address_kinds(self, values: Iterable[int]) -> set[str]:
        kinds = set()
        for v in values:
            for kind, _ in self.flow.sinks.get(v, ()):
                kinds.add(kind)
        return kinds & ADDRESS_SINKS

    def implicit_cast(self, cast: _Op) -> bool:
        """An extsi that only feeds make_tensor_ptr shape/strides or descriptors."""
        users = self.flow.users.get(cast.results[0], [])
        roles = [r for _, r in users if r.startswith("implicit:")]
        plain = [u for u in users if not u[1].startswith("implicit:")]
        # the op itself is also listed as a plain user of its operands, so filter by op name
        plain = [u for u in plain if self.ir.ops[u[0]].name not in
                 ("tt.make_tensor_ptr", "tt.make_tensor_descriptor")]
        return bool(roles) and not plain

    def run(self, kernel: str) -> OracleResult:
        ir, flow = self.ir, self.flow
        res = OracleResult(kernel=kernel, path=self.path or "")
        res.covered_lines = {op.where.line for op in ir.ops
                             if op.where is not None and self.in_file(op)}
        products, adds = [], []
        for op in ir.ops:
            if not op.results or not self.in_file(op):
                continue
            r = op.results[0]
            if op.name in ("arith.muli", "arith.addi", "arith.subi") and self.is32(r) and \
                    not all(self.is_const(o) for o in op.operands):
                reached = flow.reach([r], self.is32)
                kinds = self.address_kinds(reached)
                if op.name == "arith.muli":
                    if kinds:
                        products.append(self.site(op, _is_mult, kinds))
                    for v in reached:
                        for c in flow.casts.get(v, ()):
                            cop = ir.ops[c]
                            if self.implicit_cast(cop) or cop.where is None:
                                continue
                            widened = flow.reach(cop.results, self.isint)
                            span, node = (self.src.span(cop.where.line, cop.where.col, _is_call)
                                          if self.src else (None, None))
                            csite = Site(cop.where.line, cop.where.col,
                                         os.path.realpath(cop.where.file), cop.where.name, span)
                            res.late_casts.append(LateCast(
                                self.site(op, _is_mult), cop.where.line, csite,
                                bool(self.address_kinds(widened)), _is_explicit_cast(node)))
                elif kinds:
                    adds.append(self.site(op, _is_addsub, kinds))
            if op.name == "arith.trunci" and self.is32(r):
                kinds = self.address_kinds(flow.reach([r], self.is32))
                if kinds:
                    res.narrowing_casts.append(NarrowingCast(self.site(op, _is_call), frozenset(kinds)))
        res.descriptor_shapes = _dedup(self.descriptor_shapes())
        res.offset_products = _merge_sites(products)
        res.offset_adds = _merge_sites(adds)
        res.late_casts = _dedup(res.late_casts)
        res.narrowing_casts = _dedup(res.narrowing_casts)
        res.accumulators = _dedup(self.accumulators())
        return res

    def descriptor_shapes(self) -> list[DescriptorShape]:
        out = []
        for op in self.ir.ops:
            if op.name != "tt.make_tensor_descriptor" or not op.groups or not self.in_file(op):
                continue
            for dim, v in enumerate(op.groups[0]):
                val = self.ir.values[v]
                src = self.ir.ops[val.op] if val.op is not None else None
                if src is None:
                    how = "argument"
                elif self.is_const(v):
                    how = "constant"
                elif src.name == "arith.muli":
                    how = "product"
                elif src.name == "arith.trunci":
                    how = "truncated"
                else:
                    how = "computed"
                out.append(DescriptorShape(self.site(op, _is_call), how, dim))
        return out

    def accumulators(self) -> list[Accumulator]:
        ir, flow = self.ir, self.flow
        out = []
        for loop in ir.ops:
            if loop.name == "scf.for":
                carried = loop.regions[0][1:] if loop.regions else []
            elif loop.name == "scf.while":
                carried = loop.regions[0] if loop.regions else []
            else:
                continue
            for c in carried:
                if not self.is32(c):
                    continue
                reached = flow.reach([c], self.is32)
                if not self.address_kinds(reached):
                    continue
                additive = flow.reach([c], self.is32,
                                      via_ok=lambda o: ir.ops[o].name not in _SCALING)
                scaled = not self.address_kinds(additive)
                for v in reached:
                    val = ir.values[v]
                    if val.op is None:
                        continue
                    op = ir.ops[val.op]
                    if op.name not in ("arith.addi", "arith.subi") or not self.in_file(op):
                        continue
                    if c not in flow.reach([v], self.is32):
                        continue  # not on the loop-carried cycle
                    lsite = self.site(loop) if loop.where is not None else None
                    out.append(Accumulator(self.site(op, _is_addsub), loop.name, lsite,
                                           ir.values[c].name, scaled))
        return out


def analyse_ttir(ttir: str, path=None, kernel: str = "") -> OracleResult:
    """Parse IR text from ``compile_ttir`` and run the dataflow.

    Only sites located in ``path`` are reported (``path=None``: all files)."""
    ir = _IR(ttir)
    res = _Analysis(ir, str(path) if path is not None else None, locations_at_start(ttir)).run(kernel)
    res.ttir = ttir
    return res


# --------------------------------------------------------------------------------------
# Convenience
# --------------------------------------------------------------------------------------

_SITES_CACHE: dict[tuple, dict] = {}


def _specs(fn, name: str) -> list[dict]:
    """Overrides to compile: the default, all flags True, index pointers as
    ``*i64``, and each ``ORACLE_VARIANTS[kernel]`` entry."""
    specs: list[dict] = [{}]
    explicit = set(module_config(fn, "ORACLE_CONSTEXPRS").get(name, {}))
    flags = {p.name: True for p in fn.params
             if p.is_constexpr and _is_flag(p) and p.name not in explicit}
    if flags:
        specs.append(flags)
    # Index pointers are assumed *i32; also compile them as *i64 (int64 index
    # tensors), where a `.to(tl.int32)` is a real narrowing.
    sig, _ = default_signature(fn)
    fixed = set(module_config(fn, "ORACLE_SIGNATURE").get(name, {}))
    annotated = {p.name for p in fn.params if p.annotation_type}
    wide = {n: "*i64" for n, t in sig.items() if t == "*i32" and n not in fixed | annotated}
    if wide:
        specs.append(wide)
    for extra in module_config(fn, "ORACLE_VARIANTS").get(name, []):
        specs.append(dict(extra))
    return specs


#: Triton releases that have each API a kernel may use (triton-int-semantics.md, section 0):
#: block pointers are removed in 3.9; tensor descriptors are public from 3.4
#: (``_experimental_make_tensor_descriptor`` from 3.3).
BLOCK_POINTERS = ((2, 0), (3, 8))
TENSOR_DESCRIPTORS = ((3, 4), (99, 0))
_API_CALLS = {"make_block_ptr": BLOCK_POINTERS, "advance": BLOCK_POINTERS,
              "make_tensor_descriptor": TENSOR_DESCRIPTORS, "load_tensor_descriptor": TENSOR_DESCRIPTORS,
              "store_tensor_descriptor": TENSOR_DESCRIPTORS}


def has_api(name: str, version: tuple[int, int] | None = None) -> bool:
    lo, hi = _API_CALLS[name]
    v = version or triton_version()
    return lo <= v <= hi


def unsupported_api(fn, _seen=None) -> str | None:
    """Why ``fn`` (or a jit helper it calls) cannot compile on the installed Triton:
    it calls a ``tl.`` API the release does not have. None when it can."""
    _seen = _seen if _seen is not None else set()
    if id(fn) in _seen:
        return None
    _seen.add(id(fn))
    for node in ast.walk(_fn_ast(fn)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _API_CALLS \
                and isinstance(node.func.value, ast.Name) and node.func.value.id in ("tl", "triton", "language") \
                and not has_api(node.func.attr):
            return f"`tl.{node.func.attr}` does not exist in Triton {'.'.join(map(str, triton_version()))}"
    g = fn.fn.__globals__
    for callee in _called_names(fn):
        helper, _ = _unwrap(g.get(callee))
        if helper is not None and helper is not fn:
            why = unsupported_api(helper, _seen)
            if why is not None:
                return why
    return None


def _source_lines(fn) -> range:
    try:
        lines, first = inspect.getsourcelines(fn.fn)
    except (OSError, TypeError):  # pragma: no cover - source not available
        return range(0)
    return range(first, first + len(lines))


def oracle_sites(path, kernels: Iterable[str] | None = None, *, variants: bool = True,
                 stage: str = "source") -> dict[str, OracleResult]:
    """Compile and analyse the kernels of ``path``.

    ``kernels`` defaults to ``kernel_names(path)`` (JIT functions not called by
    another) minus ``ORACLE_SKIP``.  With ``variants`` each kernel is also
    compiled with its flag constexprs True and with each ``ORACLE_VARIANTS``
    entry, and the results are merged; a failing variant (not the default) is
    recorded in ``notes``.  Raises ``OracleError`` when the default
    specialisation does not compile."""
    path = str(Path(path).resolve())
    fns = load_kernels(path)
    skip = module_config(path, "ORACLE_SKIP")
    stale = set(skip) - set(fns)
    if stale:
        raise OracleError(f"ORACLE_SKIP in {path} names unknown functions {sorted(stale)}")
    names = list(kernels) if kernels is not None else [k for k in kernel_names(path) if k not in skip]
    key = (_file_key(Path(path)), tuple(names), variants, stage)
    if key in _SITES_CACHE:
        return _SITES_CACHE[key]
    out: dict[str, OracleResult] = {}
    for name in names:
        if name not in fns:
            raise OracleError(f"{path} has no JIT function {name!r}")
        fn = fns[name]
        missing = unsupported_api(fn)
        if missing is not None:
            out[name] = OracleResult(kernel=name, path=path, not_compiled=missing, source_lines=_source_lines(fn))
            continue
        merged: OracleResult | None = None
        for i, ov in enumerate(_specs(fn, name) if variants else [{}]):
            try:
                sig, cx = default_signature(fn, ov)
                text = compile_ttir(path, name, sig, cx, stage=stage)
            except OracleError as e:
                if i == 0:
                    raise
                if merged is not None:
                    merged.notes.append(f"variant {ov} not compiled: {e}")
                continue
            r = analyse_ttir(text, path, kernel=name)
            r.specialisations = [(sig, cx)]
            r.source_lines = _source_lines(fn)
            if merged is None:
                merged = r
            else:
                merged.merge(r)
        out[name] = merged
    _SITES_CACHE[key] = out
    return out
