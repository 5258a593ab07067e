"""Cheap guards: what SymPy may be asked to build from a short text.

A short hostile text can ask SymPy for minutes or gigabytes (``9^9^9^9``,
``e^(e^(e^9))``) or for a value that is not real (``(-2)^sqrt(2)``). The parser asks
these guards before it builds each node. They never call SymPy's ``evalf``, whose
adaptive precision doubles at every level of nesting (``σ(σ(…σ(1)…))`` 16 deep took
31 s): each constant subexpression gets an interval that encloses its value
(``mpmath.iv``, interval arithmetic with outward rounding, at ``PRECISION`` bits),
computed once from its children's intervals and remembered, so a whole parse costs
time linear in its size.

From an interval [a, b] the guards decide: |x| ≤ ``MAX_GROWTH`` in e^x (all of [a, b]
inside), a value real (log and non-integer powers of [a, b] with a > 0; b < 0 is not
real) and a magnitude below 2^``MAX_MAGNITUDE_BITS``. An interval that straddles a
boundary (a log of [-1e-30, 1e-30]) is undecided, and refused as such. Callers set
``mpmath.iv.prec`` to ``PRECISION`` around a parse.
"""

from __future__ import annotations

from collections.abc import Callable

import mpmath
from mpmath import iv
from sympy.core import Add, Atom, Basic, S
from sympy.core.numbers import NumberSymbol, Rational
from sympy.functions import Abs, cosh, exp, log, sign, sinh, tanh
from sympy.matrices.expressions import MatrixExpr

from .functions import sigmoid, softplus

MAX_BITS = 12_000  # exact numbers (3,600 digits; str() refuses ints over 4,300 digits)
MAX_ROOT_BITS = 1_000  # SymPy's roots of larger numbers take seconds, cubic in the size
MAX_GROWTH = 10**9  # |x| in e^x, σ(x), sinh(x), ..., number^x: e^(e^(e^9)) takes minutes
MAX_MAGNITUDE_BITS = 2**32  # |value| < 2^(2^32), about e^(3·10^9): intervals stay cheap
PRECISION = 128  # bits of the interval endpoints
# Functions and powers nested in a constant: SymPy's own evaluation of a constant (exp's
# eval asks is_comparable, so evalf) doubles in cost with each level: e^(-e^(-…)) 20 deep
# took a minute. Losses nest constants two or three deep (log(2), e^(-1/2)).
MAX_CONSTANT_NESTING = 8

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


def _log2(number: Rational) -> int:
    return max(abs(number.p).bit_length(), number.q.bit_length()) - 1


def too_many_bits(value: Basic) -> bool:
    """Is value, or a number in its top two levels, an exact number beyond 2^MAX_BITS?"""
    near_top = (value, *value.args, *(b for a in value.args for b in a.args))
    return any(a.is_Rational and _log2(a) > MAX_BITS for a in near_top)


def _exact_too_large(base: Basic, exponent: Basic) -> bool:
    if not exponent.is_Rational:
        return False
    size = max((_log2(r) for r in base.atoms(Rational)), default=0)
    if not exponent.is_Integer and max(size, _log2(exponent)) > MAX_ROOT_BITS:
        return True
    return size * abs(exponent.p) > MAX_BITS * exponent.q


def _huge(term: Basic, enclosures: Enclosures) -> bool:
    """Is term a number beyond ±MAX_GROWTH, or one whose size cannot be bounded?"""
    try:
        x = enclosures(term)
    except GuardError:
        return True
    return x is not None and not (x.a >= -MAX_GROWTH and x.b <= MAX_GROWTH)


def too_deep(enclosures: Enclosures, *args: Basic) -> bool:
    """Would a function or power of args nest constants more than MAX_CONSTANT_NESTING deep?"""
    return any(enclosures.nesting(arg) >= MAX_CONSTANT_NESTING for arg in args)


def costly_power(base: Basic, exponent: Basic, enclosures: Enclosures) -> bool:
    """Would SymPy spend minutes or gigabytes on the scalar base^exponent (base E: exp)?"""
    terms = Add.make_args(exponent)
    if (base is S.Exp1 or base.is_number) and any(_huge(term, enclosures) for term in terms):
        return True
    if base is not S.Exp1:
        return _exact_too_large(base, exponent)
    # SymPy rewrites e^(n·log(b) + …) as b^n·e^(…): each such term is a power of b.
    pairs = (term.as_coeff_Mul() for term in terms if term.has(log))
    return any(_exact_too_large(rest, coeff) for coeff, rest in pairs)


COSTLY = (
    f"the limits: exact numbers up to 2^{MAX_BITS}, roots of numbers up to "
    f"2^{MAX_ROOT_BITS}, |x| up to {MAX_GROWTH} in e^x, exp, σ, softplus, sinh, cosh of x "
    f"and number^x, numbers up to 2^({MAX_MAGNITUDE_BITS}), and constants with functions "
    f"and powers nested up to {MAX_CONSTANT_NESTING} deep"
)
