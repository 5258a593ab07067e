"""bce_second_derivative: L''(u) = σ(u)(1 − σ(u)) > 0, so D2's loss is strictly convex in u.

Beyond the documents (docs/algebra.md lists it among D2's facts): D2's loss differentiated
twice.  The second derivative is taken of σ's exp form, never from σ's own derivative
rule, and σ(1 − σ) is recognised in the result as D1 does.
"""

from __future__ import annotations

from sympy import Add, Derivative, Function, Integer, Interval, Mul, S, Subs, Symbol, exp, log

from derivations.functions import sigmoid
from derivations.proof import Derivation, Step


def derive() -> Derivation:
    u = Symbol("u", real=True)
    p = Symbol("p", real=True)
    loss = Function("L")(u)
    return Derivation(
        name="bce_second_derivative",
        title="L''(u) = σ(u)(1 − σ(u)) > 0",
        source="docs/algebra.md, beyond D2 (the curvature of BCE in the logit)",
        domains={u: S.Reals, p: Interval(0, 1)},
        wrt=(u, u),
        scale=S.One,  # σ(1 − σ) is made of σ and 1 − σ, each at most 1 (the product ≤ 1/4)
        steps=(
            Step(
                -p * log(sigmoid(u)) - (1 - p) * log(1 - sigmoid(u)),
                lhs=loss,
                rule="definition (D2), 0 ≤ p ≤ 1",
            ),
            Step(Add(sigmoid(u), -p, evaluate=False), lhs=Derivative(loss, u), rule="D2"),
            Step(
                exp(-u) / (1 + exp(-u)) ** 2,
                lhs=Derivative(loss, (u, 2)),
                via=(Derivative(1 / (1 + exp(-u)) - p, u),),
                rule="differentiate σ's exp form; p does not depend on u",
            ),
            Step(Mul(sigmoid(u), 1 - sigmoid(u), evaluate=False), rule="recognise σ (D1)"),
        ),
        facts=(
            Step(
                1 / (2 + exp(u) + exp(-u)),
                lhs=Derivative(loss, (u, 2)),
                rule="a positive denominator: L'' > 0 for every u, L is strictly convex",
            ),
            Step(
                Integer(1) / 4,
                lhs=Subs(Derivative(loss, (u, 2)), u, 0),
                rule="the largest curvature: 2 + e^u + e^(−u) ≥ 4, equal at u = 0",
            ),
        ),
        notes=(
            "L''(u) = σ(u)(1 − σ(u)) = 1/(2 + e^u + e^(−u)) > 0 for every u and every label p: "
            "the loss is strictly convex in the logit, with curvature at most 1/4.",
            "It does not depend on p: the label only shifts the gradient σ(u) − p.",
        ),
    )
