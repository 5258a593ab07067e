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
    """A named exact identity, ``identity`` as a derivation's step shows it, applied for
    numerical stability (``why``) by ``apply``."""

    name: str
    identity: str
    apply: Callable[[Basic], Basic]
    why: str


LOG_OF_SIGMOID = Rewrite(
    "log of sigmoid",
    "log σ(x) = −softplus(−x)",
    log_sigmoid,
    "σ(x) underflows to 0 for x ≲ −745",
)
ONE_MINUS_SIGMOID = Rewrite(
    "one minus sigmoid",
    "1 − σ(x) = σ(−x)",
    one_minus_sigmoid,
    "1 − σ(x) rounds to 0 for x ≳ 37",
)
LOG_ONE_PLUS_EXP = Rewrite(
    "log one plus exp",
    "log(1 + e^x) = softplus(x)",
    log_one_plus_exp,
    "e^x overflows for x ≳ 709",
)
SIGMOID_FROM_EXP = Rewrite(
    "sigmoid from exp",
    "1/(1 + e^a) = σ(−a), e^a·σ(−a) = σ(a)",
    sigmoid_from_exp,
    "e^a overflows for a ≳ 709",
)
SIGMOID_POWER_DIFFERENCE = Rewrite(
    "sigmoid power difference",
    "σ(x)^e − σ(x)^(e + 1) = σ(x)^e·σ(−x)",
    power_difference,
    "σ(x)^e − σ(x)^{e+1} cancels for x ≳ 37 (float64), σ(x)^e·σ(−x) does not",
)
SIGMOID_INTO_SUMS = Rewrite(
    "sigmoid into sums",
    "σ(x)·(a + σ(x)^q) = σ(x)·a + σ(x)^(1 + q)",
    sigmoid_into_sums,
    "σ(x)·σ(x)^{−q} is inf·0 where σ(x)^{1−q} is a number",
)
POWER_OF_SIGMOID = Rewrite(
    "power of sigmoid",
    "σ(x)^q = e^(−q·softplus(−x))",
    sigmoid_powers,
    "σ(x)^q is 0 where σ(x) underflows (x ≲ −87 in float32) but σ(x)^q need not",
)
SOFTPLUS_REFLECTION = Rewrite(
    "softplus reflection",
    "softplus(−x) = softplus(x) − x",
    scalar_sums(reflect_softplus),
    "merges p·softplus(−u) + (1−p)·softplus(u)",
)
SOFTPLUS_PLUS_LINEAR = Rewrite(
    "softplus plus linear",
    "softplus(x) + a·x = softplus_affine(x, a)",
    scalar_sums(absorb_linear_terms),
    "a·x + softplus(x) cancels for a ≈ −1",
)
LOG_OF_SOFTMAX = Rewrite(
    "log of softmax",
    "log softmax(z) = z − max z − log Σ e^(z − max z)",
    log_of_softmax,
    "log(softmax(z)) is −inf where e^z underflows",
)

# The subsets, composed as sympy.codegen.rewriting composes optims_c99 and optims_numpy.
# RECOGNITION: what a derivation's "stable form" step applies (derivations.user).
RECOGNITION: tuple[Rewrite, ...] = (LOG_OF_SIGMOID, ONE_MINUS_SIGMOID, LOG_ONE_PLUS_EXP)
# EMISSION: what the emitted code is written from (bce_check.emit), in this order.
EMISSION: tuple[Rewrite, ...] = (
    *RECOGNITION,
    SIGMOID_FROM_EXP,
    SIGMOID_POWER_DIFFERENCE,
    SIGMOID_INTO_SUMS,
    POWER_OF_SIGMOID,
    SOFTPLUS_REFLECTION,
    SOFTPLUS_PLUS_LINEAR,
    LOG_OF_SOFTMAX,
)
REWRITES = EMISSION  # every entry of the table: each subset is drawn from these


def stable_form(expr: Basic, rules: tuple[Rewrite, ...] = EMISSION) -> Basic:
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


__all__ = [
    "EMISSION",
    "PRODUCT_POWERS",
    "RECOGNITION",
    "REWRITES",
    "Rewrite",
    "softplus_affine",
    "stable_form",
]
