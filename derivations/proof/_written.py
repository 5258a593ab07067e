"""Chains checked by writing them out at small shapes (the matrix derivations' checker).

Each member of a chain is written out at each of the derivation's shapes
(``_matrix.written_out``: matrices entry by entry, sums expanded, derivatives taken,
names and abbreviations expanded), once per value of its free indices, and consecutive
members are compared entry by entry with ``check_equal``.  A chain is proved when it
is proved at every shape; the worst verdict wins.  The same written-out equality met
twice in one derivation (the last step and the closed form's check against sympy.diff
usually are) is checked once.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise

from sympy import Basic, ImmutableMatrix
from sympy.matrices import MatrixBase, ShapeError

from derivations.errors import ExpressionError
from derivations.proof._equality import EXPLICIT_ORDER, check_equal
from derivations.proof._matrix import depends_on, written_out
from derivations.proof._verdicts import FAILED, PROVED, Check, worst


def _shape_text(sizes: Mapping) -> str:
    return ", ".join(f"{k} = {v}" for k, v in sizes.items())


def _entries(value: Basic) -> list[Basic]:
    return list(value) if isinstance(value, MatrixBase) else [value]


class WrittenOut:
    """Checks chains of one derivation (its ``domains`` and ``abbreviations``) written out."""

    def __init__(self, domains: Mapping, abbreviations: Mapping) -> None:
        self.domains = domains
        self.abbreviations = abbreviations
        self._checked: dict[tuple[Basic, Basic], Check] = {}

    def check(self, chain: list[Basic], shapes, names: Mapping, seed: int) -> Check:
        """Consecutive members of ``chain`` equal at each shape (names: what they stand for)."""
        names = {**names, **self.abbreviations}
        sizes = {s for shape in shapes for s in shape}
        if not shapes or not depends_on(chain, names, sizes):
            shapes = ({},)
        checks = []
        for number, shape in enumerate(shapes):
            where = f" at {_shape_text(shape)}" if shape else ""
            try:
                values, domains = written_out(chain, shape, names, self.domains)
            # What a wrong step can cause (sizes that do not align, an index past its
            # range, no size or domain for a symbol); anything else is a bug: it raises.
            except (ShapeError, IndexError, ExpressionError) as error:
                checks.append(Check(FAILED, f"cannot be written out{where}: {error}"))
                continue
            for i, (a, b) in enumerate(pairwise(values)):
                check = self._values(a, b, domains, seed + 100 * number + i)
                checks.append(Check(check.verdict, check.method + where))
        weakest = worst(checks)
        if weakest is not None and weakest.verdict != PROVED:
            return weakest
        methods = dict.fromkeys(c.method.split(" at ")[0] for c in checks)
        shown = "; ".join(_shape_text(s) for s in shapes if s)
        return Check(PROVED, "; ".join(methods) + (f" (written out at {shown})" if shown else ""))

    def _values(self, a: list[Basic], b: list[Basic], domains, seed: int) -> Check:
        """Two lists of values (one per index point) equal, entry by entry."""
        for x, y in zip(a, b, strict=True):
            shapes = [getattr(v, "shape", ()) for v in (x, y)]
            if shapes[0] != shapes[1]:
                shown = " vs ".join("×".join(map(str, s)) if s else "scalar" for s in shapes)
                return Check(FAILED, f"shapes differ: {shown}")
        left, right = (ImmutableMatrix([e for v in side for e in _entries(v)]) for side in (a, b))
        if (right, left) in self._checked:  # a = b was checked as b = a
            return self._checked[(right, left)]
        if (left, right) not in self._checked:
            check = check_equal(left, right, domains, seed, order=EXPLICIT_ORDER)
            self._checked[(left, right)] = check
        return self._checked[(left, right)]


__all__ = ["WrittenOut"]
