"""Printers from SymPy expressions to NumPy and JAX source, scalars and matrices.

One printer class per target, one ``_print_<Class>`` method per SymPy class (as SymPy's
own printers do; ``derivations.functions`` carry no code printing).  Targets: ``numpy``,
``jax``, ``analytic`` (JAX that complex arithmetic differentiates exactly, complex step).
σ, softplus, softmax and the stable rewrites (``derivations.rewrites``) print to a target's
primitive (``numpy.logaddexp(0, x)``, ``jax.nn.softplus(x)``) or to a call of a small helper
whose source goes into the emitted module (``HELPERS``: one template for every target).

Matrix expressions print as array code in which a column vector (k×1) is a 1-D array
(its last axis; softmax, yᵀv = ``sum(y * v, axis=-1)`` and 1ᵀv reduce over it, so a
leading batch axis broadcasts): ``Xθ`` is ``X @ theta``, entrywise functions apply to
the array, ``diag(w)·B`` is ``w[:, None] * B``, shape symbols are dimensions (m →
``X.shape[0]``).  For JAX, ``Aᵀv`` prints as ``sum(v[:, None] * A, axis=0)`` and ``Aθ``
as ``sum(A * θ, axis=-1)``: XLA on CPU runs the transposed product about 12× slower
than one pass over A, and fuses σ(Xθ) − y into the reductions (bench/batch_gradient.py).
"""

from __future__ import annotations

import keyword

from sympy import Dummy, Lambda, MatrixSymbol, OneMatrix, Pow, Transpose
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix
from sympy.printing.numpy import JaxPrinter, NumPyPrinter

# The helpers, one template each: {np} is the target's array module, {x_real} and {z_real}
# the argument whose sign or maximum picks a branch (itself; its real part for complex step).
HELPERS: dict[str, str] = {
    # σ(x) = 1/(1 + e^{−x}) for x ≥ 0, e^{x}/(1 + e^{x}) for x < 0: one exp of −|x| (≤ 1, never
    # overflows) and one division, each correctly rounded or nearly: about 1 ulp in all
    # (bench/accuracy.py).  Written as a branch on x ≥ 0 rather than with |x|, so that
    # jax.grad meets no kink: both sides of x = 0 give σ'(0) = 1/4.
    "sigmoid": '''
def _sigmoid(x):
    """σ(x) = 1/(1 + e^-x) = e^x/(1 + e^x), from e = e^-|x|: 1/(1 + e) or e/(1 + e)."""
    nonneg = {x_real} >= 0
    e = {np}.exp({np}.where(nonneg, -x, x))
    return {np}.where(nonneg, 1, e) / (1 + e)
''',
    "softplus": '''
def _softplus(x):
    """softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no exponential overflows."""
    nonneg = {x_real} >= 0
    tail = {np}.log1p({np}.exp({np}.where(nonneg, -x, x)))
    return {np}.where(nonneg, x, 0) + tail
''',
    # softplus(x) + a·x, the branch written on x ≥ 0 (not with |x|), so that jax.grad takes the
    # same side of x = 0 in both terms.  log1p(e) as log(w) + c/w, w = 1 + e rounded and
    # c = (1 − w) + e its exact rounding error (Fast2Sum, Dekker 1971, since 1 ≥ e): one log,
    # within about 1.4 ulp in float32 on XLA:CPU where its log1p loses 2.3 (bench/accuracy.py).
    "softplus_affine": '''
def _softplus_affine(x, a):
    """softplus(x) + a*x = log1p(e) + ((1 + a)*x if x >= 0 else a*x), e = e^-|x|: no term
    cancels; log1p(e) = log(w) + c/w with w = 1 + e rounded, c = (1 - w) + e exactly."""
    nonneg = {x_real} >= 0
    e = {np}.exp({np}.where(nonneg, -x, x))
    w = 1 + e
    tail = {np}.log(w) + ((1 - w) + e) / w
    return tail + {np}.where(nonneg, (1 + a) * x, a * x)
''',
    "softmax": '''
def _softmax(z):
    """softmax(z) = e^(z - max z) / sum(e^(z - max z)): every exponent <= 0, none overflows."""
    e = {np}.exp(z - {np}.max({z_real}, axis=-1, keepdims=True))
    return e / {np}.sum(e, axis=-1, keepdims=True)
''',
    "log_softmax": '''
def _log_softmax(z):
    """log(softmax(z)) = z - max z - log(sum(e^(z - max z))): no exponential overflows."""
    shifted = z - {np}.max({z_real}, axis=-1, keepdims=True)
    return shifted - {np}.log({np}.sum({np}.exp(shifted), axis=-1, keepdims=True))
''',
}


def python_name(name: str) -> str:
    """A symbol's name as a Python identifier: a keyword gets a trailing underscore (λ)."""
    return f"{name}_" if keyword.iskeyword(name) else name


def _is_column(expr) -> bool:
    return getattr(expr, "is_Matrix", False) and expr.shape[1] == 1


class _CodePrinting:
    """Printer mixin: helper calls, shape symbols, and matrix expressions as array code."""

    target = "numpy"
    _module = "numpy"  # the array module, as the emitted code names it

    def _setup(self, dims: dict | None) -> None:
        self.used: set[str] = set()
        self.dims = dict(dims or {})  # shape symbol → code, e.g. m → "X.shape[0]"
        self.bound: dict = {}  # dummy of an elementwise function → code of its argument

    def _real(self, name: str) -> str:
        """The value whose sign or maximum chooses a branch (the real part, for complex step)."""
        return name

    def _helper(self, name: str, expr) -> str:
        self.used.add(name)
        return f"_{name}({', '.join(self._print(a) for a in expr.args)})"

    def helper_sources(self) -> list[str]:
        """The source of every helper the printed code calls, in a fixed order."""
        return [
            HELPERS[name]
            .format(np=self._module, x_real=self._real("x"), z_real=self._real("z"))
            .strip()
            for name in sorted(self.used)
        ]

    def _print_sigmoid(self, expr) -> str:
        return self._helper("sigmoid", expr)

    def _print_softplus_affine(self, expr) -> str:
        return self._helper("softplus_affine", expr)

    def _print_log_softmax(self, expr) -> str:
        return self._helper("log_softmax", expr)

    def _print_Symbol(self, expr) -> str:
        return self.dims.get(expr) or python_name(expr.name)

    def _print_MatrixElement(self, expr) -> str:
        if expr.parent.shape == (1, 1):  # a 1×1 product (wᵀx): with 1-D vectors, a number
            return self._operand(expr.parent)
        if _is_column(expr.parent):  # a column vector is a 1-D array
            return f"{self._operand(expr.parent)}[{self._print(expr.i)}]"
        return f"{self._operand(expr.parent)}[{self._print(expr.i)}, {self._print(expr.j)}]"

    def _print_HadamardProduct(self, expr) -> str:
        return " * ".join(self._operand(a) for a in expr.args)

    def _print_Dummy(self, expr) -> str:
        return self.bound.get(expr) or super()._print_Dummy(expr)

    def _np(self, name: str) -> str:
        return self._module_format(f"{self._module}.{name}")

    def _operand(self, expr) -> str:
        text = self._print(expr)
        simple = isinstance(expr, (MatrixSymbol, ElementwiseApplyFunction)) or expr.is_Atom
        return text if simple else f"({text})"

    def _print_MatrixSymbol(self, expr) -> str:
        return expr.name

    def _print_OneMatrix(self, expr) -> str:
        return "1"

    def _print_Transpose(self, expr) -> str:
        if _is_column(expr.arg) or expr.arg.shape[0] == 1:
            return self._print(expr.arg)  # a vector is a 1-D array: its transpose is itself
        return f"{self._operand(expr.arg)}.T"

    def _print_MatAdd(self, expr) -> str:
        first, *rest = expr.args
        code = self._print(first)
        for term in rest:
            negative = term.could_extract_minus_sign()
            code += f" - {self._print(-term)}" if negative else f" + {self._print(term)}"
        return code

    def _print_MatMul(self, expr) -> str:
        coefficient, factors = expr.as_coeff_matrices()
        code = self._product(list(factors))
        if coefficient == 1:
            return code
        if coefficient == -1:
            return f"-{code}" if len(factors) == 1 else f"-({code})"
        if isinstance(coefficient, Pow) and coefficient.exp == -1:
            return f"({code}) / {self._operand(coefficient.base)}"
        return f"{self._operand(coefficient)} * ({code})"

    def _product(self, factors: list) -> str:
        """A chain of matrix factors, with the three patterns of the module docstring."""
        if len(factors) == 1:
            return self._print(factors[0])
        if isinstance(factors[0], OneMatrix) and factors[0].shape[0] == 1:
            axis = -1 if len(factors) == 2 and _is_column(factors[1]) else 0  # 1ᵀ·v: v's entries
            return f"{self._np('sum')}({self._product(factors[1:])}, axis={axis})"
        if isinstance(factors[-1], OneMatrix) and factors[-1].shape[1] == 1:  # row sums
            return f"{self._np('sum')}({self._product(factors[:-1])}, axis=-1)"
        if len(factors) == 2 and _is_column(factors[0].T) and _is_column(factors[1]):  # yᵀ·v
            y, v = self._operand(factors[0].T), self._operand(factors[1])
            return f"{self._np('sum')}({y} * {v}, axis=-1)"  # over the last axis: batches
        if len(factors) == 2 and _is_column(factors[0]) and factors[1].shape[0] == 1:
            row = factors[1].arg if isinstance(factors[1], Transpose) else factors[1]
            return f"{self._np('outer')}({self._print(factors[0])}, {self._print(row)})"
        for i, factor in enumerate(factors):
            if isinstance(factor, DiagMatrix):
                return self._diagonal_product(factors[:i], factor.args[0], factors[i + 1 :])
        if (
            len(factors) == 2
            and isinstance(factors[0], Transpose)
            and not _is_column(factors[0].arg)
            and _is_column(factors[1])
        ):
            return self._transposed_times_column(factors[0].arg, factors[1])
        if len(factors) == 2 and not _is_column(factors[0]) and _is_column(factors[1]):
            return self._matrix_times_column(factors[0], factors[1])
        return " @ ".join(self._operand(f) for f in factors)

    def _diagonal_product(self, left: list, weights, right: list) -> str:
        """left·diag(w)·right: scale columns of left, or rows of right, by w."""
        w = self._operand(weights)
        if left and right:
            return f"({self._product(left)} * {w}) @ {self._product_operand(right)}"
        if left:
            return f"({self._product(left)} * {w})"
        if right:
            return f"({w}[:, None] * {self._product_operand(right)})"
        return f"{self._np('diag')}({w})"

    def _product_operand(self, factors: list) -> str:
        code = self._product(factors)
        return code if len(factors) == 1 else f"({code})"

    def _transposed_times_column(self, matrix, column) -> str:
        return f"{self._operand(matrix)}.T @ {self._operand(column)}"

    def _matrix_times_column(self, matrix, column) -> str:
        return f"{self._operand(matrix)} @ {self._operand(column)}"

    def _print_ElementwiseApplyFunction(self, expr) -> str:
        function: Lambda = expr.function
        (variable,), body = function.variables, function.expr
        argument = self._print(expr.expr)
        if body.count(variable) <= 1:
            self.bound[variable] = f"({argument})" if not expr.expr.is_Atom else argument
            return self._print(body)
        name = Dummy("t")
        self.bound[name] = "t"
        return f"(lambda t: {self._print(body.xreplace({variable: name}))})({argument})"

    def _print_DiagMatrix(self, expr) -> str:
        return f"{self._np('diag')}({self._print(expr.args[0])})"


class NumPyCode(_CodePrinting, NumPyPrinter):
    """NumPy source: σ and softmax through helpers, softplus as ``numpy.logaddexp(0, x)``."""

    def __init__(self, dims: dict | None = None) -> None:
        super().__init__({"fully_qualified_modules": True, "order": "none"})
        self._setup(dims)

    def _print_softplus(self, expr) -> str:
        return f"{self._np('logaddexp')}(0, {self._print(expr.args[0])})"

    def _print_softmax(self, expr) -> str:
        return self._helper("softmax", expr)


class JaxCode(_CodePrinting, JaxPrinter):
    """JAX source: σ through its helper, softplus and softmax as ``jax.nn`` primitives."""

    target = "jax"
    _module = "jax.numpy"

    def __init__(self, dims: dict | None = None) -> None:
        super().__init__({"fully_qualified_modules": True, "order": "none"})
        self._setup(dims)

    def _print_softplus(self, expr) -> str:
        return f"{self._module_format('jax.nn.softplus')}({self._print(expr.args[0])})"

    def _print_softmax(self, expr) -> str:
        return f"{self._module_format('jax.nn.softmax')}({self._print(expr.args[0])}, axis=-1)"

    def _transposed_times_column(self, matrix, column) -> str:
        weights = self._operand(column)
        return f"{self._np('sum')}({weights}[:, None] * {self._operand(matrix)}, axis=0)"

    def _matrix_times_column(self, matrix, column) -> str:
        return f"{self._np('sum')}({self._operand(matrix)} * {self._operand(column)}, axis=-1)"


class AnalyticCode(JaxCode):
    """JAX code that complex arithmetic differentiates exactly: exp, log1p, real-part branches.

    ``jax.nn.softplus`` and ``jax.nn.softmax`` are not analytic (max, logaddexp), so every
    function prints through a helper here.
    """

    target = "analytic"

    def _real(self, name: str) -> str:
        return f"jax.numpy.real({name})"

    def _print_softplus(self, expr) -> str:
        return self._helper("softplus", expr)

    def _print_softmax(self, expr) -> str:
        return self._helper("softmax", expr)


PRINTERS = {"numpy": NumPyCode, "jax": JaxCode, "analytic": AnalyticCode}
