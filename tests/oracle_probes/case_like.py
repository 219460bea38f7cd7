"""A synthetic lint case (same conventions as fixtures/cases) for testing the
cross-check in tests/test_oracle.py with a simulated linter.  `# P:` markers
let the tests find lines."""
import triton
import triton.language as tl


@triton.jit
def case_kernel(x_ptr, idx_ptr, stride, n, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    tl.store(x_ptr + pid * stride, 1.0)  # error: TL002  # P:product_line
    off = (pid * stride).to(tl.int64)  # error: TL003  # P:late_line
    tl.store(x_ptr + off, 2.0)
    tl.store(x_ptr + pid * BLOCK + tl.arange(0, BLOCK), 3.0)  # oracle: block start  # P:waived_line
    row = tl.load(idx_ptr + pid).to(tl.int32)  # error: TL004
    tl.store(x_ptr + row * stride, 4.0)  # error: TL002
    acc = 0
    for i in range(n):
        tl.store(x_ptr + acc, 5.0)
        acc += stride  # error: TL006
    tl.store(x_ptr + pid, 6.0)  # P:safe_line


ORACLE_SIGNATURE = {"case_kernel": {"idx_ptr": "*i64"}}
