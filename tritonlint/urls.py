"""The project's public addresses, from one place: ``[project.urls]`` in
pyproject.toml, read at run time from the installed package's metadata.

Nothing here invents an address. While ``[project.urls]`` names none (the
repository is not published yet), every function returns None and no output
format prints a URL: rule documentation is ``tritonlint rule CODE`` and the pages
under ``docs/rules/``.

* ``Repository``: the home of the project (SARIF ``informationUri``);
* ``Documentation``: the address of the ``docs/`` folder as published; a rule's
  page is ``<Documentation>/rules/<CODE>.md`` (SARIF ``helpUri``, JSON ``url``,
  the links of the markdown report).
"""
from __future__ import annotations

import functools
from importlib import metadata

DISTRIBUTION = "tritonlint"


@functools.lru_cache(maxsize=1)
def project_urls() -> dict[str, str]:
    """``{label: url}`` from the ``Project-URL`` metadata; empty when none is configured."""
    try:
        entries = metadata.metadata(DISTRIBUTION).get_all("Project-URL") or []
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        return {}
    out: dict[str, str] = {}
    for entry in entries:
        label, _, url = entry.partition(",")
        if url.strip().startswith(("https://", "http://")):
            out[label.strip().lower()] = url.strip().rstrip("/")
    return out


def home() -> str | None:
    urls = project_urls()
    return urls.get("repository") or urls.get("homepage")


def rule_page(code: str) -> str | None:
    docs = project_urls().get("documentation")
    return f"{docs}/rules/{code}.md" if docs else None


def rule_page_path(code: str) -> str:
    """Where a rule's page lives in this repository (``python -m tritonlint.docs`` writes it)."""
    return f"docs/rules/{code}.md"


__all__ = ["home", "project_urls", "rule_page", "rule_page_path"]
