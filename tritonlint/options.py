"""Command-line options shared by ``check`` and ``review``, turned into settings overrides."""
from __future__ import annotations

from .config_overrides import overrides_from_config_values, patterns, per_file_ignores
from .selection import RuleSelection
from .settings import check_targets, expand


def overrides_from(args) -> dict:
    """``--config KEY=VALUE`` overrides, then the flags, which win (as in ruff)."""
    out: dict = overrides_from_config_values(getattr(args, "config_overrides", None) or [])
    flags = _rule_selection(args)
    if flags is not None:
        out["extra_selections"] = (*out.get("extra_selections", ()), flags)
    if getattr(args, "exclude", None):
        out["exclude"] = patterns(args.exclude)
    if getattr(args, "extend_exclude", None):
        out["extend_exclude"] = (*out.get("extend_exclude", ()), *patterns(args.extend_exclude))
    if getattr(args, "per_file_ignores", None):
        out["per_file_ignores"] = per_file_ignores(args.per_file_ignores, "--per-file-ignores")
    if getattr(args, "extend_per_file_ignores", None):
        out["extend_per_file_ignores"] = (*out.get("extend_per_file_ignores", ()),
                                          *per_file_ignores(args.extend_per_file_ignores, "--extend-per-file-ignores"))
    if args.target_version:
        out["target_version"] = check_targets(args.target_version, "--target-version")
    if getattr(args, "force_exclude", False):
        out["force_exclude"] = True
    if getattr(args, "respect_gitignore", None) is not None:
        out["respect_gitignore"] = args.respect_gitignore
    if getattr(args, "strict", False):
        out["strict"] = True
    if getattr(args, "baseline", None):
        out["baseline"] = args.baseline
    return out


def _rule_selection(args) -> RuleSelection | None:
    """The flags' layer: ``--select`` starts over, ``--extend-select`` and ``--ignore``
    add to and remove from the configuration's selection."""
    # the rule catalogue loads with a check, not with `--version`
    from .engine import rule_defaults

    codes = rule_defaults()
    select = tuple(_split(args.select)) if args.select else None
    extend_select = tuple(_split(args.extend_select)) if args.extend_select else ()
    ignore = tuple(_split(args.ignore)) if args.ignore else ()
    for flag, selectors in (("--select", select or ()), ("--extend-select", extend_select), ("--ignore", ignore)):
        expand(selectors, codes, flag)
    if select is None and not extend_select and not ignore:
        return None
    return RuleSelection(select, extend_select, ignore)


def _split(value: str) -> list[str]:
    return [v for v in (x.strip() for x in value.split(",")) if v]
