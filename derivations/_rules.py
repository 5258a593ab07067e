"""The matchers of the stable rewrites (``derivations.rewrites`` holds the table of them).

Each function maps an expression to an equal one, by one exact identity, stated in its
docstring; ``rewrites.REWRITES`` names them, says why each helps, and composes them.
"""

from __future__ import annotations

from collections.abc import Callable

from sympy import (
    Add,
    Basic,
    Function,
    Mul,
    Pow,
    S,
    cancel,
    collect,
    exp,
    expand,
    log,
    powsimp,
    together,
)
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from derivations.functions import log_softmax, sigmoid, softmax, softplus


class softplus_affine(Function):
    """softplus(x) + a·x, a node that the printers evaluate branch by branch."""

    nargs = 2

    def _eval_rewrite_as_exp(self, x, a, **kwargs):
        return log(1 + exp(x)) + a * x


def _is_one_plus_exp(e: Basic) -> bool:
    return (
        e.is_Add
        and len(e.args) == 2
        and S.One in e.args
        and any(isinstance(t, exp) for t in e.args)
    )


def sigmoid_from_exp(expr: Basic) -> Basic:
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


def one_minus_sigmoid(expr: Basic) -> Basic:
    return expr.replace(
        lambda e: (
            e.is_Add
            and len(e.args) == 2
            and S.One in e.args
            and any(isinstance(-t, sigmoid) for t in e.args)
        ),
        lambda e: sigmoid(-next(-t for t in e.args if isinstance(-t, sigmoid)).args[0]),
    )


# σ(x)^n for a whole n in 2..4 stays a product: σ is within about 1.5 ulp, each product adds
# 1/2, so σ^n is within 7.5 ulp, and it leaves the normal range only where σ(x)^n itself does.
# exp(−n·softplus(−x)) would be within |n·softplus(−x)|·ε/2 (the rounding of the exponent,
# scaled by exp), up to 350 ulp near underflow in float64: worse, for no gain in range.
PRODUCT_POWERS = (2, 3, 4)


def _power_log(e: Basic) -> Basic | None:
    """log of σ(x)^q = −q·softplus(−x) when e is such a power to rewrite, else None."""
    if not (e.is_Pow and isinstance(e.base, sigmoid)) or e.exp in PRODUCT_POWERS:
        return None
    if e.base.args[0].is_real is False:
        return None
    # over one denominator: 1 − 1/a rounds 1/a first, and the rounding is scaled by softplus,
    # up to 1e4 (5000 ulp at a = 1.001); (a − 1)/a of exact inputs is within 1 ulp
    return -together(e.exp) * softplus(-e.base.args[0])


def sigmoid_powers(expr: Basic) -> Basic:
    """σ(x)^q → e^{−q·softplus(−x)}; in a product, every such power in one exp of the sum."""
    expr = expr.replace(lambda e: _power_log(e) is not None, lambda e: exp(_power_log(e)))

    def exponent(f: Basic) -> Basic | None:
        return f.args[0] if isinstance(f, exp) and f.args[0].has(softplus) else None

    def merge(e: Mul) -> Basic:
        exponents = [exponent(f) for f in e.args]
        if sum(x is not None for x in exponents) < 2:
            return e
        kept = [f for f, x in zip(e.args, exponents, strict=True) if x is None]
        return Mul(*kept) * exp(Add(*[x for x in exponents if x is not None]))

    return expr.replace(lambda e: e.is_Mul, merge)


def power_difference(expr: Basic) -> Basic:
    """c·σ(x)^e − c·σ(x)^{e+1} = c·σ(x)^e·σ(−x), for two terms of a sum (e = 0: 1 − σ(x))."""

    def pair(e: Add) -> Basic:
        terms = list(e.args)
        for first in terms:
            for second in terms:
                ratio = powsimp(-second / first) if second is not first else None
                if isinstance(ratio, sigmoid):
                    rest = [r for r in terms if r is not first and r is not second]
                    return Add(*rest, first * sigmoid(-ratio.args[0]))
        return e

    def has_sigmoid(e: Basic) -> bool:
        return e.is_Add and not getattr(e, "is_Matrix", False) and e.has(sigmoid)

    return expr.replace(has_sigmoid, pair)


def sigmoid_into_sums(expr: Basic) -> Basic:
    """σ(x)·(… + σ(x)^q …) = … + σ(x)^{1+q} …: the σ factors of a product distributed over
    a sum that holds a power of σ of the same argument (or its negation)."""

    def arguments(e: Basic) -> set[Basic]:
        found = {f.base.args[0] for f in e.atoms(Pow) if isinstance(f.base, sigmoid)}
        return found | {-x for x in found}

    def is_sigmoid(f: Basic) -> bool:
        return isinstance(f, sigmoid) or (f.is_Pow and isinstance(f.base, sigmoid))

    def distribute(e: Mul) -> Basic:
        sigmas = [f for f in e.args if is_sigmoid(f)]
        for s in e.args:
            bases = {(f.base if f.is_Pow else f).args[0] for f in sigmas}
            if s.is_Add and bases & arguments(s):
                rest = [f for f in e.args if f is not s and f not in sigmas]
                terms = [powsimp(Mul(*sigmas) * t, combine="exp") for t in s.args]
                return Mul(*rest) * Add(*terms)
        return e

    return expr.replace(lambda e: e.is_Mul, distribute)


def log_sigmoid(expr: Basic) -> Basic:
    return expr.replace(
        lambda e: isinstance(e, log) and isinstance(e.args[0], sigmoid),
        lambda e: -softplus(-e.args[0].args[0]),
    )


def log_one_plus_exp(expr: Basic) -> Basic:
    return expr.replace(
        lambda e: isinstance(e, log) and _is_one_plus_exp(e.args[0]),
        lambda e: softplus(next(t for t in e.args[0].args if isinstance(t, exp)).args[0]),
    )


def scalar_sums(transform: Callable[[Basic], Basic]) -> Callable[[Basic], Basic]:
    """Apply ``transform`` to every scalar sum in an expression (matrix ones excluded)."""

    def apply(expr: Basic) -> Basic:
        return expr.replace(lambda e: e.is_Add and not getattr(e, "is_Matrix", False), transform)

    return apply


def _linear_softplus(term: Basic) -> Basic | None:
    """The softplus(x) of a term c·softplus(x) with c free of x's symbols, else None."""
    coefficient, rest = term.as_independent(softplus, as_Add=False)
    if isinstance(rest, softplus) and not coefficient.free_symbols & rest.free_symbols:
        return rest
    return None


def reflect_softplus(expr: Basic) -> Basic:
    """Among the terms c·softplus(±x): softplus(−x) = softplus(x) − x, then collected.  Terms
    holding softplus otherwise (inside an exp, times σ) are left as they are: expanding them
    would split e^{a+b} into e^{a}·e^{b}, and x·σ(…)² − softplus(x)·σ(…)² cancels."""
    linear = {t: _linear_softplus(t) for t in expr.args}
    atoms = {a for a in linear.values() if a is not None}
    mirrored = {
        a for a in atoms if softplus(-a.args[0]) in atoms and a.args[0].could_extract_minus_sign()
    }
    if not mirrored:
        return expr
    kept = [t for t, a in linear.items() if a is None and t.has(softplus)]
    touched = Add(*[t for t in expr.args if t not in kept])
    touched = touched.xreplace({a: softplus(-a.args[0]) + a.args[0] for a in mirrored})
    keep = sorted(touched.atoms(softplus), key=str)
    return collect(expand(touched), keep, evaluate=True) + Add(*kept)


def _slope(others: Basic, x: Basic) -> Basic:
    """The a with others = a·x + (terms free of x), or 0 if there is none."""
    if x.is_Symbol:
        return expand(others).coeff(x)
    slope = cancel(others / x)  # a compound x (b + wᵀx): the rest must be proportional to it
    return slope if not slope.free_symbols & x.free_symbols else S.Zero


def absorb_linear_terms(expr: Basic) -> Basic:
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


def log_of_softmax(expr: Basic) -> Basic:
    def is_log_of_softmax(e: Basic) -> bool:
        if not isinstance(e, ElementwiseApplyFunction) or not isinstance(e.expr, softmax):
            return False
        (variable,), body = e.function.variables, e.function.expr
        return body == log(variable)

    return expr.replace(is_log_of_softmax, lambda e: log_softmax(e.expr.args[0]))


__all__ = [
    "PRODUCT_POWERS",
    "absorb_linear_terms",
    "log_of_softmax",
    "log_one_plus_exp",
    "log_sigmoid",
    "one_minus_sigmoid",
    "power_difference",
    "reflect_softplus",
    "scalar_sums",
    "sigmoid_from_exp",
    "sigmoid_into_sums",
    "sigmoid_powers",
    "softplus_affine",
]
