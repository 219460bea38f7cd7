"""The baseline: `check --write-baseline FILE` records today's findings, `--baseline
FILE` (or `baseline = "..."` in [tool.tritonlint]) reports only the others, matched
as `review` matches them (never by line)."""
from __future__ import annotations

import json

import pytest

from tritonlint.cli import main

RMS = """import triton
import triton.language as tl


@triton.jit
def rms_norm_fwd(Y, Y_row_stride, X, X_row_stride, W, W_row_stride, n_cols, BLOCK_SIZE: tl.constexpr):
    row_idx = tl.program_id(0)
    col_offsets = tl.arange(0, BLOCK_SIZE)
    mask = col_offsets < n_cols
    x = tl.load(X + row_idx * X_row_stride + col_offsets, mask=mask)
    w = tl.load(W + row_idx * W_row_stride + col_offsets, mask=mask)
    tl.store(Y + row_idx * Y_row_stride + col_offsets, x * w, mask=mask)
"""
NEW_PRODUCT = "    tl.store(Y + row_idx * n_cols, x, mask=mask)\n"


def run(capsys, *argv: str) -> tuple[int, list[dict], str]:
    code = main(["check", "--format", "json", *argv])
    out = capsys.readouterr()
    return code, json.loads(out.out) if out.out.strip() else [], out.err


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "ops").mkdir()
    (tmp_path / "ops" / "rms_norm.py").write_text(RMS)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_write_baseline_records_findings_without_lines(project, capsys):
    code = main(["check", "--write-baseline", "tritonlint-baseline.json", "."])
    err = capsys.readouterr().err
    assert code == 0 and "wrote 3 findings to the baseline tritonlint-baseline.json" in err
    text = (project / "tritonlint-baseline.json").read_text()
    data = json.loads(text)
    assert data["format"] == "tritonlint-baseline" and data["version"] == 1
    assert [(e["file"], e["kernel"], e["code"], e["expression"]) for e in data["findings"]] == [
        ("ops/rms_norm.py", "rms_norm_fwd", "TL002", "row_idx * W_row_stride"),
        ("ops/rms_norm.py", "rms_norm_fwd", "TL002", "row_idx * X_row_stride"),
        ("ops/rms_norm.py", "rms_norm_fwd", "TL002", "row_idx * Y_row_stride"),
    ]
    assert all(set(e) <= {"file", "kernel", "code", "expression", "shape", "body", "count"} for e in data["findings"])
    # stable: the same findings write the same bytes, wherever they moved in the file
    (project / "ops" / "rms_norm.py").write_text("# moved down\n\n" + RMS)
    main(["check", "--write-baseline", "tritonlint-baseline.json", "."])
    assert (project / "tritonlint-baseline.json").read_text() == text


def test_baseline_reports_only_new_findings(project, capsys):
    main(["check", "--write-baseline", "b.json", "."])
    capsys.readouterr()
    code, data, err = run(capsys, "--baseline", "b.json", ".")
    assert (code, data) == (0, []) and "baseline b.json: 3 recorded findings not shown" in err
    # an edit elsewhere in the file (what blocked the Liger commit) resurrects nothing
    source = project / "ops" / "rms_norm.py"
    source.write_text(RMS.replace("import triton\n", "import triton  # a comment\n\n\n", 1))
    code, data, _ = run(capsys, "--baseline", "b.json", ".")
    assert (code, data) == (0, [])
    # a new product is reported, alone
    source.write_text(RMS + NEW_PRODUCT)
    code, data, _ = run(capsys, "--baseline", "b.json", ".")
    assert code == 1 and [(d["location"]["row"], d["expression"]) for d in data] == [(13, "row_idx * n_cols")]
    # a second copy of a recorded product is new too: one entry, one finding
    source.write_text(RMS + "    tl.store(Y + row_idx * Y_row_stride + 1, x)\n")
    code, data, _ = run(capsys, "--baseline", "b.json", ".")
    assert code == 1 and [d["location"]["row"] for d in data] == [13]


def test_baseline_survives_renames_and_moves(project, capsys):
    main(["check", "--write-baseline", "b.json", "."])
    capsys.readouterr()
    (project / "ops" / "rms_norm.py").write_text(RMS.replace("row_idx", "row").replace("rms_norm_fwd", "_fwd"))
    assert run(capsys, "--baseline", "b.json", ".")[:2] == (0, [])
    (project / "ops" / "rms_norm.py").unlink()
    (project / "ops" / "kernels.py").write_text(RMS)
    code, data, err = run(capsys, "--baseline", "b.json", ".")
    assert (code, data) == (0, []) and "no longer match" not in err


def test_stale_entries_are_counted(project, capsys):
    main(["check", "--write-baseline", "b.json", "."])
    capsys.readouterr()
    fixed = RMS.replace("row_idx = tl.program_id(0)", "row_idx = tl.program_id(0).to(tl.int64)")
    (project / "ops" / "rms_norm.py").write_text(fixed)
    code, data, err = run(capsys, "--baseline", "b.json", ".")
    assert (code, data) == (0, [])
    assert "baseline b.json: 0 recorded findings not shown; 3 entries no longer match any finding" in err
    assert "--write-baseline b.json" in err
    # entries of files this run did not check are not stale
    (project / "other.py").write_text(RMS)
    main(["check", "--write-baseline", "b.json", "other.py"])  # keeps the entries of ops/rms_norm.py
    capsys.readouterr()
    assert len(json.loads((project / "b.json").read_text())["findings"]) == 6
    code, data, err = run(capsys, "--baseline", "b.json", "other.py")
    assert (code, data) == (0, []) and "3 recorded findings not shown" in err and "no longer match" not in err


def test_config_baseline_is_relative_to_the_config_file(project, capsys, monkeypatch):
    """As pre-commit runs it: explicit file names, from anywhere in the repository."""
    (project / "pyproject.toml").write_text('[tool.tritonlint]\nbaseline = "lint/baseline.json"\n')
    assert main(["check", "--write-baseline", "lint/baseline.json", "."]) == 0
    capsys.readouterr()
    monkeypatch.chdir(project / "ops")
    code, data, err = run(capsys, "rms_norm.py")
    assert (code, data) == (0, []) and "3 recorded findings not shown" in err
    (project / "ops" / "rms_norm.py").write_text(RMS + NEW_PRODUCT)
    code, data, _ = run(capsys, "rms_norm.py")
    assert code == 1 and [d["expression"] for d in data] == ["row_idx * n_cols"]


@pytest.mark.parametrize("content, message", [
    (None, "b.json: baseline file not found (create it with `tritonlint check --write-baseline b.json`)"),
    ('{"format": "tritonlint-baseline",\n  "findings": [}', "b.json:2:16: not a tritonlint baseline: invalid JSON"),
    ('[]', "b.json: not a tritonlint baseline"),
    ('{"format": "tritonlint-baseline", "version": 1, "findings": [{"file": "k.py"}]}',
     "b.json: finding 1 of the baseline is malformed"),
    ('{"format": "tritonlint-baseline", "version": 7, "findings": []}', "baseline version 7 is not supported"),
])
def test_missing_or_corrupt_baseline_exits_2(project, capsys, content, message):
    if content is not None:
        (project / "b.json").write_text(content)
    code = main(["check", "--baseline", "b.json", "."])
    err = capsys.readouterr().err
    assert code == 2 and message in err, err


def test_config_baseline_must_be_a_path(project, capsys):
    (project / "pyproject.toml").write_text('[tool.tritonlint]\nbaseline = 3\n')
    assert main(["check", "."]) == 2
    assert "`baseline` must be the path of a baseline file" in capsys.readouterr().err
