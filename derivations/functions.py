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
"""

from __future__ import annotations

from sympy import Function, Integer, exp, log


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
