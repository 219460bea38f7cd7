"""tritonlint: find and fix int32 overflow in the pointer arithmetic of Triton kernels."""

__version__ = "0.1.0"
