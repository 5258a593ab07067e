"""A statement's hypotheses: the symbols' domains, and where a real power is defined.

A domain becomes a hypothesis on its symbol, its row's in the domain table
(``domains.KINDS_OF_DOMAIN``), as ``--where`` writes it: p ∈ [0, 1] is
``0 <= p <= 1``, γ ≥ 0 is ``0 <= γ``, w > 0 is ``0 < w``, α ∈ (0, 1) is ``0 < α < 1``,
y ∈ {0, 1} is ``y = 0 \\/ y = 1``, u ≠ 0 is ``u <> 0``; ℝ gives none; a point of the simplex gives
``0 <= y_i`` and ``Σ y_i <= 1``.  A real power a^y (y not an integer) is Coq's
``Rpower a y`` = e^{y·ln a}, the real power only where a > 0, and Coq's ``ln`` is 0 at
0 and below: a base or a log argument that is not visibly positive on the domain adds
the condition ``0 < a`` at the point.
"""

from __future__ import annotations

from collections.abc import Mapping

from sympy import Interval, Pow, Symbol, log, oo

from bce_check import domains
from bce_check.certify._coq import coq, coq_name
from bce_check.certify._logs import factored
from derivations.errors import DomainError, ExpressionError


def _hypotheses(names: tuple[str, ...], domain) -> tuple[str, ...]:
    """The Coq hypotheses a domain gives its symbols: its row's (``domains.KINDS_OF_DOMAIN``)."""
    try:
        return domains.kind_of(domain).coq(names, domain, coq)
    except DomainError as error:
        message = f"{', '.join(names)} ∈ {domain}: no Coq hypothesis ({error})"
        raise ExpressionError(message) from None


def binders(expressions, domains: Mapping, order=()) -> tuple[tuple[Symbol, ...], tuple[str, ...]]:
    """The free symbols of ``expressions`` (in ``order`` first, then by name) and the
    hypotheses their domains give; a joint domain (the simplex) gives its own."""
    free = set().union(*(e.free_symbols for e in expressions))
    symbols = [s for s in order if s in free] + sorted(free - set(order), key=str)
    hypotheses = []
    for key, domain in domains.items():
        if isinstance(key, tuple):  # free coordinates of a point on the simplex
            hypotheses += _hypotheses(tuple(coq_name(s.name) for s in key if s in free), domain)
        elif key in free:
            hypotheses += _hypotheses((coq_name(key.name),), domain)
    return tuple(symbols), tuple(hypotheses)


def power_conditions(expressions, domains: Mapping) -> tuple[str, ...]:
    """0 < a for each base a of a real power a^y (y not an integer) and each argument a of
    a logarithm that is not visibly positive (``_coq_logs.factored``: a quotient of
    products of exponentials, polynomials with positive coefficients and symbols whose
    domain is positive): Coq's ln is 0 at 0 and below, SymPy's log is not real there."""

    positives = {
        s for s, d in domains.items()
        if isinstance(s, Symbol) and d.is_subset(Interval.open(0, oo)) is True
    }  # fmt: skip
    bases = {p.base for e in expressions for p in e.atoms(Pow) if not p.exp.is_Integer}
    bases |= {f.args[0] for e in expressions for f in e.atoms(log)}
    return tuple(
        f"0 < {coq(b)}" for b in sorted(bases, key=str) if factored(b, {}, positives) is None
    )
