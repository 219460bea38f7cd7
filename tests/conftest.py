"""Shared pytest setup: make tests/ helpers (oracle, case parsing) importable."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
for p in (str(TESTS), str(ROOT)):
    if p not in sys.path:
        sys.path.insert(0, p)


#: The terminal settings the output honours (colour, width): tests compare plain,
#: full-width output, whatever the environment that runs them exports.
TERMINAL_VARIABLES = ("COLUMNS", "NO_COLOR", "FORCE_COLOR")


@pytest.fixture(autouse=True)
def _plain_terminal(monkeypatch):
    for name in TERMINAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _no_cache(monkeypatch):
    """Each test sees what its own run computes: the cache is off unless a test
    (tests/test_cache.py) turns it on, and never written into the checkout."""
    monkeypatch.setenv("TRITONLINT_NO_CACHE", "1")
