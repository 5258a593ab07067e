"""Cheap guards: what SymPy may be asked to build from a short text, and the refusals.

A short hostile text can ask SymPy for minutes or gigabytes (``9^9^9^9``,
``e^(e^(e^9))``, a constant nested 20 functions deep) or for a value that is not real
(``(-2)^sqrt(2)``). The parser asks a ``Guard`` before it builds each function or power
and after it builds each node; the guard answers from the sizes of exact numbers and
from intervals around the constants (``_intervals``), never from ``evalf``, and refuses
with an ``ExpressionError`` naming the operator, its column and the limit.
"""

from __future__ import annotations

from sympy.core import Add, Basic, S
from sympy.core.numbers import Rational
from sympy.functions import log, sqrt

from derivations.errors import ExpressionError
from derivations.text._intervals import (
    GROWING,
    MAX_GROWTH,
    MAX_MAGNITUDE_BITS,
    PRECISION,
    Enclosures,
    GuardError,
)
from derivations.text._lexer import Token

__all__ = ["MAX_BITS", "MAX_CONSTANT_NESTING", "MAX_GROWTH", "MAX_ROOT_BITS", "PRECISION"]
__all__ += ["Guard", "costly_error"]

MAX_BITS = 12_000  # exact numbers (3,600 digits; str() refuses ints over 4,300 digits)
MAX_ROOT_BITS = 1_000  # SymPy's roots of larger numbers take seconds, cubic in the size
# Functions and powers nested in a constant: SymPy's own evaluation of a constant (exp's
# eval asks is_comparable, so evalf) doubles in cost with each level: e^(-e^(-…)) 20 deep
# took a minute. Losses nest constants two or three deep (log(2), e^(-1/2)).
MAX_CONSTANT_NESTING = 8


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


def _costly_power(base: Basic, exponent: Basic, enclosures: Enclosures) -> bool:
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
    f"and number^x, and numbers up to 2^({MAX_MAGNITUDE_BITS})"
)


class Guard:
    """The checks of one parse, around each node the parser builds (scalars only)."""

    def __init__(self) -> None:
        self.enclosures = Enclosures()  # intervals around the constants built so far

    def before_power(self, token: Token, base: Basic, exponent: Basic) -> None:
        """base^exponent (base E: e^x): not too costly, and real."""
        self._refuse_deep_constants(token, base, exponent)
        if _costly_power(base, exponent, self.enclosures):
            raise costly_error(token)
        enclosure = self.enclosures(base)  # (-2)^u is not real unless u is whole
        if enclosure is not None and enclosure.b < 0 and exponent.is_integer is not True:
            raise ExpressionError(
                f"{token.shown!r} at column {token.col} gives a number that is not real: a "
                "negative number to a power that may not be a whole number; real maths only"
            )

    def before_call(self, token: Token, function: object, arg: Basic) -> None:
        """function(arg): sqrt(x) is checked as x^(1/2), e^x, σ(x), … as e^x."""
        self._refuse_deep_constants(token, arg)
        if function is sqrt and _costly_power(arg, S.Half, self.enclosures):
            raise costly_error(token)
        if function in GROWING and _costly_power(S.Exp1, arg, self.enclosures):
            raise costly_error(token)

    def after(self, token: Token, value: Basic) -> None:
        """The node just built: exact numbers of bounded size, finite, real."""
        if too_many_bits(value):
            raise costly_error(token)
        where = f"{token.shown!r} at column {token.col} gives"
        if value.has(S.ComplexInfinity, S.NaN, S.Infinity, S.NegativeInfinity):
            raise ExpressionError(f"{where} an undefined or infinite value (1/0, log(0), ...)")
        try:  # real maths only: SymPy's Abs of some complex powers recurses for minutes
            self.enclosures(value)
        except GuardError as error:
            if error.kind == "costly":
                raise costly_error(token) from None
            if error.kind == "not real":
                raise ExpressionError(
                    f"{where} a number that is not real ({error.reason}; sqrt(-1), log(-2), "
                    "(-2)^sqrt(2), ...)"
                ) from None
            raise ExpressionError(
                f"{where} a number whose sign or size cannot be decided ({error.reason}); "
                "refused, as it may not be real"
            ) from None

    def _refuse_deep_constants(self, token: Token, *args: Basic) -> None:
        if any(self.enclosures.nesting(arg) >= MAX_CONSTANT_NESTING for arg in args):
            raise ExpressionError(
                f"{token.shown!r} at column {token.col} is too costly to compute: a constant "
                f"with functions and powers nested more than {MAX_CONSTANT_NESTING} deep "
                "(SymPy's evaluation of one doubles in cost with each level)"
            )


def costly_error(token: Token) -> ExpressionError:
    where = f"{token.shown!r} at column {token.col}"
    return ExpressionError(f"{where} is too costly to compute; {COSTLY}")
