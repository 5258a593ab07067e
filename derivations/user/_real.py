"""Is a user's loss a real, finite function on its domain?  Checked before it is derived.

bce-check derives losses L(u, …) that are real and finite for every real u and every
value of the ``--where`` domains: its emitted code computes them in floating point and
its harness samples those domains, exact ends and u = 0 included.  ``log(u)`` or
``sqrt(u)`` with u real are not real for u < 0, ``1/u`` is not finite at u = 0,
``p·log(p)`` with p ∈ [0, 1] is not finite at p = 0: their derivative is an identity
where they are defined, but code for them returns NaN on part of the domain, so
``derive`` refuses them with the point and the way out (a narrower ``--where``).

The test is numeric, as the proof's witness (``_numeric``): L in exp form evaluated
with mpmath at WORKING_DPS digits at REAL_POINTS random points of the domains, and at
the points the harness samples exactly (u = 0, each closed end of an interval, each
member of a finite set, 0 where it is inside), one symbol at a time.  A value with an
imaginary part beyond 10^−(WORKING_DPS/2) of its size is not real; an infinite or
undefined value (a division by 0, log 0, 0·∞) is not finite.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

import mpmath
from sympy import Basic, FiniteSet, Interval, S, Symbol, preorder_traversal

from derivations.errors import ExpressionError
from derivations.functions import to_exp_form
from derivations.proof import POINT_ERRORS, Unevaluable, mpmath_function, program, sample_point

REAL_POINTS = 20  # random points: a loss complex on a half line is complex at ~half of them
WORKING_DPS = 30
# The harness draws reals up to 10⁴; FAR = 12 catches log(100 − u²) while e^(e^(e^u)) at
# u = FAR stays cheap for mpmath (at 10⁴ its exponent alone would have 10⁴³⁴³ digits).
FAR = 12


def _special(symbol: Symbol, domain: Basic, variable: Symbol) -> list:
    """The values of ``symbol`` the harness samples exactly, and ±FAR inside the domain."""
    values = [0] if symbol == variable or domain.contains(0) is S.true else []
    values += [v for v in (-FAR, FAR) if symbol == variable or domain.contains(v) is S.true]
    if isinstance(domain, Interval):
        values += [end for end, is_open in ((domain.start, domain.left_open),
                   (domain.end, domain.right_open)) if not is_open and end.is_finite]  # fmt: skip
    if isinstance(domain, FiniteSet):
        values += list(domain)
    return list(dict.fromkeys(values))


def _points(symbols: list[Symbol], domains: Mapping, variable: Symbol, seed: int) -> list:
    rng = random.Random(seed)
    points = [[sample_point(domains[s], rng) for s in symbols] for _ in range(REAL_POINTS)]
    for i, s in enumerate(symbols):
        for value in _special(s, domains[s], variable):
            base = list(points[len(points) % REAL_POINTS])
            base[i] = value
            points.append(base)
    return points


def _shown(symbols: list[Symbol], point: list) -> str:
    return ", ".join(f"{s} = {float(v):.6g}" for s, v in zip(symbols, point, strict=True))


def _evaluator(expr: Basic, symbols: list[Symbol]):
    exp_form = to_exp_form(expr)
    try:
        return program([exp_form], symbols) or mpmath_function([exp_form], symbols)
    except Unevaluable as error:
        raise ExpressionError(f"cannot evaluate {error} in the loss numerically") from None


def _mpf(v) -> mpmath.mpf:
    """A coordinate as an mpmath number: a float, or a SymPy number (e, π, σ(1), 1/3)."""
    return mpmath.mpf(v.evalf(WORKING_DPS + 10) if isinstance(v, Basic) else v)


def _problem(evaluate, point: list) -> str | None:
    """The value of ``evaluate`` at ``point``: "is not finite", "is not real" or None."""
    with mpmath.workdps(WORKING_DPS):
        try:
            value = mpmath.mpmathify(evaluate(*[_mpf(v) for v in point])[0])
        except POINT_ERRORS:
            return "is not finite"
        if not mpmath.isfinite(value):
            return "is not finite"
        tiny = mpmath.mpf(10) ** (-WORKING_DPS // 2) * max(1, abs(value))
        return "is not real" if abs(mpmath.im(value)) > tiny else None


def _culprit(definition: Basic, symbols: list[Symbol], point: list) -> str:
    """The smallest part of the loss that already has the problem at ``point``."""
    parts = sorted(
        {e for e in preorder_traversal(definition) if not e.is_Atom}, key=lambda e: e.count_ops()
    )
    for part in parts:
        what = _problem(_evaluator(part, symbols), point)
        if what is not None:
            shown = str(part).replace("sigmoid", "σ").replace("**", "^").replace("*", "·")
            return f"{shown} {what}"
    return "the loss"


def check_real(definition: Basic, domains: Mapping[Symbol, Basic], variable: Symbol) -> None:
    """ExpressionError unless ``definition`` is real and finite at the sampled points."""
    symbols = sorted(definition.free_symbols, key=str)
    evaluate = _evaluator(definition, symbols)
    for point in _points(symbols, domains, variable, seed=0):
        what = _problem(evaluate, point)
        if what is not None:
            raise ExpressionError(
                f"the loss {what} at {_shown(symbols, point)} "
                f"({_culprit(definition, symbols, point)} there); bce-check derives losses "
                f"real and finite for every real {variable} and every value the --where "
                "domains allow (their closed ends included): write the loss on a logit "
                "(σ(u), softplus(u), e^u) or narrow the domain of the other symbols with --where"
            )
