"""Is a == b? Two independent witnesses: SymPy reducing a − b to 0, and mpmath at 60+ digits.

The verdicts (``_verdicts``):

* ``proved``: the two sides agree numerically *and* one of the symbolic strategies
  below reduces their difference to exactly 0;
* ``numeric-only``: they agree to NUMERIC_DIGITS digits at NUMERIC_POINTS random
  points of the symbols' domains (``_numeric``), but no strategy closed the difference;
* ``inconclusive``: the numeric witness did not settle within its budget of digits
  (the strategies are not tried: a symbolic zero is never taken on its own);
* ``failed``: they disagree at some point, with the values settled at two precisions
  (or cannot be evaluated at enough points).

Numeric evidence never yields ``proved``, and a symbolic zero that numerics
contradict (an assumption SymPy used that the domain does not grant) is ``failed``.

Both sides may be explicit matrices (``derivations.proof._matrix`` writes matrix expressions
out at small shapes): they are compared entry by entry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sympy import (
    Add,
    Basic,
    Dummy,
    Interval,
    Mul,
    Symbol,
    cancel,
    count_ops,
    exp,
    expand,
    expand_log,
    factor,
    fraction,
    log,
    simplify,
    together,
)
from sympy.matrices import ShapeError

from derivations.functions import to_exp_form
from derivations.proof._numeric import (
    NUMERIC_DIGITS,
    NUMERIC_POINTS,
    PRECISIONS,
    REAL_RANGE,
    RETRY_DPS,
    WORKING_DPS,
    _elements,
    numeric_agreement,
)
from derivations.proof._verdicts import (
    FAILED,
    INCONCLUSIVE,
    NUMERIC_ONLY,
    PROVED,
    Check,
    Verdict,
    worst,
)

SIMPLIFY_MAX_OPS = 400  # simplify() is the slow last resort; skipped on larger differences


@dataclass(frozen=True)
class Strategy:
    """A named way to try to reduce a difference to 0 (rules as data).

    ``apply(difference, domains)``: the domains let a strategy use what SymPy's
    assumptions cannot say (that a symbol lies in (0, 1)).
    """

    name: str
    apply: Callable[[Basic, Mapping], Basic]


def _expand_logs_of_factors(d: Basic) -> Basic:
    """Each log(a) as log(factor(a)) expanded: a quotient of positive factors splits."""
    return d.replace(lambda e: isinstance(e, log), lambda e: expand_log(log(factor(e.args[0]))))


def _exp_as_positive_variable(d: Basic, domains: Mapping | None = None) -> Basic:
    """Write every e^{s} as a positive variable t, normalise logs, and cancel.

    Identities between the exp forms of σ and softplus become identities between
    rational functions of t (and logs of them), which cancel() decides.
    """
    symbols = sorted({s for e in d.atoms(exp) for s in e.free_symbols if s.is_real}, key=str)
    positives = {s: Symbol(f"_t_{s.name}", positive=True) for s in symbols}
    for s, t in positives.items():
        d = d.subs(exp(s), t)
    d = _expand_logs_of_factors(d)
    for s, t in positives.items():
        d = d.subs(t, exp(s))
    return cancel(expand(d))


def _exponentials_as_positive_variables(
    d: Basic, domains: Mapping | None = None, split_sums: bool = False
) -> Basic:
    """Write each e^{c·g} (c a number, g any real argument) as t_g^c with t_g > 0.

    The general form of the strategy above, for exponents such as x_iᵀθ: the
    difference becomes a rational function of the t_g (log t_g is g again), and a
    rational function whose numerator expands to 0 is 0 whatever the t_g stand for.
    With ``split_sums``, e^{a + b} is first written e^a·e^b, so that e^{z_1 − z_0} and
    e^{z_0} share their variables (slower: more variables).
    """
    variables: dict[Basic, Dummy] = {}

    def power(argument: Basic) -> Basic:
        c, g = argument.as_content_primitive()  # −2a − 2b: (2, −a − b)
        if g.could_extract_minus_sign():
            c, g = -c, -g
        return variables.setdefault(g, Dummy("t", positive=True)) ** c

    def powers(argument: Basic) -> Basic:
        terms = Add.make_args(expand(argument)) if split_sums else (argument,)
        return Mul(*[power(term) for term in terms])

    if not all(e.args[0].is_real for e in d.atoms(exp)):
        return d
    d = _expand_logs_of_factors(
        d.replace(lambda e: isinstance(e, exp), lambda e: powers(e.args[0]))
    )
    numerator, _ = fraction(together(d.xreplace({log(t): g for g, t in variables.items()})))
    return expand(numerator)  # a quotient is 0 when its numerator is: no gcd needed


def _unit_interval_as_fraction(d: Basic, domains: Mapping) -> Basic:
    """Write each symbol whose domain lies in (0, 1) as t/(1 + t), t > 0, and cancel.

    Then x and 1 − x are both quotients of positive factors, so logs of products of
    their powers split (log(x^y·(1 − x)^(1 − y)) = y·log x + (1 − y)·log(1 − x)).
    """
    inside = [
        s
        for s in d.free_symbols
        if isinstance(domains.get(s), Interval) and domains[s].is_subset(Interval.open(0, 1))
    ]
    if not inside:
        return d
    fractions = {}
    for s in inside:
        t = Dummy("t", positive=True)
        fractions[s] = t / (1 + t)
    return cancel(expand(_expand_logs_of_factors(d.xreplace(fractions))))


STRATEGIES: tuple[Strategy, ...] = (
    Strategy("as written", lambda d, domains: d),
    Strategy("cancel", lambda d, domains: cancel(d)),
    Strategy("expand logs", lambda d, domains: cancel(expand(expand_log(d)))),
    Strategy("exponentials as a positive variable", _exp_as_positive_variable),
    Strategy(
        "exponentials of any argument as positive variables", _exponentials_as_positive_variables
    ),
    Strategy(
        "exponentials of each term as positive variables",
        lambda d, domains: _exponentials_as_positive_variables(d, domains, split_sums=True),
    ),
    Strategy("symbols in (0, 1) as t/(1 + t)", _unit_interval_as_fraction),
    Strategy(
        "simplify",
        lambda d, domains: simplify(d) if count_ops(d) <= SIMPLIFY_MAX_OPS else d,
    ),
)
# Explicit matrices (sums of σ of x_iᵀθ): the general exponential strategy decides them
# in a tenth of the time cancel() takes, so it is tried first there.
EXPLICIT_ORDER = (
    "as written",
    "exponentials of any argument as positive variables",
    "expand logs",
    "exponentials of each term as positive variables",
    "symbols in (0, 1) as t/(1 + t)",
    "cancel",
    "simplify",
)


def symbolic_zero(
    difference: Basic, domains: Mapping | None = None, order: tuple[str, ...] | None = None
) -> str | None:
    """The name of the first strategy that reduces every element to 0, or None.

    ``order`` names the strategies to try, in order (default: all of STRATEGIES).
    """
    elements = _elements(difference)
    by_name = {s.name: s for s in STRATEGIES}
    for name in order or by_name:
        if all(by_name[name].apply(e, domains or {}) == 0 for e in elements):
            return name
    return None


def check_equal(
    a: Basic,
    b: Basic,
    domains: Mapping[Symbol, object],
    seed: int,
    order: tuple[str, ...] | None = None,
) -> Check:
    """Check a == b on the domains: numerics first (cheap, decisive against), then SymPy.

    σ and softplus are written in exp form first: the equality is about what they mean.
    Matrices are compared entry by entry; matrices of different shapes are not equal.
    ``order`` names the symbolic strategies to try (default: all, in STRATEGIES' order).
    """
    a, b = to_exp_form(a), to_exp_form(b)
    shapes = [getattr(x, "shape", ()) for x in (a, b)]
    if shapes[0] != shapes[1]:
        shown = " vs ".join("×".join(map(str, s)) if s else "scalar" for s in shapes)
        return Check(FAILED, f"shapes differ: {shown}")
    numeric = numeric_agreement(a, b, domains, seed)
    if numeric.verdict != NUMERIC_ONLY:  # failed, or inconclusive: no symbolic zero overrides
        return numeric
    try:
        strategy = symbolic_zero(a - b, domains, order)
    except ShapeError as error:  # pragma: no cover - shapes were compared above
        return Check(FAILED, str(error))
    if strategy is None:
        return Check(
            NUMERIC_ONLY, f"{numeric.method}; no SymPy strategy reduced the difference to 0"
        )
    return Check(PROVED, strategy)


__all__ = [
    "EXPLICIT_ORDER",
    "FAILED",
    "INCONCLUSIVE",
    "NUMERIC_DIGITS",
    "NUMERIC_ONLY",
    "NUMERIC_POINTS",
    "PRECISIONS",
    "PROVED",
    "REAL_RANGE",
    "RETRY_DPS",
    "STRATEGIES",
    "WORKING_DPS",
    "Check",
    "Strategy",
    "Verdict",
    "check_equal",
    "numeric_agreement",
    "symbolic_zero",
    "worst",
]
