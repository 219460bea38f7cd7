"""The selection and application of one round's edits: the same answers as the
plain definitions (every pair compared, the text sliced edit by edit), in time that
grows with the number of edits, not with its square."""
from __future__ import annotations

import random

from tritonlint import fixer
from tritonlint.diagnostics import Edit, Position


def _random_edits(rng: random.Random) -> list[Edit]:
    edits = []
    for _ in range(rng.randint(1, 12)):
        l1, c1 = rng.randint(1, 3), rng.randint(0, 5)
        if rng.random() < 0.5:
            l2, c2 = l1, c1  # an insertion
        else:
            l2 = rng.randint(l1, 3)
            c2 = rng.randint(c1 if l2 == l1 else 0, 6)
        edits.append(Edit(Position(l1, c1), Position(l2, c2), rng.choice(["a", "bb", ""])))
    return edits


def test_taking_edits_agrees_with_comparing_every_pair():
    rng = random.Random(3)
    for _ in range(2000):
        edits = _random_edits(rng)
        plain: list[Edit] = []
        for e in edits:
            if e not in plain and not any(fixer._overlaps(e, t) for t in plain):
                plain.append(e)
        taken = fixer._TakenEdits()
        for e in edits:
            if e not in taken.seen and not taken.overlaps(e):
                taken.add(e)
        assert taken.edits == plain, edits


def test_applying_edits_agrees_with_slicing_edit_by_edit():
    rng = random.Random(5)
    text = "abcdefg\nhijklmn\nopqrstu\n"
    starts = fixer.line_starts(text)
    for _ in range(2000):
        taken = fixer._TakenEdits()
        for e in _random_edits(rng):
            if e not in taken.seen and not taken.overlaps(e):
                taken.add(e)
        spans = sorted(((fixer.offset_of(starts, e.start), fixer.offset_of(starts, e.end), e.content)
                        for e in taken.edits), key=lambda s: (s[0], s[1]), reverse=True)
        expected = text
        for s, t, content in spans:
            expected = expected[:s] + content + expected[t:]
        assert fixer.apply_edits(text, taken.edits) == expected
