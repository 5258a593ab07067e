"""batch_hessian: ∇²J(θ) = (1/m)·Xᵀ·diag(h∘(1 − h))·X, h = σ(Xθ), positive semidefinite.

Beyond the documents (docs/algebra.md D5, "same family"): the mean BCE of batch_gradient
differentiated twice.  In index form ∂²J/∂θ_j∂θ_k = (1/m)·Σ_i h_i(1 − h_i)·x_ij·x_ik
(D1 under the chain rule), stacked into a matrix; and for any v, vᵀ∇²J v is a sum of
terms h_i(1 − h_i)(x_iᵀv)² ≥ 0, so the Hessian is positive semidefinite and J is convex.

Why written out: as for batch_gradient, SymPy's matrix calculus cannot differentiate
through σ applied elementwise; every line is written out and proved at m = 3, n = 2
and m = 2, n = 3, for every j and k (``_matrix.py``).
"""

from __future__ import annotations

from sympy import (
    Abs,
    Derivative,
    DiagMatrix,
    HadamardProduct,
    Integer,
    MatAdd,
    MatMul,
    MatrixSymbol,
    Mul,
    OneMatrix,
    Range,
    S,
    Sum,
    Symbol,
    Transpose,
)
from sympy.matrices.expressions.matexpr import MatrixElement

from derivations.catalogue.batch import (
    DOMAINS,
    SHAPES,
    J,
    X,
    elementwise,
    gradient,
    h,
    m,
    mean_bce,
    n,
    theta,
    y,
)
from derivations.functions import sigmoid
from derivations.proof import ClosedForm, Derivation, MatrixDerivative, Step


def hessian(p):
    """(1/m)·Xᵀ·diag(p∘(1 − p))·X for a column p of probabilities."""
    weights = HadamardProduct(p, MatAdd(OneMatrix(m, 1), -p))
    return MatMul(1 / m, Transpose(X), DiagMatrix(weights), X)


def derive() -> Derivation:
    i, j, k = (Symbol(name, integer=True) for name in "ijk")
    v = MatrixSymbol("v", n, 1)  # any direction
    h_i = h[i, 0]  # h_i(1 − h_i) = σ'(x_iᵀθ) ∈ (0, 1/4] below
    # (1/m)·|X|ᵀ·diag(1 + |X||θ|/4)·|X|: entry (j, k) bounds Σ_i |x_ij·x_ik|/m times the
    # size of h_i and 1 − h_i (at most 1), plus the rounding of x_iᵀθ carried through σ.
    carried = MatAdd(
        OneMatrix(m, 1), MatMul(Integer(1) / 4, elementwise(Abs, X), elementwise(Abs, theta))
    )
    scale = MatMul(1 / m, Transpose(elementwise(Abs, X)), DiagMatrix(carried), elementwise(Abs, X))
    return Derivation(
        name="batch_hessian",
        title="∇²J(θ) = (1/m)·Xᵀ·diag(h∘(1 − h))·X",
        source="docs/algebra.md, beyond D5 (convexity of the mean BCE)",
        domains={**DOMAINS, j: Range(n), k: Range(n), v: S.Reals},
        arguments=(X, theta, y),
        abbreviations={h: elementwise(sigmoid, X * theta)},
        shapes=SHAPES,
        wrt=(theta, theta),
        scale=scale,
        steps=(
            Step(mean_bce(), lhs=J, rule="mean BCE (batch_gradient)"),
            Step(gradient(), lhs=MatrixDerivative(J, theta), rule="batch_gradient"),
            Step(
                Mul(1 / m, Sum(Mul(h_i, 1 - h_i, X[i, j], X[i, k], evaluate=False), (i, 0, m - 1))),
                lhs=Derivative(J, theta[j, 0], theta[k, 0], evaluate=False),
                rule="differentiate σ(x_iᵀθ) − y_i by θ_k: D1 and the chain rule",
            ),
            Step(hessian(h), lhs=MatrixDerivative(J, theta, theta), rule="stack over j, k"),
        ),
        facts=(
            Step(
                Mul(
                    1 / m,
                    Sum(
                        Mul(h_i, 1 - h_i, MatrixElement(X * v, i, 0) ** 2, evaluate=False),
                        (i, 0, m - 1),
                    ),
                ),
                lhs=MatMul(Transpose(v), MatrixDerivative(J, theta, theta), v),
                rule="every term ≥ 0 (0 < h_i < 1): ∇²J is positive semidefinite, J is convex",
            ),
        ),
        closed_forms=(
            ClosedForm(
                lhs=MatrixDerivative(J, theta, theta),
                rhs=hessian(elementwise(sigmoid, X * theta)),
                function=mean_bce(),
                wrt=(theta, theta),
                scale=scale,
            ),
        ),
        notes=(
            "vᵀ∇²J(θ)v = (1/m)·Σ_i h_i(1 − h_i)·(x_iᵀv)² ≥ 0 for every v, since "
            "0 < h_i < 1: the Hessian is positive semidefinite and J is convex in θ "
            "(strictly, when X has full column rank).",
            "Every line is written out and proved at m = 3, n = 2 and m = 2, n = 3, for every "
            "j, k: SymPy's matrix calculus cannot differentiate through σ applied elementwise.",
        ),
    )
