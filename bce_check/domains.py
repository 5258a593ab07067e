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
from dataclasses import dataclass
from typing import Any

from derivations import DomainError

from ._counter import uniforms

Array = Any  # a jax.Array; JAX is imported only when a sampler draws
__all__ = [  # the samplers, their parts, and the counter-based uniforms they draw from
    "SAMPLERS", "Component", "Sampler", "SimplexSampler", "features", "for_domain",
    "hard_labels", "labels", "logits", "nonnegative", "nonzero", "probabilities",
    "simplex", "uniforms",
]  # fmt: skip

KINDS = ("constant", "uniform", "log-uniform")


def _sizes(shape: tuple, label: str = "with_shape") -> tuple[int, ...]:
    """A shape of whole sizes ≥ 1 (NumPy integers accepted), or a DomainError naming it."""
    ok = all(
        isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 1 for n in shape
    )
    if not shape or not ok:
        raise DomainError(f"{label} takes sizes that are whole numbers >= 1, got {shape!r}")
    return tuple(int(n) for n in shape)


def _positive(value, label: str, high: float = 1e300) -> float:
    """A finite real in (0, high], or a DomainError naming the value received."""
    good = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not (good and 0 < float(value) <= high):
        raise DomainError(f"{label} must be a number > 0 and <= {high:g}, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class Component:
    """One named part of a mixture: ``offset + sign·magnitude``, magnitude drawn by ``kind``.

    kind: ``constant`` (lo), ``uniform`` on [lo, hi), ``log-uniform`` 10^[lo, hi).
    sign: +1, −1, or 0 for a random sign.
    """

    name: str
    weight: float
    kind: str
    lo: float = 0.0
    hi: float = 0.0
    offset: float = 0.0
    sign: int = 1

    def __post_init__(self) -> None:
        if self.kind not in KINDS or self.sign not in (-1, 0, 1) or self.weight <= 0:
            raise DomainError(
                f"component {self.name!r}: kind must be one of {', '.join(KINDS)}, "
                "sign -1, 0 (random) or 1, weight > 0"
            )


@dataclass(frozen=True)
class Sampler:
    """A mixture of components, drawn elementwise; ``shape`` is the shape of one input."""

    name: str
    components: tuple[Component, ...]
    shape: tuple[int, ...] = ()
    inside: tuple[float, float] | None = None  # an open interval the values must stay in

    def __post_init__(self) -> None:
        total = sum(c.weight for c in self.components)
        if not self.components or abs(total - 1.0) > 1e-9:
            raise DomainError(f"sampler {self.name!r}: weights must sum to 1, got {total}")

    def with_shape(self, *shape: int) -> Sampler:
        """The same distribution, drawing arrays of ``shape`` per point."""
        return Sampler(self.name, self.components, _sizes(shape), self.inside)

    def draw(self, seed, stream: int, start, count: int, dtype) -> Array:
        """``count`` points (shape ``(count, *shape)``) for point indices from ``start``.

        Two uniforms per element: one picks the component (and, by which half of the
        component's slice it falls in, the sign), the other the magnitude.  The
        parameters are selected per element, so a draw costs one exp whatever the number
        of components (kinds are limited to what exp alone can draw: a log would double it).
        """
        import jax.numpy as jnp

        size = math.prod(self.shape)
        n = count * size
        choice = uniforms(seed, 2 * stream, start * size, n, dtype)
        b = uniforms(seed, 2 * stream + 1, start * size, n, dtype)
        edges = [
            sum(c.weight for c in self.components[: i + 1]) for i in range(len(self.components))
        ]
        picks = [choice < edge for edge in edges[:-1]]  # component i: the first edge above choice

        def per_component(values: list[float]) -> Array:
            return jnp.select(
                picks, [jnp.asarray(v, dtype) for v in values[:-1]], jnp.asarray(values[-1], dtype)
            )

        lo, hi, offset = (
            per_component([getattr(c, f) for c in self.components]) for f in ("lo", "hi", "offset")
        )
        hi = jnp.where(
            per_component([float(c.kind == "constant") for c in self.components]) > 0, lo, hi
        )
        middle = per_component(
            [edge - c.weight / 2 for edge, c in zip(edges, self.components, strict=True)]
        )
        sign = per_component([float(c.sign) for c in self.components])
        sign = jnp.where(sign == 0, jnp.where(choice < middle, -1.0, 1.0), sign).astype(dtype)
        logarithmic = per_component([float(c.kind == "log-uniform") for c in self.components])
        t = lo + (hi - lo) * b
        magnitude = jnp.where(logarithmic > 0, jnp.exp(math.log(10.0) * t), t)
        values = (offset + sign * magnitude).astype(dtype)
        if self.inside is not None:  # 1 − 1e-8 rounds to 1 in float32: step back inside
            lo, hi = (jnp.asarray(v, dtype) for v in self.inside)
            values = jnp.clip(values, jnp.nextafter(lo, hi), jnp.nextafter(hi, lo))
        return values.reshape((count, *self.shape))


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
    """Soft labels p in [0, 1]: uniform, exact 0, 1 and 1/2, and within 1e-8..0.1 of 0 or 1."""
    return Sampler(
        "labels",
        (
            Component("uniform [0, 1]", 0.50, "uniform", 0.0, 1.0),
            Component("exact 0", 0.10, "constant", 0.0),
            Component("exact 1", 0.10, "constant", 1.0),
            Component("near 0", 0.10, "log-uniform", -8.0, -1.0),
            Component("near 1", 0.10, "log-uniform", -8.0, -1.0, offset=1.0, sign=-1),
            Component("exact 1/2", 0.10, "constant", 0.5),
        ),
    )


def hard_labels() -> Sampler:
    """Hard labels y in {0, 1}, equally likely."""
    return Sampler(
        "hard labels",
        (Component("0", 0.5, "constant", 0.0), Component("1", 0.5, "constant", 1.0)),
    )


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
    """Probabilities strictly inside (0, 1): uniform, 1/2, and within 1e-8..0.1 of either end."""
    return Sampler(
        "probabilities",
        (
            Component("uniform (0, 1)", 0.60, "uniform", 1e-12, 1.0 - 1e-12),
            Component("near 0", 0.15, "log-uniform", -8.0, -1.0),
            Component("near 1", 0.15, "log-uniform", -8.0, -1.0, offset=1.0, sign=-1),
            Component("exact 1/2", 0.10, "constant", 0.5),
        ),
        inside=(0.0, 1.0),
    )


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


@dataclass(frozen=True)
class SimplexSampler(Sampler):
    """Points of the probability simplex (entries ≥ 0 summing to 1): half of them one-hot
    (hard labels), half uniform on the simplex (normalised exponential random numbers)."""

    name: str = "simplex"
    components: tuple[Component, ...] = ()

    def __post_init__(self) -> None:
        if len(self.shape) != 1:
            raise DomainError(
                "a simplex sampler draws vectors: give it one size, with_shape(K), "
                f"got {self.shape}"
            )
        _sizes(self.shape)

    def with_shape(self, *shape: int) -> SimplexSampler:
        return SimplexSampler(shape=_sizes(shape))

    def draw(self, seed, stream: int, start, count: int, dtype) -> Array:
        import jax.numpy as jnp

        (size,) = self.shape
        n = count * size
        e = -jnp.log1p(-uniforms(seed, 2 * stream, start * size, n, dtype)).reshape(count, size)
        total = e[:, 0]
        for k in range(1, size):  # a fixed order of additions: the same bits in any chunking
            total = total + e[:, k]
        soft = e / total[:, None]
        pick = uniforms(seed, 2 * stream + 1, start, count, dtype)
        hot = jnp.floor(pick * 2 * size).astype(jnp.int32)  # < size: one-hot at that class
        one_hot = (jnp.arange(size)[None, :] == hot[:, None]).astype(dtype)
        return jnp.where((hot < size)[:, None], one_hot, soft).astype(dtype)


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


def for_domain(domain, matrix: bool = False) -> Sampler:
    """The sampler for a symbol's domain (each entry's, for a matrix symbol).

    ℝ → logits (features for a matrix), [0, 1] → labels, (0, 1) → probabilities,
    {0, 1} → hard labels, [0, ∞) → non-negative, ℝ ∖ {0} → nonzero, the simplex → simplex.
    """
    from sympy import FiniteSet, Interval, S, oo

    if getattr(domain, "parametrise", None) is not None:  # derivations.sets.SIMPLEX
        return simplex()
    table = {
        S.Reals: features() if matrix else logits(),
        Interval(0, 1): labels(),
        Interval.open(0, 1): probabilities(),
        FiniteSet(0, 1): hard_labels(),
        Interval(0, oo): nonnegative(),
        S.Reals - FiniteSet(0): nonzero(),
    }
    if domain in table:
        return table[domain]
    raise DomainError(
        f"no sampler for the domain {domain}; known: ℝ, ℝ∖{{0}}, [0, 1], (0, 1), {{0, 1}}, "
        "[0, ∞) and the probability simplex"
    )
