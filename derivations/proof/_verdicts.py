"""Verdicts on an equality, a step or a derivation, and the one rule that combines them.

From strongest to weakest:

* ``proved``: a symbolic strategy reduced the difference to exactly 0 and the numeric
  witness agrees;
* ``numeric-only``: the two sides agree to NUMERIC_DIGITS digits at random points of the
  domains, but no symbolic strategy closed the difference;
* ``inconclusive``: the numeric witness could not settle the question within its budget
  of digits (the evaluations at successive precisions never agreed with each other), so
  it is evidence neither for nor against; see ``_numeric.PRECISIONS``;
* ``failed``: the sides differ at a point, with the value at two precisions agreeing.

A chain of checks is as good as its worst member (``worst``).  A derivation is ``ok``
when its verdict is ``proved`` or ``numeric-only``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar


class Verdict(StrEnum):
    """A verdict; a ``str``, so that it compares, prints and serialises as its value."""

    PROVED = "proved"
    NUMERIC_ONLY = "numeric-only"
    INCONCLUSIVE = "inconclusive"
    FAILED = "failed"

    @property
    def ok(self) -> bool:
        """Does this verdict establish the equality (proved, or numerically)?"""
        return self in (Verdict.PROVED, Verdict.NUMERIC_ONLY)


PROVED = Verdict.PROVED
NUMERIC_ONLY = Verdict.NUMERIC_ONLY
INCONCLUSIVE = Verdict.INCONCLUSIVE
FAILED = Verdict.FAILED

_STRENGTH = {verdict: rank for rank, verdict in enumerate(reversed(Verdict))}  # failed: 0


@dataclass(frozen=True)
class Check:
    """The outcome of checking one equality: a verdict and what established it."""

    verdict: Verdict
    method: str


T = TypeVar("T")


def worst(items: Iterable[T]) -> T | None:
    """The first of ``items`` with the weakest verdict (None when there is none).

    An item is a verdict or has one (``.verdict``: a Check, a StepResult); order of
    weakness: failed, inconclusive, numeric-only, proved.
    """
    return min(
        items, key=lambda item: _STRENGTH[Verdict(getattr(item, "verdict", item))], default=None
    )


__all__ = ["FAILED", "INCONCLUSIVE", "NUMERIC_ONLY", "PROVED", "Check", "Verdict", "worst"]
