"""D4 logistic_regression_gradient: ∂BCE/∂W = (ŷ − y)·x and ∂BCE/∂b = ŷ − y, one example.

Follows docs/algebra.md D4 with the textbook's names: z = Wᵀx + b and ŷ = σ(z) are
abbreviations, so the steps read ∂BCE/∂ŷ, ∂ŷ/∂z, ∂BCE/∂z.  Each chain-rule step is
checked for what it means: ∂BCE/∂ŷ differentiates with ŷ as the variable, ∂BCE/∂z
differentiates BCE with ŷ = σ(z) written out, and ∂BCE/∂W_j with everything written
out down to the weights (``_proof.py``).  W and x are n×1: the steps about them are
checked with W and x written out at n = 2 and n = 3 (``_matrix.py``: SymPy's matrix
calculus does not differentiate through σ), ∂z/∂W_j and ∂BCE/∂W_j for every j.
"""

from __future__ import annotations

from sympy import (
    Abs,
    Add,
    Derivative,
    FiniteSet,
    MatMul,
    MatrixSymbol,
    Mul,
    Range,
    S,
    Symbol,
    Transpose,
    log,
)
from sympy.matrices.expressions.matexpr import MatrixElement

from derivations.functions import sigmoid
from derivations.proof import ClosedForm, Derivation, MatrixDerivative, Step


def derive() -> Derivation:
    n, j = Symbol("n", integer=True, positive=True), Symbol("j", integer=True)
    W, x = MatrixSymbol("W", n, 1), MatrixSymbol("x", n, 1)  # weights and features, n×1
    b, y = Symbol("b", real=True), Symbol("y", real=True)  # bias; label in {0, 1}
    z, yhat, bce = Symbol("z", real=True), Symbol("yhat", real=True), Symbol("BCE")
    linear = Add(MatrixElement(W.T * x, 0, 0), b, evaluate=False)  # Wᵀx + b (Wᵀx is 1×1)

    def loss(yhat):  # −(y·log ŷ + (1 − y)·log(1 − ŷ)), as written
        return Mul(-1, Add(y * log(yhat), (1 - y) * log(1 - yhat), evaluate=False), evaluate=False)

    def d(f, v):
        return Derivative(f, v, evaluate=False)

    d_bce_d_yhat = Add(-y / yhat, (1 - y) / (1 - yhat), evaluate=False)
    # The terms the gradient is made of: ŷ and y (at most 1), and the rounding of
    # z = Wᵀx + b (about ε·(|b| + |W|ᵀ|x|)) carried through σ, whose slope is at most 1/4.
    size_of_z = MatrixElement(MatMul(Transpose(W.applyfunc(Abs)), x.applyfunc(Abs)), 0, 0)
    carried = 1 + (Abs(b) + size_of_z) / 4
    error = Add(yhat, -y, evaluate=False)  # ŷ − y
    return Derivation(
        name="logistic_regression_gradient",
        title="∂BCE/∂W = (ŷ − y)·x, ∂BCE/∂b = ŷ − y",
        source="docs/algebra.md D4 (article on logistic regression and cross-entropy)",
        domains={W: S.Reals, b: S.Reals, x: S.Reals, y: FiniteSet(0, 1), j: Range(n)},
        arguments=(W, b, x, y),
        abbreviations={z: linear, yhat: sigmoid(z)},
        shapes=({n: 2}, {n: 3}),
        wrt=(W,),
        scale=MatMul(carried, x.applyfunc(Abs)),  # |x_j|·(1 + (|b| + |W|ᵀ|x|)/4)
        steps=(
            Step(loss(yhat), lhs=bce, rule="model: z = Wᵀx + b, ŷ = σ(z); BCE of one example"),
            Step(d_bce_d_yhat, lhs=d(bce, yhat), rule="differentiate the logs"),
            Step(Mul(yhat, 1 - yhat, evaluate=False), lhs=d(yhat, z), rule="D1: σ' = σ(1 − σ)"),
            Step(
                error,
                lhs=d(bce, z),
                via=(Mul(d_bce_d_yhat, yhat, 1 - yhat, evaluate=False),),
                rule="chain rule ∂BCE/∂ŷ·∂ŷ/∂z, cancel",
            ),
            Step(x[j, 0], lhs=d(z, W[j, 0]), rule="linear model"),
            Step(S.One, lhs=d(z, b), rule="linear model"),
            Step(
                Mul(error, x[j, 0], evaluate=False),
                lhs=d(bce, W[j, 0]),
                via=(Mul(d(bce, z), d(z, W[j, 0]), evaluate=False),),
                rule="chain rule",
            ),
            Step(MatMul(error, x), lhs=MatrixDerivative(bce, W), rule="stack over j"),
            Step(
                error,
                lhs=d(bce, b),
                via=(Mul(d(bce, z), d(z, b), evaluate=False),),
                rule="chain rule",
            ),
        ),
        closed_forms=(
            ClosedForm(
                lhs=MatrixDerivative(bce, W),
                rhs=MatMul(Add(sigmoid(linear), -y, evaluate=False), x),
                function=loss(sigmoid(linear)),
                wrt=(W,),
                scale=MatMul(carried, x.applyfunc(Abs)),
            ),
            ClosedForm(
                lhs=d(bce, b),
                rhs=Add(sigmoid(linear), -y, evaluate=False),
                function=loss(sigmoid(linear)),
                wrt=(b,),
                suffix="b",
                scale=carried,  # |ŷ − y| ≤ 1, plus the rounding of z carried through σ
            ),
        ),
        notes=(
            "ŷ − y is the prediction error: the gradient is the error times the input, "
            "and for the bias, whose input is 1, the error itself.",
            "W and x are n×1, so the steps that involve them are written out and proved at "
            "n = 2 and n = 3, for every j: SymPy's matrix calculus cannot differentiate "
            "through σ, and ∂z/∂W_j of the index form Σ_k W_k·x_k comes out as a sum of "
            "Kronecker deltas that the checker's strategies do not reduce.",
        ),
    )
