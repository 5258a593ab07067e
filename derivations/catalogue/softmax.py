"""D6 softmax_cross_entropy: ∂CE/∂z = softmax(z) − y, and K = 2 gives back BCE.

Follows docs/algebra.md D6: softmax s_i = e^{z_i}/Σ_k e^{z_k}, its Jacobian by the quotient
rule, cross-entropy against a label y on the probability simplex (entries ≥ 0,
Σ_k y_k = 1: ``sets.SIMPLEX``), its log-sum-exp form, its gradient, and the reduction
at K = 2 to D2's binary cross-entropy with u = z_1 − z_0 and p = y_1, proved as an
equality (the last two lines hold at K = 2 only, and are checked there).

Why written out: the lines are in index form over K classes (Σ_k, ∂s_i/∂z_j); SymPy
differentiates sums over a symbolic K by z_j into sums of Kronecker deltas that the
checker's strategies do not reduce to 0, so every line is written out and proved at
K = 2 and K = 3, for every i and j (``_matrix.py``).  Σ_k y_k = 1 is used as SIMPLEX
writes it: y_{K−1} = 1 − Σ_{k<K−1} y_k.
"""

from __future__ import annotations

from sympy import (
    Add,
    Derivative,
    DiagMatrix,
    KroneckerDelta,
    MatAdd,
    MatMul,
    MatrixSymbol,
    Mul,
    Range,
    S,
    Subs,
    Sum,
    Symbol,
    Transpose,
    exp,
    log,
)

from derivations.catalogue import bce
from derivations.functions import sigmoid, softmax
from derivations.proof import ClosedForm, Derivation, MatrixDerivative, Step
from derivations.sets import SIMPLEX


def derive() -> Derivation:
    K = Symbol("K", integer=True, positive=True)  # the number of classes
    i, j, k = (Symbol(name, integer=True) for name in "ijk")
    z, y = MatrixSymbol("z", K, 1), MatrixSymbol("y", K, 1)  # logits; label on the simplex
    s, ce = MatrixSymbol("s", K, 1), Symbol("CE")  # s = softmax(z)
    classes = (k, 0, K - 1)
    binary = bce.derive()  # D2: L(u) = −p·log σ(u) − (1 − p)·log(1 − σ(u))
    u, p = binary.arguments

    def d(f, v):
        return Derivative(f, v, evaluate=False)

    return Derivation(
        name="softmax_cross_entropy",
        title="∂CE/∂z = softmax(z) − y",
        source="docs/algebra.md D6 (article on logistic regression and cross-entropy)",
        domains={z: S.Reals, y: SIMPLEX, i: Range(K), j: Range(K)},
        arguments=(z, y),
        abbreviations={s: softmax(z)},
        shapes=({K: 2}, {K: 3}),
        wrt=(z,),
        scale=S.One,  # |s_j − y_j| ≤ 1: both lie in [0, 1]
        steps=(
            Step(exp(z[i, 0]) / Sum(exp(z[k, 0]), classes), lhs=s[i, 0], rule="softmax, K classes"),
            Step(
                Mul(s[i, 0], Add(KroneckerDelta(i, j), -s[j, 0], evaluate=False), evaluate=False),
                lhs=d(s[i, 0], z[j, 0]),
                rule="quotient rule",
            ),
            Step(
                MatAdd(DiagMatrix(s), MatMul(-1, s, Transpose(s))),
                lhs=MatrixDerivative(s, z),
                rule="stack over i, j",
            ),
            Step(
                Mul(-1, Sum(y[k, 0] * log(s[k, 0]), classes)),
                lhs=ce,
                rule="cross-entropy, with Σ_k y_k = 1",
            ),
            Step(
                Add(-Sum(y[k, 0] * z[k, 0], classes), log(Sum(exp(z[k, 0]), classes))),
                rule="log of a quotient, Σ_k y_k = 1",
            ),
            Step(
                Add(s[j, 0], -y[j, 0], evaluate=False),
                lhs=d(ce, z[j, 0]),
                via=(Add(-y[j, 0], exp(z[j, 0]) / Sum(exp(z[k, 0]), classes), evaluate=False),),
                rule="differentiate log-sum-exp",
            ),
            Step(MatAdd(softmax(z), -y), lhs=MatrixDerivative(ce, z), rule="stack over j"),
            Step(
                sigmoid(Add(z[1, 0], -z[0, 0], evaluate=False)),
                lhs=s[1, 0],
                shapes=({K: 2},),
                rule="K = 2: s_1 = e^z_1/(e^z_0 + e^z_1) = σ(z_1 − z_0)",
            ),
            Step(
                Subs(binary.definition, (u, p), (Add(z[1, 0], -z[0, 0], evaluate=False), y[1, 0])),
                lhs=ce,
                shapes=({K: 2},),
                rule="K = 2: CE is BCE (D2) with u = z_1 − z_0, p = y_1",
            ),
        ),
        closed_forms=(
            ClosedForm(
                lhs=MatrixDerivative(ce, z),
                rhs=MatAdd(softmax(z), -y),
                function=MatMul(-1, Transpose(y), softmax(z).applyfunc(log)),
                wrt=(z,),
            ),
            ClosedForm(
                lhs=MatrixDerivative(s, z),
                rhs=MatAdd(DiagMatrix(softmax(z)), MatMul(-1, softmax(z), Transpose(softmax(z)))),
                function=softmax(z),
                wrt=(z,),
                suffix="jacobian",
                scale=S.One,  # entries s_i(δ_ij − s_j): terms s_i and s_i·s_j, each ≤ 1
            ),
        ),
        notes=(
            "softmax(z) − y is the prediction error again: D4's ŷ − y for K classes.",
            "At K = 2, softmax's second entry is σ(z_1 − z_0) and CE is D2's L(u) with "
            "u = z_1 − z_0, p = y_1 (lines 8 and 9, proved at K = 2): binary cross-entropy "
            "is the two-class case of softmax cross-entropy.",
            "Every line is written out and proved at K = 2 and K = 3, for every i and j: "
            "differentiated by z_j, sums over a symbolic K come out as sums of Kronecker deltas "
            "that the checker's strategies do not reduce to 0.",
        ),
    )
