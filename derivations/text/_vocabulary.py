"""The names maths text may use: functions, functions of a column, constants, numbers.

The parser (``_parse``) builds SymPy objects from these tables only: a name that is not
here is refused, naming what is allowed.

A name (Latin or Greek letters such as θ, γ or ŷ, ``_``, then digits too) is looked up in
the parser's ``symbols`` first, then among the constants ``e``/``E`` (Euler's number, so ``e^x`` is
exp(x)) and ``pi``/``π``. With ``symbols=None`` any other name is ``Symbol(name,
real=True)``; with a mapping it is an error.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from fractions import Fraction

from sympy.core import Basic, Rational, S
from sympy.functions import Abs, cosh, exp, log, sign, sinh, sqrt, tanh
from sympy.matrices.expressions import DiagMatrix

from derivations.errors import ExpressionError
from derivations.functions import log_softmax, logsumexp, sigmoid, softmax, softplus
from derivations.text._lexer import Token
from derivations.text._shapes import total

MAX_DECIMAL_EXPONENT = 1_000  # 1e1000 is the largest number one literal may write

FUNCTIONS: dict[str, Callable[[Basic], Basic]] = {
    "σ": sigmoid, "sigmoid": sigmoid, "softplus": softplus, "exp": exp, "log": log,
    "log1p": lambda x: log(1 + x), "sqrt": sqrt, "tanh": tanh, "cosh": cosh, "sinh": sinh,
    "abs": Abs, "Abs": Abs, "sign": sign, "sigma": sigmoid,
}  # fmt: skip
# Functions of a whole column vector (not elementwise): softmax(z) and log_softmax(z) are
# K×1, diag(v) K×K; sum(v) = 1ᵀ·v and logsumexp(v) are 1×1 (numbers where numbers are meant).
COLUMN_FUNCTIONS: dict[str, Callable[[Basic], Basic]] = {
    "softmax": softmax, "log_softmax": log_softmax, "logsumexp": logsumexp, "sum": total,
    "diag": DiagMatrix,
}  # fmt: skip
CONSTANTS: dict[str, Basic] = {"e": S.Exp1, "E": S.Exp1, "pi": S.Pi, "π": S.Pi}


def number(token: Token) -> Rational:
    _, _, exponent = token.text.lower().partition("e")
    if exponent and abs(int(exponent)) > MAX_DECIMAL_EXPONENT:
        raise ExpressionError(
            f"number {token.shown!r} at column {token.col} is too large; "
            f"decimal exponents go up to ±{MAX_DECIMAL_EXPONENT}"
        )
    value = Fraction(token.text)
    return Rational(value.numerator, value.denominator)


def nfc(name: str) -> str:
    return unicodedata.normalize("NFC", name)  # as the lexer writes names: ŷ is one letter
