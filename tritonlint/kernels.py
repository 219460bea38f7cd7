"""Find the Triton kernels in a parsed module, without importing it.

A function is a kernel when one of its decorators resolves to ``triton.jit``
(``@triton.jit``, ``@triton.jit(...)``, ``@jit`` after ``from triton import jit``,
``@tr.jit`` after ``import triton as tr``) or to Gluon's ``jit``
(``@gluon.jit`` after ``from triton.experimental import gluon``), whatever is
stacked above it (``triton.autotune``, ``triton.heuristics``), or when it is
wrapped at module level (``k = triton.jit(fn)``). Plain Python functions are
never kernels.

Gluon (``triton.experimental.gluon``) kernels follow the same integer rules as
``triton.language`` ones (its ``program_id``, ``arange``, ``load`` and ``store``
are the same frontend operations), so ``gl.program_id`` resolves to the language
member ``program_id`` just as ``tl.program_id`` does.

Only statement bodies are walked (not every expression), which keeps this cheap.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

GLUON = "triton.experimental.gluon"
GLUON_LANGUAGE = "triton.experimental.gluon.language"
JIT_NAMES = frozenset({"triton.jit", "triton.runtime.jit", "triton.runtime.jit.jit",
                       f"{GLUON}.jit", f"{GLUON}._runtime.jit", f"{GLUON}._runtime.jit.jit"})
LANGUAGE = "triton.language"
#: vendor namespaces of Gluon's language (``gl.nvidia.hopper.tma``, ``gl.amd.cdna3``): a
#: member is named by its last component (``tma.make_tensor_descriptor``)
_GLUON_VENDORS = ("nvidia.", "amd.", "extra.")
_GLUON_ALIASES = {"gluon": GLUON, "gl": GLUON_LANGUAGE, "ttgl": GLUON_LANGUAGE}


@dataclass
class ImportMap:
    """Maps local names to the qualified names they were imported as."""

    names: dict[str, str] = field(default_factory=dict)

    def add_import(self, node: cst.Import) -> None:
        for alias in node.names:
            dotted = _dotted(alias.name)
            if dotted is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.names[alias.asname.name.value] = dotted
            else:
                # `import triton.language` binds `triton`.
                head = dotted.split(".")[0]
                self.names.setdefault(head, head)

    def add_import_from(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return
        module = _dotted(node.module)
        if module is None:
            return
        for alias in node.names:
            if not isinstance(alias.name, cst.Name):
                continue
            local = alias.name.value
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            name = alias.name.value
            if not (module == "triton" or module.startswith("triton.")):
                # Projects re-export triton (vLLM: `from vllm.triton_utils import tl, triton`)
                if name == "triton":
                    self.names[local] = "triton"
                    continue
                if name in ("tl", "language"):
                    self.names[local] = LANGUAGE
                    continue
                if name == "jit" and "triton" in module:
                    self.names[local] = "triton.jit"
                    continue
                # ... and Gluon (vLLM: `from vllm.triton_utils import gl, gluon`)
                if "triton" in module and name == "gluon":
                    self.names[local] = GLUON
                    continue
                if "triton" in module and name in ("gl", "ttgl"):
                    self.names[local] = GLUON_LANGUAGE
                    continue
            self.names[local] = f"{module}.{name}"

    def add_module_alias(self, node: cst.Assign) -> None:
        """``gluon = other_module.gluon``, ``gl = other_module.gl``: a module that borrows
        another one's Gluon imports (vLLM's AMD kernels borrow AITER's)."""
        if len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Name):
            return
        value = node.value
        if isinstance(value, cst.Attribute) and value.attr.value in _GLUON_ALIASES:
            self.names[node.targets[0].target.value] = _GLUON_ALIASES[value.attr.value]

    def qualify(self, expr: cst.BaseExpression) -> str | None:
        """Qualified name of a Name/Attribute chain (``tl.arange`` -> ``triton.language.arange``)."""
        return self.qualify_dotted(_dotted(expr))

    def qualify_dotted(self, dotted: str | None) -> str | None:
        """:meth:`qualify` of a name already spelled out (``tl.arange``)."""
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        if head in self.names:
            base = self.names[head]
        elif head == "tl":  # the universal alias, even when imported in an unusual way
            base = LANGUAGE
        elif head == "triton":
            base = "triton"
        else:
            base = head
        return f"{base}.{rest}" if rest else base

    def language_member(self, expr: cst.BaseExpression) -> str | None:
        """``tl.arange`` / ``language.arange`` / ``triton.language.arange`` -> ``arange``."""
        q = self.qualify(expr)
        if q and q.startswith(GLUON_LANGUAGE + "."):
            member = q[len(GLUON_LANGUAGE) + 1 :]
            if member.startswith(_GLUON_VENDORS):
                return member.rsplit(".", 1)[-1]
            q = f"{LANGUAGE}.{member}"
        if q and q.startswith(LANGUAGE + "."):
            member = q[len(LANGUAGE) + 1 :]
            # tl.math.x, tl.extra.cuda.libdevice.x, tl.core.constexpr ...
            for prefix in ("core.", "math.", "standard.", "semantic."):
                if member.startswith(prefix):
                    member = member[len(prefix) :]
            return member
        return None


def _dotted(expr: cst.BaseExpression) -> str | None:
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        base = _dotted(expr.value)
        return f"{base}.{expr.attr.value}" if base else None
    return None


@dataclass
class JitFunction:
    node: cst.FunctionDef
    name: str
    ordinal: int  # index among all functions of the same name, in source order
    decorators: tuple[str, ...]  # qualified names of the decorators, outermost first


@dataclass
class ModuleKernels:
    imports: ImportMap
    kernels: list[JitFunction]  # every jit function, in source order
    by_name: dict[str, JitFunction]  # for resolving calls to jit helpers


def _decorator_name(dec: cst.Decorator, imports: ImportMap) -> str | None:
    expr = dec.decorator
    if isinstance(expr, cst.Call):
        expr = expr.func
    return imports.qualify(expr)


def _is_jit(qualified: str | None) -> bool:
    return qualified in JIT_NAMES


def find_kernels(module: cst.Module) -> ModuleKernels:
    scan = scan_statements(module.body)
    return kernels_of(scan.imports, scan.functions, scan.wrapped)


@dataclass
class Scan:
    """What the statements of a module say about its kernels, before the decorators
    are resolved (the imports that resolve them may come later in the file)."""

    imports: ImportMap = field(default_factory=ImportMap)
    functions: list[tuple[cst.FunctionDef, int]] = field(default_factory=list)  # (node, ordinal), walk order
    wrapped: list[tuple[cst.BaseExpression, str]] = field(default_factory=list)  # k = triton.jit(fn): (func, fn)


def scan_statements(body) -> Scan:
    """Imports, functions and ``k = wrapper(fn)`` statements, in the order of
    the walk (kernel_spans.py mirrors this walk on the stdlib ``ast``)."""
    scan = Scan()
    seen_names: dict[str, int] = {}

    def walk(body) -> None:
        for stmt in body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Import):
                        scan.imports.add_import(small)
                    elif isinstance(small, cst.ImportFrom):
                        scan.imports.add_import_from(small)
                    elif isinstance(small, cst.Assign) and isinstance(small.value, cst.Attribute):
                        scan.imports.add_module_alias(small)
                    elif isinstance(small, cst.Assign) and isinstance(small.value, cst.Call):
                        # k = triton.jit(fn): remember fn, resolved once imports are known
                        call = small.value
                        if call.args and isinstance(call.args[0].value, cst.Name):
                            scan.wrapped.append((call.func, call.args[0].value.value))
            elif isinstance(stmt, cst.FunctionDef):
                n = seen_names.get(stmt.name.value, 0)
                seen_names[stmt.name.value] = n + 1
                scan.functions.append((stmt, n))
                walk(stmt.body.body)
            elif isinstance(stmt, cst.ClassDef):
                walk(stmt.body.body)
            elif isinstance(stmt, (cst.If, cst.For, cst.While, cst.With, cst.Try, cst.TryStar)):
                for block in _blocks(stmt):
                    walk(block)

    walk(body)
    return scan


def kernels_of(imports: ImportMap, functions: list[tuple[cst.FunctionDef, int]],
               wrapped_candidates: list[tuple[cst.BaseExpression, str]]) -> ModuleKernels:
    """The jit functions among ``functions`` (in their order)."""
    wrapped = {name for func, name in wrapped_candidates if _is_jit(imports.qualify(func))}
    kernels: list[JitFunction] = []
    for fn, ordinal in functions:
        decos = tuple(d for d in (_decorator_name(x, imports) for x in fn.decorators) if d)
        if any(_is_jit(d) for d in decos) or fn.name.value in wrapped:
            kernels.append(JitFunction(fn, fn.name.value, ordinal, decos))
    by_name = {k.name: k for k in kernels}
    return ModuleKernels(imports, kernels, by_name)


def _blocks(stmt: cst.BaseCompoundStatement):
    """The statement lists nested in a compound statement (if/else, try/except, ...)."""
    body = getattr(stmt, "body", None)
    if isinstance(body, cst.BaseSuite) and hasattr(body, "body"):
        yield body.body
    orelse = getattr(stmt, "orelse", None)
    while orelse is not None:
        if isinstance(orelse, cst.If):
            yield orelse.body.body
            orelse = orelse.orelse
        else:
            yield orelse.body.body
            orelse = None
    for handler in getattr(stmt, "handlers", ()) or ():
        yield handler.body.body
    final = getattr(stmt, "finalbody", None)
    if final is not None:
        yield final.body.body
