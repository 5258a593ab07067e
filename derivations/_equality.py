"""Is a == b? Two independent witnesses: SymPy reducing a − b to 0, and mpmath at 60 digits.

The verdicts:

* ``proved``: the two sides agree numerically *and* one of the symbolic strategies
  below reduces their difference to exactly 0;
* ``numeric-only``: they agree to NUMERIC_DIGITS digits at NUMERIC_POINTS random
  points of the symbols' domains, but no strategy closed the difference;
* ``failed``: they disagree at some point (or cannot be evaluated at enough points).

Numeric evidence never yields ``proved``, and a symbolic zero that numerics
contradict (an assumption SymPy used that the domain does not grant) is ``failed``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import mpmath
from sympy import (
    Basic,
    FiniteSet,
    Interval,
    S,
    Symbol,
    cancel,
    count_ops,
    exp,
    expand,
    expand_log,
    factor,
    lambdify,
    log,
    simplify,
)
from sympy.matrices import MatrixBase

from .functions import to_exp_form

PROVED = "proved"
NUMERIC_ONLY = "numeric-only"
FAILED = "failed"

NUMERIC_POINTS = 20  # random points per equality: a wrong step is off almost everywhere
NUMERIC_DIGITS = 40  # agreement required, relative to the larger side
WORKING_DPS = 60  # 20 digits of headroom: cancellation at |x| <= 8 costs at most ~8 of them
REAL_RANGE = 8.0  # reals are drawn uniformly from [-8, 8], see WORKING_DPS
SIMPLIFY_MAX_OPS = 400  # simplify() is the slow last resort; skipped on larger differences


@dataclass(frozen=True)
class Check:
    """The outcome of checking one equality: a verdict and what established it."""

    verdict: str
    method: str


@dataclass(frozen=True)
class Strategy:
    """A named way to try to reduce a difference to 0 (rules as data)."""

    name: str
    apply: Callable[[Basic], Basic]


def _exp_as_positive_variable(d: Basic) -> Basic:
    """Write every e^{s} as a positive variable t, normalise logs, and cancel.

    Identities between the exp forms of σ and softplus become identities between
    rational functions of t (and logs of them), which cancel() decides.
    """
    symbols = sorted({s for e in d.atoms(exp) for s in e.free_symbols if s.is_real}, key=str)
    positives = {s: Symbol(f"_t_{s.name}", positive=True) for s in symbols}
    for s, t in positives.items():
        d = d.subs(exp(s), t)
    d = d.replace(lambda e: isinstance(e, log), lambda e: expand_log(log(factor(e.args[0]))))
    for s, t in positives.items():
        d = d.subs(t, exp(s))
    return cancel(expand(d))


STRATEGIES: tuple[Strategy, ...] = (
    Strategy("as written", lambda d: d),
    Strategy("cancel", cancel),
    Strategy("expand logs", lambda d: cancel(expand(expand_log(d)))),
    Strategy("exponentials as a positive variable", _exp_as_positive_variable),
    Strategy(
        "simplify",
        lambda d: simplify(d) if count_ops(d) <= SIMPLIFY_MAX_OPS else d,
    ),
)


def _elements(expr: Basic) -> list[Basic]:
    return list(expr) if isinstance(expr, MatrixBase) else [expr]


def symbolic_zero(difference: Basic) -> str | None:
    """The name of the first strategy that reduces every element to 0, or None."""
    elements = _elements(difference)
    for strategy in STRATEGIES:
        if all(strategy.apply(e) == 0 for e in elements):
            return strategy.name
    return None


def _sample(domain, rng: random.Random):
    if domain == S.Reals:
        return rng.uniform(-REAL_RANGE, REAL_RANGE)
    if isinstance(domain, Interval):
        lo = max(float(domain.start), -REAL_RANGE)
        hi = min(float(domain.end), REAL_RANGE)
        return rng.uniform(lo, hi)
    if isinstance(domain, FiniteSet):
        return rng.choice(sorted(domain, key=float))
    if domain in (S.Naturals, S.Naturals0):
        return rng.randint(1, 6)
    raise TypeError(f"cannot sample from domain {domain}")


def _value(x) -> mpmath.mpc:
    return mpmath.mpc(x) if not isinstance(x, mpmath.mpc) else x


def numeric_agreement(
    a: Basic, b: Basic, domains: Mapping[Symbol, object], seed: int
) -> tuple[bool, str]:
    """Evaluate both sides at random points with mpmath; (agree, description)."""
    symbols = sorted((a.free_symbols | b.free_symbols), key=str)
    missing = [s for s in symbols if s not in domains]
    if missing:
        raise ValueError(f"no domain declared for {', '.join(map(str, missing))}")
    left_elements, right_elements = _elements(a), _elements(b)
    both = lambdify(symbols, [*left_elements, *right_elements], modules="mpmath")
    split = len(left_elements)
    rng = random.Random(seed)
    tolerance = mpmath.mpf(10) ** (-NUMERIC_DIGITS)
    agreed = 0
    with mpmath.workdps(WORKING_DPS):
        for _ in range(3 * NUMERIC_POINTS):
            point = [_sample(domains[s], rng) for s in symbols]
            try:
                values = [_value(v) for v in both(*[mpmath.mpf(v) for v in point])]
            except (ZeroDivisionError, ValueError, OverflowError, TypeError):
                continue
            xs, ys = values[:split], values[split:]
            for x, y in zip(xs, ys, strict=True):
                if abs(x - y) > tolerance * max(abs(x), abs(y), mpmath.mpf(10) ** -10):
                    where = ", ".join(f"{s}={v:.6g}" for s, v in zip(symbols, point, strict=True))
                    values = f"{mpmath.nstr(x, 12)} vs {mpmath.nstr(y, 12)}"
                    return False, f"differs at {where}: {values}"
            agreed += 1
            if agreed == NUMERIC_POINTS:
                return True, f"agrees to {NUMERIC_DIGITS} digits at {agreed} random points"
    return False, f"could be evaluated at only {agreed} of {3 * NUMERIC_POINTS} random points"


def check_equal(a: Basic, b: Basic, domains: Mapping[Symbol, object], seed: int) -> Check:
    """Check a == b on the domains: numerics first (cheap, decisive against), then SymPy.

    σ and softplus are written in exp form first: the equality is about what they mean.
    """
    a, b = to_exp_form(a), to_exp_form(b)
    agree, description = numeric_agreement(a, b, domains, seed)
    if not agree:
        return Check(FAILED, description)
    strategy = symbolic_zero(a - b)
    if strategy is None:
        return Check(NUMERIC_ONLY, f"{description}; no SymPy strategy reduced the difference to 0")
    return Check(PROVED, strategy)
