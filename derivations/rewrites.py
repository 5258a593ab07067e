"""Numerically stable rewrites of closed forms, as a table of named rules.

Each rule maps an expression to an equal one that evaluates better in floating
point; ``stable_form`` applies the table until nothing changes.  The rules are
exact identities (tests check each one with the proof engine's equality check):

====================  ==========================================  ===========================
rule                  identity                                    why
====================  ==========================================  ===========================
sigmoid from exp      1/(1 + e^{a}) = σ(−a),  e^{a}·σ(−a) = σ(a)  e^{a} overflows, a ≳ 709
one minus sigmoid     1 − σ(x) = σ(−x)                            1 − σ(40) = 0 in float64
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

from sympy import (
    Add,
    Basic,
    Derivative,
    Function,
    Mul,
    S,
    Subs,
    UnevaluatedExpr,
    cancel,
    collect,
    exp,
    expand,
    log,
)
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from derivations.functions import log_softmax, sigmoid, softmax, softplus


class softplus_affine(Function):
    """softplus(x) + a·x, a node that the printers evaluate branch by branch."""

    nargs = 2

    def _eval_rewrite_as_exp(self, x, a, **kwargs):
        return log(1 + exp(x)) + a * x


@dataclass(frozen=True)
class Rewrite:
    """A named exact identity applied for numerical stability."""

    name: str
    apply: Callable[[Basic], Basic]
    why: str


def _is_one_plus_exp(e: Basic) -> bool:
    return (
        e.is_Add
        and len(e.args) == 2
        and S.One in e.args
        and any(isinstance(t, exp) for t in e.args)
    )


def _sigmoid_from_exp(expr: Basic) -> Basic:
    def exp_arg(base: Basic) -> Basic:
        return next(t for t in base.args if isinstance(t, exp)).args[0]

    expr = expr.replace(
        lambda e: e.is_Pow and e.exp == -1 and _is_one_plus_exp(e.base),
        lambda e: sigmoid(-exp_arg(e.base)),
    )

    def merge(e: Mul) -> Basic:
        factors = list(e.args)
        for f in factors:
            if isinstance(f, exp) and sigmoid(-f.args[0]) in factors:
                factors.remove(f)
                factors.remove(sigmoid(-f.args[0]))
                return Mul(*factors) * sigmoid(f.args[0])
        return e

    return expr.replace(lambda e: e.is_Mul, merge)


def _one_minus_sigmoid(expr: Basic) -> Basic:
    return expr.replace(
        lambda e: (
            e.is_Add
            and len(e.args) == 2
            and S.One in e.args
            and any(isinstance(-t, sigmoid) for t in e.args)
        ),
        lambda e: sigmoid(-next(-t for t in e.args if isinstance(-t, sigmoid)).args[0]),
    )


def _log_sigmoid(expr: Basic) -> Basic:
    return expr.replace(
        lambda e: isinstance(e, log) and isinstance(e.args[0], sigmoid),
        lambda e: -softplus(-e.args[0].args[0]),
    )


def _log_one_plus_exp(expr: Basic) -> Basic:
    return expr.replace(
        lambda e: isinstance(e, log) and _is_one_plus_exp(e.args[0]),
        lambda e: softplus(next(t for t in e.args[0].args if isinstance(t, exp)).args[0]),
    )


def _scalar_sums(transform: Callable[[Basic], Basic]) -> Callable[[Basic], Basic]:
    """Apply ``transform`` to every scalar sum in an expression (matrix ones excluded)."""

    def apply(expr: Basic) -> Basic:
        return expr.replace(lambda e: e.is_Add and not getattr(e, "is_Matrix", False), transform)

    return apply


def _reflect_softplus(expr: Basic) -> Basic:
    atoms = expr.atoms(softplus)
    mirrored = {
        a for a in atoms if softplus(-a.args[0]) in atoms and a.args[0].could_extract_minus_sign()
    }
    if not mirrored:
        return expr
    expr = expr.xreplace({a: softplus(-a.args[0]) + a.args[0] for a in mirrored})
    keep = sorted(expr.atoms(softplus), key=str)
    return collect(expand(expr), keep, evaluate=True)


def _slope(others: Basic, x: Basic) -> Basic:
    """The a with others = a·x + (terms free of x), or 0 if there is none."""
    if x.is_Symbol:
        return expand(others).coeff(x)
    slope = cancel(others / x)  # a compound x (b + wᵀx): the rest must be proportional to it
    return slope if not slope.free_symbols & x.free_symbols else S.Zero


def _absorb_linear_terms(expr: Basic) -> Basic:
    for term in expr.args:
        coefficient, rest = term.as_independent(softplus, as_Add=False)
        if not isinstance(rest, softplus) or coefficient.has(rest.args[0]):
            continue
        x = rest.args[0]
        others = Add(*[t for t in expr.args if t is not term])
        slope = _slope(others, x)
        if slope == 0 or slope.has(x) or slope.free_symbols & x.free_symbols:
            continue
        remainder = expand(others - slope * x)
        return coefficient * softplus_affine(x, slope / coefficient) + remainder
    return expr


def _log_of_softmax(expr: Basic) -> Basic:
    def is_log_of_softmax(e: Basic) -> bool:
        if not isinstance(e, ElementwiseApplyFunction) or not isinstance(e.expr, softmax):
            return False
        (variable,), body = e.function.variables, e.function.expr
        return body == log(variable)

    return expr.replace(is_log_of_softmax, lambda e: log_softmax(e.expr.args[0]))


REWRITES: tuple[Rewrite, ...] = (
    Rewrite("sigmoid from exp", _sigmoid_from_exp, "e^a overflows for a ≳ 709"),
    Rewrite("one minus sigmoid", _one_minus_sigmoid, "1 − σ(x) rounds to 0 for x ≳ 37"),
    Rewrite("log of sigmoid", _log_sigmoid, "σ(x) underflows to 0 for x ≲ −745"),
    Rewrite("log one plus exp", _log_one_plus_exp, "e^x overflows for x ≳ 709"),
    Rewrite(
        "softplus reflection",
        _scalar_sums(_reflect_softplus),
        "merges p·softplus(−u) + (1−p)·softplus(u)",
    ),
    Rewrite(
        "softplus plus linear",
        _scalar_sums(_absorb_linear_terms),
        "a·x + softplus(x) cancels for a ≈ −1",
    ),
    Rewrite("log of softmax", _log_of_softmax, "log(softmax(z)) is −inf where e^z underflows"),
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


__all__ = ["REWRITES", "Rewrite", "softplus_affine", "stable_form"]
