"""The numeric witness of an equality: both sides evaluated with mpmath at random points.

At each point both sides are evaluated with PRECISIONS[0] = 60 significant digits; they
agree there when they agree to NUMERIC_DIGITS = 40 digits, relative to the larger side.
Sides that differ are evaluated again with more digits, because a difference may be the
rounding of a cancellation rather than a fact: 1 − σ(200) at 60 digits has lost ~87 of
them, and (u² − 1)²⁰⁰ − (u − 1)²⁰⁰·(u + 1)²⁰⁰ at u = 6.5 cancels terms of size 10³²³.  A
difference counts against the equality only once it has *settled*: the values at two
successive precisions agree with each other to NUMERIC_DIGITS digits (so the next
precision would not change them), and the sides still differ.  A point whose values
never settle within the last precision is evidence neither way; an equality that has
too few agreeing points because of them is ``inconclusive``, never ``failed``.

This is the usual a-posteriori test of a floating-point result: recompute with more
working precision and compare (mpmath's own ``workdps``/``autoprec`` do the same; see
F. Johansson, mpmath documentation, "Precision and representation issues").

A domain is a SymPy set for one symbol, or, for a tuple of symbols drawn together (the
free coordinates of a point on the probability simplex), an object with
``sample(rng)`` returning one value each.
"""

from __future__ import annotations

import builtins
import random
from collections.abc import Callable, Mapping
from enum import Enum

import mpmath
from sympy import Basic, FiniteSet, Interval, Rational, S, Symbol, lambdify, preorder_traversal
from sympy.matrices import MatrixBase
from sympy.printing.codeprinter import PrintMethodNotImplementedError

from derivations.errors import DomainError
from derivations.proof._mpmath import program
from derivations.proof._verdicts import FAILED, INCONCLUSIVE, NUMERIC_ONLY, Check

NUMERIC_POINTS = 20  # random points per equality: a wrong step is off almost everywhere
NUMERIC_DIGITS = 40  # agreement required, relative to the larger side
# Working precisions, in digits, tried in turn at a point where the sides differ.  60 gives
# 20 digits of headroom over NUMERIC_DIGITS: cancellation at |x| <= 8 costs at most ~8.
# Written-out matrices put x_iᵀθ (up to 3·8·8 + 8 = 200) under σ, where 1 − σ loses ~90
# digits: 250 covers them.  1000 covers polynomial cancellations of terms up to ~10⁹⁰⁰.
PRECISIONS = (60, 250, 1000)
WORKING_DPS, RETRY_DPS = PRECISIONS[0], PRECISIONS[1]
REAL_RANGE = 8.0  # reals are drawn uniformly from [-8, 8], see PRECISIONS
# What evaluating a correct program at a point may raise: 1/0, log or a power outside
# its domain (mpmath: ValueError), a value too large for an int exponent.
POINT_ERRORS = (ZeroDivisionError, ValueError, OverflowError)
UNPRINTABLE = {"Derivative", "Subs", "Integral", "Limit"}  # nodes with no numeric value


class _Outcome(Enum):
    AGREE = "agree"
    DIFFER = "differ"
    UNSETTLED = "unsettled"


def _elements(expr: Basic) -> list[Basic]:
    return list(expr) if isinstance(expr, MatrixBase) else [expr]


def sample_point(domain, rng: random.Random):
    if hasattr(domain, "sample"):  # a joint domain (a tuple of symbols drawn together)
        return domain.sample(rng)
    if domain == S.Reals:
        return rng.uniform(-REAL_RANGE, REAL_RANGE)
    if isinstance(domain, Interval):
        lo = max(float(domain.start), -REAL_RANGE)
        hi = min(float(domain.end), REAL_RANGE)
        return rng.uniform(lo, hi)
    if isinstance(domain, FiniteSet):
        return rng.choice(sorted(domain, key=float))
    if domain in (S.Naturals, S.Naturals0):
        return rng.randint(1, 6)
    raise DomainError(
        f"cannot sample from the domain {domain}; allowed: Reals, an Interval, a FiniteSet "
        "of numbers, Naturals, or a joint domain with sample(rng)"
    )


def _where(domains: Mapping) -> dict[Basic, tuple[object, object]]:
    """symbol -> (key, position): a plain symbol is its own key; a tuple key draws jointly."""
    where = {}
    for key in domains:
        if isinstance(key, tuple):
            where.update({s: (key, i) for i, s in enumerate(key)})
        else:
            where[key] = (key, None)
    return where


def _draw(symbols: list, domains: Mapping, where: Mapping, rng: random.Random) -> list:
    """One random point: symbols in order, each joint key drawn once, when first needed."""
    drawn: dict = {}
    point = []
    for s in symbols:
        key, position = where[s]
        if key not in drawn:
            drawn[key] = sample_point(domains[key], rng)
        point.append(drawn[key] if position is None else drawn[key][position])
    return point


def _close(x, y) -> bool:
    """x and y agree to NUMERIC_DIGITS digits, relative to the larger (floor 1e-10)."""
    tolerance = mpmath.mpf(10) ** (-NUMERIC_DIGITS)
    return abs(x - y) <= tolerance * max(abs(x), abs(y), mpmath.mpf(10) ** -10)


def _shown(x) -> str:
    """x to 12 digits; a complex value with no imaginary part as a real one."""
    return mpmath.nstr(x.real if x.imag == 0 else x, 12)


def _mpf(v, dps: int) -> mpmath.mpf:
    """A coordinate as an mpmath number: a float, or a SymPy number of a FiniteSet (π, 1/3)."""
    return mpmath.mpf(v.evalf(dps + 10) if isinstance(v, Basic) else v)


def _values(both: Callable, point: list, dps: int) -> list:
    with mpmath.workdps(dps):
        values = both(*[_mpf(v, dps) for v in point])
        return [v if isinstance(v, mpmath.mpc) else mpmath.mpc(v) for v in values]


class Unevaluable(Exception):
    """The sides use a function mpmath cannot evaluate (DiracDelta, an undefined f(x))."""


def mpmath_function(elements: list[Basic], symbols: list[Symbol]) -> Callable:
    """``lambdify`` to mpmath, refusing (Unevaluable, naming them) functions it does not know.

    lambdify prints an unknown function by its name and leaves the name unbound, so that
    calling the result would raise NameError; the names the generated code reads and its
    namespace does not hold are exactly those functions.
    """
    try:
        function = lambdify(symbols, elements, "mpmath")
    except PrintMethodNotImplementedError:  # an unevaluated Derivative, Subs, …
        unknown = {type(n).__name__ for e in elements for n in preorder_traversal(e)}
        found = sorted(unknown & UNPRINTABLE) or ["an unknown node"]
        raise Unevaluable(", ".join(found)) from None
    names = function.__code__.co_names
    unknown = [n for n in names if n not in function.__globals__ and not hasattr(builtins, n)]
    if unknown:
        raise Unevaluable(", ".join(sorted(unknown)))
    return function


class _Sides:
    """Both sides of an equality as one program: plain values, and intervals on demand."""

    def __init__(self, elements: list[Basic], symbols: list[Symbol], split: int) -> None:
        self.elements, self.symbols, self.split = elements, symbols, split
        self.values = program(elements, symbols) or mpmath_function(elements, symbols)
        self._intervals: Callable | bool | None = False  # False: not built yet

    def intervals(self) -> Callable | None:
        """The interval program (None where ``program`` does not know a node)."""
        if self._intervals is False:
            self._intervals = program(self.elements, self.symbols, ctx=mpmath.iv)
        return self._intervals

    def apart(self, point: list, dps: int) -> bool | None:
        """Are some two sides certainly different (disjoint intervals) at ``dps`` digits?
        None when intervals cannot be computed here (then two precisions must agree)."""
        intervals = self.intervals()
        if intervals is None:
            return None
        saved = mpmath.iv.prec
        try:
            mpmath.iv.dps = dps
            values = intervals(*[_interval(v) for v in point])
        except POINT_ERRORS:  # an interval straddling a pole or a branch cut
            return None
        finally:
            mpmath.iv.prec = saved
        pairs = zip(values[: self.split], values[self.split :], strict=True)
        return any(_disjoint(x, y) for x, y in pairs)


def _interval(v):
    """A point's coordinate (a float, an int, a SymPy number) as an exact interval."""
    if isinstance(v, Rational):
        return mpmath.iv.mpf(int(v.p)) / int(v.q)
    if isinstance(v, Basic):  # π, e: no exact interval here; the caller falls back
        raise ValueError(f"no exact interval for {v}")
    return mpmath.iv.mpf(v)


def _disjoint(x, y) -> bool:
    if not (hasattr(x, "a") and hasattr(y, "a")):  # complex intervals: not decided here
        return False
    return x.b < y.a or y.b < x.a


def _at_point(sides: _Sides, point: list) -> tuple[_Outcome, str]:
    """Do the sides agree at ``point``?  More digits until they agree or differ for sure.

    A difference is settled when interval arithmetic at the same precision separates
    the sides (rigorous: the exact values lie in disjoint intervals); where intervals
    cannot be computed, when the values at two successive precisions agree.
    """
    previous = None
    for dps in PRECISIONS:
        values = _values(sides.values, point, dps)
        with mpmath.workdps(dps):
            pairs = list(zip(values[: sides.split], values[sides.split :], strict=True))
            differing = [(x, y) for x, y in pairs if not _close(x, y)]
            if not differing:
                return _Outcome.AGREE, ""
            apart = sides.apart(point, dps)
            if apart is None and previous is not None:
                apart = all(map(_close, previous, values))
            if apart:
                x, y = differing[0]
                return _Outcome.DIFFER, f"{_shown(x)} vs {_shown(y)} (difference {_shown(x - y)})"
        previous = values
    return _Outcome.UNSETTLED, ""


def numeric_agreement(a: Basic, b: Basic, domains: Mapping[Symbol, object], seed: int) -> Check:
    """Evaluate both sides at random points: ``numeric-only`` when NUMERIC_POINTS agree,
    ``failed`` at the first settled difference, ``inconclusive`` when points never settle.
    """
    symbols = sorted((a.free_symbols | b.free_symbols), key=str)
    where = _where(domains)
    missing = [s for s in symbols if s not in where]
    if missing:
        raise DomainError(f"no domain declared for {', '.join(map(str, missing))}")
    left, right = _elements(a), _elements(b)
    try:
        sides = _Sides([*left, *right], symbols, len(left))
    except Unevaluable as error:
        return Check(
            INCONCLUSIVE, f"cannot evaluate {error} numerically (no mpmath function for it)"
        )
    rng = random.Random(seed)
    agreed = unsettled = 0
    for _ in range(3 * NUMERIC_POINTS):
        point = _draw(symbols, domains, where, rng)
        try:
            outcome, values = _at_point(sides, point)
        except POINT_ERRORS:
            continue
        if outcome is _Outcome.DIFFER:
            shown = ", ".join(f"{s}={float(v):.6g}" for s, v in zip(symbols, point, strict=True))
            return Check(FAILED, f"differs at {shown}: {values}")
        agreed += outcome is _Outcome.AGREE
        unsettled += outcome is _Outcome.UNSETTLED
        if agreed == NUMERIC_POINTS:
            return Check(
                NUMERIC_ONLY, f"agrees to {NUMERIC_DIGITS} digits at {agreed} random points"
            )
    return _ran_out(agreed, unsettled)


def _ran_out(agreed: int, unsettled: int) -> Check:
    """The verdict when 3·NUMERIC_POINTS points were tried and fewer than NUMERIC_POINTS
    agreed: ``inconclusive`` if some never settled, else ``failed``."""
    tried = f"{agreed} of {3 * NUMERIC_POINTS} random points"
    if unsettled:
        return Check(
            INCONCLUSIVE,
            f"agrees at {tried}; at {unsettled} the values did not settle within "
            f"{PRECISIONS[-1]} digits (neither agreement nor a certain difference)",
        )
    return Check(FAILED, f"could be evaluated at only {tried}")
