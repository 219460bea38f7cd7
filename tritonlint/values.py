"""The abstract values of the int-width analysis.

Every expression in a kernel evaluates to a :class:`Value` with

* a **width** (how Triton types it: a compile-time Python int, i32, i64, u32,
  unknown for loads through pointers of unknown element type, a pointer, ...),
* a **role** (what the number means, which is what decides whether a 32-bit
  product can realistically wrap): a small bounded index, a block index
  (program id, chunk loop index), a coordinate along one tensor dimension, a
  stride or size, or a flat element offset (coordinate x stride),
* a **provenance** (which program ids, loop indices, loads and parameters it was
  built from) so a message can name the chain,
* the **risks** it carries: ids of 32-bit operations in its history that may
  wrap; a risk becomes a finding when the value reaches an address or is
  widened after the fact.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace

INT32_MAX = 2**31 - 1
#: A literal at or below this scales a block index into a coordinate
#: (``pid * 4``); above it, it behaves like a hard-coded stride (``pid * 4096``).
BLOCK_LITERAL_MAX = 1024


class Width(enum.Enum):
    CONST = "constexpr"  # Python int / constexpr: exact arithmetic, never wraps
    I32 = "int32"
    U32 = "uint32"
    I64 = "int64"
    U64 = "uint64"
    UNKNOWN = "unknown-int"  # e.g. tl.load through a pointer of unknown element type
    PTR = "pointer"
    FLOAT = "float"
    BOOL = "bool"
    OTHER = "other"  # tuples, strings, dtypes, None...

    @property
    def is_int(self) -> bool:
        return self in _INTS

    @property
    def maybe32(self) -> bool:
        """Computed in 32 bits (or possibly so, for loaded values of unknown type)."""
        return self in (Width.I32, Width.U32, Width.UNKNOWN)

    @property
    def is64(self) -> bool:
        return self in (Width.I64, Width.U64)


_INTS = frozenset({Width.CONST, Width.I32, Width.U32, Width.I64, Width.U64, Width.UNKNOWN})


class Role(enum.IntEnum):
    """What an integer means, ordered from 'harmless' to 'flat offset'."""

    OTHER = 0  # unknown meaning: never the cause of a finding
    SMALL = 1  # bounded: block sizes, tl.arange, x % H, static_range indices
    STRIDE = 2  # a stride or size: int arguments, constexpr strides, size products
    BLOCKIDX = 3  # program ids, loop indices over chunk counts: blocks of a dimension
    COORD = 4  # a coordinate along one dimension: pid*BLOCK + arange, token index, loaded index
    FLAT = 5  # a flat element offset: coordinate x stride


INDEX_ROLES = frozenset({Role.BLOCKIDX, Role.COORD, Role.FLAT})


@dataclass(frozen=True)
class Value:
    width: Width
    role: Role = Role.OTHER
    const: int | None = None  # exact value when known
    bound: int | None = None  # |value| <= bound when known
    origin: tuple[tuple[str, str], ...] = ()  # (name, what it is), leaves first
    risks: frozenset[int] = frozenset()  # ids of risky 32-bit operations in its history
    narrowed: frozenset[int] = frozenset()  # ids of narrowing casts (TL004) it went through
    casts: frozenset[int] = frozenset()  # ids of late int64 casts (TL003) it went through
    constexpr_names: frozenset[str] = frozenset()  # constexpr parameters/locals it derives from
    int_annotated: frozenset[str] = frozenset()  # `x: int` / `x: tl.int32` parameters it derives from
    loaded: bool = False  # comes from tl.load (width depends on the pointee dtype)
    small_literal: bool = False  # a literal or block-size constexpr that scales indices into coordinates
    elements: "tuple[Value, ...] | None" = None  # for tuples (``a, b = f(x)``)
    #: a tensor in compiled *and* interpreted kernels (program ids, loads, casts);
    #: loop indices and int arguments are Python ints under TRITON_INTERPRET=1,
    #: where ``.to`` does not exist: fixes use ``tl.cast`` on those
    tensor: bool = False
    #: int32 only in the specialisation a constexpr flag selects (`if LONG: x = x.to(tl.int64)`):
    #: the host picks the 64-bit one for large sizes
    guarded: bool = False
    #: what the value runs over or spans, when the launch says (a size kind of
    #: ``sizes.py``: "tokens", "heads"...; "unit" for a last-dimension stride)
    kind: str | None = None
    #: how the launch binds it, for messages (`key.stride(0)` at the launch in f.py:12)
    host: str | None = None
    #: a realistic maximum from the host's shapes (a stride whose trailing dimensions
    #: the launch names); an estimate from the size model, not a proof
    estimate: int | None = None
    #: a pointer into a tensor the host creates as int64 (loads through it are int64)
    int64_elements: bool = False
    #: a pointer: the host tensor behind it, and the realistic maximum of its
    #: elements where the host shows its shape (``tensors.py`` sizes what it addresses)
    tensor_name: str | None = None
    tensor_elements: int | None = None
    #: for a local name assigned an arithmetic expression (`p = t * TOPK + j`): its
    #: text and the values of the names in it, so an index spelled by that name is
    #: sized by what it is computed from (a grid-bounded `t`), not only by its name
    definition: "tuple[str, tuple[tuple[str, Value], ...]] | None" = field(default=None, compare=False, hash=False)

    def with_(self, **changes) -> "Value":
        return replace(self, **changes)


def merge_origin(*origins: tuple[tuple[str, str], ...], limit: int = 6) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for origin in origins:
        for name, what in origin:
            if name not in seen:
                seen.add(name)
                out.append((name, what))
    return tuple(out[:limit])


def join_width(a: Width, b: Width) -> Width:
    """Width after an if/else merge or a loop back edge."""
    if a == b:
        return a
    if Width.PTR in (a, b):
        return Width.PTR
    # The narrower width wins: an int32/int64 pair can only meet under a constexpr
    # `if` (a runtime branch with two types does not compile), where each
    # specialisation is compiled on its own and one of them computes in 32 bits.
    order = [Width.U32, Width.UNKNOWN, Width.I32, Width.U64, Width.I64, Width.CONST]
    for w in order:
        if w in (a, b):
            return w
    return Width.OTHER


def join(a: Value, b: Value) -> Value:
    """Merge two values that may reach the same point (if/else, loop back edge)."""
    if a is b:
        return a
    bound = None
    if a.bound is not None and b.bound is not None:
        bound = max(a.bound, b.bound)
    return Value(
        width=join_width(a.width, b.width),
        role=max(a.role, b.role),
        const=a.const if a.const == b.const else None,
        bound=bound,
        origin=merge_origin(a.origin, b.origin),
        risks=a.risks | b.risks,
        narrowed=a.narrowed | b.narrowed,
        casts=a.casts | b.casts,
        constexpr_names=a.constexpr_names | b.constexpr_names,
        int_annotated=a.int_annotated | b.int_annotated,
        loaded=a.loaded or b.loaded,
        small_literal=a.small_literal and b.small_literal,
        tensor=a.tensor and b.tensor,
        guarded=a.guarded or b.guarded,
        kind=a.kind if a.kind == b.kind else None,
        host=a.host if a.host == b.host else None,
    )


def int_literal_width(value: int, target: tuple[int, int]) -> Width:
    """How a Python int is typed when it meets a tensor (semantics doc 2.2 / 2.4)."""
    if target <= (3, 1):
        if -(2**31) <= value < 2**31:
            return Width.I32
        if value < 2**32:
            return Width.U32
        return Width.I64
    return Width.I32  # >= 3.2: a scalar never widens a tensor


def arith_width(a: Value, b: Value, target: tuple[int, int]) -> Width:
    """Result width of ``a OP b`` for integer/float/pointer operands (semantics doc 2-3)."""
    wa, wb = a.width, b.width
    if Width.PTR in (wa, wb):
        return Width.PTR
    if Width.FLOAT in (wa, wb):
        return Width.FLOAT
    if wa == Width.CONST and wb == Width.CONST:
        return Width.CONST
    if wa == Width.BOOL:
        wa = Width.I32
    if wb == Width.BOOL:
        wb = Width.I32
    if wa == Width.CONST or wb == Width.CONST:
        tensor, scalar = (wb, a) if wa == Width.CONST else (wa, b)
        if target <= (3, 1) and tensor == Width.I32 and scalar.const is not None:
            lit = int_literal_width(scalar.const, target)
            if lit != Width.I32:
                return lit
        return tensor
    if not (wa.is_int and wb.is_int):
        return Width.OTHER
    if Width.U64 in (wa, wb):
        return Width.U64
    if Width.I64 in (wa, wb):
        return Width.I64
    if Width.UNKNOWN in (wa, wb):
        return Width.UNKNOWN
    if Width.U32 in (wa, wb):
        return Width.U32
    return Width.I32


def short_int(n: int) -> str:
    """2147483648 -> '2**31'; 524288 -> '524288'."""
    if n > 0 and n & (n - 1) == 0 and n >= 1024:
        return f"2**{n.bit_length() - 1}"
    return str(n)
