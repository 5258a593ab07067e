"""Expressions as LaTeX, in the derivation's order and with textbook notation.

SymPy's LaTeX, except: f'(x) and ∂J/∂θ_j for derivatives, ∇J(θ) and ∇²J(θ), x_ij and
y_i for entries, Σ_i without limits, σ(Xθ) for σ applied entry by entry, 1ᵀ, diag(w),
σ as ``\\sigma`` and softplus, softmax, log_softmax as upright operator names.
"""

from __future__ import annotations

from sympy import MatrixSymbol, Sum
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

from bce_check.printing._common import _applied, _is_name, _prime_name, _split_scale


class TexPrinter(LatexPrinter):
    """LaTeX as SymPy prints it, but in the derivation's order and with f'(x)."""

    def __init__(self) -> None:
        super().__init__({"order": "none"})

    def _print_Derivative(self, expr) -> str:
        prime = _prime_name(expr)
        if prime is None and _is_name(expr.expr):
            return self._partial(expr.expr, expr.variables)
        if prime is None:
            return super()._print_Derivative(expr)
        name = prime[0].replace("σ", r"\sigma")
        return rf"{name}\left({self._print(prime[1])}\right)"

    def _partial(self, inner, variables) -> str:
        order = len(variables)
        name = self._print(inner.func) if isinstance(inner, AppliedUndef) else self._print(inner)
        top = rf"\partial^{{{order}}} {name}" if order > 1 else rf"\partial {name}"
        if len(set(variables)) == 1 and order > 1:
            bottom = rf"\partial {self._print(variables[0])}^{{{order}}}"
        else:
            bottom = " ".join(rf"\partial {self._print(v)}" for v in variables)
        return rf"\frac{{{top}}}{{{bottom}}}"

    def _print_MatrixDerivative(self, expr) -> str:
        inner, variables = expr.expr, expr.variables
        if isinstance(inner, AppliedUndef) and set(variables) == set(inner.args) == {variables[0]}:
            power = f"^{{{len(variables)}}}" if len(variables) > 1 else ""
            return rf"\nabla{power} {self._print(inner)}"
        if _is_name(inner):
            return self._partial(inner, variables)
        return rf"\frac{{\partial}}{{\partial {self._print(variables[0])}}} {self._print(inner)}"

    def _print_sigmoid(self, expr, exp=None) -> str:
        power = "" if exp is None else f"^{{{exp}}}"
        return rf"\sigma{power}\left({self._print(expr.args[0])}\right)"

    def _operator(self, expr, exp=None) -> str:
        """\\operatorname{softplus}(x), softmax, log_softmax: an upright name and arguments."""
        label = type(expr).__name__.replace("_", r"\_")
        name = rf"\operatorname{{{label}}}"
        power = "" if exp is None else f"^{{{exp}}}"
        arguments = ", ".join(self._print(a) for a in expr.args)
        return rf"{name}{power}\left({arguments}\right)"

    _print_softplus = _print_softmax = _print_log_softmax = _print_softplus_affine = _operator

    def _print_MatrixElement(self, expr) -> str:
        if expr.parent.shape == (1, 1):
            return self._print(expr.parent)
        parent = expr.parent
        i, j = self._print(expr.i), self._print(expr.j)
        index = i if parent.shape[1] == 1 and expr.j == 0 else f"{i}{j}"
        if not isinstance(parent, MatrixSymbol):
            return rf"\left({self._print(parent)}\right)_{{{index}}}"
        return f"{self._print(parent)}_{{{index}}}"

    def _print_ElementwiseApplyFunction(self, expr) -> str:
        return _applied(self, expr)

    def _print_Sum(self, expr) -> str:
        head = "".join(rf"\sum_{{{self._print(i)}}} " for i, *_ in expr.limits)
        return head + self.parenthesize(expr.function, PRECEDENCE["Mul"], strict=True)

    def _print_Product(self, expr) -> str:
        head = "".join(rf"\prod_{{{self._print(i)}}} " for i, *_ in expr.limits)
        return head + self.parenthesize(expr.function, PRECEDENCE["Pow"])

    def _print_OneMatrix(self, expr) -> str:
        return "1^{T}" if expr.shape[0] == 1 != expr.shape[1] else "1"

    def _print_DiagMatrix(self, expr) -> str:
        return rf"\operatorname{{diag}}\left({self._print(expr.args[0])}\right)"

    def _print_Mul(self, expr) -> str:
        if not any(isinstance(a, Sum) for a in expr.args):
            return super()._print_Mul(expr)
        sign, scale, rest = _split_scale(expr)
        body = " ".join(self.parenthesize(a, PRECEDENCE["Mul"]) for a in rest)
        sign = sign.replace("-", "- ")
        return f"{sign}{self._print(scale)} {body}" if scale != 1 else f"{sign}{body}"

    def _print_UnevaluatedExpr(self, expr) -> str:
        inner = expr.args[0]
        if inner.is_Pow and inner.exp.is_negative:
            return rf"\left({self._print(inner.base)}\right)^{{{self._print(inner.exp)}}}"
        if inner.is_Atom or not inner.could_extract_minus_sign():
            return self._print(inner)  # the enclosing product brackets what needs it
        return rf"\left({self._print(inner)}\right)"
