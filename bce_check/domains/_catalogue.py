"""Seeded samplers of random inputs, extremes included.

A sampler is a table of named components (rules as data): each element of a sample
picks a component by weight, then a value from it.  ``logits()`` mixes ordinary
values, large magnitudes (|u| from 700 to 10⁴, where naive exp overflows), tiny ones
and exact 0; ``labels()`` mixes uniform soft labels with exact 0, exact 1 and values
within 10⁻⁸ of either end.

Randomness is a counter-based hash of (seed, stream, element index) (``_counter.py``):
sample ``i`` of a given seed is the same whatever the chunk size or the number of
samples asked for.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

from bce_check.domains._counter import uniforms
from bce_check.domains._intervals import finite_set, interval
from bce_check.domains._sampler import KINDS, Component, Sampler, SimplexSampler, _positive, _sizes
from derivations import DomainError

__all__ = [  # the samplers, their parts (``_sampler.py``), the uniforms they draw from
    "KINDS", "SAMPLERS", "Component", "Sampler", "SimplexSampler", "features",
    "finite_set", "hard_labels", "interval", "labels", "logits", "nonnegative", "nonzero",
    "probabilities", "simplex", "uniforms",
]  # fmt: skip


def logits(max_magnitude: float = 1e4) -> Sampler:
    """Real logits: ordinary, large (|u| ≥ 700 where e^u overflows), tiny, and exact 0.

    With a smaller ``max_magnitude`` every component is clipped to it: the "large" one
    then covers [max/2, max].
    """
    good = isinstance(max_magnitude, numbers.Real) and not isinstance(max_magnitude, bool)
    if not (good and 1.0 <= max_magnitude <= 1e300):
        raise DomainError(f"max_magnitude must be from 1 to 1e300, got {max_magnitude!r}")
    top = max_magnitude
    return Sampler(
        "logits",
        (
            Component("uniform ±6", 0.30, "uniform", 0.0, min(6.0, top), sign=0),
            Component("uniform ±40", 0.15, "uniform", 0.0, min(40.0, top), sign=0),
            Component("log-uniform 1e-8..max", 0.25, "log-uniform", -8.0, math.log10(top), sign=0),
            Component("large 700..max", 0.15, "uniform", min(700.0, top / 2), top, sign=0),
            Component("tiny 1e-30..1e-8", 0.10, "log-uniform", -30.0, -8.0, sign=0),
            Component("exact 0", 0.05, "constant", 0.0),
        ),
    )


def labels() -> Sampler:
    """Soft labels p in [0, 1]: ``interval(0, 1)``, uniform, exact 0, 1 and 1/2, and
    within 1e-8..0.1 of 0 or 1."""
    return interval(0.0, 1.0)


def hard_labels() -> Sampler:
    """Hard labels y in {0, 1}, equally likely: ``finite_set((0, 1))``."""
    return finite_set((0.0, 1.0))


def features(scale: float = 3.0) -> Sampler:
    """Real features: standardised-looking values with a few large and exact-zero entries."""
    scale = _positive(scale, "features(scale)", 1e3)
    return Sampler(
        "features",
        (
            Component(f"uniform ±{scale}", 0.50, "uniform", 0.0, scale, sign=0),
            Component(
                f"log-uniform 1e-3..{scale}", 0.30, "log-uniform", -3.0, math.log10(scale), sign=0
            ),
            Component("large ±10..100", 0.10, "uniform", 10.0, 100.0, sign=0),
            Component("exact 0", 0.10, "constant", 0.0),
        ),
    )


def probabilities() -> Sampler:
    """Probabilities strictly inside (0, 1): ``interval(0, 1, "neither")``, uniform, 1/2,
    and within 1e-8..0.1 of either end (clipped inside: 1 − 1e-8 rounds to 1 in float32)."""
    return interval(0.0, 1.0, "neither")


def nonnegative(max_value: float = 1e3) -> Sampler:
    """Non-negative reals (a regularisation strength λ): exact 0, uniform, log-uniform."""
    max_value = _positive(max_value, "nonnegative(max_value)")
    return Sampler(
        "nonnegative",
        (
            Component("exact 0", 0.10, "constant", 0.0),
            Component("uniform [0, 1]", 0.40, "uniform", 0.0, 1.0),
            Component("log-uniform 1e-8..max", 0.50, "log-uniform", -8.0, math.log10(max_value)),
        ),
    )


def nonzero(margin: float = 0.05, max_magnitude: float = 1e4) -> Sampler:
    """Reals with |x| ≥ ``margin``: logits away from a kink at 0 (L1's |θ_j|).

    The margin keeps a central difference from straddling the kink: its widest step is
    4h = 4·ε^{1/3}·max(|x|, 1), 0.02 in float32 (2.4e-5 in float64).
    """
    max_magnitude = _positive(max_magnitude, "nonzero(max_magnitude)")
    margin = _positive(margin, "nonzero(margin)", min(1.0, max_magnitude))
    low = math.log10(margin)
    return Sampler(
        f"nonzero (|x| ≥ {margin:g})",
        (
            Component("uniform ±[margin, 6]", 0.40, "uniform", margin, 6.0, sign=0),
            Component(
                "log-uniform margin..max",
                0.45,
                "log-uniform",
                low,
                math.log10(max_magnitude),
                sign=0,
            ),
            Component(
                "large 700..max",
                0.15,
                "uniform",
                min(700.0, max_magnitude / 2),
                max_magnitude,
                sign=0,
            ),
        ),
    )


def simplex(size: int = 3) -> SimplexSampler:
    """Soft labels on the probability simplex, one-hot half of the time."""
    (size,) = _sizes((size,), "simplex(size)")
    return SimplexSampler(shape=(size,))


SAMPLERS: dict[str, Callable[[], Sampler]] = {
    "logits": logits,
    "labels": labels,
    "hard_labels": hard_labels,
    "features": features,
    "probabilities": probabilities,
    "nonnegative": nonnegative,
    "nonzero": nonzero,
    "simplex": simplex,
}
