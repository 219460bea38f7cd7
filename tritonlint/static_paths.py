"""Which constexpr branches a value was made in, so it only reaches the uses that
the same specialisation compiles.

A constexpr ``if`` (``if USE_GATHER:``) compiles one branch per specialisation.
When a kernel tests the same condition twice, a value made under one outcome
only meets the uses under that outcome: a row number computed in the
``USE_GATHER`` branch for a descriptor gather is never added to a pointer in the
``else`` of a later ``if USE_GATHER:``, although the two assignments join into one
variable between the branches. The analysis joins them (the values of the two
specialisations are one abstract value); this module remembers, per risky
product, the outcomes it was made under, and a use under a contradicting outcome
is not a use in any specialisation.

A condition is identified by its source text: constexpr parameters cannot change
inside a kernel, and a kernel that rebinds a name it tests is rare enough that
the text is the condition.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

#: (the condition's source text, the outcome the branch is compiled for)
Outcome = tuple[str, bool]


class StaticPath:
    """The constexpr outcomes of the branches being interpreted, innermost last."""

    def __init__(self) -> None:
        self._outcomes: list[Outcome] = []

    @contextmanager
    def branch(self, condition: str | None, outcome: bool) -> Iterator[None]:
        """Inside the branch ``outcome`` of ``condition`` (None: not a constexpr test)."""
        if condition is None:
            yield
            return
        self._outcomes.append((condition, outcome))
        try:
            yield
        finally:
            self._outcomes.pop()

    def current(self) -> frozenset[Outcome]:
        return frozenset(self._outcomes)


def contradicts(made_under: frozenset[Outcome], here: frozenset[Outcome]) -> bool:
    """A value made under ``made_under`` cannot be used ``here``: some condition has
    the other outcome."""
    if not made_under or not here:
        return False
    here_by_condition = dict(here)
    return any(here_by_condition.get(condition, outcome) != outcome for condition, outcome in made_under)
