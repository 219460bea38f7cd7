"""Command-line options shared by ``check`` and ``review``, turned into settings overrides."""
from __future__ import annotations

from .engine import rule_defaults
from .settings import check_target, expand


def overrides_from(args) -> dict:
    out: dict = {}
    codes = rule_defaults()
    if args.select:
        out["select"] = tuple(_split(args.select))
        expand(out["select"], codes, "--select")
    if args.extend_select:
        out["extend_select"] = tuple(_split(args.extend_select))
        expand(out["extend_select"], codes, "--extend-select")
    if args.ignore:
        out["ignore"] = tuple(_split(args.ignore))
        expand(out["ignore"], codes, "--ignore")
    if args.target_version:
        out["target_version"] = check_target(args.target_version, "--target-version")
    if getattr(args, "force_exclude", False):
        out["force_exclude"] = True
    if getattr(args, "respect_gitignore", None) is not None:
        out["respect_gitignore"] = args.respect_gitignore
    if getattr(args, "strict", False):
        out["strict"] = True
    if getattr(args, "baseline", None):
        out["baseline"] = args.baseline
    return out


def _split(value: str) -> list[str]:
    return [v for v in (x.strip() for x in value.split(",")) if v]
