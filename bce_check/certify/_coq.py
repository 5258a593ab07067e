"""SymPy to Coq: a printer for real-valued terms, the file preamble, and the proof strategies.

The printer writes an expression of exp, log, σ, softplus, +, −, ·, / and integer
powers as a Coq term of type R (Coq's real numbers, with Coquelicot's analysis):

==================  ==============================  =========================
SymPy               Coq                             Coq's precedence (level)
==================  ==============================  =========================
a + b, a + (−1)·b   ``a + b``, ``a - b``            50, left associative
a·b, a·b⁻¹          ``a * b``, ``a / b``            40, left associative
−a                  ``- a``                         35
aⁿ, n ≥ 2           ``a ^ n`` (n a natural)         30
a^y, y not integer  ``Rpower a y`` (e^{y·ln a})     application
e^{n·a}, |n| ≥ 2    ``exp (± a) ^ |n|``             30
a⁻ⁿ                 ``1 / a ^ n``
exp a, log a        ``exp a``, ``ln a``             application (tightest)
σ(a), softplus(a)   ``σ a``, ``softplus a``         application
p/q (a rational)    ``(p / q)``
==================  ==============================  =========================

σ and softplus are defined in every file's preamble from ``exp`` and ``ln``, as
``derivations.functions`` defines them: σ x = 1 / (1 + exp (- x)), softplus x =
ln (1 + exp x).  ``Rpower a y`` is a^y for a > 0 only (Coq's ``ln`` is 0 at 0 and
below): a statement with a non-integer power must have a positive base on its domain,
which the read-back test checks by evaluating both sides there.  Anything else (abs,
sign, a matrix) is an ``ExpressionError`` naming it.  The test reads the printed terms
back with a reader of this grammar and compares them with SymPy at random points
(tests/test_certify.py).

The proof strategies (``STRATEGIES``, named Coq tactic scripts tried in order on each
lemma) are in ``_coq_strategies`` and re-exported here.
"""

from __future__ import annotations

import re

from sympy import (
    Add,
    Basic,
    Integer,
    Mul,
    Number,
    Pow,
    Rational,
    Symbol,
    UnevaluatedExpr,
    exp,
    log,
)
from sympy.printing.printer import Printer

from bce_check.certify._strategies import DERIVATIVE, EQUALITY, SECOND, STRATEGIES, Strategy
from derivations.errors import ExpressionError
from derivations.functions import sigmoid, softplus

ATOM, APPLY, POWER, NEGATE, PRODUCT, SUM = 0, 10, 30, 35, 40, 50  # Coq notation levels

# Coq keywords, and the names every generated file uses
_RESERVED = """as at cofix else end exists exists2 fix for forall fun if IF in let match mod
return then using where with Prop Set SProp Type R exp ln σ softplus sqrt PI Derive Derive_n
is_derive is_derive_n Rpower conj True False I nat pow"""
RESERVED = frozenset(_RESERVED.split())
IDENTIFIER = re.compile(r"^[^\W\d]\w*$")


def coq_name(name: str) -> str:
    """A symbol's name as a Coq identifier: reserved words and clashes get a trailing ``_``."""
    if not IDENTIFIER.match(name):
        raise ExpressionError(f"symbol name {name!r} is not a Coq identifier (letters, digits, _)")
    return f"{name}_" if name in RESERVED else name


class CoqPrinter(Printer):
    """Real-valued SymPy expressions as Coq terms (the grammar of the module docstring)."""

    printmethod = "_coq"

    def __init__(self, forms: dict | None = None) -> None:
        super().__init__()
        self.forms = forms or {}  # subterms given as Coq text (printed in parentheses)

    def doprint(self, expr) -> str:
        return self._term(expr)[0]

    def _term(self, expr) -> tuple[str, int]:
        """The Coq text of ``expr`` and its notation level."""
        if expr in self.forms:
            return f"({self.forms[expr]})", ATOM
        method = getattr(self, f"_term_{type(expr).__name__}", None)
        if method is None:
            for cls in type(expr).__mro__:
                method = getattr(self, f"_term_{cls.__name__}", None)
                if method is not None:
                    break
        if method is None:
            raise ExpressionError(
                f"{expr} ({type(expr).__name__}) has no Coq translation; allowed: numbers, "
                "real symbols, +, −, ·, /, integer powers, exp, log, σ, softplus"
            )
        return method(expr)

    def _at(self, expr, level: int) -> str:
        """``expr`` as an operand that Coq reads at ``level`` or below (else parenthesised)."""
        text, own = self._term(expr)
        return text if own <= level else f"({text})"

    def _argument(self, expr) -> str:
        return self._at(expr, ATOM)

    def _term_Symbol(self, expr: Symbol) -> tuple[str, int]:
        return coq_name(expr.name), ATOM

    def _term_Integer(self, expr: Integer) -> tuple[str, int]:
        return (str(expr.p), ATOM) if expr >= 0 else (f"- {-expr.p}", NEGATE)

    def _term_Rational(self, expr: Rational) -> tuple[str, int]:
        text = f"{abs(expr.p)} / {expr.q}"
        return (f"({text})", ATOM) if expr > 0 else (f"- ({text})", NEGATE)

    def _term_Number(self, expr: Number) -> tuple[str, int]:
        raise ExpressionError(f"the number {expr} is not rational: no exact Coq translation")

    def _term_UnevaluatedExpr(self, expr: UnevaluatedExpr) -> tuple[str, int]:
        return self._term(expr.args[0])

    def _apply(self, name: str, expr) -> tuple[str, int]:
        return f"{name} {self._argument(expr.args[0])}", APPLY

    def _term_exp(self, expr) -> tuple[str, int]:
        n, a = expr.args[0].as_coeff_Mul()
        if (
            isinstance(n, Integer) and abs(n) >= 2
        ):  # e^{n·a} = (e^{±a})^|n|, as auto_derive writes it
            base = exp(a if n > 0 else -a, evaluate=False)
            return f"{self._at(base, POWER - 1)} ^ {abs(int(n))}", POWER
        return self._apply("exp", expr)

    def _term_log(self, expr) -> tuple[str, int]:
        if len(expr.args) != 1:
            raise ExpressionError(f"{expr}: only the natural logarithm has a Coq translation")
        return self._apply("ln", expr)

    def _term_sigmoid(self, expr) -> tuple[str, int]:
        return self._apply("σ", expr)

    def _term_softplus(self, expr) -> tuple[str, int]:
        return self._apply("softplus", expr)

    def _term_Abs(self, expr) -> tuple[str, int]:
        raise ExpressionError(
            f"{expr}: |x| is not differentiable at 0 (the closed form's sign(x) is a "
            "subgradient there), so there is no is_derive statement for it"
        )

    _term_sign = _term_Abs

    def _term_Derivative(self, expr) -> tuple[str, int]:
        ((v, n),) = expr.variable_count
        name = coq_name(v.name)
        function = f"(fun {name} => {self.doprint(expr.expr)})"
        if n == 1:
            return f"Derive {function} {name}", APPLY
        return f"Derive_n {function} {n} {name}", APPLY

    def _term_Add(self, expr: Add) -> tuple[str, int]:
        terms = _ordered(expr)
        text = self._at(terms[0], SUM)
        for term in terms[1:]:
            negated = _negated(term)
            if negated is None:
                text += f" + {self._at(term, SUM - 1)}"
            else:
                text += f" - {self._at(negated, SUM - 1)}"
        return text, SUM

    def _term_Mul(self, expr: Mul) -> tuple[str, int]:
        negated = _negated(expr)
        if negated is not None:  # − a·b, read by Coq as (−a)·b: the same number
            return f"- {self._at(negated, PRODUCT)}", PRODUCT
        numerator, denominator = [], []
        for factor in _ordered(expr):
            if _is_reciprocal(factor):
                denominator.append(Pow(factor.base, -factor.exp, evaluate=False))
            elif isinstance(factor, Rational) and not isinstance(factor, Integer):
                numerator += [Integer(factor.p)] if factor.p != 1 else []
                denominator.append(Integer(factor.q))
            else:
                numerator.append(factor)
        factors = [self._at(f, PRODUCT - (i > 0)) for i, f in enumerate(numerator)]
        text = " * ".join(factors) if factors else "1"
        for factor in denominator:
            text += f" / {self._at(factor, PRODUCT - 1)}"
        return text, PRODUCT

    def _term_Pow(self, expr: Pow) -> tuple[str, int]:
        base, power = expr.args
        if not isinstance(power, Integer):  # a^y = e^{y·ln a}: the same for a > 0 only
            return f"Rpower {self._argument(base)} {self._argument(power)}", APPLY
        if power < 0:
            return f"1 / {self._at(Pow(base, -power, evaluate=False), PRODUCT - 1)}", PRODUCT
        if power == 1:
            return self._term(base)
        return f"{self._at(base, POWER - 1)} ^ {int(power)}", POWER


def _ordered(expr: Basic) -> list[Basic]:
    """The arguments as written (an unevaluated Add or Mul keeps the author's order)."""
    return list(expr.args)


def _negated(term: Basic) -> Basic | None:
    """−term, kept unevaluated, when ``term`` is written with a leading −1 (or −c); else None."""
    if isinstance(term, Integer | Rational) and term < 0:
        return -term
    if not isinstance(term, Mul):
        return None
    first, rest = term.args[0], term.args[1:]
    if isinstance(first, UnevaluatedExpr):
        first = first.args[0]
    if not (isinstance(first, Number) and first < 0):
        return None
    if first == -1:
        return rest[0] if len(rest) == 1 else Mul(*rest, evaluate=False)
    return Mul(-first, *rest, evaluate=False)


def _is_reciprocal(factor: Basic) -> bool:
    return isinstance(factor, Pow) and isinstance(factor.exp, Integer) and factor.exp < 0


def coq(expr: Basic) -> str:
    """``expr`` as a Coq term (see the module docstring for the grammar)."""
    return CoqPrinter().doprint(expr)


__all__ = [
    "DERIVATIVE", "EQUALITY", "SECOND", "STRATEGIES",
    "CoqPrinter", "Strategy", "coq", "coq_name",
]  # fmt: skip


def as_coq_unfolds(expr: Basic) -> Basic:
    """σ and softplus replaced by their definitions as Coq's ``unfold`` writes them:
    σ a = 1/(1 + e^(−a)) with −a kept as written (SymPy would distribute the sign, and
    then e^(−a) would not be the same term to Coq's ``field``)."""
    expr = expr.replace(
        lambda e: isinstance(e, sigmoid),
        lambda e: Pow(1 + exp(Mul(-1, e.args[0], evaluate=False), evaluate=False), -1),
    )
    return expr.replace(lambda e: isinstance(e, softplus), lambda e: log(1 + exp(e.args[0])))
