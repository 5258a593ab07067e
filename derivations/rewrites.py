"""Numerically stable rewrites of closed forms, as a table of named rules.

Each rule maps an expression to an equal one that evaluates better in floating
point; ``stable_form`` applies the table until nothing changes.  The rules are
exact identities (tests check each one with the proof engine's equality check):

====================  ==========================================  ===========================
rule                  identity                                    why
====================  ==========================================  ===========================
sigmoid from exp      1/(1 + e^{a}) = σ(−a),  e^{a}·σ(−a) = σ(a)  e^{a} overflows, a ≳ 709
one minus sigmoid     1 − σ(x) = σ(−x)                            1 − σ(40) = 0 in float64
sigmoid power diff.   σ(x)^e − σ(x)^{e+1} = σ(x)^e·σ(−x)          the same, times σ(x)^e
sigmoid into sums     σ(x)·(… + σ(x)^q) = … + σ(x)^{1+q}          inf·0 where σ(x) → 0, q < 0
power of sigmoid      σ(x)^q = e^{−q·softplus(−x)}, one exp for   σ(x)^q = 0 where σ(x)
                      a product of such powers                    underflows (x ≲ −87, float32)
log of sigmoid        log σ(x) = −softplus(−x)                    log(0) at x ≲ −745
log one plus exp      log(1 + e^{x}) = softplus(x)                overflow at x ≳ 709
softplus reflection   softplus(−x) = softplus(x) − x, collected   merges the two BCE terms
softplus plus linear  softplus(x) + a·x = softplus_affine(x, a)   keeps every term ≥ 0
log of softmax        log softmax(z) = z − max z − log Σ e^{z−max}  no log of an underflow
====================  ==========================================  ===========================

``softplus_affine(x, a)`` is evaluated as (1 + a)·x + log1p(e^{−x}) for x ≥ 0 and
a·x + log1p(e^{x}) for x < 0: for a = −p with p in [0, 1] every term is ≥ 0, so
nothing cancels (the common max(x, 0) − p·x + log1p(e^{−|x|}) loses up to 5·10⁵
ulp for p near 1, see bench/accuracy.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sympy import Basic, Derivative, Subs, UnevaluatedExpr

from derivations._rules import (
    PRODUCT_POWERS,
    absorb_linear_terms,
    log_of_softmax,
    log_one_plus_exp,
    log_sigmoid,
    one_minus_sigmoid,
    power_difference,
    reflect_softplus,
    scalar_sums,
    sigmoid_from_exp,
    sigmoid_into_sums,
    sigmoid_powers,
    softplus_affine,
)


@dataclass(frozen=True)
class Rewrite:
    """A named exact identity applied for numerical stability."""

    name: str
    apply: Callable[[Basic], Basic]
    why: str


REWRITES: tuple[Rewrite, ...] = (
    Rewrite("sigmoid from exp", sigmoid_from_exp, "e^a overflows for a ≳ 709"),
    Rewrite("one minus sigmoid", one_minus_sigmoid, "1 − σ(x) rounds to 0 for x ≳ 37"),
    Rewrite(
        "sigmoid power difference",
        power_difference,
        "σ(x)^e − σ(x)^{e+1} cancels for x ≳ 37 (float64), σ(x)^e·σ(−x) does not",
    ),
    Rewrite(
        "sigmoid into sums",
        sigmoid_into_sums,
        "σ(x)·σ(x)^{−q} is inf·0 where σ(x)^{1−q} is a number",
    ),
    Rewrite(
        "power of sigmoid",
        sigmoid_powers,
        "σ(x)^q is 0 where σ(x) underflows (x ≲ −87 in float32) but σ(x)^q need not",
    ),
    Rewrite("log of sigmoid", log_sigmoid, "σ(x) underflows to 0 for x ≲ −745"),
    Rewrite("log one plus exp", log_one_plus_exp, "e^x overflows for x ≳ 709"),
    Rewrite(
        "softplus reflection",
        scalar_sums(reflect_softplus),
        "merges p·softplus(−u) + (1−p)·softplus(u)",
    ),
    Rewrite(
        "softplus plus linear",
        scalar_sums(absorb_linear_terms),
        "a·x + softplus(x) cancels for a ≈ −1",
    ),
    Rewrite("log of softmax", log_of_softmax, "log(softmax(z)) is −inf where e^z underflows"),
)


def stable_form(expr: Basic, rules: tuple[Rewrite, ...] = REWRITES) -> Basic:
    """Apply the rules in order, repeatedly, until the expression stops changing."""
    if expr.has(Derivative, Subs, UnevaluatedExpr):
        expr = expr.doit()  # otherwise keep the derivation's own order of terms
    for _ in range(10):
        before = expr
        for rule in rules:
            expr = rule.apply(expr)
        if expr == before:
            return expr
    return expr


__all__ = ["PRODUCT_POWERS", "REWRITES", "Rewrite", "softplus_affine", "stable_form"]
