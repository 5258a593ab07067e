"""D3 bce_from_likelihood: binary cross-entropy is the Bernoulli negative log-likelihood.

Follows docs/algebra.md D3: the Bernoulli model of one label, −log of it (the loss of one
example, the closed form), the likelihood of N i.i.d. examples, its log, and BCE as
the negative mean.  The lines about N examples (a product and sums over i) are checked
by writing them out at N = 3 and N = 2 (``_matrix.py``): SymPy does not expand the log
of a product of symbolic length, so those lines are proved at these N; what each term
of the sum is, the per-example identity, is proved for every ŷ and y.
"""

from __future__ import annotations

from sympy import (
    Abs,
    Add,
    FiniteSet,
    Function,
    Interval,
    MatrixSymbol,
    Mul,
    Product,
    Subs,
    Sum,
    Symbol,
    log,
)

from derivations.proof import ClosedForm, Derivation, Step


def derive() -> Derivation:
    yhat = Symbol("yhat", positive=True)  # ŷ = σ(z), the predicted probability of y = 1
    y = Symbol("y", real=True)  # the label, 0 or 1
    n_examples, i = Symbol("N", integer=True, positive=True), Symbol("i", integer=True)
    yhats, ys = MatrixSymbol("yhat", n_examples, 1), MatrixSymbol("y", n_examples, 1)
    probability = Function("P")
    likelihood, log_likelihood, bce = Symbol("likelihood"), Symbol("LL"), Symbol("BCE")

    def bernoulli(y, yhat):  # ŷ^y·(1 − ŷ)^(1 − y), as written
        return Mul(yhat**y, (1 - yhat) ** (1 - y), evaluate=False)

    def log_likelihood_of(y, yhat):  # y·log ŷ + (1 − y)·log(1 − ŷ), as written
        return Add(Mul(y, log(yhat)), Mul(1 - y, log(1 - yhat)), evaluate=False)

    def minus(x):  # −(…), kept as one bracket
        return Mul(-1, x, evaluate=False)

    yhat_i, y_i = yhats[i, 0], ys[i, 0]
    examples = (i, 0, n_examples - 1)
    return Derivation(
        name="bce_from_likelihood",
        title="BCE = −(1/N)·Σ log P(y_i | ŷ_i), P(y | ŷ) = ŷ^y·(1 − ŷ)^(1 − y)",
        source="docs/algebra.md D3 (study note on BCE from maximum likelihood)",
        domains={
            yhat: Interval.open(0, 1),
            y: FiniteSet(0, 1),
            yhats: Interval.open(0, 1),
            ys: FiniteSet(0, 1),
        },
        arguments=(yhat, y),
        shapes=({n_examples: 3}, {n_examples: 2}),
        steps=(
            Step(
                bernoulli(y, yhat),
                lhs=probability(y, yhat),
                rule="Bernoulli model, ŷ = σ(z), y ∈ {0, 1}",
            ),
            Step(
                minus(log_likelihood_of(y, yhat)),
                lhs=-log(probability(y, yhat)),
                via=(-log(bernoulli(y, yhat)),),
                rule="log of a product of powers",
            ),
            Step(
                Product(bernoulli(y_i, yhat_i), examples),
                lhs=likelihood,
                rule="i.i.d. examples: the product of P(y_i, ŷ_i)",
            ),
            Step(
                Sum(log_likelihood_of(y_i, yhat_i), examples),
                lhs=log_likelihood,
                via=(log(likelihood),),
                rule="log turns the product into a sum",
            ),
            Step(
                Mul(-1, 1 / n_examples, Sum(log_likelihood_of(y_i, yhat_i), examples)),
                lhs=bce,
                via=(-log_likelihood / n_examples,),
                rule="minimise the negative mean",
            ),
            Step(
                Mul(1 / n_examples, Sum(minus(log_likelihood_of(y_i, yhat_i)), examples)),
                rule="the mean of the loss of one example (line 2)",
            ),
        ),
        facts=(
            Step(-log(yhat), lhs=Subs(-log(probability(y, yhat)), y, 1), rule="y = 1 selects ŷ"),
            Step(
                -log(1 - yhat),
                lhs=Subs(-log(probability(y, yhat)), y, 0),
                rule="y = 0 selects 1 − ŷ",
            ),
        ),
        closed_forms=(
            ClosedForm(
                lhs=-log(probability(y, yhat)),
                rhs=minus(log_likelihood_of(y, yhat)),
                function=-log(bernoulli(y, yhat)),
                scale=Abs(y * log(yhat)) + Abs((1 - y) * log(1 - yhat)),  # the two terms
            ),
        ),
        scale=Abs(y * log(yhat)) + Abs((1 - y) * log(1 - yhat)),
        notes=(
            "Minimising BCE is maximising the likelihood of the labels under the Bernoulli "
            "model: BCE = −(1/N)·log(likelihood).",
            "The lines over N examples are written out and proved at N = 3 and N = 2; the "
            "per-example identity they repeat (line 2) is proved for every ŷ ∈ (0, 1).",
        ),
    )
