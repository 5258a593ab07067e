"""D2 bce_logit_gradient: dL/du = σ(u) − p for binary cross-entropy with a soft label p.

Follows docs/algebra.md D2 line for line: the loss is written in terms of the logit u,
simplified to −p·u + log(1 + e^u), differentiated, and σ is recognised in the result.
"""

from __future__ import annotations

from sympy import Add, Derivative, Function, Interval, Mul, S, Subs, Symbol, exp, log

from derivations.functions import sigmoid, softplus
from derivations.proof import Derivation, Step


def derive() -> Derivation:
    u = Symbol("u", real=True)
    p = Symbol("p", real=True)
    loss = Function("L")(u)
    return Derivation(
        name="bce_logit_gradient",
        title="dL/du = σ(u) − p",
        source="docs/algebra.md D2 (Q&A answer on the derivative of BCE w.r.t. the logit)",
        domains={u: S.Reals, p: Interval(0, 1)},
        wrt=(u,),
        scale=S.One,  # |σ(u) − p| ≤ 1: σ and p both lie in [0, 1]
        steps=(
            Step(
                -p * log(sigmoid(u)) - (1 - p) * log(1 - sigmoid(u)),
                lhs=loss,
                rule="definition, 0 ≤ p ≤ 1",
            ),
            Step(
                -p * log(exp(u) / (1 + exp(u))) - (1 - p) * log(1 / (1 + exp(u)), evaluate=False),
                rule="σ(u) = e^u/(1+e^u), 1 − σ(u) = 1/(1+e^u)",
            ),
            Step(
                Add(-p * (u - log(1 + exp(u))), (1 - p) * log(1 + exp(u)), evaluate=False),
                rule="log of a quotient",
            ),
            Step(-p * u + log(1 + exp(u)), rule="collect terms"),
            Step(
                Add(-p, exp(u) / (1 + exp(u)), evaluate=False),
                lhs=Derivative(loss, u),
                rule="differentiate; d/du log(1+e^u) = e^u/(1+e^u)",
            ),
            Step(Add(sigmoid(u), -p, evaluate=False), rule="recognise σ"),
        ),
        facts=(
            Step(-p * u + softplus(u), lhs=loss, rule="stable form: log(1+e^u) = softplus(u)"),
            Step(
                Mul(sigmoid(u), 1 - sigmoid(u), evaluate=False),
                lhs=Derivative(loss, (u, 2)),
                rule="differentiate again: L'' = σ(1 − σ) > 0, L is strictly convex in u",
            ),
            Step(
                S.Zero,
                lhs=Subs(Derivative(loss, u), u, log(p / (1 - p))),
                rule="L' = 0 exactly where σ(u) = p, i.e. u = log(p/(1 − p)), 0 < p < 1",
            ),
        ),
        notes=(
            "L'(u) = σ(u) − p is 0 exactly when the prediction σ(u) matches the label p.",
            "L''(u) = σ(u)(1 − σ(u)) > 0: the loss is strictly convex in the logit.",
        ),
    )
