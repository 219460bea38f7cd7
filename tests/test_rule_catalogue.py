"""`tritonlint rule` and `--version` start without the engine: the catalogue's
metadata is read from the rule modules' source (rule_catalogue.py), and says what
the imported rule classes say."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from tritonlint.rules import ALL_RULES

from tritonlint import rule_catalogue
from tritonlint.cli import main

HEAVY = ("libcst", "tritonlint.engine", "tritonlint.analysis", "tritonlint.rules")


def test_the_catalogue_read_from_source_is_the_imported_one():
    read = rule_catalogue._read()
    assert [r.code for r in read] == [r.code for r in ALL_RULES]
    for info, rule in zip(read, ALL_RULES):
        for field in rule_catalogue.FIELDS:
            assert getattr(info, field) == getattr(rule, field), (rule.code, field)
        assert info.url() == rule.url()


@pytest.mark.parametrize("argv", [["--version"], ["rule", "TL002"], ["rule", "--all"], ["--help"],
                                  ["rule", "int32-offset-product", "--format", "json"],
                                  ["rule", "--all", "--format", "markdown"], ["rule", "TL999"]])
def test_these_commands_load_neither_libcst_nor_the_engine(argv):
    probe = ("import sys\nfrom tritonlint.cli import main\n"
             "try:\n    code = main(sys.argv[1:])\nexcept SystemExit as e:\n    code = e.code\n"
             f"print('LOADED', [m for m in {HEAVY!r} if m in sys.modules], file=sys.stderr)\n")
    proc = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True, check=False)
    assert "LOADED []" in proc.stderr, proc.stderr
    assert proc.stdout or "unknown rule" in proc.stderr


@pytest.mark.parametrize("argv", [["rule", "TL002", "--format", "json"], ["rule", "--all", "--format", "json"],
                                  ["rule", "--all"], ["rule", "TL005", "--format", "markdown"]])
def test_the_output_is_the_one_the_imported_rules_give(capsys, monkeypatch, argv):
    assert main(argv) == 0
    from_source = capsys.readouterr().out

    def not_literal():
        raise rule_catalogue.NotLiteral("forced")

    monkeypatch.setattr(rule_catalogue, "_read", not_literal)
    rule_catalogue.rules.cache_clear()
    try:
        assert rule_catalogue.rules() is ALL_RULES  # the fallback imports the rules
        assert main(argv) == 0
        assert capsys.readouterr().out == from_source
    finally:
        rule_catalogue.rules.cache_clear()
    if "json" in argv:
        json.loads(from_source)
