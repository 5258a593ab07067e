"""Domains of vectors that are not "each entry in a set": the probability simplex.

A derivation's ``domains`` map a symbol to the set each of its entries lies in (ℝ,
[0, 1], {0, 1}).  A soft label y of D6 is not such a vector: its entries are ≥ 0 *and*
sum to 1.  ``SIMPLEX`` says so, and tells the checker how to use it:

* symbolically, a point of the simplex in K dimensions is written with K − 1 free
  coordinates, y_{K−1} = 1 − Σ_{k<K−1} y_k, so that Σ_k y_k = 1 holds as an identity;
* numerically, points are drawn uniformly on the simplex (normalised exponential
  random numbers: positive, summing to 1).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from sympy import Add, Basic, Symbol


@dataclass(frozen=True)
class Coordinates:
    """The first ``size − 1`` coordinates of a random point on the ``size``-simplex."""

    simplex: Simplex
    size: int

    def sample(self, rng: random.Random) -> list[float]:
        return self.simplex.sample(rng, self.size)[:-1]


@dataclass(frozen=True)
class Simplex:
    """The probability simplex {y : y_k ≥ 0, Σ_k y_k = 1}, for a column vector y."""

    def __str__(self) -> str:
        return "the probability simplex (entries ≥ 0, summing to 1)"

    def sample(self, rng: random.Random, size: int) -> list[float]:
        """A point uniform on the simplex: e_k/Σ e, e_k exponential (positive) random numbers."""
        weights = [rng.expovariate(1.0) for _ in range(size)]
        total = sum(weights)
        return [w / total for w in weights]

    def parametrise(self, entries: Sequence[Symbol]) -> tuple[list[Basic], Coordinates]:
        """The entries as (y_0, …, y_{K−2}, 1 − Σ y_k), and the sampler of the free ones."""
        free = list(entries[:-1])
        return [*free, 1 - Add(*free)], Coordinates(self, len(entries))


SIMPLEX = Simplex()
