"""A reference's verdict on a gradient, and the rule that combines verdicts."""

from __future__ import annotations

import enum
from collections.abc import Iterable


class Verdict(enum.StrEnum):
    """A reference's verdict on a gradient; a str, so that it prints and serialises as its
    value.  Code compares it with its own members (``Verdict.PASS``), never with a string
    or a step verdict of ``derivations`` (equal as strings: see tests/test_enums.py).

    ``inconclusive``: the reference compared too few points to vouch for the gradient
    (fewer than ``MIN_COMPARED`` of those sampled, ``bce_check.check.tolerance``: it was
    not finite, or finite differences were outside their Taylor regime, at the others).
    """

    PASS = "pass"
    FAIL = "fail"
    SKIPPED = "skipped"
    INCONCLUSIVE = "inconclusive"

    @classmethod
    def worst(cls, verdicts: Iterable[Verdict]) -> Verdict:
        """fail over inconclusive over pass; skipped alone, or nothing, is inconclusive."""
        given = set(verdicts)
        for verdict in (cls.FAIL, cls.INCONCLUSIVE, cls.PASS):
            if verdict in given:
                return verdict
        return cls.INCONCLUSIVE
