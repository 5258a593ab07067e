"""Pieces of textbook notation that the text and the LaTeX printers share.

f'(x) for a derivative of one variable, Greek names, an elementwise function printed as
the function of the matrix, ∂names, index forms (X_ij, y_i) and signed scalar factors.
"""

from __future__ import annotations

from sympy import Basic, Derivative, MatrixSymbol, Mul, Sum, Symbol
from sympy.core.function import AppliedUndef
from sympy.matrices.expressions.matexpr import MatrixElement


def _prime_name(expr: Derivative) -> tuple[str, Basic] | None:
    """``f'(x)`` for d/dx f(x) of one variable; None for anything else."""
    (variable, count), *rest = expr.variable_count
    inner = expr.expr
    if rest or count > 3 or not inner.is_Function or inner.args != (variable,):
        return None
    name = type(inner).__name__.replace("sigmoid", "σ")
    return name + "'" * count, variable


GREEK = {"theta": "θ", "alpha": "α", "lambda": "λ", "yhat": "ŷ", "delta": "δ"}
SUPERSCRIPTS = {2: "²", 3: "³"}


def _greek(name: str) -> str:
    """theta → θ, J_lambda → J_λ: Greek names as letters in plain text."""
    return "_".join(GREEK.get(part, part) for part in name.split("_"))


class _Printed(Symbol):
    """A placeholder that prints as the text it is named by (an argument printed once)."""

    def _sympystr(self, printer) -> str:
        return self.name

    def _latex(self, printer, exp=None) -> str:
        return self.name


def _applied(printer, expr) -> str:
    """f applied elementwise, printed as f of the matrix: σ(X·θ), log(1 − σ(X·θ))."""
    variable, body = expr.function.args[0][0], expr.function.args[1]
    inner = printer._print(expr.expr)
    called = body.is_Function and body.args == (variable,)  # σ(X·θ): its own parentheses
    if not called and not (expr.expr.is_Atom or isinstance(expr.expr, MatrixSymbol)):
        inner = f"({inner})"  # (1 − softmax(z))^γ, not -softmax(z) + 1^γ
    return printer._print(body.xreplace({variable: _Printed(inner)}))


def _is_name(expr: Basic) -> bool:
    """A name a derivative can be written of as ∂name: BCE, ŷ, s_i, J(θ)."""
    return isinstance(expr, (Symbol, MatrixSymbol, MatrixElement, AppliedUndef))


def _index_text(printer, expr: MatrixElement) -> str | None:
    """X_ij, y_i, or None when the entry is not of a named matrix."""
    parent = expr.parent
    if not isinstance(parent, MatrixSymbol):
        return None
    i, j = printer._print(expr.i), printer._print(expr.j)
    if parent.shape[1] == 1 and expr.j == 0:
        return f"{printer._print(parent)}_{i}"
    return f"{printer._print(parent)}_{i}{j}" if len(i + j) == 2 else None


def _signed(scalar: Basic) -> tuple[str, Basic]:
    """("-", c) for a scalar −c with a negative numeric factor, else ("", scalar)."""
    coefficient, _ = scalar.as_coeff_Mul()
    return ("-", -scalar) if coefficient.is_negative else ("", scalar)


def _split_scale(expr: Mul) -> tuple[str, Basic, list[Basic]]:
    """(sign, the scalar factor, the sums) of a product with a sum in it: −, λ/2, [Σ …]."""
    sums = [a for a in expr.args if a.has(Sum)]
    sign, scale = _signed(Mul(*[a for a in expr.args if not a.has(Sum)]))
    return sign, scale, sums
