"""Samplers of an interval and of a finite set, built from ``Component``s.

``interval(lo, hi, closed)``, a mixture (weights before normalising):

* a finite interval: uniform on it (0.5), the midpoint (0.1), each end approached from
  inside by (hi − lo)·10^[−8, −1] (0.1 each; 10^[−6, −1] at an open end next to a
  closed one, where float32 must not round onto the end: 1 − 10⁻⁶ is representable;
  with both ends open the draws are clipped inside instead), each closed end exactly
  (0.1 each), and exact 0 where 0 is strictly inside and not the midpoint (0.05);
* a half line [a, ∞): a exactly (if closed), a + 10^[−8, −1], a + uniform [0, 1],
  a + 10^[0, 1], and exact 0 where 0 is inside; (−∞, b] mirrored;
* the whole line is ``logits()``, not an interval here.

[0, 1] closed is ``labels()``, (0, 1) is ``probabilities()``.
"""

from __future__ import annotations

import math
import numbers

from bce_check.domains._sampler import Component, Sampler
from derivations import DomainError

CLOSED = ("both", "left", "right", "neither")
SEMI_INFINITE_DECADES = 1.0  # a half line is sampled up to 10 past its end: an exponent
# such as γ multiplies rounding errors by γ, beyond the harness's 16-ulp budget at γ ~ 10³


def _bound(value, label: str) -> float:
    good = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not good or math.isnan(float(value)):
        raise DomainError(f"interval({label}) takes a real number or ±inf, got {value!r}")
    return float(value)


def normalised(name: str, parts: list[Component], inside=None) -> Sampler:
    """A sampler of ``parts`` with their weights scaled to sum to 1."""
    total = sum(c.weight for c in parts)
    scaled = tuple(
        Component(c.name, c.weight / total, c.kind, c.lo, c.hi, c.offset, c.sign) for c in parts
    )
    return Sampler(name, scaled, inside=inside)


def _zero(lo: float, hi: float, weight: float, skip: float | None = None) -> list[Component]:
    """Exact 0 when 0 lies strictly inside (lo, hi) and is not already drawn."""
    inside = lo < 0.0 < hi and skip != 0.0
    return [Component("exact 0", weight, "constant", 0.0)] if inside else []


def _finite(lo: float, hi: float, left_open: bool, right_open: bool, name: str) -> Sampler:
    width, middle = hi - lo, lo + (hi - lo) / 2
    both_open = left_open and right_open
    parts = [Component("uniform", 0.5, "uniform", lo, hi),
             Component("midpoint", 0.1, "constant", middle)]  # fmt: skip
    shift = math.log10(width)
    for end, is_open, sign in ((lo, left_open, 1), (hi, right_open, -1)):
        nearest = -6.0 if is_open and not both_open else -8.0
        parts.append(Component(f"near {end:g}", 0.1, "log-uniform", nearest + shift, shift - 1,
                               offset=end, sign=sign))  # fmt: skip
        if not is_open:
            parts.append(Component(f"exact {end:g}", 0.1, "constant", end))
    parts += _zero(lo, hi, 0.05, skip=middle)
    return normalised(name, parts, (lo, hi) if both_open else None)


def _half_line(end: float, is_open: bool, sign: int, name: str) -> Sampler:
    parts = [
        Component(f"near {end:g}", 0.2, "log-uniform", -6.0 if is_open else -8.0, -1.0,
                  offset=end, sign=sign),
        Component("within 1", 0.3, "uniform", 0.0, 1.0, offset=end, sign=sign),
        Component(f"up to 10^{SEMI_INFINITE_DECADES:g}", 0.35, "log-uniform", 0.0,
                  SEMI_INFINITE_DECADES, offset=end, sign=sign),
    ]  # fmt: skip
    if not is_open:
        parts.append(Component(f"exact {end:g}", 0.15, "constant", end))
    parts += _zero(end, math.inf, 0.05) if sign > 0 else _zero(-math.inf, end, 0.05)
    return normalised(name, parts)


def interval(lo: float, hi: float, closed: str = "both") -> Sampler:
    """Reals x with lo ≤ x ≤ hi, each end included exactly when ``closed`` says so.

    ``closed``: "both" [lo, hi], "left" [lo, hi), "right" (lo, hi], "neither" (lo, hi);
    an infinite end is always open.  The mixture is in the module docstring.
    """
    lo, hi = _bound(lo, "lo"), _bound(hi, "hi")
    if closed not in CLOSED:
        raise DomainError(f"interval(closed=...) is one of {', '.join(CLOSED)}, got {closed!r}")
    left_open, right_open = closed in ("right", "neither"), closed in ("left", "neither")
    if not lo < hi:
        raise DomainError(f"interval(lo, hi) needs lo < hi, got lo={lo!r}, hi={hi!r}")
    for end, is_open in ((lo, left_open), (hi, right_open)):
        if math.isinf(end) and not is_open:
            raise DomainError(f"interval: an infinite end is open, got {end}, closed={closed!r}")
    name = f"{'(' if left_open else '['}{lo:g}, {hi:g}{')' if right_open else ']'}"
    if math.isinf(lo) and math.isinf(hi):
        raise DomainError("interval(-inf, inf) is the whole line: its sampler is logits()")
    if math.isinf(hi):
        return _half_line(lo, left_open, 1, name)
    if math.isinf(lo):
        return _half_line(hi, right_open, -1, name)
    return _finite(lo, hi, left_open, right_open, name)


def finite_set(values) -> Sampler:
    """Each of ``values`` (distinct reals) equally often."""
    values = tuple(_bound(v, "finite_set") for v in values)
    if not values or len(set(values)) != len(values) or any(math.isinf(v) for v in values):
        raise DomainError(f"finite_set takes distinct finite reals, got {values!r}")
    parts = [Component(f"{v:g}", 1.0, "constant", v) for v in values]
    return normalised("{" + ", ".join(f"{v:g}" for v in values) + "}", parts)
