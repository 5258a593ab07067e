"""Shapes in parsed maths: which products, quotients, sums and powers of matrices exist.

SymPy's matrix expressions accept some text that has no meaning, or another one:
``θ·θ`` for a column θ becomes ``θ²`` and ``θ/θ`` the identity. The parser builds each
operation through these functions, which refuse with the shapes they were given:

* ``A·B`` needs the columns of A to be the rows of B (the same dimension as written:
  ``n`` and ``1`` differ); a scalar times a matrix scales it;
* ``A/c`` divides by a scalar only;
* ``v^k`` of a column vector v is entrywise (as σ(v) is); ``1ᵀ·v`` is ``sum(v)``;
* ``A^k`` needs a square A (rows and columns the same as written) and a whole ``k``
  from 1 to ``MAX_MATRIX_POWER``: ``(Xᵀ·X)^(10^9)`` would ask SymPy for gigabytes;
* a sum of a matrix and a scalar puts the scalar in every entry, as in ``1 - y``; a
  1×1 matrix (a row times a column, ``Wᵀ·x``, ``sum(y)``) beside a scalar, in a power,
  as a divisor, or times a matrix it does not fit (``sum(y)·softmax(z)``) is its only
  entry, a number.
"""

from __future__ import annotations

import operator
from collections.abc import Callable

from sympy.core import Basic, Dummy, Lambda
from sympy.matrices.expressions import HadamardProduct, MatrixExpr, OneMatrix
from sympy.matrices.expressions.matexpr import MatrixElement

from derivations.errors import ExpressionError

MAX_MATRIX_POWER = 4
ONES_ROW = Dummy("1ᵀ")  # 1ᵀ as written, until a product 1ᵀ·v gives it its length
_t = Dummy("t")


def is_matrix(value: Basic) -> bool:
    return isinstance(value, MatrixExpr)


def shape_text(value: Basic) -> str:
    return f"a {value.shape[0]}×{value.shape[1]} matrix" if is_matrix(value) else "a scalar"


def column(value: Basic, what: str) -> Basic:
    """``value`` if it is a column vector (K×1), else an ExpressionError naming ``what``."""
    if not (is_matrix(value) and value.shape[1] == 1):
        raise ExpressionError(f"{what} applies to a column vector (K×1), not {shape_text(value)}")
    return value


def as_number(value: Basic) -> Basic:
    """A 1×1 matrix (a row times a column, Wᵀ·x) as its only entry; anything else as is."""
    if is_matrix(value) and value.shape == (1, 1):
        return MatrixElement(value, 0, 0)
    return value


def broadcast(a: Basic, b: Basic) -> tuple[Basic, Basic]:
    """Two terms of a sum made to fit: a 1×1 matrix beside a scalar is a number
    (Wᵀ·x + b), and a scalar beside a matrix, as in 1 - y, stands in every entry.
    """
    if is_matrix(a) != is_matrix(b):
        a, b = as_number(a), as_number(b)
    if is_matrix(a) == is_matrix(b):
        return a, b
    ones = OneMatrix(*(a if is_matrix(a) else b).shape)
    return (a, b * ones) if is_matrix(a) else (a * ones, b)


def keeping_numbers(function: Callable[..., Basic], args: tuple[Basic, ...]) -> Basic:
    """function(*args) with each 1×1 entry (Wᵀ·x)[0, 0] kept as written: a scalar times a
    matrix runs SymPy's doit(), which would expand it into a sum Σ_i W_i·x_i.
    """
    entries = {e for a in args for e in a.atoms(MatrixElement) if e.parent.shape == (1, 1)}
    if not entries:
        return function(*args)
    shields = {e: Dummy("entry") for e in entries}
    value = function(*(a.xreplace(shields) for a in args))
    return value.xreplace({d: e for e, d in shields.items()})


def hadamard(a: Basic, b: Basic) -> Basic:
    """a ∘ b: the entrywise product of two matrices of one shape (HadamardProduct)."""
    if not (is_matrix(a) and is_matrix(b)) or a.shape != b.shape:
        raise ValueError(
            f"∘ multiplies two matrices of one shape, not {shape_text(a)} and {shape_text(b)}"
        )
    factors = a.args if isinstance(a, HadamardProduct) else (a,)
    return HadamardProduct(*factors, b)


def total(v: Basic) -> Basic:
    """sum(v) = 1ᵀ·v, the sum of a column's entries: a 1×1 matrix, as yᵀ·v is."""
    return OneMatrix(1, v.shape[0]) * v


def product(a: Basic, b: Basic) -> Basic:
    """a·b: a matrix product needs the columns of a to be the rows of b; 1ᵀ·v is sum(v)."""
    if a == ONES_ROW:
        if not (is_matrix(b) and b.shape[1] == 1):
            raise ValueError(f"1ᵀ multiplies a column vector (K×1), not {shape_text(b)}")
        return total(b)
    if is_matrix(a) and is_matrix(b) and a.shape[1] != b.shape[0]:
        if (1, 1) in (a.shape, b.shape):  # sum(y)·softmax(z): the 1×1 matrix is a number
            return keeping_numbers(operator.mul, (as_number(a), as_number(b)))
        raise ValueError(
            f"the product of {shape_text(a)} and {shape_text(b)} needs the columns of the "
            f"left ({a.shape[1]}) to be the rows of the right ({b.shape[0]})"
        )
    return a * b


def quotient(a: Basic, b: Basic) -> Basic:
    """a/b: division by a scalar (or a 1×1 matrix, a number) only."""
    if is_matrix(b := as_number(b)):
        raise ValueError(f"division is by a scalar only, not by {shape_text(b)}")
    return a / b


def power(base: Basic, exponent: Basic) -> Basic:
    """base^exponent: scalars, or a square matrix to a whole power 1…MAX_MATRIX_POWER."""
    base, exponent = as_number(base), as_number(exponent)
    if is_matrix(exponent):
        raise ValueError(f"an exponent is a scalar, not {shape_text(exponent)}")
    if not is_matrix(base):
        return base**exponent
    if base.shape[1] == 1:  # a column vector: entry by entry, as σ(z) or log(z) are
        return base.applyfunc(Lambda(_t, _t**exponent))
    if base.shape[0] != base.shape[1]:
        raise ValueError(f"only a square matrix has powers, not {shape_text(base)}")
    if not (exponent.is_Integer and 1 <= exponent <= MAX_MATRIX_POWER):
        raise ValueError(
            f"a matrix power needs a whole exponent from 1 to {MAX_MATRIX_POWER}, "
            f"not {str(exponent)[:40]}"
        )
    return base**exponent


BINARY: dict[str, Callable[[Basic, Basic], Basic]] = {
    "+": operator.add, "-": operator.sub, "*": product, "/": quotient, "∘": hadamard,
}  # fmt: skip
