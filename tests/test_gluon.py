"""Gluon kernels (`@gluon.jit`, triton.experimental.gluon) are found and analysed as
`@triton.jit` ones are: same prefilter, kernel finder, aliases and integer rules."""
from __future__ import annotations

import libcst as cst
import pytest

from tritonlint.discovery import might_have_kernels
from tritonlint.engine import check_source
from tritonlint.fixer import fix_text
from tritonlint.kernels import find_kernels
from tritonlint.settings import Settings

BODY = '''
@{deco}
def rows(x_ptr, stride_row, BLOCK: {gl}.constexpr):
    layout: {gl}.constexpr = {gl}.BlockedLayout([1], [32], [4], [0])
    row = {gl}.program_id(0)
    {gl}.store(x_ptr + row * stride_row + {gl}.arange(0, BLOCK, layout=layout), 0.0)
'''

SPELLINGS = {
    "documented": ("from triton.experimental import gluon\nfrom triton.experimental.gluon import language as gl\n",
                   "gluon.jit", "gl"),
    "module import": ("import triton.experimental.gluon as gluon\nimport triton.experimental.gluon.language as ttgl\n",
                      "gluon.jit", "ttgl"),
    "jit imported": ("from triton.experimental.gluon import jit\nimport triton.experimental.gluon.language as gl\n",
                     "jit", "gl"),
    "decorator called": ("from triton.experimental import gluon\nfrom triton.experimental.gluon import language as gl\n",
                         "gluon.jit(do_not_specialize=['stride_row'])", "gl"),
    # vLLM re-exports Gluon from its own triton_utils
    "re-exported": ("from vllm.triton_utils import gl, gluon\n", "gluon.jit", "gl"),
    # vLLM's AMD kernels borrow AITER's Gluon modules: `gluon = other.gluon`
    "borrowed": (("import triton\nfrom aiter.ops.triton.gluon import pa_mqa_logits as _dense\n"
                  "gluon = _dense.gluon\ngl = _dense.gl\n"), "gluon.jit", "gl"),
}


@pytest.mark.parametrize("name", SPELLINGS)
def test_gluon_kernels_are_found_and_analysed(name):
    header, deco, gl = SPELLINGS[name]
    text = header + BODY.format(deco=deco, gl=gl)
    assert might_have_kernels(text)
    mk = find_kernels(cst.parse_module(text))
    assert [k.name for k in mk.kernels] == ["rows"]
    result = check_source(text, "g.py", Settings(strict=True))
    assert result.error is None and result.kernels == 1
    assert [(d.code, d.expression) for d in result.diagnostics] == [("TL002", "row * stride_row")]
    assert "program_id(0)" in " ".join(result.diagnostics[0].chain)


def test_a_gluon_namesake_from_elsewhere_is_not_a_kernel():
    text = "import triton\nfrom mxnet import gluon\n" + BODY.format(deco="gluon.jit", gl="gluon")
    assert find_kernels(cst.parse_module(text)).kernels == []


def test_the_fix_spells_int64_with_the_gluon_alias():
    header, deco, gl = SPELLINGS["module import"]
    text = header + BODY.format(deco=deco, gl=gl)
    out = fix_text(text, "g.py", Settings(strict=True))
    assert out.failure is None
    assert "row = ttgl.program_id(0).to(ttgl.int64)" in out.text


def test_vendor_namespaces_resolve_to_the_member():
    text = ("from triton.experimental import gluon\nfrom triton.experimental.gluon import language as gl\n"
            "from triton.experimental.gluon.language.nvidia.hopper import tma\n")
    mk = find_kernels(cst.parse_module(text))
    expr = cst.parse_expression
    assert mk.imports.language_member(expr("gl.program_id")) == "program_id"
    assert mk.imports.language_member(expr("tma.make_tensor_descriptor")) == "make_tensor_descriptor"
    assert mk.imports.language_member(expr("gl.nvidia.hopper.tma.async_copy_global_to_shared")) == \
        "async_copy_global_to_shared"
    assert mk.imports.language_member(expr("gl.int64")) == "int64"
