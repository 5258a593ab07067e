"""σ, softplus, softmax and log-softmax as SymPy objects (SymPy has none of them).

Pure SymPy, maths only; how each one prints (σ(z) in text, ``\\sigma`` in LaTeX, stable
NumPy/JAX code) belongs to the printers in ``bce_check`` (``notation.py``,
``_printers.py``), as SymPy's own printers hold a ``_print_<Class>`` per class.

``sigmoid`` and ``softplus`` carry

* a derivative rule (``fdiff``), used when a *user* differentiates an expression
  that contains them; D1 and D2 never rely on it: the proof engine rewrites both
  functions to their exp/log definitions before it differentiates anything, and
  a test ties the rule of σ to the closed form that D1 proves;
* a rewrite to exp form (``expr.rewrite(exp)``, ``to_exp_form``), so that equalities
  between forms reduce to 0.

``softmax`` (D6) and ``log_softmax`` are matrix expressions rather than functions: each
maps a column vector z (K×1) to a column vector, entry by entry as written in
``_entry`` (what the checker differentiates).  They share ``ColumnFunction``;
``logsumexp(z) = log Σ_k e^{z_k}`` is the 1×1 matrix of the same family (its entry is
the number).
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


class softplus(Function):
    """softplus(x) = log(1 + e^{x})."""

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


CUSTOM_FUNCTIONS = (sigmoid, softplus)


def to_exp_form(expr):
    """Replace σ and softplus (and nothing else) by their exp/log definitions."""
    for function in CUSTOM_FUNCTIONS:
        if expr.has(function):
            expr = expr.replace(function, lambda x, f=function: f(x)._eval_rewrite_as_exp(x))
    return expr


class ColumnFunction(MatrixExpr):
    """A map from a column vector z (K×1) to a column vector of the same shape.

    Subclasses define ``entry(z, i, total)``: the i-th entry, given z and
    ``total`` = Σ_k e^{z_k} (written out for a known K, a ``Sum`` otherwise).
    """

    def __new__(cls, z):
        z = _sympify(z)
        if not getattr(z, "is_Matrix", False) or z.shape[1] != 1:
            raise TypeError(f"{cls.__name__} needs a column vector, got {z}")
        return Basic.__new__(cls, z)

    @property
    def shape(self):
        return self.args[0].shape

    def _entry(self, i, j, **kwargs):
        z = self.args[0]
        rows = _sympify(z.shape[0])
        if rows.is_Integer:
            total = Add(*[exp(z[k, 0]) for k in range(int(rows))])
        else:
            k = Dummy("k", integer=True)
            total = Sum(exp(z[k, 0]), (k, 0, rows - 1))
        return self.entry(z, i, total)

    @staticmethod
    def entry(z, i, total):
        raise NotImplementedError


class softmax(ColumnFunction):
    """softmax(z)_i = e^{z_i} / Σ_k e^{z_k}: ∂CE/∂z = softmax(z) − y and diag(s) − s·sᵀ
    are built from it."""

    @staticmethod
    def entry(z, i, total):
        return exp(z[i, 0]) / total


class log_softmax(ColumnFunction):
    """log_softmax(z)_i = log softmax(z)_i = z_i − log Σ_k e^{z_k}."""

    @staticmethod
    def entry(z, i, total):
        return z[i, 0] - log(total)


class logsumexp(ColumnFunction):
    """logsumexp(z) = log Σ_k e^{z_k}, a 1×1 matrix (as yᵀ·z is): the number is its entry."""

    @property
    def shape(self):
        return (Integer(1), Integer(1))

    def _entry(self, i, j, **kwargs):
        return super()._entry(0, 0, **kwargs)

    @staticmethod
    def entry(z, i, total):
        return log(total)
