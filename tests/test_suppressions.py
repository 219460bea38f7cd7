"""Suppressions that do what they say: comments read by the tokenizer, unknown codes
warned about, unused ones reported by TL100, reasons carried to the reports, and
``--add-noqa``."""
from __future__ import annotations

import json
import os
import stat

import pytest

from tritonlint.add_noqa import add_directives
from tritonlint.cli import main
from tritonlint.engine import check_source, rule_defaults
from tritonlint.fixer import fix_text
from tritonlint.settings import Settings
from tritonlint.suppressions import parse

HEAD = """import triton
import triton.language as tl


@triton.jit
def k(x_ptr, stride, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
"""
STORE = "    tl.store(x_ptr + pid * stride + tl.arange(0, BLOCK), 0.0)"  # a TL002 finding on line 8
LINE = 8


def kernel(tail: str = "", extra: str = "") -> str:
    return HEAD + STORE + tail + "\n" + extra


def lint(text: str, codes=None, settings: Settings | None = None):
    return check_source(text, "k.py", settings or Settings(), frozenset(codes) if codes else None)


def reported(text: str, codes=None, settings: Settings | None = None) -> list[tuple[int, str]]:
    return [(d.start.line, d.code) for d in lint(text, codes, settings).diagnostics if not d.suppressed]


def cli(tmp_path, capsys, text: str, *args: str) -> tuple[int, str, str]:
    path = tmp_path / "k.py"
    path.write_text(text)
    code = main(["check", str(path), "--no-respect-gitignore", *args])
    out, err = capsys.readouterr()
    return code, out, err


# --- 1. comments come from the tokenizer -------------------------------------------------------


def test_noqa_inside_a_string_does_not_silence():
    text = HEAD + '    tl.store(x_ptr + pid * stride + tl.arange(0, BLOCK), 0.0, eviction_policy="# noqa")\n'
    assert reported(text) == [(LINE, "TL002")]
    assert reported(kernel("  # noqa")) == []


def test_a_file_that_does_not_tokenize_keeps_the_comments_before_the_error():
    sup = parse('x = a * b  # noqa: TL002\ns = """never closed\n', rule_defaults())
    assert sup.directives[1].codes[0].text == "TL002"


def test_a_file_that_does_not_parse_is_still_e999(tmp_path, capsys):
    code, out, err = cli(tmp_path, capsys, HEAD + STORE + '  # noqa\n    s = """never closed\n')
    assert code == 2 and "k.py:9" in out + err and "E999" in out + err


# --- 2. case -----------------------------------------------------------------------------------


@pytest.mark.parametrize("comment", ["  # NOQA", "  # NoQA: TL002", "  # type: ignore  # NoQa:TL002 why"])
def test_noqa_is_case_insensitive(comment):
    assert reported(kernel(comment)) == []


def test_codes_are_matched_exactly():
    assert reported(kernel("  # NoQA: TL005")) == [(LINE, "TL002")]


# --- 3. unknown codes --------------------------------------------------------------------------


@pytest.mark.parametrize("comment,unknown", [("  # noqa: TL", "TL"), ("  # noqa: TL999", "TL999")])
def test_an_unknown_code_warns_and_silences_nothing(tmp_path, capsys, comment, unknown):
    code, out, err = cli(tmp_path, capsys, kernel(comment))
    assert code == 1 and f"k.py:{LINE}:22: TL002" in out
    assert f"k.py:{LINE}: unknown rule code `{unknown}`" in err and "warning" in err


def test_warnings_go_to_stderr_and_leave_the_report_intact(tmp_path, capsys):
    code, out, err = cli(tmp_path, capsys, kernel("  # noqa: TL999"), "--format", "json")
    assert code == 1 and [d["code"] for d in json.loads(out)] == ["TL002"] and "TL999" in err


def test_warnings_are_annotations_and_sarif_notifications(tmp_path, capsys):
    _, out, _ = cli(tmp_path, capsys, kernel("  # noqa: TL999"), "--format", "github")
    (warning,) = [line for line in out.splitlines() if line.startswith("::warning")]
    assert f"k.py,line={LINE},title=tritonlint # noqa::unknown rule code `TL999`" in warning
    _, out, _ = cli(tmp_path, capsys, kernel("  # noqa: TL999"), "--format", "sarif")
    (note,) = json.loads(out)["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert note["level"] == "warning" and "`TL999`" in note["message"]["text"]
    assert note["locations"][0]["physicalLocation"]["region"] == {"startLine": LINE}


def test_known_codes_next_to_an_unknown_one_still_apply(tmp_path, capsys):
    code, out, err = cli(tmp_path, capsys, kernel("  # noqa: TL999, TL002"))
    assert code == 0 and "`TL999`" in err


def test_a_malformed_directive_warns_and_silences_nothing(tmp_path, capsys):
    code, _, err = cli(tmp_path, capsys, kernel("  # noqa: sizes are small"))
    assert code == 1 and f"k.py:{LINE}: invalid `# noqa:` directive" in err


def test_codes_of_other_linters_are_not_warned_about(tmp_path, capsys):
    code, _, err = cli(tmp_path, capsys, kernel("  # noqa: E501, TL002"))
    assert code == 0 and "warning" not in err


# --- 4. TL100 unused-noqa ----------------------------------------------------------------------

CLEAN_STORE = STORE.replace("pid * stride", "pid.to(tl.int64) * stride")


def clean(tail: str = "") -> str:
    return HEAD + CLEAN_STORE + tail + "\n"


def unused(text: str, codes=None, settings: Settings | None = None) -> list[str]:
    return [d.message for d in lint(text, codes, settings).diagnostics if d.code == "TL100" and not d.suppressed]


def test_tl100_is_off_by_default(tmp_path, capsys):
    assert reported(clean("  # noqa: TL002")) == []
    code, out, _ = cli(tmp_path, capsys, clean("  # noqa: TL002"), "--extend-select", "TL100")
    assert code == 1 and f"k.py:{LINE}:" in out and "TL100 Unused `noqa` directive (unused: `TL002`)" in out


def test_tl100_kinds_follow_ruff():
    on = Settings(extend_select=("TL100",))
    assert unused(clean("  # noqa"), settings=on) == ["Unused blanket `noqa` directive"]
    assert unused(clean("  # noqa: TL002, TL007, TL999, TL002"), settings=on) == [
        "Unused `noqa` directive (unused: `TL002`; non-enabled: `TL007`; unknown: `TL999`; duplicated: `TL002`)"]


def test_tl100_counts_the_findings_of_the_other_rules():
    on = Settings(extend_select=("TL100",))
    assert unused(kernel("  # noqa: TL002"), settings=on) == []
    assert unused(kernel("  # noqa"), settings=on) == []
    assert unused(kernel("  # noqa: TL002, TL005"), settings=on) == ["Unused `noqa` directive (unused: `TL005`)"]


def test_tl100_leaves_other_tools_alone():
    on = Settings(extend_select=("TL100",))
    text = HEAD.replace("import triton\n", "import triton  # noqa\n", 1) + CLEAN_STORE + "  # noqa: E501\n"
    assert unused(text, settings=on) == []
    assert unused(clean("  # noqa: TL002, TL100"), settings=on) == [], "a directive naming TL100 is kept"


def test_tl100_respects_ignore_and_per_file_ignores_and_file_noqa():
    text = clean("  # noqa: TL002")
    assert unused(text, settings=Settings(extend_select=("TL100",), ignore=("TL100",))) == []
    assert unused(text, settings=Settings(extend_select=("TL100",), per_file_ignores=(("k.py", ("TL100",)),))) == []
    assert unused("# tritonlint: noqa: TL100\n" + text, settings=Settings(extend_select=("TL100",))) == []
    assert unused(text, codes={"TL100"}) == ["Unused `noqa` directive (non-enabled: `TL002`)"]


def test_a_product_only_strict_reports_still_uses_its_noqa():
    # a head index times a head stride: no realistic size wraps it, --strict reports it
    bare = (HEAD.replace("def k(x_ptr, stride,", "def k(x_ptr, stride, stride_h,")
            + "    h = tl.program_id(1)\n    tl.store(x_ptr + h * stride_h, 0.0)\n")
    assert reported(bare) == [] and reported(bare, settings=Settings(strict=True)) == [(9, "TL002")]
    text = bare.replace("0.0)\n", "0.0)  # noqa: TL002\n")
    assert unused(text, settings=Settings(extend_select=("TL100",))) == []
    assert unused(text.replace("TL002", "TL005"), settings=Settings(extend_select=("TL100",))) != []


@pytest.mark.parametrize("before,after", [
    (clean("  # noqa: TL002 rows are < 2**20 here"), clean("  # rows are < 2**20 here")),
    (clean("  # noqa: TL002"), clean()),
    (clean("  # noqa: TL002  # type: ignore"), clean("  # type: ignore")),
    (clean("  # type: ignore  # noqa"), clean("  # type: ignore")),
    (clean("  # noqa: E501, TL002, TL005 - long line"), clean("  # noqa: E501 - long line")),
    (clean() + "    # noqa: TL005\n", clean()),
    (kernel("  # NOQA: TL002, TL005 sizes checked"), kernel("  # noqa: TL002 sizes checked")),
])
def test_tl100_fix(before, after):
    on = Settings(select=("TL002", "TL100"))
    out = fix_text(before, "k.py", on)
    assert out.failure is None and out.text == after
    assert fix_text(out.text, "k.py", on).text == after, "a second --fix changes nothing"


def test_tl100_fix_from_the_command_line(tmp_path, capsys):
    code, _, _ = cli(tmp_path, capsys, kernel("  # noqa: TL002, TL005"), "--extend-select", "TL100", "--fix")
    assert code == 0 and (tmp_path / "k.py").read_text() == kernel("  # noqa: TL002")


# --- 5. the reason -----------------------------------------------------------------------------

REASONED = kernel("  # noqa: TL002 rows are < 2**20 here")


def test_the_reason_is_the_sarif_justification(tmp_path, capsys):
    code, out, _ = cli(tmp_path, capsys, REASONED, "--format", "sarif")
    (result,) = json.loads(out)["runs"][0]["results"]
    assert code == 0 and result["suppressions"] == [{"kind": "inSource", "justification": "rows are < 2**20 here"}]


def test_the_reason_is_in_json_with_show_suppressed(tmp_path, capsys):
    assert json.loads(cli(tmp_path, capsys, REASONED, "--format", "json")[1]) == [], "ruff's shape: reported only"
    _, out, _ = cli(tmp_path, capsys, REASONED, "--format", "json", "--show-suppressed")
    (d,) = json.loads(out)
    assert d["suppression"] == {"by": "`# noqa` on the line", "reason": "rows are < 2**20 here"}


def test_the_reason_is_in_markdown(tmp_path, capsys):
    _, out, _ = cli(tmp_path, capsys, REASONED, "--format", "markdown")
    assert "1 finding suppressed by" in out and "rows are \\< 2\\*\\*20 here" in out


def test_the_file_level_reason_is_kept():
    (d,) = lint("# tritonlint: noqa: TL002 generated code\n" + kernel()).diagnostics
    assert d.suppressed and d.noqa_reason == "generated code"


# --- 6. --add-noqa -----------------------------------------------------------------------------


def test_add_noqa_silences_every_finding_and_is_idempotent(tmp_path, capsys):
    text = kernel(extra="    tl.store(x_ptr + pid * stride + 1, 0.0)  # explained\n")
    code, _, err = cli(tmp_path, capsys, text, "--add-noqa=sizes checked by the caller")
    written = (tmp_path / "k.py").read_text()
    assert code == 0 and "Added 2 noqa directives." in err
    assert written == kernel("  # noqa: TL002 sizes checked by the caller",
                             "    tl.store(x_ptr + pid * stride + 1, 0.0)  # explained"
                             "  # noqa: TL002 sizes checked by the caller\n")
    assert cli(tmp_path, capsys, written, "--add-noqa")[2] == "", "a second run adds nothing"
    assert (tmp_path / "k.py").read_text() == written
    assert cli(tmp_path, capsys, written)[0] == 0


def test_add_noqa_merges_with_an_existing_directive():
    text = kernel("  # noqa: E501 long line")
    assert add_directives(text, {LINE: {"TL002"}}, "why")[0] == kernel("  # noqa: E501, TL002 long line")
    assert add_directives(kernel("  # noqa: E501"), {LINE: {"TL005", "TL002"}}, "why")[0] == kernel(
        "  # noqa: E501, TL002, TL005 why")


def test_add_noqa_never_writes_inside_a_multiline_string_or_after_a_backslash(tmp_path, capsys):
    text = HEAD + ('    tl.store(x_ptr + pid * stride, 0.0, eviction_policy="""\n'
                   '""")\n'
                   "    off = pid * \\\n"
                   "        stride\n"
                   "    tl.store(x_ptr + off, 1.0)\n")
    assert [d.noqa_line for d in lint(text).diagnostics] == [LINE + 1, LINE + 3]
    code, _, err = cli(tmp_path, capsys, text, "--add-noqa")
    written = (tmp_path / "k.py").read_text()
    assert code == 0 and "Added 2 noqa directives." in err
    assert '""")  # noqa: TL002\n' in written and "        stride  # noqa: TL002\n" in written
    assert 'eviction_policy="""\n""")' in written, "the string's value is unchanged"
    assert cli(tmp_path, capsys, written)[0] == 0


def test_add_noqa_keeps_the_file_mode_and_line_endings(tmp_path, capsys):
    path = tmp_path / "k.py"
    path.write_bytes(kernel().replace("\n", "\r\n").encode())
    os.chmod(path, 0o640)
    assert main(["check", str(path), "--add-noqa"]) == 0
    data = path.read_bytes()
    assert b"0.0)  # noqa: TL002\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["k.py"], "no temporary file left behind"


def test_add_noqa_takes_a_path_after_it_for_a_path(tmp_path, capsys):
    (tmp_path / "k.py").write_text(kernel())
    assert main(["check", "--add-noqa", str(tmp_path / "k.py")]) == 0
    assert (tmp_path / "k.py").read_text() == kernel("  # noqa: TL002")


@pytest.mark.parametrize("flag", ["--fix", "--diff", "--fix-only"])
def test_add_noqa_cannot_be_combined_with_fixing(tmp_path, capsys, flag):
    code, _, err = cli(tmp_path, capsys, kernel(), "--add-noqa", flag)
    assert code == 2 and "--add-noqa cannot be combined with" in err
    assert (tmp_path / "k.py").read_text() == kernel()


def test_add_noqa_does_not_read_stdin(tmp_path, capsys):
    (tmp_path / "k.py").write_text(kernel())
    assert main(["check", "--add-noqa", "--stdin-filename", str(tmp_path / "k.py"), "-"]) == 2
    assert "stdin" in capsys.readouterr().err and (tmp_path / "k.py").read_text() == kernel()


def test_add_noqa_leaves_a_file_that_does_not_parse_alone(tmp_path, capsys):
    broken = kernel() + "def broken(:\n"
    code, out, err = cli(tmp_path, capsys, broken, "--add-noqa")
    assert code == 2 and "E999" in out + err and (tmp_path / "k.py").read_text() == broken


def test_a_form_feed_does_not_shift_the_lines(tmp_path, capsys):
    # str.splitlines() also splits at a form feed; the tokenizer and the positions do not
    text = kernel().replace("import triton.language as tl\n", "import triton.language as tl\n\x0c\n")
    code, _, _ = cli(tmp_path, capsys, text, "--add-noqa")
    assert code == 0 and (tmp_path / "k.py").read_text() == text.replace(" 0.0)\n", " 0.0)  # noqa: TL002\n")
    on = Settings(select=("TL002", "TL100"))
    assert fix_text(clean("  # noqa: TL002").replace("tl\n", "tl\n\x0c\n", 1), "k.py", on).text == clean().replace(
        "tl\n", "tl\n\x0c\n", 1)
