"""Output formats, all rendered from the one Diagnostic model: golden outputs for
text, github and markdown on a small fixed kernel (tests/golden/sample_kernel.py),
SARIF against the official 2.1.0 schema, fingerprints that survive line shifts,
the ruff shape of JSON, --output-file, --statistics, and `tritonlint rule`.

Set TRITONLINT_UPDATE_GOLDEN=1 to rewrite the golden files (then read the diff).
"""
from __future__ import annotations

import json
import re
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tritonlint.diagnostics import Applicability, Diagnostic, Edit, Fix, Position
from tritonlint.reporters import github, markdown
from tritonlint.rules import ALL_RULES

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
GOLDEN = TESTS / "golden"
SAMPLE = "sample_kernel.py"
SCHEMA = ROOT.parent / "shared" / "data" / "sarif-schema-2.1.0.json"
UPDATE = os.environ.get("TRITONLINT_UPDATE_GOLDEN") == "1"

TWO_PRODUCTS = """import triton
import triton.language as tl


@triton.jit
def k(x_ptr, y_ptr, stride, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    tl.store(x_ptr + tl.program_id(0) * stride + tl.arange(0, BLOCK), 0.0)
    tl.store(y_ptr + tl.program_id(0) * stride + tl.arange(0, BLOCK), 1.0)
    tl.store(y_ptr + pid * stride, 2.0)
"""


def tritonlint(*args, cwd=GOLDEN) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tritonlint", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True)


def check(fmt: str, *extra, path=SAMPLE, cwd=GOLDEN) -> subprocess.CompletedProcess:
    return tritonlint("check", path, "--format", fmt, "--color", "never", *extra, cwd=cwd)


def normalise(text: str) -> str:
    return text.replace(str(GOLDEN), "<GOLDEN>").replace(GOLDEN.as_uri(), "file://<GOLDEN>")


def compare_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
        return
    assert path.is_file(), f"{path} is missing: run with TRITONLINT_UPDATE_GOLDEN=1 to create it"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{name} changed; if intended, rerun with TRITONLINT_UPDATE_GOLDEN=1 and review the diff"


@pytest.mark.parametrize("fmt,name", [("text", "check.text"), ("github", "check.github"), ("markdown", "check.md")])
def test_golden(fmt, name):
    r = check(fmt)
    assert r.returncode == 1, r.stderr
    assert r.stderr == ""
    compare_golden(name, normalise(r.stdout))


def test_golden_kernel_exercises_what_the_formats_show():
    """The golden files only mean something if the sample keeps its variety."""
    data = json.loads(check("json").stdout)
    assert len({d["code"] for d in data}) >= 3
    fixes = {d["fix"]["applicability"] for d in data if d["fix"]}
    assert fixes == {"safe", "unsafe"}
    assert any(d["fix"] and d["fix"]["edits"][0]["location"]["row"] != d["location"]["row"] for d in data), \
        "a fix on another line than the finding"
    sarif = json.loads(check("sarif").stdout)
    assert any("suppressions" in r for r in sarif["runs"][0]["results"]), "a finding silenced with noqa"


# --- github -----------------------------------------------------------------------------------


def _diag(message="m", path="k.py", fix=None, **kw) -> Diagnostic:
    return Diagnostic(code="TL002", name="int32-offset-product", message=message, path=path,
                      start=Position(3, 4), end=Position(3, 10), kernel="k", expression="a * b", fix=fix, **kw)


def test_github_escaping():
    assert github.escape_data("100% a\r\nb:c,d") == "100%25 a%0D%0Ab:c,d"
    assert github.escape_property("dir,x/a:b%.py") == "dir%2Cx/a%3Ab%25.py"
    line = github.annotation(_diag(message="50% of\nrows", path="we,ird:name.py"))
    assert line == ("::error file=we%2Cird%3Aname.py,line=3,col=5,endLine=3,endColumn=11,"
                    "title=TL002 (int32-offset-product)::50%25 of%0Arows")


def test_github_annotation_carries_the_fix():
    fix = Fix(Applicability.UNSAFE, "Cast to int64", (Edit(Position(3, 4), Position(3, 4), "x"),))
    line = github.annotation(_diag(fix=fix))
    assert line.endswith("::m%0Ahelp: Cast to int64 (unsafe fix, applied with `tritonlint check --fix --unsafe-fixes`)")
    r = check("github")
    assert all(line.startswith("::error file=sample_kernel.py,line=") for line in r.stdout.splitlines())


# --- sarif ------------------------------------------------------------------------------------


def sarif_of(*args, cwd=GOLDEN) -> dict:
    r = tritonlint("check", *args, "--format", "sarif", cwd=cwd)
    assert r.returncode in (0, 1, 2), r.stderr
    return json.loads(r.stdout)


def validate(log: dict) -> None:
    if not SCHEMA.is_file():
        pytest.skip(f"the SARIF schema is not at {SCHEMA}")
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_sarif_validates_against_the_schema(tmp_path):
    validate(sarif_of(SAMPLE))
    (tmp_path / "broken.py").write_text("import triton\n@triton.jit\ndef k(:\n    pass\n")
    (tmp_path / "ok.py").write_text(TWO_PRODUCTS)
    log = sarif_of(".", cwd=tmp_path)
    validate(log)
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes] == ["broken.py"]
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_sarif_validation_catches_a_bad_log():
    """The schema check is not vacuous: a 0-based column is rejected."""
    log = sarif_of(SAMPLE)
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startColumn"] = 0
    with pytest.raises(AssertionError):
        validate(log)


def test_sarif_content():
    log = sarif_of(SAMPLE)
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    from tritonlint import __version__

    assert (driver["name"], driver["version"]) == ("tritonlint", __version__)
    assert driver.get("informationUri") is None  # no public address is configured: none is printed
    assert [r["id"] for r in driver["rules"]] == [r.code for r in ALL_RULES]
    for desc, rule in zip(driver["rules"], ALL_RULES):
        assert desc["name"] == rule.name
        assert desc["shortDescription"]["text"] == rule.summary
        assert 0 < len(desc["fullDescription"]["text"]) <= 1024
        assert desc["help"]["markdown"] == rule.docs.strip() and desc["help"]["text"]
        assert "helpUri" not in desc and rule.url() is None
        assert desc["defaultConfiguration"]["level"] in ("error", "warning", "note")
    from tritonlint.repository import source_root

    root = source_root(GOLDEN)  # the checkout's root; the golden directory outside a repository
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == root.as_uri() + "/"
    data = json.loads(check("json").stdout)
    active = [r for r in run["results"] if "suppressions" not in r]
    assert len(active) == len(data)
    for res, d in zip(active, data):
        assert res["ruleId"] == d["code"] and driver["rules"][res["ruleIndex"]]["id"] == d["code"]
        assert res["level"] == "error" and res["message"]["text"] == d["message"]
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"] == {"uri": (GOLDEN / SAMPLE).relative_to(root).as_posix(),
                                           "uriBaseId": "%SRCROOT%"}
        assert loc["region"] == {"startLine": d["location"]["row"], "startColumn": d["location"]["column"],
                                 "endLine": d["end_location"]["row"], "endColumn": d["end_location"]["column"]}
        if d["fix"]:
            (change,) = res["fixes"][0]["artifactChanges"]
            for rep, edit in zip(change["replacements"], d["fix"]["edits"]):
                assert rep["insertedContent"]["text"] == edit["content"]
                assert rep["deletedRegion"]["startLine"] == edit["location"]["row"]
                assert rep["deletedRegion"]["startColumn"] == edit["location"]["column"]
        else:
            assert "fixes" not in res
    (sup,) = [r for r in run["results"] if "suppressions" in r]
    # the reason written after the codes of the `# noqa`
    assert sup["suppressions"] == [{"kind": "inSource", "justification": "sizes are small here"}]


def _fingerprints(tmp_path: Path, text: str) -> list[tuple[int, str]]:
    (tmp_path / "k.py").write_text(text)
    log = sarif_of("k.py", cwd=tmp_path)
    return [(r["locations"][0]["physicalLocation"]["region"]["startLine"], r["partialFingerprints"]["tritonlint/v1"])
            for r in log["runs"][0]["results"]]


def test_sarif_fingerprints_do_not_depend_on_lines(tmp_path):
    before = _fingerprints(tmp_path, TWO_PRODUCTS)
    assert len(before) == 3
    fps = [fp for _, fp in before]
    assert len(set(fps)) == 3, "identical findings get distinct occurrence counters"
    assert fps[0].split(":")[0] == fps[1].split(":")[0] and {fps[0][-2:], fps[1][-2:]} == {":1", ":2"}
    shifted = "# one\n# two\n# three\n" + TWO_PRODUCTS
    after = _fingerprints(tmp_path, shifted)
    assert [line for line, _ in after] == [line + 3 for line, _ in before]
    assert [fp for _, fp in after] == fps
    renamed = _fingerprints(tmp_path, TWO_PRODUCTS.replace("stride", "stride_row"))
    assert [fp for _, fp in renamed] != fps, "the expression is part of the identity"


# --- json, output file, statistics --------------------------------------------------------------


def test_json_keeps_ruffs_shape():
    data = json.loads(check("json").stdout)
    assert data
    for d in data:
        for key in ("code", "message", "filename", "location", "end_location", "fix", "noqa_row", "url"):
            assert key in d
        assert set(d["location"]) == {"row", "column"} and set(d["end_location"]) == {"row", "column"}
        assert os.path.isabs(d["filename"]) and d["filename"].endswith(SAMPLE)
        assert d["noqa_row"] == d["location"]["row"]
    first = data[0]
    assert (first["code"], first["location"], first["end_location"]) == ("TL002", {"row": 14, "column": 25},
                                                                        {"row": 14, "column": 39})
    assert [d["location"]["row"] for d in data] == sorted(d["location"]["row"] for d in data)


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif", "markdown"])
def test_output_file(fmt, tmp_path):
    out = tmp_path / f"report.{fmt}"
    r = check(fmt, "--output-file", out)
    assert r.returncode == 1 and r.stdout == "", r.stderr
    assert out.read_text(encoding="utf-8") == check(fmt).stdout
    short = tmp_path / "short"
    assert check(fmt, "-o", short).returncode == 1 and short.read_text(encoding="utf-8") == out.read_text(encoding="utf-8")


def test_statistics():
    text = check("text", "--statistics").stdout
    assert "    2  TL002  int32-offset-product  (2 fixable)" in text
    assert "    1  TL004  narrowing-index-cast  (0 fixable)" in text
    stats = json.loads(check("json", "--statistics").stdout)
    assert stats == [
        {"code": "TL001", "name": "constexpr-stride", "count": 1, "fixable": True, "fixable_count": 1},
        {"code": "TL002", "name": "int32-offset-product", "count": 2, "fixable": True, "fixable_count": 2},
        {"code": "TL003", "name": "late-int64-cast", "count": 1, "fixable": True, "fixable_count": 1},
        {"code": "TL004", "name": "narrowing-index-cast", "count": 1, "fixable": False, "fixable_count": 0},
    ]
    gh = check("github", "--statistics").stdout.splitlines()
    assert gh[-1].startswith("::notice title=tritonlint%3A 5 findings::") and "TL002: 2 (2 fixable)" in gh[-1]
    assert not any(line.startswith("::notice") for line in check("github").stdout.splitlines())
    props = json.loads(check("sarif", "--statistics").stdout)["runs"][0]["properties"]["statistics"]
    assert {s["code"]: s["count"] for s in props} == {"TL001": 1, "TL002": 2, "TL003": 1, "TL004": 1}
    md = check("markdown").stdout
    assert "| `TL002` |" in md and "| int32-offset-product | 2 | 2 | 0 |" in md
    assert "| narrowing-index-cast | 1 | 0 | 1 |" in md


def test_clean_file_in_every_format(tmp_path):
    (tmp_path / "clean.py").write_text(TWO_PRODUCTS.replace("def k(x_ptr, y_ptr, stride,", "def k(x_ptr, y_ptr, stride: tl.int64,"))
    for fmt in ("github", "markdown", "sarif"):
        r = check(fmt, path="clean.py", cwd=tmp_path)
        assert r.returncode == 0, (fmt, r.stdout)
    assert check("github", path="clean.py", cwd=tmp_path).stdout == ""
    assert check("markdown", path="clean.py", cwd=tmp_path).stdout.startswith("## tritonlint: no findings\n")
    assert json.loads(check("sarif", path="clean.py", cwd=tmp_path).stdout)["runs"][0]["results"] == []


# --- markdown helpers ---------------------------------------------------------------------------


def test_markdown_escaping():
    assert markdown.text("wraps at 2**31 for `a * b` <x> |") == "wraps at 2\\*\\*31 for `a * b` \\<x> \\|"
    assert markdown.text("stride_h and _x_") == "stride_h and \\_x\\_"
    assert markdown.code("a`b") == "``a`b``"
    assert markdown.fenced("x = 1\n```\n", "python") == "````python\nx = 1\n```\n````"


def test_markdown_fix_diff_is_the_fix():
    """The diff shown for a fix is exactly what `--fix` writes for that finding alone."""
    md = check("markdown").stdout
    # TL001 keeps the constexpr and widens the loaded index where it is defined
    assert "-def conv(x_ptr, seq_starts, stride_token: tl.constexpr, BLOCK: tl.constexpr):" not in md
    assert "-    start = tl.load(seq_starts + tl.program_id(0))" in md
    assert "+    start = tl.load(seq_starts + tl.program_id(0)).to(tl.int64)" in md
    assert "+    bos = tl.load(cu_seqlens_ptr + tl.program_id(0)).to(tl.int64)" in md
    assert "unsafe: applied only with `tritonlint check --fix --unsafe-fixes`" in md


# --- tritonlint rule ----------------------------------------------------------------------------


def test_rule_docs():
    r = tritonlint("rule", "TL002", "--color", "never")
    assert r.returncode == 0, r.stderr
    assert "TL002 int32-offset-product" in r.stdout
    for section in ("What it does", "Why is this bad", "Example", "Use instead", "Fix safety"):
        assert section in r.stdout
    assert "2**31" in r.stdout, "`2**31` must not be eaten as bold markup"
    assert "**" not in r.stdout.replace("2**31", ""), "rendered, not raw markdown"
    assert tritonlint("rule", "int32-offset-product").stdout == r.stdout
    assert tritonlint("rule", "tl002").stdout == r.stdout
    raw = tritonlint("rule", "TL002", "--format", "markdown").stdout
    assert raw.startswith("# TL002 int32-offset-product\n") and "## What it does" in raw


def test_rule_catalogue():
    r = tritonlint("rule", "--all")
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["code", "name", "fix", "default", "summary"]
    assert len(lines) == 1 + len(ALL_RULES)
    for line, rule in zip(lines[1:], ALL_RULES):
        fix = rule.fix_applicability.value if rule.fix_applicability else "none"
        assert line.split()[:4] == [rule.code, rule.name, fix, "on" if rule.default_enabled else "off"]
        assert line.endswith(rule.summary)
    data = json.loads(tritonlint("rule", "--all", "--format", "json").stdout)
    assert [d["code"] for d in data] == [r.code for r in ALL_RULES]
    for d, rule in zip(data, ALL_RULES):
        assert d == {"code": rule.code, "name": rule.name, "summary": rule.summary,
                     "fix": rule.fix_applicability.value if rule.fix_applicability else None,
                     "default_enabled": rule.default_enabled, "url": rule.url(), "explanation": rule.docs.strip()}
    one = json.loads(tritonlint("rule", "TL004", "--format", "json").stdout)
    assert one["code"] == "TL004" and one["fix"] == "unsafe"


def test_rule_errors():
    r = tritonlint("rule", "TL999")
    assert r.returncode == 2 and "unknown rule `TL999`" in r.stderr and "TL001" in r.stderr and r.stdout == ""
    r = tritonlint("rule")
    assert r.returncode == 2 and "--all" in r.stderr
    assert tritonlint("rule", "TL002", "--all").returncode == 2


def test_markdown_stays_under_githubs_comment_limit(tmp_path):
    kernel = TWO_PRODUCTS.split("@triton.jit")[1]
    many = "import triton\nimport triton.language as tl\n" + "".join(
        "\n\n@triton.jit" + kernel.replace("def k(", f"def k{i}(") for i in range(150))
    (tmp_path / "many.py").write_text(many)
    r = check("markdown", path="many.py", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stdout.startswith("## tritonlint: 450 findings\n")
    assert len(r.stdout) < 65536
    assert "more findings not shown here" in r.stdout and "`--format text` lists them all" in r.stdout


def test_markdown_of_a_crlf_file(tmp_path):
    (tmp_path / "crlf.py").write_bytes(TWO_PRODUCTS.replace("\n", "\r\n").encode())
    r = check("markdown", path="crlf.py", cwd=tmp_path)
    assert r.returncode == 1 and "\r" not in r.stdout
    assert "\n-    pid = tl.program_id(0)\n+    pid = tl.program_id(0).to(tl.int64)\n" in r.stdout


def test_text_prints_what_the_file_says(tmp_path):
    """Plain text is the file's own text: a location `:100:` stays digits (rich once
    read it as the emoji code `:100:`), a line ending in a backslash keeps one
    backslash (rich's markup escaping doubled it), a form feed in a line is dropped
    rather than sent to the terminal, and colour comes only when asked for."""
    lines = TWO_PRODUCTS.splitlines()
    body = lines[:6] + ["    pass"] * 93 + ["    a = tl.program_id(0) * stride  # rows\f of x \\",
                                           "    tl.store(x_ptr + a, 0.0)"]
    (tmp_path / "k.py").write_text("\n".join(body) + "\n")
    out = check("text", path="k.py", cwd=tmp_path).stdout
    assert "k.py:100:9:" in out and "\U0001f4af" not in out
    assert "100 |     a = tl.program_id(0) * stride  # rows of x \\\n" in out
    assert "\f" not in out and "\x1b[" not in out
    colored = tritonlint("check", "k.py", "--color", "always", cwd=tmp_path).stdout
    assert "\x1b[" in colored and "k.py:100:" in re.sub(r"\x1b\[[0-9;]*m", "", colored)
