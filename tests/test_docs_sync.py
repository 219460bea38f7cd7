"""docs/rules/ is generated from the rule modules (python -m tritonlint.docs): it must
match them, page for page, and say what each rule's own docs and examples say."""
from __future__ import annotations

from pathlib import Path

from tritonlint import docs
from tritonlint.rules import ALL_RULES

ROOT = Path(__file__).resolve().parents[1]


def test_rule_pages_are_in_sync():
    assert docs.stale(ROOT) == [], "run `python -m tritonlint.docs` and commit docs/rules/"


def test_pages_come_from_the_rules(tmp_path):
    names = {p.name for p in (ROOT / "docs" / "rules").glob("*.md")}
    assert names == {f"{r.code}.md" for r in ALL_RULES} | {"README.md"}
    for rule in ALL_RULES:
        page = (ROOT / "docs" / "rules" / f"{rule.code}.md").read_text(encoding="utf-8")
        assert f"# {rule.code} {rule.name}\n" in page and rule.docs.strip() in page
        for example in rule.INVALID:
            assert example.code.strip() in page
            if example.fixed is not None:
                assert example.fixed.strip() in page
        for example in rule.VALID:
            assert example.strip() in page


def test_check_reports_drift_and_write_repairs_it(tmp_path):
    assert set(docs.write(tmp_path)) == set(docs.pages())
    page = tmp_path / "docs" / "rules" / "TL002.md"
    page.write_text(page.read_text() + "hand edit\n")
    (tmp_path / "docs" / "rules" / "TL999.md").write_text("a rule that does not exist\n")
    assert docs.stale(tmp_path) == ["docs/rules/TL002.md", "docs/rules/TL999.md"]
    docs.write(tmp_path)
    assert docs.stale(tmp_path) == [] and not (tmp_path / "docs" / "rules" / "TL999.md").exists()


def test_in_repo_links_point_at_pages_that_exist():
    import re

    for md in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        for target in re.findall(r"\]\(((?:\.\./|\./)?(?:docs/)?[\w./-]+\.md)\)", md.read_text(encoding="utf-8")):
            assert (md.parent / target).is_file(), f"{md.relative_to(ROOT)} links to {target}, which does not exist"
