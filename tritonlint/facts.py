"""What the analysis found, before any rule decides how to report it.

The analysis (``analysis.py``) knows Triton's typing; the rules (``rules/``)
know how to phrase and fix. These records are the interface between them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from .kernels import JitFunction
from .values import Value


@dataclass
class Operand:
    node: cst.BaseExpression
    value: Value
    code: str  # source text, normalised
    #: for a composite index (`i_t * 16 + i`): the value of each name it is built from
    parts: dict[str, Value] | None = None


@dataclass
class Use:
    """A place where a risky value becomes (part of) an address."""

    node: cst.CSTNode  # the pointer expression (``h + i_t * stride_h``) or statement
    function: JitFunction
    code: str
    #: the pointer the offset is added to (its parameter, and the host tensor behind it)
    pointer: Value | None = None


@dataclass
class Risk:
    """A 32-bit operation whose result may wrap: a product (index x stride) or an
    offset accumulated in a loop."""

    id: int
    kind: str  # "product" | "accumulator"
    node: cst.CSTNode  # BinaryOperation, or the AugAssign/Assign of an accumulator
    function: JitFunction
    code: str
    result: Value
    index: Operand | None = None  # the operand to widen (program id, loop index, token index...)
    stride: Operand | None = None
    accumulator: str | None = None  # variable name, for accumulators
    uses: list[Use] = field(default_factory=list)
    late_casts: list[int] = field(default_factory=list)  # LateCast ids
    narrowings: set[int] = field(default_factory=set)  # Narrowing ids feeding it
    #: (variable, if/loop statement) where the product's value meets a plain int32
    #: value of the same variable: widening only the product would not compile
    merges: list[tuple[str, cst.CSTNode]] = field(default_factory=list)
    #: the operand a fix widens: the innermost index of the product chain in this
    #: expression (``bos`` in ``(bos * H + i_h) * K``); defaults to ``index``
    fix_index: Operand | None = None
    #: products this one superseded: they turned out to be coordinates, scaled again here
    inner: list[int] = field(default_factory=list)
    #: every launch of the kernel checks the int32 range first (path:line of the check)
    host_guard: str | None = None
    #: the constexpr branch outcomes it was computed under (``static_paths``): it only
    #: reaches the addresses those specialisations compile
    made_under: frozenset = frozenset()


@dataclass
class LateCast:
    """``(a * b).to(tl.int64)``: widened after the product was computed in 32 bits."""

    id: int
    node: cst.Call
    function: JitFunction
    code: str
    operand: cst.BaseExpression  # the expression being widened
    dtype: str
    risks: frozenset[int]
    #: widened a coordinate that is scaled again afterwards (``(i * H).to(tl.int64) * K``):
    #: the cast comes before the big multiply, which is the right place
    coordinate: bool = False
    #: the widened value becomes part of an address; one that never does is data (a
    #: hash, a statistic), whatever wrapped in it
    reaches_address: bool = False


@dataclass
class Narrowing:
    """``x.to(tl.int32)`` / ``tl.cast(x, tl.uint32)`` of a value that was wider (or unknown)."""

    id: int
    node: cst.Call
    function: JitFunction
    code: str
    dtype: str  # "int32" / "uint32" / ...
    dtype_node: cst.BaseExpression
    source: Value
    feeds: set[int] = field(default_factory=set)  # Risk ids it flows into
    #: where the narrowed value must stay 32-bit (loop bounds, block-pointer offsets):
    #: widening the cast there would not compile
    constrained: list[str] = field(default_factory=list)


@dataclass
class Facts:
    risks: dict[int, Risk] = field(default_factory=dict)
    late_casts: dict[int, LateCast] = field(default_factory=dict)
    narrowings: dict[int, Narrowing] = field(default_factory=dict)
    #: parameter name -> (function, Param node) for every analysed jit function
    params: dict[tuple[str, str], cst.Param] = field(default_factory=dict)
    #: id of a ``make_tensor_descriptor`` call -> its shape (``descriptors.DescriptorShape``)
    descriptor_shapes: dict[int, object] = field(default_factory=dict)
    _reported_indices: dict | None = field(default=None, repr=False, compare=False)

    def reported_indices(self, kind: str, function) -> set[int]:
        """Ids of the index nodes of the risks of ``kind`` in ``function`` that reach an
        address. Tabled on first use, once the analysis is complete (rules only read
        the facts): asking for every risk of a file of many kernels is then linear."""
        if self._reported_indices is None:
            table: dict[tuple[str, int], set[int]] = {}
            for r in self.risks.values():
                if r.index is not None and r.uses:
                    table.setdefault((r.kind, id(r.function)), set()).add(id((r.fix_index or r.index).node))
            self._reported_indices = table
        return self._reported_indices.get((kind, id(function)), set())
