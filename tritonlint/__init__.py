"""tritonlint: find and fix int32 overflow in the pointer arithmetic of Triton kernels."""

import os as _os

__version__ = "0.1.0"

# The rule catalogue lives in the top-level rules/ folder and is installed as
# tritonlint.rules (pyproject's package-dir mapping). When tritonlint is imported
# straight from a source checkout (PYTHONPATH=., no install), let the package
# find rules/ beside it so `tritonlint.rules` still resolves.
_root = _os.path.dirname(_os.path.dirname(_os.path.abspath(__file__)))
if _os.path.isfile(_os.path.join(_root, "rules", "base.py")) and _os.path.isfile(_os.path.join(_root, "pyproject.toml")):
    __path__.append(_root)  # type: ignore[name-defined]  # noqa: F821
