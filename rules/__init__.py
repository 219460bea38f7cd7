"""The rule catalogue: one module per rule (code, name, docs, examples, check, fix).

Codes are stable once released and never reused.
"""
from __future__ import annotations

from .base import Rule
from .tl001_constexpr_stride import ConstexprStride
from .tl002_int32_offset_product import Int32OffsetProduct
from .tl003_late_int64_cast import LateInt64Cast
from .tl004_narrowing_index_cast import NarrowingIndexCast
from .tl005_int_annotated_stride import IntAnnotatedStride
from .tl006_int32_offset_accumulator import Int32OffsetAccumulator
from .tl007_int32_flat_offset import Int32FlatOffset
from .tl008_int32_descriptor_shape import Int32DescriptorShape
from .tl100_unused_noqa import UnusedNoqa

ALL_RULES: tuple[type[Rule], ...] = (
    ConstexprStride,
    Int32OffsetProduct,
    LateInt64Cast,
    NarrowingIndexCast,
    IntAnnotatedStride,
    Int32OffsetAccumulator,
    Int32FlatOffset,
    Int32DescriptorShape,
    UnusedNoqa,
)
BY_CODE: dict[str, type[Rule]] = {r.code: r for r in ALL_RULES}
BY_NAME: dict[str, type[Rule]] = {r.name: r for r in ALL_RULES}

__all__ = ["ALL_RULES", "BY_CODE", "BY_NAME", "Rule"]
