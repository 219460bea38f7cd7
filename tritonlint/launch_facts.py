"""The launch binding: what every launch in the run says about a kernel's parameters
and grid, merged into facts the analysis can use.

A fact is only used when every launch that binds the parameter agrees: a stride
is a unit stride only if every launch passes a last-dimension stride, a pointer
holds int64 only if some launch shows an int64 tensor and none shows a narrower
one, a size kind (tokens, heads...) only if every launch's host names say so.
A kernel with no launch in the run keeps the analysis' own reading of its names.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from . import sizes
from .host_dtypes import attribute_dtypes
from .launches import HostArg, Launch, kernel_names, read_launches
from .values import Value, Width

_DOTTED = re.compile(r"(?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*)")
#: a kernel parameter that takes the stride of a heads dimension
_HEAD_STRIDE = re.compile(r"head|^stride_?[a-z]{0,3}h$|_h_?stride|^[a-z]{1,3}_?stride_?h$", re.IGNORECASE)
_BLOCK = re.compile(r"block|^bs$|^bm$|^bn$|^bk$|warps|stages|^meta", re.IGNORECASE)


@dataclass(frozen=True)
class HostFact:
    """What the launches bind one parameter (or one grid axis) to."""

    text: str  # the host expression at the first launch
    where: str  # path:line of that launch
    launches: int  # how many launches bind it
    const: int | None = None  # every launch passes this literal
    bound: int | None = None  # every launch passes a literal; the largest
    unit_stride: bool = False  # every launch passes a last-dimension stride
    int64: bool = False  # a pointer to an int64 tensor
    kind: str | None = None  # the size kind every launch's names agree on
    tensor: str | None = None  # the host tensor behind a pointer or read by a stride
    #: a stride's realistic maximum from the host's names for the tensor's trailing
    #: dimensions (`q.stride(1)` with `T, H, D = q.shape` is at most head_dim)
    estimate: int | None = None
    #: every launch passes the stride of a dimension after the first: it steps within
    #: one entry of the outermost dimension, never over a whole slab
    inner: bool = False
    #: a pointer's tensor: the realistic maximum of its elements, from the host's
    #: names for all its dimensions at every launch
    elements: int | None = None

    def describe(self) -> str:
        more = f" (and {self.launches - 1} more launch{'es' if self.launches > 2 else ''})" if self.launches > 1 else ""
        return f"`{self.text}` at {self.where}{more}"


def _kind(arg: HostArg, table: dict[str, int] | None = None) -> str | None:
    if arg.form in ("stride", "numel", "literal"):
        return None  # a stride's host names say which tensor, not how far an index runs
    smallest = _smallest_of_min(arg.text, table or sizes.DEFAULTS)
    if smallest is not None:
        return smallest
    names_ = arg.names
    if arg.per_block is not None:
        # `cdiv(n_tokens, BLOCK)` runs over blocks of tokens, `numel // last_dim` over
        # rows: a quotient is of the kind of what is divided, never of the divisor
        whole = sizes.parse_expression(arg.per_block[0])
        own = (arg.text,) if arg.text.isidentifier() else ()  # `num_reqs = num_tokens // q_len`
        names_ = own + (tuple(_names_in(whole)) if whole is not None else ())
    # single letters (`K`, `N`) mean different things in different kernels
    candidates = [n for n in names_ if len(n) > 1 and "stride" not in n.lower()]
    if arg.form == "shape":
        # `embeds.shape[0]`: the tensor's name says what it holds, not what its dimension counts
        candidates = [n for n in candidates if n != arg.tensor]
    if arg.tensor and arg.form == "tensor" and len(arg.tensor) > 1:
        candidates.append(arg.tensor)
    names = [n for n in candidates if not _BLOCK.search(n)]
    if arg.form == "expr" and len(names) > 1 and "*" in arg.text:
        return None  # `B * H`: spans several dimensions
    for n in names:
        k = sizes.kind_of_name(n)
        if k is not None:
            return k
    return None


def _names_in(node: ast.expr):
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            yield n.id
        elif isinstance(n, ast.Attribute) and n.attr not in ("shape", "numel", "size"):
            yield n.attr


def _smallest_of_min(text: str, table: dict[str, int]) -> str | None:
    """``min(triton.cdiv(n, BLOCK), NUM_SMS)``: never more than its smallest operand, so
    the kind of any operand whose names say what it counts bounds it."""
    node = sizes.parse_expression(text) if text.startswith("min(") else None
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "min"):
        return None
    kinds = []
    for operand in node.args:
        if isinstance(operand, ast.Name) and len(operand.id) > 1 and not _BLOCK.search(operand.id):
            kind = sizes.kind_of_name(operand.id)
            if kind is not None:
                kinds.append(kind)
    return min(kinds, key=lambda k: table.get(k, 0)) if kinds else None


def merge(args: list[tuple[Launch, HostArg]], table: dict[str, int] | None = None) -> HostFact | None:
    if not args:
        return None
    table = table or sizes.DEFAULTS
    first_launch, first = args[0]
    consts = [a.const for _, a in args]
    const = consts[0] if all(c is not None for c in consts) and len(set(consts)) == 1 else None
    # a literal at every launch, or a literal bound on the value where it is launched
    limits = [abs(a.const) if a.const is not None else a.guard_bound for _, a in args]
    bound = max(limits) if all(b is not None for b in limits) else None
    dtypes = [a.int64 for _, a in args]
    int64 = any(d is True for d in dtypes) and not any(d is False for d in dtypes)
    kinds = [_kind(a, table) for _, a in args]
    kind = None
    if all(k is not None for k in kinds):
        kind = max(kinds, key=lambda k: table.get(k, 0))
    # the host's name for what it passes (`rstd`), when every launch passes the same
    tensors = {a.tensor or (a.text if a.text.isidentifier() else None) for _, a in args}
    estimates = [_row_estimate(a, table) for _, a in args]
    estimate = max(estimates) if estimates and all(e is not None for e in estimates) else None
    sized = [_tensor_elements(a.dims, table) if a.form == "tensor" else None for _, a in args]
    elements = max(sized) if all(e is not None for e in sized) else None
    return HostFact(
        text=first.text, where=first_launch.where, launches=len(args), const=const, bound=bound,
        unit_stride=all(a.unit_stride for _, a in args), int64=int64, kind=kind,
        tensor=next(iter(tensors)) if len(tensors) == 1 else None, estimate=estimate,
        inner=all(_inner_stride(a) for _, a in args),
        elements=elements,
    )


def _inner_stride(arg: HostArg) -> bool:
    """The stride of a dimension after the first. `x.stride(-2)` is one only when the
    host shows the rank: of a 2-D tensor it is the row stride."""
    if arg.form != "stride" or arg.dim is None:
        return False
    if arg.dim >= 0:
        return arg.dim >= 1
    return arg.ndim is not None and arg.ndim + arg.dim >= 1


def _row_estimate(arg: HostArg, table: dict[str, int]) -> int | None:
    if arg.per_block is not None:
        return _blocks_estimate(arg.per_block, table)
    if arg.form != "stride":
        return None
    if arg.tensor and arg.dim in (0, -2):
        narrow = sizes.narrow_row(arg.tensor)
        if narrow == "unit":
            return 1 if arg.dim == 0 else None
        if narrow is not None:
            return table[narrow]
    estimate = _estimate(arg.trailing, table, arg.trailing_bounds, arg.per_head or _per_head(arg.dims))
    # each of the dimensions after it at its own maximum (heads x a 1M-token sequence x
    # a 1,024-wide head) overstates a stride: no stride is past a whole slab (one expert,
    # batch entry or layer), and a message must not say "wraps from 1 sequence"
    return None if estimate is None else min(estimate, table[sizes.SLAB_STRIDE[0]])


def _blocks_estimate(per_block: tuple[str, int | None], table: dict[str, int]) -> int | None:
    """How many blocks of a size there are at most (``cdiv(vocab, 4096)``: 64)."""
    whole, divisor = per_block
    size = _estimate((whole,), table) if divisor is not None else None
    return None if size is None else -(-size // divisor)


def _per_head(dims: tuple[str, ...] | None) -> bool:
    """A tensor laid out per head: one of its dimensions counts heads (``B, H, S, D``)."""
    return any(sizes.kind_of_name(d) == "heads" for d in dims or () if d.isidentifier())


def _estimate(dims: tuple[str, ...] | None, table: dict[str, int],
              bounds: tuple[int | None, ...] | None = None, per_head: bool = False) -> int | None:
    """The realistic maximum of the product of some dimensions, from their host
    names and the literal bounds the host checks on them; None when one of them says
    nothing. A single letter is a row's features (`x.reshape(-1, D)` is as often the
    hidden size as one head), except in a tensor laid out per head, where the letters
    after the heads are one head's elements, and so is its last dimension when the
    host's name for it says nothing (`q.stride(2)` of a `[B, H, S, D]` the launch
    passes per head); `H` counts heads and `E` experts."""
    if dims is None:
        return None

    def letter(kind: str) -> int:
        if kind in ("heads", "experts"):
            return table[kind]
        return table["head_dim"] if per_head and kind in ("head_dim", "features") else table["features"]

    out = 1
    for i, dim in enumerate(dims):
        bound = bounds[i] if bounds is not None and i < len(bounds) else None
        if bound is not None:
            out *= max(bound, 1)  # `assert D <= 256` where it launches: a proof
            continue
        size = None
        if not dim.replace(" ", "").startswith("-"):  # `x.view(n, -1, d)`: left to be inferred
            node = sizes.parse_expression(dim)
            size = sizes.expression_max(node, table, unknown=lambda name: None, letter=letter) \
                if node is not None else None
        if size is None and per_head and i == len(dims) - 1:
            size = table["head_dim"]  # the last dimension of a per-head layout: one head
        if size is None:
            return None
        out *= size
    return out


def _tensor_elements(dims: tuple[str, ...] | None, table: dict[str, int]) -> int | None:
    """The realistic maximum of a tensor's elements from the host's names for its
    dimensions. An outermost dimension the names do not size (`x.shape[0]`) is taken
    as large as the largest outer kind (the slots of a KV cache); any other must be
    sized by its name."""
    if not dims:
        return None
    per_head = _per_head(dims)
    rest = _estimate(dims[1:], table, per_head=per_head) if len(dims) > 1 else 1
    if rest is None:
        return None
    first = _estimate(dims[:1], table, per_head=per_head)
    if first is None:
        first = max(table[d.kind] for d in sizes.DIMENSIONS if d.outer)
    return first * rest


class KernelLaunches:
    """The launches of one kernel, bound to its parameters."""

    def __init__(self, launches: list[Launch], params: list[str], dtypes: dict[str, bool] | None = None):
        self.launches = launches
        self.params = params
        self._bound: dict[str, list[tuple[Launch, HostArg]]] = {}
        dtypes = dtypes or {}

        def typed(arg: HostArg) -> HostArg:
            # a tensor the launch does not show the type of (`slot_mapping`,
            # `attn_metadata.slot_mapping`), allocated elsewhere in the run
            if arg.int64 is not None or not dtypes or arg.form not in ("tensor", "expr"):
                return arg
            text = arg.text.strip()
            dotted = _DOTTED.fullmatch(text)
            name = dotted.group(1) if dotted else arg.tensor if arg.form == "tensor" else None
            # an attribute (`meta.slot_mapping`) or a compound name says which tensor;
            # a generic word (`indices`, `idx`) is a different tensor in every module
            specific = name is not None and ("." in text or "_" in name.strip("_"))
            return replace(arg, int64=dtypes[name]) if specific and name in dtypes else arg

        for launch in launches:
            pairs = [(name, arg) for name, arg in zip(params, launch.args) if arg is not None]
            pairs += [(name, arg) for name, arg in launch.kwargs.items() if name in params]
            per_head = {arg.tensor for name, arg in pairs
                        if arg.form == "stride" and arg.tensor and _HEAD_STRIDE.search(name)}
            for name, arg in pairs:
                if arg.form == "stride" and arg.tensor in per_head:
                    arg = replace(arg, per_head=True)
                self._bound.setdefault(name, []).append((launch, typed(arg)))

    @property
    def guard(self) -> str | None:
        """Where the host checks the int32 range, when every launch is behind such a check."""
        guards = [ln.guard for ln in self.launches]
        return guards[0] if guards and all(guards) else None

    def param(self, name: str) -> HostFact | None:
        return merge(self._bound.get(name, []))

    def axis(self, axis: int) -> HostFact | None:
        """The grid axis ``program_id(axis)`` runs below, if every launch shows it."""
        args = []
        for launch in self.launches:
            if launch.grid is None:
                return None
            if axis >= len(launch.grid):
                args.append((launch, HostArg("1", "literal", const=1)))  # an absent axis has one program
            else:
                args.append((launch, launch.grid[axis]))
        return merge(args)


class LaunchIndex:
    """Every launch in the run, by kernel name."""

    def __init__(self, launches: Iterable[Launch] = (), definitions: dict[str, set[str]] | None = None,
                 dtypes: dict[str, bool] | None = None):
        #: kernel name -> the files that define a jit function of that name
        self.definitions = definitions or {}
        #: attribute name -> int64 or not, from the allocations anywhere in the run
        self.dtypes = dtypes or {}
        self.by_kernel: dict[str, list[Launch]] = {}
        for launch in launches:
            self.by_kernel.setdefault(launch.kernel, []).append(launch)

    def __len__(self) -> int:
        return sum(len(v) for v in self.by_kernel.values())

    def for_kernel(self, name: str, params: list[str], path: str | None = None) -> KernelLaunches | None:
        launches = [ln for ln in self.by_kernel.get(name, ()) if _fits(ln, params)]
        if path is not None and len(self.definitions.get(name, ())) > 1:
            # several kernels of this name in the run (one per backend): a launch binds
            # the one in its own file or in a module it imports
            stem = Path(path).stem
            launches = [ln for ln in launches if ln.path == path or stem in ln.imports]
        return KernelLaunches(launches, params, self.dtypes) if launches else None

    @classmethod
    def from_texts(cls, texts: Iterable[tuple[str, str]]) -> LaunchIndex:
        """``texts``: (display path, source) of every file in the run."""
        texts = list(texts)
        names: set[str] = set()
        definitions: dict[str, set[str]] = {}
        for path, text in texts:
            if "jit" in text:
                for name in kernel_names(text):
                    names.add(name)
                    definitions.setdefault(name, set()).add(path)
        launches: list[Launch] = []
        if names:
            for path, text in texts:
                launches.extend(read_launches(text, path, names))
        dtypes = attribute_dtypes(texts) if launches else {}
        return cls(launches, definitions, dtypes)

    @classmethod
    def from_paths(cls, paths: Iterable[Path]) -> LaunchIndex:
        def texts():
            for p in paths:
                try:
                    yield str(p), p.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    continue  # reported when the file itself is checked
        return cls.from_texts(texts())


def _fits(launch: Launch, params: list[str]) -> bool:
    """A launch of another kernel of the same name does not bind this one."""
    if len([a for a in launch.args if a is not None]) > len(params):
        return False
    return all(k in params for k in launch.kwargs if k not in LAUNCH_OPTIONS)


#: keywords of a launch that are options of the compiler or the launcher, not kernel
#: parameters: Triton's own, and the AMD backend's
LAUNCH_OPTIONS = frozenset({
    "grid", "num_warps", "num_stages", "num_ctas", "maxnreg", "enable_fp_fusion", "launch_pdl",
    "launch_cooperative_grid", "debug", "sanitize_overflow", "extern_libs", "instrumentation_mode",
    "waves_per_eu", "matrix_instr_nonkdim", "kpack", "schedule_hint", "num_buffers_warp_spec",
    "num_consumer_groups", "reg_dec_producer", "reg_inc_consumer", "cluster_dims",
})


def bind_param(value: Value, fact: HostFact | None) -> Value:
    """A kernel parameter's value refined by what every launch passes."""
    if fact is None:
        return value
    if value.width == Width.PTR:
        kind = sizes.kind_of_name(fact.tensor) if fact.tensor else None
        return value.with_(host=fact.describe(), kind=kind, int64_elements=fact.int64, tensor_name=fact.tensor,
                           tensor_elements=fact.elements)
    if not value.width.is_int:
        return value
    name, what = value.origin[0] if value.origin else ("", "")
    changes: dict = {"host": fact.describe(), "origin": ((name, f"{what}; {fact.describe()}"),) + value.origin[1:]}
    if fact.bound is not None:
        changes["bound"] = fact.bound  # a literal at every launch: a proof, not an estimate
        if value.width == Width.CONST and fact.const is not None:
            changes["const"] = fact.const
    if fact.estimate is not None and not fact.unit_stride:
        changes["estimate"] = fact.estimate
    if fact.unit_stride:
        changes["kind"] = "unit"
    elif fact.inner:
        changes["kind"] = "inner_stride"
    elif fact.estimate is None and fact.kind is not None and (sizes.kind_of_name(name) is None or len(name) == 1):
        # the kernel's own name, when it says, is the more specific; a single letter
        # (`K`) says less than the host's `candidate_top_k`
        changes["kind"] = fact.kind
    return value.with_(**changes)


def bind_program_id(value: Value, fact: HostFact | None) -> Value:
    """``program_id(a)`` runs below grid axis ``a`` of every launch."""
    if fact is None:
        return value
    name, what = value.origin[0]
    changes: dict = {"host": f"grid axis {fact.describe()}",
                     "origin": ((name, f"{what}, below grid axis {fact.describe()}"),)}
    if fact.bound is not None:
        changes["bound"] = max(fact.bound - 1, 0)
    if fact.kind is not None:
        changes["kind"] = fact.kind
    return value.with_(**changes)
