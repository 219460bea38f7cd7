"""CPU tier for the reference kernels in fixtures/kernels (no GPU needed).

* Numerics: both forms (and tritonlint's ``--fix`` output of the unfixed form)
  run in the Triton interpreter against the PyTorch references. The interpreter
  runs in subprocesses (tests/kernels/cpu_worker.py): TRITON_INTERPRET=1 has to
  be set before triton is imported, and this pytest process compiles kernels
  with ``triton.compile`` (the oracle) and needs real JITFunctions.
* Lint: ``tritonlint check --format json --select ALL`` reports exactly the
  lines tagged ``# overflow site [TLxxx]`` in the unfixed forms, nothing in the
  fixed forms, and ``--fix --unsafe-fixes`` turns the unfixed forms into clean
  files.
* Compiler oracle (tests/oracle.py, triton's own frontend for sm_90, no GPU):
  on the tagged lines the unfixed forms multiply in i32 and the fixed forms in
  i64, and the fixed forms have no other int32 product reaching an address
  except where a ``# oracle:`` comment explains why it is bounded.

The interpreter ignores ``tl.int64`` annotations and never faults on a bad
address, so the numerics here say nothing about overflow safety: that is what
the lint, oracle and GPU tiers are for.
"""
from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import kernel_helpers as KH

WORKER = Path(__file__).resolve().parent / "cpu_worker.py"
CASES = KH.cpu_cases()
CASE_NAMES = [c["name"] for c in CASES]
LINT_SKIP = KH.tritonlint_available()
needs_tritonlint = pytest.mark.skipif(LINT_SKIP is not None, reason=f"tritonlint cannot run: {LINT_SKIP}")


# ----------------------------------------------------------------------------- interpreter workers


class _WorkerPool:
    """Start the interpreter workers once, concurrently, and keep their results."""

    def __init__(self):
        self._lock = threading.Lock()
        self._procs: dict[str, subprocess.Popen] = {}
        self._results: dict[str, dict] = {}

    def start(self, group: str, args: list[str]) -> None:
        with self._lock:
            if group in self._procs:
                return
            env = dict(KH._lint_env())
            env["PYTHONUNBUFFERED"] = "1"
            self._procs[group] = subprocess.Popen(
                [sys.executable, str(WORKER), *args], cwd=KH.ROOT, env=env, text=True,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def results(self, group: str) -> dict:
        with self._lock:
            if group not in self._results:
                proc = self._procs[group]
                out, err = proc.communicate(timeout=900)
                res = {}
                for line in out.splitlines():
                    line = line.strip()
                    if line.startswith("{"):
                        d = json.loads(line)
                        res[d["name"]] = d
                self._results[group] = {"cases": res, "rc": proc.returncode, "stderr": err}
            return self._results[group]

    def stop(self) -> None:
        for p in self._procs.values():
            if p.poll() is None:
                p.kill()
                p.wait()


@pytest.fixture(scope="module")
def fix_outputs(tmp_path_factory):
    """tritonlint ``--fix --unsafe-fixes`` applied to a copy of each unfixed file."""
    if LINT_SKIP is not None:
        return None
    return KH.fix_copies(tmp_path_factory.mktemp("tritonlint_fix"))


@pytest.fixture(scope="module")
def workers(fix_outputs):
    pool = _WorkerPool()
    pool.start("unfixed", ["--form", "unfixed"])
    pool.start("fixed", ["--form", "fixed"])
    if fix_outputs is not None:
        pool.start("fix", ["--conv-module", str(fix_outputs["causal_conv1d"][0]),
                           "--delta-module", str(fix_outputs["gated_delta_rule"][0])])
    yield pool
    pool.stop()


def _check_case(pool: _WorkerPool, group: str, name: str) -> None:
    res = pool.results(group)
    case = res["cases"].get(name)
    assert case is not None, (
        f"interpreter worker ({group}) gave no result for {name}; rc={res['rc']}\n{res['stderr'][-3000:]}")
    assert case["ok"], f"{group} {name}: {case['detail']}"


@pytest.mark.parametrize("form", ["unfixed", "fixed"])
@pytest.mark.parametrize("name", CASE_NAMES)
def test_interpreter_matches_reference(workers, form, name):
    _check_case(workers, form, name)


@needs_tritonlint
@pytest.mark.parametrize("name", CASE_NAMES)
def test_fix_output_matches_reference(workers, fix_outputs, name):
    case = next(c for c in CASES if c["name"] == name)
    path, r = fix_outputs[KH.case_family(case)]
    assert r.returncode == 0, f"--fix failed (rc={r.returncode}): {r.stdout[-2000:]}{r.stderr[-2000:]}"
    _check_case(workers, "fix", name)


def test_delta_rule_bf16_in_interpreter():
    pytest.skip("triton 3.6's interpreter computes tl.dot on bf16 tiles from their raw uint16 bits "
                "(wrong values), so the delta rule is checked in fp32 here and in bf16 on the GPU tier")


# ----------------------------------------------------------------------------- lint


@needs_tritonlint
@pytest.mark.parametrize("family", KH.FAMILIES)
def test_lint_unfixed_reports_exactly_the_tagged_sites(family):
    path = KH.kernel_file(family, fixed=False)
    expected = KH.tagged_sites(path)
    assert expected, f"no `# overflow site [TLxxx]` tags in {path}"
    rc, findings, err = KH.lint_json(path)
    got = KH.finding_pairs(findings)
    assert got == expected, (
        f"missing: {sorted(expected - got)}\nunexpected: {sorted(got - expected)}\n"
        + "\n".join(f"  {f['code']} {f['location']['row']}: {f['message'][:160]}" for f in findings))
    assert rc == 1, f"exit code {rc} with findings (expected 1); stderr: {err[-1000:]}"
    for f in findings:
        assert Path(f["filename"]).resolve() == path.resolve()
        assert f["fix"] is not None, f"{f['code']} at row {f['location']['row']} has no fix"


@needs_tritonlint
@pytest.mark.parametrize("family", KH.FAMILIES)
def test_lint_fixed_is_clean(family):
    path = KH.kernel_file(family, fixed=True)
    rc, findings, err = KH.lint_json(path)
    assert findings == [], "\n".join(f"{f['code']} {f['location']['row']}: {f['message']}" for f in findings)
    assert rc == 0, f"exit code {rc}; stderr: {err[-1000:]}"


@needs_tritonlint
@pytest.mark.parametrize("family", KH.FAMILIES)
def test_fix_output_is_clean_and_stable(fix_outputs, family, tmp_path):
    path, r = fix_outputs[family]
    assert r.returncode == 0, f"--fix rc={r.returncode}: {r.stdout[-2000:]}{r.stderr[-2000:]}"
    text = path.read_text()
    assert text != KH.kernel_file(family, fixed=False).read_text(), "--fix changed nothing"
    rc, findings, err = KH.lint_json(path)
    assert findings == [], "\n".join(f"{f['code']} {f['location']['row']}: {f['message']}" for f in findings)
    assert rc == 0
    again = tmp_path / path.name
    again.write_text(text)
    r2 = KH.lint_fix(again)
    assert r2.returncode == 0 and again.read_text() == text, "a second --fix changed the file"


# ----------------------------------------------------------------------------- compiler oracle


def _oracle():
    try:
        import oracle
    except ImportError as e:  # pragma: no cover
        pytest.skip(f"tests/oracle.py not importable: {e}")
    return oracle


def _compile(path: Path, family: str):
    """[(spec label, OracleResult, {line: {"i32"/"i64"}} of arith.muli)] for each compiled specialisation."""
    import ttir_muli

    oracle = _oracle()
    fns = oracle.load_kernels(path)
    out = []
    for name, cx, ptrs in KH.compile_specs(family):
        text = oracle.compile_ttir(path, name, overrides=KH.overrides_for(fns[name], cx, ptrs))
        res = oracle.analyse_ttir(text, path, kernel=name)
        label = f"{name}" + (f" IS_VARLEN={cx['IS_VARLEN']}" if "IS_VARLEN" in cx else "")
        out.append((label, res, ttir_muli.muli_types_by_line(text, str(path))))
    return out


def _tag_lines_of(path: Path, kernel_label: str, family: str) -> set[int]:
    """Tagged lines inside the kernel a specialisation compiles."""
    import ast

    src = path.read_text()
    tree = ast.parse(src)
    name = kernel_label.split()[0]
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    return {row for _, row in KH.tagged_sites(path) if fn.lineno <= row <= fn.end_lineno}


@pytest.mark.parametrize("family", KH.FAMILIES)
def test_oracle_unfixed_multiplies_in_int32_on_tagged_lines(family):
    path = KH.kernel_file(family, fixed=False)
    for label, res, muli in _compile(path, family):
        sites = res.product_lines() | {c.cast_line for c in res.late_casts} | {c.site.line for c in res.late_casts}
        for row in sorted(_tag_lines_of(path, label, family)):
            assert "i32" in muli.get(row, set()), f"{label}: line {row} has no i32 arith.muli ({muli.get(row)})"
            assert row in sites, f"{label}: the oracle sees no int32 product reaching an address on line {row}"


@pytest.mark.parametrize("family", KH.FAMILIES)
def test_oracle_fixed_multiplies_in_int64_on_tagged_lines(family):
    path = KH.kernel_file(family, fixed=True)
    waived = KH.waived_lines(path)
    for label, res, muli in _compile(path, family):
        for row in sorted(_tag_lines_of(path, label, family)):
            assert muli.get(row) == {"i64"}, f"{label}: line {row} multiplies in {muli.get(row)}, expected only i64"
        left = sorted((res.product_lines() | {c.site.line for c in res.late_casts}) - waived)
        assert not left, f"{label}: int32 products reaching an address on lines {left} (not waived with `# oracle:`)"
        assert not res.narrowing_casts and not res.accumulators, (label, res.narrowing_casts, res.accumulators)


@needs_tritonlint
@pytest.mark.parametrize("family", KH.FAMILIES)
def test_oracle_fix_output_has_no_int32_offset_products(fix_outputs, family):
    """The --fix output, compiled: no tagged line still feeds an int32 product into an
    address, and no late cast is left on a TL003 line (in any compiled specialisation:
    both sides of IS_VARLEN)."""
    path, r = fix_outputs[family]
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    tl003 = {row for code, row in KH.tagged_sites(path) if code == "TL003"}
    problems = []
    lines = path.read_text().splitlines()
    for label, res, _ in _compile(path, family):
        tagged = _tag_lines_of(path, label, family)
        for row in sorted(res.product_lines() & tagged):
            problems.append(f"{label}: line {row}: int32 product reaches an address")
        for c in res.late_casts:
            # `bos = i_n * T` is a token coordinate (the linter reports the product that
            # scales it into an offset): widening it where it is scaled is the fix
            if "# coordinate:" in lines[c.site.line - 1]:
                continue
            if c.cast_line in tl003:
                problems.append(f"{label}: line {c.cast_line}: int32 product (line {c.site.line}) widened after the fact")
    lines = path.read_text().splitlines()
    problems = sorted(set(problems), key=lambda p: (int(p.split("line ")[1].split(":")[0]), p))
    assert not problems, "\n".join(p + "\n    " + lines[int(p.split("line ")[1].split(":")[0]) - 1].strip()
                                   for p in problems)
