"""The sampler machinery: a table of named components, drawn elementwise in JAX.

A ``Sampler`` is a mixture of ``Component``s (rules as data): each element of a sample
picks a component by weight, then a value from it; ``SimplexSampler`` draws points of
the probability simplex.  The named samplers users pick from are in ``domains.py``.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

from bce_check.domains._counter import uniforms
from derivations import DomainError

Array = Any  # a jax.Array; JAX is imported only when a sampler draws

KINDS = ("constant", "uniform", "log-uniform")


def _sizes(shape: tuple, label: str = "with_shape") -> tuple[int, ...]:
    """A shape of whole sizes ≥ 1 (NumPy integers accepted), or a DomainError naming it."""
    ok = all(isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 1 for n in shape)
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
        lo, hi, offset, sign, logarithmic = self._parameters(choice, dtype)
        t = lo + (hi - lo) * b
        magnitude = jnp.where(logarithmic > 0, jnp.exp(math.log(10.0) * t), t)
        values = (offset + sign * magnitude).astype(dtype)
        if self.inside is not None:  # 1 − 1e-8 rounds to 1 in float32: step back inside
            lo, hi = (jnp.asarray(v, dtype) for v in self.inside)
            values = jnp.clip(values, jnp.nextafter(lo, hi), jnp.nextafter(hi, lo))
        return values.reshape((count, *self.shape))

    def _parameters(self, choice: Array, dtype) -> tuple[Array, ...]:
        """Per element, its component's (lo, hi, offset, sign, is log-uniform), picked by
        ``choice``; a sign of 0 is drawn as − or + by the half of the slice ``choice`` is in."""
        import jax.numpy as jnp
        edges = [
            sum(c.weight for c in self.components[: i + 1]) for i in range(len(self.components))
        ]
        picks = [choice < edge for edge in edges[:-1]]  # component i: the first edge above choice

        def per_component(values: list[float]) -> Array:
            last = jnp.asarray(values[-1], dtype)
            if not picks:  # one component: nothing to select (jnp.select needs a condition)
                return jnp.broadcast_to(last, choice.shape)
            return jnp.select(picks, [jnp.asarray(v, dtype) for v in values[:-1]], last)

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
        return lo, hi, offset, sign, logarithmic


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
