"""What an address reaches: the tensor behind a pointer, and how big it realistically gets.

An in-bounds offset stays below the number of elements of the tensor it
addresses, so a 32-bit product that only ever addresses tensors of fewer than
2**31 elements cannot wrap on a real workload, whatever its index runs over
(a masked-off lane computes an address but never dereferences it).

Two things say how big a tensor gets:

* the launch, where the host shows every dimension of the tensor it passes
  (``torch.empty(num_tokens, 3)``): the product of their realistic maxima;
* what the tensor is, by the kernel's or the host's name for it. Some tensors
  are small by nature, one short row per token, request or head: indices and
  other metadata (slot mappings, block tables, top-k ids, sequence lengths),
  per-row statistics (log-sum-exp, rstd), quantisation scales and rotary
  caches. The size model bounds them all by one entry, ``metadata`` (2**30
  elements: a million tokens times 1,024 entries, 4 GB of int32 indices).

Tensors that hold activations, weights, logits or caches are never small by
name: ``x_ptr``, ``q``, ``kv_cache`` and ``out`` say nothing here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from . import sizes
from .values import Value

#: Names of tensors that are small by nature, with what a message calls them. A name
#: is matched after dropping pointer affixes (``scale_ptr``, ``p_lse``, ``seq_lens_ptrs``).
_SMALL_BY_NATURE = (
    (re.compile(r"indices|(^|_)ids?($|_)|(^|_)idx$|positions?$|(^|_)pos$|seq_?pos$|slot_mapping|seq_?lens?|seqlens|seq_?starts?"
                r"|lengths?($|_)|(^|_)lens($|_)|^cu_|_offsets?$|^offsets?$|(block|page|kv|req|slot)_?tables?"
                r"|req_to_token|(^|_)locs?($|_)|counts?($|_)|topk|top_k|owners?($|_)", re.IGNORECASE),
     "an index or metadata tensor"),
    (re.compile(r"(^|_)lses?($|_)|rstd|(^|_)mean($|_)|(^|_)var($|_)|(^|_)loss($|_)", re.IGNORECASE),
     "a tensor of per-row statistics"),
    (re.compile(r"scales?($|_)|(^|_)sfs?($|_)|amax|absmax", re.IGNORECASE), "a tensor of quantisation scales"),
    (re.compile(r"(^|_)(cos|sin)($|_)|freqs?($|_)|cos_sin|rope|rotary", re.IGNORECASE), "a rotary cache"),
    (re.compile(r"status|(^|_)flags?($|_)|(^|_)locks?($|_)|counter|semaphore|^(is|has)_", re.IGNORECASE),
     "a tensor of flags or counters"),
    # a radix sort's or a top-p's counts: bins x passes x programs
    (re.compile(r"(^|_)hist(ogram)?s?($|_)|(^|_)bins($|_)", re.IGNORECASE), "a histogram"),
    # one value per channel or head: a norm's or a convolution's weights, ALiBi slopes,
    # an SSM's per-head time-step bias and decay. Not a per-token value (`dt`, `beta`,
    # a gate): those are often a strided view of the fused input projection, whose
    # strides span the whole projection (mamba's `dt` of a 35,072-wide in_proj wrapped
    # at 4 x 40,960 tokens), and `gate` is also the gate half of a gated MLP
    (re.compile(r"(^|_)(norm|ln|rms|layer_?norm|rms_?norm)_?(w|weights?|bias)$|^gamma$|^conv\d?d?_?(w|weights?)$"
                r"|slopes?$|^(dt_bias|a_log)$", re.IGNORECASE),
     "a tensor of per-channel or per-head parameters"),
)


def small_by_nature(name: str | None) -> str | None:
    """What a tensor small by nature is, from its name; None when the name says nothing."""
    if not name:
        return None
    base = sizes.POINTER_AFFIXES.sub("", name.strip("`").split(".")[-1])
    for rx, what in _SMALL_BY_NATURE:
        if rx.search(base):
            return what
    return None


@dataclass(frozen=True)
class TensorExtent:
    name: str  # the kernel's name for it, with the host's where the launch shows it
    maximum: int  # realistic maximum of its elements
    why: str


def extent(pointer: Value | None, table: dict[str, int]) -> TensorExtent | None:
    """How many elements the tensor behind ``pointer`` realistically holds, or None
    when nothing says it is small."""
    if pointer is None or not pointer.origin:
        return None
    param = pointer.origin[0][0]
    host = pointer.tensor_name
    shown = f"`{param}`" + (f" (`{host}` at the launch)" if host and host != param else "")
    best: TensorExtent | None = None
    if pointer.tensor_elements is not None:
        best = TensorExtent(shown, pointer.tensor_elements,
                            f"{shown} holds at most {pointer.tensor_elements:,} elements, from its shape at the launch")
    what = small_by_nature(host) or small_by_nature(param)
    if what is not None and (best is None or table["metadata"] < best.maximum):
        best = TensorExtent(shown, table["metadata"],
                            f"{shown} is {what}, at most {table['metadata']:,} elements")
    return best
