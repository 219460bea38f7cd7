"""Which rules run: ruff's resolution of ``select``, ``extend-select`` and ``ignore``.

The configuration's selection comes first, then any ``--config KEY=VALUE``
override, then the command line's flags. A selection that has ``select`` starts
over (the earlier selections' ``extend-select`` and ``ignore`` no longer apply);
one without it adds and removes on top of what came before. Within a selection
the more specific selector wins (``--select ALL --ignore TL007`` runs everything
but TL007, ``--ignore TL --select TL002`` runs only TL002); at equal specificity
``ignore`` wins.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleSelection:
    """One layer of rule selection; ``select`` None means "keep what came before"."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    where: str = "the command line"  # named in the message of an unknown code


def specificity(selector: str, all_codes) -> int:
    """ALL < a prefix (longer is more specific) < a whole rule code."""
    s = selector.strip().upper()
    if s == "ALL":
        return 0
    return 100 if s in all_codes else len(s)


def resolve(selections, all_codes: dict[str, bool]) -> frozenset[str]:
    """The enabled codes after applying ``selections`` in order to the default rules."""
    from .settings import expand

    enabled = {code for code, default in all_codes.items() if default}
    carried_ignores: tuple[str, ...] = ()
    for selection in selections:
        chosen = (*(selection.select or ()), *selection.extend_select)
        ignored = (*selection.ignore, *carried_ignores)
        carried_ignores = ()
        updates: dict[str, bool] = {}
        for level in sorted({specificity(s, all_codes) for s in (*chosen, *ignored)}):
            for s in chosen:
                if specificity(s, all_codes) == level:
                    updates.update(dict.fromkeys(expand([s], all_codes, selection.where), True))
            for s in ignored:
                if specificity(s, all_codes) == level:
                    updates.update(dict.fromkeys(expand([s], all_codes, selection.where), False))
        if selection.select is not None:
            enabled = {code for code, on in updates.items() if on}
            # `select = []` with an `ignore` only: ruff keeps the ignores for the next layer
            if not selection.select and not selection.extend_select and selection.ignore:
                carried_ignores = selection.ignore
        else:
            for code, on in updates.items():
                (enabled.add if on else enabled.discard)(code)
    return frozenset(enabled)
