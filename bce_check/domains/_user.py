"""Samplers for the domains a user declares (``--where``), and the harness problem of a
user's derivation.

A domain travels as plain data (``describe``), so that the parent process, which runs
the harness, never does SymPy work on user input: ``("real",)``, ``("set", values)``
or ``("interval", lo, hi, left_open, right_open)`` with ±inf for an open end.

Samplers (``sampler``), every one a mixture as in ``domains.py``:

* ℝ → ``domains.logits()`` (|u| up to 10⁴, tiny values, exact 0);
* a finite interval [a, b]: uniform on it (half), each closed end exactly, each end
  approached from inside by (b − a)·10^[−8, −1] (10^[−6, −1] at an open end, where
  float32 must not round onto the end: 1 − 10⁻⁶ is representable), and the midpoint;
* a half line [a, ∞): a exactly (if closed), a + 10^[−8, −1], a + uniform [0, 1],
  a + 10^[0, 1]; (−∞, b] mirrored;
* a finite set: each value equally often.
"""

from __future__ import annotations

import math

from bce_check.domains import _catalogue as domains
from bce_check.domains._catalogue import Component, Sampler

SEMI_INFINITE_DECADES = 1.0  # a half line is sampled up to 10 past its end: an exponent
# such as γ multiplies rounding errors by γ, beyond the harness's 16-ulp budget at γ ~ 10³


def describe(domain) -> tuple:
    """A SymPy set as plain data (runs where the SymPy work runs)."""
    from sympy import FiniteSet, Interval, S

    if domain == S.Reals:
        return ("real",)
    if isinstance(domain, FiniteSet):
        return ("set", tuple(float(v) for v in domain))
    if isinstance(domain, Interval):
        return ("interval", float(domain.start), float(domain.end), domain.left_open,
                domain.right_open)  # fmt: skip
    raise TypeError(f"no sampler for the domain {domain}")


def _interval(lo: float, hi: float, left_open: bool, right_open: bool) -> Sampler:
    width = hi - lo
    near = {False: -8.0, True: -6.0}
    parts = [Component("uniform", 0.5, "uniform", lo, hi), Component("midpoint", 0.1, "constant",
             lo + width / 2)]  # fmt: skip
    for end, is_open, sign in ((lo, left_open, 1), (hi, right_open, -1)):
        shift = math.log10(width)
        parts.append(Component(f"near {end:g}", 0.15, "log-uniform", near[is_open] + shift,
                               shift - 1, offset=end, sign=sign))  # fmt: skip
        if not is_open:
            parts.append(Component(f"exact {end:g}", 0.05, "constant", end))
    return _normalised(f"[{lo:g}, {hi:g}]", parts, (lo, hi) if left_open and right_open else None)


def _half_line(end: float, is_open: bool, sign: int) -> Sampler:
    parts = [
        Component(f"near {end:g}", 0.2, "log-uniform", -6.0 if is_open else -8.0, -1.0,
                  offset=end, sign=sign),
        Component("within 1", 0.3, "uniform", 0.0, 1.0, offset=end, sign=sign),
        Component(f"up to 10^{SEMI_INFINITE_DECADES:g}", 0.35, "log-uniform", 0.0,
                  SEMI_INFINITE_DECADES, offset=end, sign=sign),
    ]  # fmt: skip
    if not is_open:
        parts.append(Component(f"exact {end:g}", 0.15, "constant", end))
    return _normalised(f"half line from {end:g}", parts, None)


def _normalised(name: str, parts: list[Component], inside) -> Sampler:
    total = sum(c.weight for c in parts)
    scaled = tuple(
        Component(c.name, c.weight / total, c.kind, c.lo, c.hi, c.offset, c.sign) for c in parts
    )
    return Sampler(name, scaled, inside=inside)


def sampler(description: tuple) -> Sampler:
    """The sampler of a described domain (see the module docstring)."""
    kind = description[0]
    if kind == "real":
        return domains.logits()
    if kind == "set":
        values = description[1]
        parts = [Component(f"{v:g}", 1.0, "constant", v) for v in values]
        return _normalised("{" + ", ".join(f"{v:g}" for v in values) + "}", parts, None)
    _, lo, hi, left_open, right_open = description
    if math.isinf(lo) and math.isinf(hi):
        return domains.logits()
    if math.isinf(hi):
        return _half_line(lo, left_open, 1)
    if math.isinf(lo):
        return _half_line(hi, right_open, -1)
    return _interval(lo, hi, left_open, right_open)
