"""Intervals around the constants in parsed maths, each computed once, never by evalf.

SymPy's ``evalf`` of a constant re-evaluates its arguments at a higher precision until
the result is accurate, so its cost doubles at every level of nesting: ``σ(σ(…σ(1)…))``
16 deep took 31 s and ``e^(-e^(-…))`` 20 deep 67 s. Here each constant subexpression
gets an interval [a, b] that encloses its value (``mpmath.iv``: interval arithmetic with
outward rounding, at ``PRECISION`` bits), computed from its children's intervals and
remembered, so all the constants of a parse cost time linear in its size.

From [a, b] the guards (``_guards``) decide: |x| ≤ ``MAX_GROWTH`` in e^x (all of [a, b]
inside); real (log, and non-integer powers, of [a, b] with a > 0; b < 0 is not real);
a magnitude below 2^``MAX_MAGNITUDE_BITS``. An interval that straddles a boundary (a
log of [-1e-30, 1e-30]) is undecided and refused as such. Callers set
``mpmath.iv.prec`` to ``PRECISION`` around a parse.
"""

from __future__ import annotations

from collections.abc import Callable

import mpmath
from mpmath import iv
from sympy.core import Atom, Basic, S
from sympy.core.numbers import NumberSymbol, Rational
from sympy.functions import Abs, cosh, exp, log, sign, sinh, tanh
from sympy.matrices.expressions import MatrixExpr

from derivations.functions import sigmoid, softplus

MAX_GROWTH = 10**9  # |x| in e^x, σ(x), sinh(x), ..., number^x: e^(e^(e^9)) takes minutes
MAX_MAGNITUDE_BITS = 2**32  # |value| < 2^(2^32), about e^(3·10^9): intervals stay cheap
PRECISION = 128  # bits of the interval endpoints

GROWING = (exp, sinh, cosh, sigmoid, softplus)  # their arguments are checked like e^x


class GuardError(Exception):
    """Why a value is refused: ``kind`` is "costly", "not real" or "undecided"."""

    def __init__(self, kind: str, reason: str) -> None:
        self.kind, self.reason = kind, reason
        super().__init__(reason)


def _sigmoid(x):
    return 1 / (1 + iv.exp(-x))


def _tanh(x):
    return 1 - 2 / (iv.exp(2 * x) + 1)


_FUNCTIONS: dict[type, Callable] = {
    exp: iv.exp, sigmoid: _sigmoid, softplus: lambda x: iv.log(1 + iv.exp(x)),
    cosh: lambda x: (iv.exp(x) + iv.exp(-x)) / 2, sinh: lambda x: (iv.exp(x) - iv.exp(-x)) / 2,
    tanh: _tanh, Abs: abs,
}  # fmt: skip


def _positive(x, what: str) -> bool:
    """Is the interval x > 0 (True) or = 0 (False)? GuardError when negative or undecided."""
    if x.a > 0:
        return True
    if x.b < 0:
        raise GuardError("not real", f"{what} of a negative number is not real")
    if x.a == 0 and x.b == 0:
        return False
    raise GuardError("undecided", f"cannot tell whether the argument of {what} is positive")


def _log(x):
    return iv.log(x) if _positive(x, "log") else iv.mpf([-mpmath.inf, -mpmath.inf])


def _sign(x):
    return iv.mpf(1) if x.a > 0 else iv.mpf(-1) if x.b < 0 else iv.mpf([-1, 1])


def _power(base: Basic, exponent: Basic, b, e):
    if exponent.is_Integer:
        if exponent < 0 and b.a <= 0 <= b.b:
            return iv.mpf([-mpmath.inf, mpmath.inf])  # a pole: SymPy reports 1/0 itself
        return b ** int(exponent)
    if not _positive(b, "a non-integer power"):
        return iv.mpf(0) if e.a > 0 else iv.mpf([-mpmath.inf, mpmath.inf])
    return iv.exp(e * iv.log(b))


class Enclosures:
    """An interval around the value of each constant subexpression, each computed once.

    ``enclosures(expr)`` is ``None`` for an expression with symbols or matrices in it;
    ``enclosures.nesting(expr)`` counts the functions and powers nested in a constant
    (0 for one with symbols).
    """

    def __init__(self) -> None:
        self._memo: dict[Basic, tuple[object, int]] = {}

    def __call__(self, expr: Basic):
        return self._entry(expr)[0]

    def nesting(self, expr: Basic) -> int:
        return self._entry(expr)[1]

    def _entry(self, expr: Basic) -> tuple[object, int]:
        if expr not in self._memo:
            self._memo[expr] = self._evaluate(expr)
        return self._memo[expr]

    def _evaluate(self, expr: Basic) -> tuple[object, int]:
        if isinstance(expr, MatrixExpr):
            return None, 0
        if isinstance(expr, Atom):
            if isinstance(expr, Rational):
                return iv.mpf(int(expr.p)) / int(expr.q), 0
            if expr is S.Pi or expr is S.Exp1:
                return (iv.pi if expr is S.Pi else iv.e), 0
            if expr is S.ImaginaryUnit:
                raise GuardError("not real", "the value is not real")
            return (None if not isinstance(expr, NumberSymbol) else _undecided(expr)), 0
        entries = [self._entry(arg) for arg in expr.args]
        if any(value is None for value, _ in entries):
            return None, 0
        value = _apply(expr, [value for value, _ in entries])
        _check_magnitude(value)
        return value, max(depth for _, depth in entries) + (not (expr.is_Add or expr.is_Mul))


def _undecided(expr: Basic):
    raise GuardError("undecided", f"cannot bound the value of {type(expr).__name__}")


def _apply(expr: Basic, args: list):
    if expr.is_Add:
        return sum(args[1:], args[0])
    if expr.is_Mul:
        value = args[0]
        for arg in args[1:]:
            value = value * arg
        return value
    if expr.is_Pow:
        return _power(*expr.args, *args)
    if expr.func is log:
        return _log(args[0])
    if expr.func is sign:
        return _sign(args[0])
    if expr.func in _FUNCTIONS:
        if expr.func in GROWING:
            _check_growth(args[0])
        return _FUNCTIONS[expr.func](args[0])
    return _undecided(expr)


def _check_growth(x) -> None:
    if not (x.a >= -MAX_GROWTH and x.b <= MAX_GROWTH):
        raise GuardError("costly", f"|x| beyond {MAX_GROWTH} in e^x")


def _check_magnitude(value) -> None:
    for end in (value.a, value.b):
        _, mantissa, exponent, bits = end._mpi_[0]
        if mpmath.isinf(end) or mpmath.isnan(end):
            continue
        if mantissa and abs(exponent + bits) > MAX_MAGNITUDE_BITS:
            raise GuardError("costly", f"a number beyond 2^±{MAX_MAGNITUDE_BITS}")
