"""D1 sigmoid_derivative: σ'(z) = σ(z)(1 − σ(z)), derived from σ(z) = 1/(1 + e^{−z}).

Follows docs/algebra.md D1 line for line.  The derivative is taken of the exp form
(power rule and chain rule on (1 + e^{−z})^{−1}); σ's own derivative rule in
``functions.py`` is the theorem this module proves, never an input to it.
"""

from __future__ import annotations

from sympy import Derivative, Integer, Interval, Limit, Mul, Pow, S, Subs, Symbol, exp, oo
from sympy import UnevaluatedExpr as U

from derivations.functions import sigmoid
from derivations.proof import Derivation, Step


def derive() -> Derivation:
    z = Symbol("z", real=True)
    s = sigmoid(z)
    return Derivation(
        name="sigmoid_derivative",
        title="σ'(z) = σ(z)(1 − σ(z))",
        source="docs/algebra.md D1 (Q&A answer on dBCE/du; study note on the sigmoid derivative)",
        domains={z: S.Reals},
        wrt=(z,),
        scale=S.One,  # σ' = σ·(1 − σ) is made of σ and 1 − σ, each at most 1 (σ' itself ≤ 1/4)
        steps=(
            Step(1 / (1 + exp(-z)), lhs=s, rule="definition"),
            Step(exp(z) / (1 + exp(z)), rule="multiply by e^z/e^z"),
            Step(exp(-z) / (1 + exp(-z)), lhs=1 - s, rule="common denominator"),
            Step(
                Mul(U(-1), U(Pow(1 + exp(-z), -2)), U(-exp(-z)), evaluate=False),
                lhs=Derivative(s, z),
                via=(Derivative(U(Pow(1 + exp(-z), -1)), z),),
                rule="power rule + chain rule",
            ),
            Step(exp(-z) / (1 + exp(-z)) ** 2, rule="simplify"),
            Step(
                Mul(U(1 / (1 + exp(-z))), U(exp(-z) / (1 + exp(-z))), evaluate=False),
                rule="factor",
            ),
            Step(Mul(s, 1 - s, evaluate=False), rule="substitute 1 and 3"),
        ),
        facts=(
            Step(1 - s, lhs=sigmoid(-z), rule="symmetry: σ(−z) = 1 − σ(z)"),
            Step(
                Integer(1) / 4,
                lhs=Subs(Derivative(s, z), z, 0),
                rule="slope at 0; it is the maximum, since σ'' changes sign only there",
            ),
            Step(
                Mul(s, 1 - s, 1 - 2 * s, evaluate=False),
                lhs=Derivative(s, (z, 2)),
                rule="differentiate again",
            ),
            Step(Integer(1), lhs=Limit(s, z, oo), rule="limit at +∞"),
            Step(Integer(0), lhs=Limit(s, z, -oo), rule="limit at −∞"),
        ),
        notes=(
            "σ' = σ(1 − σ) > 0 because 0 < σ < 1: σ is strictly increasing, from 0 to 1.",
            f"σ''(z) = 0 only where σ(z) = 1/2, i.e. z = 0, so σ'(0) = 1/4 is the maximum slope "
            f"(range of σ: {Interval.open(0, 1)}).",
        ),
    )
