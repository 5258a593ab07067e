"""D5 batch_gradient: ∇J(θ) = (1/m)·Xᵀ(σ(Xθ) − y), and the gradient-descent step.

Follows docs/algebra.md D5: the mean BCE of m examples in index form (h_i = σ(x_iᵀθ)),
its partial derivative ∂J/∂θ_j, the gradient stacked over j as a matrix expression,
and one step of gradient descent.  The model below (X, θ, y, J) is shared by the
results beyond the documents (``hessian.py``, ``regularised.py``).

Why written out: SymPy's matrix calculus cannot differentiate through σ applied
elementwise, and ∂/∂θ_j of the index form over symbolic m and n comes out as sums of
Kronecker deltas that the checker's strategies do not reduce to 0 (``simplify`` does,
in about 1 s here, and in about 4 s for the Hessian's second derivatives: too slow to
run on every ``prove``).  So every step is checked by writing
the matrices and sums out at m = 3, n = 2 and at m = 2, n = 3 (two shapes, neither
square, so that X in place of Xᵀ fails), ∂J/∂θ_j for every j; see ``_matrix.py``.
"""

from __future__ import annotations

from sympy import (
    Abs,
    Add,
    Derivative,
    Dummy,
    FiniteSet,
    Function,
    Integer,
    Interval,
    Lambda,
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
    log,
    oo,
)

from derivations.functions import sigmoid
from derivations.proof import ClosedForm, Derivation, MatrixDerivative, Step

# The model: m examples (rows of X), n features; a bias is a column of ones in X.
m, n = Symbol("m", integer=True, positive=True), Symbol("n", integer=True, positive=True)
X, theta, y = MatrixSymbol("X", m, n), MatrixSymbol("theta", n, 1), MatrixSymbol("y", m, 1)
h = MatrixSymbol("h", m, 1)  # h = σ(Xθ), the predictions (an abbreviation)
J = Function("J")(theta)
DOMAINS = {X: S.Reals, theta: S.Reals, y: FiniteSet(0, 1)}  # each entry in its set
SHAPES = ({m: 3, n: 2}, {m: 2, n: 3})
_t = Dummy("t")


def elementwise(f, v):
    """f applied to each entry of v: σ(Xθ), log(1 − σ(Xθ)), one node however f is built."""
    return v.applyfunc(Lambda(_t, f(_t)))


def mean_bce():
    """J(θ) = −(1/m)·(yᵀ·log σ(Xθ) + (1 − y)ᵀ·log(1 − σ(Xθ))), a 1×1 matrix."""
    ones = OneMatrix(m, 1)
    return MatMul(
        -1 / m,
        MatAdd(
            MatMul(Transpose(y), elementwise(lambda t: log(sigmoid(t)), X * theta)),
            MatMul(
                Transpose(MatAdd(ones, -y)),
                elementwise(lambda t: log(1 - sigmoid(t)), X * theta),
            ),
        ),
    )


def errors():
    """σ(Xθ) − y, the prediction errors, m×1."""
    return MatAdd(elementwise(sigmoid, X * theta), -y)


def gradient():
    """∇J(θ) = (1/m)·Xᵀ·(σ(Xθ) − y), n×1."""
    return MatMul(1 / m, Transpose(X), errors())


def gradient_scale():
    """(1/m)·|X|ᵀ·(1 + |X|·|θ|/4): the terms of ∂J/∂θ_j.

    Entry j bounds Σ_i |(h_i − y_i)·x_ij|/m (h and y lie in [0, 1]) plus the rounding of
    each x_iᵀθ, about ε·Σ_k |x_ik·θ_k|, carried through σ, whose slope is at most 1/4.
    """
    carried = MatAdd(
        OneMatrix(m, 1), MatMul(Integer(1) / 4, elementwise(Abs, X), elementwise(Abs, theta))
    )
    return MatMul(1 / m, Transpose(elementwise(Abs, X)), carried)


def derive() -> Derivation:
    i, j = Symbol("i", integer=True), Symbol("j", integer=True)
    alpha = Symbol("alpha", positive=True)  # the learning rate
    examples = (i, 0, m - 1)
    h_i, y_i = h[i, 0], y[i, 0]
    return Derivation(
        name="batch_gradient",
        title="∇J(θ) = (1/m)·Xᵀ(σ(Xθ) − y)",
        source="docs/algebra.md D5 (article on logistic regression and cross-entropy)",
        domains={**DOMAINS, alpha: Interval.open(0, oo), j: Range(n)},
        arguments=(X, theta, y),
        abbreviations={h: elementwise(sigmoid, X * theta)},
        shapes=SHAPES,
        wrt=(theta,),
        scale=gradient_scale(),
        steps=(
            Step(
                Mul(
                    -1,
                    1 / m,
                    Sum(Add(y_i * log(h_i), (1 - y_i) * log(1 - h_i), evaluate=False), examples),
                ),
                lhs=J,
                rule="mean BCE, h_i = σ(x_iᵀθ); a bias is a column of ones in X",
            ),
            Step(
                Mul(1 / m, Sum(Mul(Add(h_i, -y_i, evaluate=False), X[i, j]), examples)),
                lhs=Derivative(J, theta[j, 0], evaluate=False),
                rule="D4 for each term, linearity",
            ),
            Step(gradient(), lhs=MatrixDerivative(J, theta), rule="stack over j"),
            Step(
                MatAdd(theta, MatMul(-alpha / m, Transpose(X), errors())),
                lhs=MatAdd(theta, MatMul(-alpha, MatrixDerivative(J, theta))),
                rule="gradient-descent step θ ← θ − α·∇J(θ), learning rate α",
            ),
        ),
        facts=(Step(mean_bce(), lhs=J, rule="the sum over i as products of vectors"),),
        closed_forms=(
            ClosedForm(
                lhs=MatrixDerivative(J, theta),
                rhs=gradient(),
                function=mean_bce(),
                wrt=(theta,),
                scale=gradient_scale(),
            ),
        ),
        notes=(
            "The gradient is Xᵀ times the prediction errors σ(Xθ) − y, averaged: two passes "
            "over X (one for Xθ, one for Xᵀr).",
            "Every step is written out and proved at m = 3, n = 2 and m = 2, n = 3: SymPy's "
            "matrix calculus cannot differentiate through σ applied elementwise, and the index "
            "form ∂J/∂θ_j over symbolic m, n comes out as sums of Kronecker deltas that the "
            "checker's strategies do not reduce to 0 (SymPy's simplify does, too slowly to "
            "run on every prove).",
        ),
    )
