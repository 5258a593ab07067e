"""Expressions as text and as LaTeX: the notation every output format of bce-check uses.

Expressions print in the order the derivation wrote them (``order="none"``), so a
textbook form such as σ(z)(1 − σ(z)) or σ(u) − p is shown as written, not in SymPy's
canonical order; σ, primes (σ'(z), L''(u)), ∂BCE/∂W, Xᵀ, σ(Xθ) applied entry by entry,
index forms (Σ_i, x_ij) and Greek names (θ, λ, ŷ) print as a textbook writes them.
"""

from __future__ import annotations

from sympy import Basic, Derivative, Mul, S, Sum, UnevaluatedExpr
from sympy.core.function import AppliedUndef
from sympy.matrices.expressions.matexpr import MatrixElement
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from bce_check.printing._common import (
    SUPERSCRIPTS,
    _applied,
    _greek,
    _index_text,
    _is_name,
    _prime_name,
    _signed,
    _split_scale,
)
from bce_check.printing._tex import TexPrinter


class TextPrinter(StrPrinter):
    """Plain text: σ, e^x, f'(x), · for products and ^ for powers."""

    def __init__(self) -> None:
        super().__init__({"order": "none"})

    def _print_exp(self, expr) -> str:
        arg = expr.args[0]
        body = self._print(arg)
        bare = arg.is_Symbol or (arg.is_Integer and arg.is_positive)  # e^u, e^2, but e^(1/2)
        return f"e^{body}" if bare else f"e^({body})"

    def _print_Derivative(self, expr) -> str:
        prime = _prime_name(expr)
        if prime is not None:
            return f"{prime[0]}({self._print(prime[1])})"
        if _is_name(expr.expr):
            return self._partial(expr.expr, expr.variables)
        if any(isinstance(v, MatrixElement) for v in expr.variables):
            bottom = "".join(f"∂{self._print(v)}" for v in expr.variables)
            return f"∂/{bottom} ({self._print(expr.expr)})"
        variables = "".join(
            f"d{self._print(v)}" + (f"^{n}" if n > 1 else "") for v, n in expr.variable_count
        )
        inner = self._print(expr.expr)
        bare = expr.expr.is_Atom or isinstance(expr.expr, UnevaluatedExpr) or expr.expr.is_Function
        return f"d/{variables} {inner}" if bare else f"d/{variables} ({inner})"

    def _print_Subs(self, expr) -> str:
        inner, variables, points = expr.args
        if len(variables) == 1 and isinstance(inner, Derivative) and _prime_name(inner):
            return f"{_prime_name(inner)[0]}({self._print(points[0])})"
        at = ", ".join(
            f"{self._print(v)}={self._print(p)}" for v, p in zip(variables, points, strict=True)
        )
        return f"[{self._print(inner)}]_({at})"

    def _print_Limit(self, expr) -> str:
        inner, variable, point, _ = expr.args
        target = {S.Infinity: "∞", S.NegativeInfinity: "-∞"}.get(point, self._print(point))
        return f"lim_({self._print(variable)}→{target}) {self._print(inner)}"

    def _print_UnevaluatedExpr(self, expr) -> str:
        # A factor kept as written: a negative power stays a power, (1 + e^(-z))^(-2).
        inner = expr.args[0]
        if inner.is_Pow and inner.exp.is_negative:
            return f"{self.parenthesize(inner.base, 1000)}^({self._print(inner.exp)})"
        return self._print(inner)

    def _print_Symbol(self, expr) -> str:
        return _greek(expr.name)

    def _print_sigmoid(self, expr) -> str:
        return f"σ({self._print(expr.args[0])})"

    def _named(self, expr) -> str:
        """softplus(x), softmax(z), log_softmax(z): the class's name applied to its arguments."""
        return f"{type(expr).__name__}({', '.join(self._print(a) for a in expr.args)})"

    _print_softplus = _print_softmax = _print_log_softmax = _print_softplus_affine = _named

    def _print_MatrixSymbol(self, expr) -> str:
        return _greek(expr.name)

    def _print_Function(self, expr) -> str:
        if not isinstance(expr, AppliedUndef):
            return super()._print_Function(expr)
        return f"{_greek(expr.func.__name__)}({self.stringify(expr.args, ', ')})"

    def _print_Infinity(self, expr) -> str:
        return "∞"

    def _print_NegativeInfinity(self, expr) -> str:
        return "-∞"

    def _print_Abs(self, expr) -> str:
        return f"|{self._print(expr.args[0])}|"

    def _print_KroneckerDelta(self, expr) -> str:
        i, j = (self._print(a) for a in expr.args)
        return f"δ_{i}{j}" if len(i + j) == 2 else f"δ_({i},{j})"

    def _print_Transpose(self, expr) -> str:
        return self.parenthesize(expr.arg, PRECEDENCE["Pow"]) + "ᵀ"

    def _print_MatMul(self, expr) -> str:
        sign, scalar = _signed(Mul(*[a for a in expr.args if not a.is_Matrix]))
        factors = [scalar] if scalar != 1 else []
        factors += [a for a in expr.args if a.is_Matrix]
        return sign + "*".join(self._factor(a) for a in factors)

    def _print_MatAdd(self, expr) -> str:
        terms = [self._print(a) for a in expr.args]
        return terms[0] + "".join(f" - {t[1:]}" if t[0] == "-" else f" + {t}" for t in terms[1:])

    def _factor(self, factor) -> str:
        if not factor.is_Matrix and "/" in (text := self._print(factor)):
            return f"({text})"  # (1/m)·Xᵀ, not 1/m·Xᵀ
        return self.parenthesize(factor, PRECEDENCE["Mul"])

    def _print_Mul(self, expr) -> str:
        if not any(isinstance(a, Sum) for a in expr.args):
            return super()._print_Mul(expr)
        sign, scale, rest = _split_scale(expr)  # −(1/m)·Σ_i …, as the algebra writes it
        body = "*".join(self.parenthesize(a, PRECEDENCE["Mul"]) for a in rest)
        return f"{sign}{self._factor(scale)}*{body}" if scale != 1 else f"{sign}{body}"

    def _print_OneMatrix(self, expr) -> str:
        return "1ᵀ" if expr.shape[0] == 1 != expr.shape[1] else "1"  # a row of ones: 1ᵀ

    def _print_HadamardProduct(self, expr) -> str:
        return "∘".join(self.parenthesize(a, PRECEDENCE["Mul"]) for a in expr.args)

    def _print_DiagMatrix(self, expr) -> str:
        return f"diag({self._print(expr.args[0])})"

    def _print_ElementwiseApplyFunction(self, expr) -> str:
        return _applied(self, expr)

    def _print_MatrixElement(self, expr) -> str:
        if expr.parent.shape == (1, 1):
            return self._print(expr.parent)  # (Wᵀx)[0, 0] is the number Wᵀx
        shown = _index_text(self, expr)
        if shown is None:
            return f"({self._print(expr.parent)})_{self._print(expr.i)}"
        return shown

    def _print_Sum(self, expr) -> str:
        head = "".join(f"Σ_{self._print(i)} " for i, *_ in expr.limits)
        return head + self.parenthesize(expr.function, PRECEDENCE["Mul"], strict=True)

    def _print_Product(self, expr) -> str:
        head = "".join(f"Π_{self._print(i)} " for i, *_ in expr.limits)
        return head + self.parenthesize(expr.function, PRECEDENCE["Pow"])

    def _partial(self, inner, variables) -> str:
        order = len(variables)
        name = type(inner).__name__ if isinstance(inner, AppliedUndef) else self._print(inner)
        top = "∂" + SUPERSCRIPTS.get(order, "") if order > 1 else "∂"
        bottom = "".join(f"∂{self._print(v)}" for v in variables)
        if len(set(variables)) == 1 and order > 1:
            bottom = f"∂{self._print(variables[0])}{SUPERSCRIPTS.get(order, '')}"
        return f"{top}{name}/{bottom}"

    def _print_MatrixDerivative(self, expr) -> str:
        inner, variables = expr.expr, expr.variables
        if isinstance(inner, AppliedUndef) and set(variables) == set(inner.args) == {variables[0]}:
            power = SUPERSCRIPTS.get(len(variables), "") if len(variables) > 1 else ""
            return f"∇{power}{self._print(inner)}"
        if _is_name(inner):
            return self._partial(inner, variables)
        bottom = "".join(f"∂{self._print(v)}" for v in variables)
        return f"∂/{bottom} ({self._print(inner)})"

    def doprint(self, expr) -> str:
        return super().doprint(expr).replace("**", "^").replace("*", "·")


def text(expr: Basic) -> str:
    """One expression as plain text."""
    return TextPrinter().doprint(expr)


def tex(expr: Basic) -> str:
    """One expression as LaTeX."""
    return TexPrinter().doprint(expr)


__all__ = ["TexPrinter", "TextPrinter", "tex", "text"]
