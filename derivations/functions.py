"""σ and softplus as SymPy functions (SymPy has neither).

Each one carries:

* a derivative rule (``fdiff``), used when a *user* differentiates an expression
  that contains it; D1 and D2 never rely on it: the proof engine rewrites both
  functions to their exp/log definitions before it differentiates anything, and
  a test ties the rule of σ to the closed form that D1 proves;
* a rewrite to exp form (``expr.rewrite(exp)``), so that equalities between
  forms reduce to 0;
* text and LaTeX printing as ``σ(z)`` and ``\\sigma\\left(z\\right)``;
* printing for NumPy and JAX code to numerically stable primitives
  (``jax.nn.sigmoid``/``jax.nn.softplus``; for NumPy, ``logaddexp`` and a
  quotient of exponentials that never overflow).

``softmax`` (D6) is a matrix expression rather than a function: it maps a column
vector to a column vector.
"""

from __future__ import annotations

from sympy import Add, Basic, Dummy, Function, Integer, MatrixExpr, Sum, exp, log
from sympy.core.sympify import _sympify


class sigmoid(Function):
    """The logistic sigmoid σ(x) = 1/(1 + e^{−x})."""

    nargs = 1

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return Integer(1) / 2
        return None

    def fdiff(self, argindex: int = 1):
        # σ' = σ(1 − σ): the theorem D1 (derivations/sigmoid.py) proves from the exp form.
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return 1 / (1 + exp(-x))

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        return self.args[0].is_real

    def _sympystr(self, printer) -> str:
        return f"σ({printer._print(self.args[0])})"

    def _latex(self, printer, exp=None) -> str:
        power = "" if exp is None else f"^{{{exp}}}"
        return rf"\sigma{power}\left({printer._print(self.args[0])}\right)"

    def _jaxcode(self, printer) -> str:
        return f"{printer._module_format('jax.nn.sigmoid')}({printer._print(self.args[0])})"

    def _numpycode(self, printer) -> str:
        # e^{min(x,0)} / (1 + e^{-|x|}): no exponential ever overflows, about 1 ulp.
        x = printer._print(self.args[0])
        np_exp = printer._module_format("numpy.exp")
        return (
            f"({np_exp}({printer._module_format('numpy.minimum')}({x}, 0))"
            f"/(1 + {np_exp}(-{printer._module_format('numpy.abs')}({x}))))"
        )

    def _pythoncode(self, printer) -> str:
        return printer._print(self._eval_rewrite_as_exp(self.args[0]))

    _mpmathcode = _pythoncode


class softplus(Function):
    """softplus(x) = log(1 + e^{x}), computed without overflow."""

    nargs = 1

    def fdiff(self, argindex: int = 1):
        return sigmoid(self.args[0])

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return log(1 + exp(x))

    _eval_rewrite_as_log = _eval_rewrite_as_exp

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        return self.args[0].is_real

    def _sympystr(self, printer) -> str:
        return f"softplus({printer._print(self.args[0])})"

    def _latex(self, printer, exp=None) -> str:
        name = r"\operatorname{softplus}" + ("" if exp is None else f"^{{{exp}}}")
        return rf"{name}\left({printer._print(self.args[0])}\right)"

    def _jaxcode(self, printer) -> str:
        return f"{printer._module_format('jax.nn.softplus')}({printer._print(self.args[0])})"

    def _numpycode(self, printer) -> str:
        return f"{printer._module_format('numpy.logaddexp')}(0, {printer._print(self.args[0])})"

    def _pythoncode(self, printer) -> str:
        return printer._print(self._eval_rewrite_as_exp(self.args[0]))

    _mpmathcode = _pythoncode


CUSTOM_FUNCTIONS = (sigmoid, softplus)


def to_exp_form(expr):
    """Replace σ and softplus (and nothing else) by their exp/log definitions."""
    for function in CUSTOM_FUNCTIONS:
        if expr.has(function):
            expr = expr.replace(function, lambda x, f=function: f(x)._eval_rewrite_as_exp(x))
    return expr


class softmax(MatrixExpr):
    """softmax(z)_i = e^{z_i} / Σ_k e^{z_k} for a column vector z (K×1), itself K×1.

    A matrix expression, so that ∂CE/∂z = softmax(z) − y and diag(s) − s·sᵀ are built
    from it; its entries are the explicit quotient above (``_entry``), which is what
    the checker differentiates.  Printed as softmax(z) and ``\\operatorname{softmax}``;
    NumPy and JAX code subtract the maximum first, so no exponential overflows.
    """

    def __new__(cls, z):
        z = _sympify(z)
        if not getattr(z, "is_Matrix", False) or z.shape[1] != 1:
            raise TypeError(f"softmax needs a column vector, got {z}")
        return Basic.__new__(cls, z)

    @property
    def shape(self):
        return self.args[0].shape

    def _entry(self, i, j, **kwargs):
        z = self.args[0]
        rows = _sympify(z.shape[0])
        if rows.is_Integer:
            return exp(z[i, 0]) / Add(*[exp(z[k, 0]) for k in range(int(rows))])
        k = Dummy("k", integer=True)
        return exp(z[i, 0]) / Sum(exp(z[k, 0]), (k, 0, rows - 1))

    def _sympystr(self, printer) -> str:
        return f"softmax({printer._print(self.args[0])})"

    def _latex(self, printer, exp=None) -> str:
        return rf"\operatorname{{softmax}}\left({printer._print(self.args[0])}\right)"

    def _jaxcode(self, printer) -> str:
        z = printer._print(self.args[0])
        return f"{printer._module_format('jax.nn.softmax')}({z}, axis=0)"

    def _numpycode(self, printer) -> str:
        # e^{z − max z} / Σ e^{z − max z}: every exponent ≤ 0, so nothing overflows.
        z = printer._print(self.args[0])
        np = "numpy"
        shifted = (
            f"{printer._module_format(np + '.exp')}"
            f"({z} - {printer._module_format(np + '.max')}({z}, axis=0, keepdims=True))"
        )
        total = f"{printer._module_format(np + '.sum')}({shifted}, axis=0, keepdims=True)"
        return f"({shifted}/{total})"
