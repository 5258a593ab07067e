"""Regularised batch gradients: L2, L1 and elastic net added to batch_gradient's J(θ).

Beyond the documents (docs/algebra.md D5, "same family").  Each derivation adds a penalty
to the mean BCE J(θ) of batch_gradient, differentiates the penalty in index form
(∂/∂θ_j), stacks it over j, and adds it to ∇J(θ) by linearity:

* L2: J + (λ/2)·‖θ‖²                 → ∇J + λ·θ
* L1: J + λ·‖θ‖₁                     → ∇J + λ·sign(θ)
* elastic net: J + λ(α‖θ‖₁ + (1 − α)/2·‖θ‖²) → ∇J + λ(α·sign(θ) + (1 − α)·θ)

|θ_j| has no derivative at θ_j = 0: there, λ·sign(θ_j) (sign(0) = 0) is one
subgradient of the penalty, any value in [−λ, λ] is another.  The L1 and elastic-net
results are derivatives for θ_j ≠ 0 and subgradients everywhere; the checks hold for
θ_j ≠ 0 (SymPy's d|t|/dt = sign(t) for real t ≠ 0, and random points are never 0).
As for batch_gradient, every line is written out and proved at m = 3, n = 2 and
m = 2, n = 3, for every j (``_matrix.py``).
"""

from __future__ import annotations

from sympy import (
    Abs,
    Add,
    Derivative,
    Function,
    Interval,
    MatAdd,
    MatMul,
    Mul,
    OneMatrix,
    Pow,
    Range,
    Sum,
    Symbol,
    Transpose,
    oo,
    sign,
)

from derivations.catalogue.batch import (
    DOMAINS,
    SHAPES,
    J,
    X,
    elementwise,
    gradient,
    gradient_scale,
    mean_bce,
    n,
    theta,
    y,
)
from derivations.proof import ClosedForm, Derivation, MatrixDerivative, Step

lam = Symbol("lambda", nonnegative=True)  # the strength of the penalty, λ ≥ 0
alpha = Symbol("alpha", nonnegative=True)  # elastic net: the share of L1, α ∈ [0, 1]
j, k = Symbol("j", integer=True), Symbol("k", integer=True)
J_reg = Function("J_lambda")(theta)
features = (k, 0, n - 1)


def _squares():  # ‖θ‖² in index form: Σ_k θ_k²
    return Sum(theta[k, 0] ** 2, features)


def _absolutes():  # ‖θ‖₁ in index form: Σ_k |θ_k|
    return Sum(Abs(theta[k, 0]), features)


def _regularised(
    name: str,
    title: str,
    penalty,  # the penalty in index form, a function of θ (scalar)
    penalty_matrix,  # the same penalty as a 1×1 matrix expression, for J_λ's closed form
    partial,  # ∂penalty/∂θ_j, in index form
    stacked,  # the penalty's gradient, n×1
    rule: str,
    scale,  # a bound on the penalty gradient's terms, n×1
    notes: tuple[str, ...],
    parameters: tuple[Symbol, ...],
    partial_rule: str = "index form: differentiate each term of the penalty",
) -> Derivation:
    """J_λ = J + penalty → ∇J_λ = ∇J + ∇penalty: the chain every regularised gradient follows."""
    domains = {**DOMAINS, lam: Interval(0, oo), j: Range(n)}
    domains.update({alpha: Interval(0, 1)} if alpha in parameters else {})
    return Derivation(
        name=name,
        title=title,
        source="docs/algebra.md, beyond D5 (regularisation)",
        domains=domains,
        arguments=(X, theta, y, *parameters),
        abbreviations={J: mean_bce()},
        shapes=SHAPES,
        wrt=(theta,),
        scale=MatAdd(gradient_scale(), scale),
        steps=(
            Step(Add(J, penalty, evaluate=False), lhs=J_reg, rule=rule),
            Step(
                partial,
                lhs=Derivative(penalty, theta[j, 0], evaluate=False),
                rule=partial_rule,
            ),
            Step(stacked, lhs=MatrixDerivative(penalty, theta), rule="stack over j"),
            Step(
                MatAdd(MatrixDerivative(J, theta), stacked),
                lhs=MatrixDerivative(J_reg, theta),
                rule="linearity",
            ),
            Step(MatAdd(gradient(), stacked), rule="batch_gradient"),
        ),
        facts=(Step(penalty, lhs=penalty_matrix, rule="the penalty in index form"),),
        closed_forms=(
            ClosedForm(
                lhs=MatrixDerivative(J_reg, theta),
                rhs=MatAdd(gradient(), stacked),
                function=MatAdd(mean_bce(), penalty_matrix),
                wrt=(theta,),
                scale=MatAdd(gradient_scale(), scale),
            ),
        ),
        notes=notes,
    )


WRITTEN_OUT = (
    "Every line is written out and proved at m = 3, n = 2 and m = 2, n = 3, for every j: "
    "SymPy's matrix calculus cannot differentiate through σ applied elementwise."
)
KINK_RULE = "index form: d|θ_j|/dθ_j = sign(θ_j) for θ_j ≠ 0; at θ_j = 0, a subgradient"
KINK = (
    "|θ_j| is not differentiable at θ_j = 0: there λ·sign(θ_j) = 0 is one subgradient of "
    "the penalty (any value in [−λ, λ] is one); the gradient is a derivative for θ_j ≠ 0 "
    "and a subgradient everywhere, and the checks hold for θ_j ≠ 0."
)


def derive_l2() -> Derivation:
    half = lam / 2
    return _regularised(
        name="l2_regularised_gradient",
        title="∇(J + (λ/2)‖θ‖²) = ∇J + λθ",
        penalty=Mul(half, _squares()),
        penalty_matrix=MatMul(half, Transpose(theta), theta),
        partial=Mul(lam, theta[j, 0]),
        stacked=MatMul(lam, theta),
        rule="L2 penalty (λ/2)·‖θ‖², λ ≥ 0; J is batch_gradient's mean BCE",
        scale=MatMul(lam, elementwise(Abs, theta)),  # |λ·θ_j|
        notes=("The L2 penalty shrinks every weight in proportion to its size.", WRITTEN_OUT),
        parameters=(lam,),
    )


def derive_l1() -> Derivation:
    return _regularised(
        name="l1_regularised_gradient",
        title="∇(J + λ‖θ‖₁) = ∇J + λ·sign(θ), a subgradient (θ_j ≠ 0)",
        penalty=Mul(lam, _absolutes()),
        penalty_matrix=MatMul(lam, OneMatrix(1, n), elementwise(Abs, theta)),
        partial=Mul(lam, sign(theta[j, 0])),
        stacked=MatMul(lam, elementwise(sign, theta)),
        rule="L1 penalty λ·‖θ‖₁, λ ≥ 0; J is batch_gradient's mean BCE",
        scale=MatMul(lam, OneMatrix(n, 1)),  # |λ·sign(θ_j)| ≤ λ
        notes=(KINK, WRITTEN_OUT),
        parameters=(lam,),
        partial_rule=KINK_RULE,
    )


def derive_elastic_net() -> Derivation:
    l1, l2 = alpha, Mul(1 - alpha, Pow(2, -1, evaluate=False), evaluate=False)  # (1 − α)/2
    return _regularised(
        name="elastic_net_gradient",
        title="∇(J + λ(α‖θ‖₁ + (1 − α)/2·‖θ‖²)) = ∇J + λ(α·sign(θ) + (1 − α)·θ)",
        penalty=Mul(
            lam,
            Add(
                Mul(l1, _absolutes(), evaluate=False),
                Mul(l2, _squares(), evaluate=False),
                evaluate=False,
            ),
        ),
        penalty_matrix=MatMul(
            lam,
            MatAdd(
                MatMul(l1, OneMatrix(1, n), elementwise(Abs, theta)),
                MatMul(l2, Transpose(theta), theta),
            ),
        ),
        partial=Mul(
            lam, Add(Mul(l1, sign(theta[j, 0])), Mul(1 - alpha, theta[j, 0]), evaluate=False)
        ),
        stacked=MatMul(lam, MatAdd(MatMul(l1, elementwise(sign, theta)), MatMul(1 - alpha, theta))),
        rule="elastic-net penalty, λ ≥ 0, 0 ≤ α ≤ 1; J is batch_gradient's mean BCE",
        scale=MatMul(
            lam, MatAdd(MatMul(alpha, OneMatrix(n, 1)), MatMul(1 - alpha, elementwise(Abs, theta)))
        ),
        notes=(KINK, "α = 1 gives L1, α = 0 gives L2.", WRITTEN_OUT),
        parameters=(lam, alpha),
        partial_rule=KINK_RULE,
    )


__all__ = ["derive_elastic_net", "derive_l1", "derive_l2"]
