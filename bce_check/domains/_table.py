"""The domain table: one row per kind of domain, read by every place a domain matters.

A row holds, for its kind of domain (a SymPy set), its four parts: its description as
plain data (``describe``: the parent process, which runs the harness, never does SymPy
work on user input), its sampler (of that description), its text (a ``--where``
constraint, as ``prove --format deriv`` writes it) and its Coq hypothesis.  The text and
Coq parts take the printer of numbers of their target (``printing.notation.text``,
``certify``'s ``coq``), so that this table imports neither.

``for_domain`` (the catalogue's arguments), ``sampler`` (a user's ``--where``),
``certify`` and the deriv format all read ``KINDS_OF_DOMAIN``: [0, 1] is ``labels()``
everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from sympy import Basic, FiniteSet, Interval, S, oo

from bce_check.domains._catalogue import features, logits, nonzero, simplex
from bce_check.domains._intervals import finite_set, interval
from bce_check.domains._sampler import Sampler
from derivations import DomainError
from derivations.text import domain_of

Number = Callable[[Basic], str]  # a target's printer of numbers (text or Coq)


@dataclass(frozen=True)
class DomainKind:
    """One kind of domain: which sets it holds, and its four parts (module docstring)."""

    name: str
    summary: str
    holds: Callable[[Basic], bool]
    describe: Callable[[Basic], tuple]  # plain data, its first item the row's name
    sampler: Callable[[tuple, bool], Sampler]  # (description, matrix entries?)
    text: Callable[[str, Basic, Number], str | None]  # None: no constraint (ℝ)
    coq: Callable[[tuple[str, ...], Basic, Number], tuple[str, ...]]


def _ends(domain: Interval, number: Number) -> tuple[str, str, str, str]:
    lo = "-inf" if domain.start == -oo else number(domain.start)
    hi = "inf" if domain.end == oo else number(domain.end)
    return lo, hi, "<" if domain.left_open else "<=", "<" if domain.right_open else "<="


def _interval_text(name: str, domain: Interval, number: Number) -> str:
    lo, hi, _, _ = _ends(domain, number)
    left, right = "(" if domain.left_open else "[", ")" if domain.right_open else "]"
    return f"{name} in {left}{lo}, {hi}{right}"


def _interval_coq(names: tuple[str, ...], domain: Interval, number: Number) -> tuple[str, ...]:
    (name,) = names
    lo, hi, low, high = _ends(domain, number)
    if domain.end == oo:
        return (f"{lo} {low} {name}",)
    if domain.start == -oo:
        return (f"{name} {high} {hi}",)
    return (f"{lo} {low} {name} {high} {hi}",)


def _interval_sampler(description: tuple, matrix: bool) -> Sampler:
    _, lo, hi, left_open, right_open = description
    if math.isinf(lo) and math.isinf(hi):
        return features() if matrix else logits()
    closed = {(False, False): "both", (False, True): "left", (True, False): "right"}
    return interval(lo, hi, closed.get((left_open, right_open), "neither"))


def _simplex_coq(names: tuple[str, ...], domain, number: Number) -> tuple[str, ...]:
    return (*(f"0 <= {n}" for n in names), f"{' + '.join(names)} <= 1") if names else ()


def _no_text(name: str, domain, number: Number) -> str:
    raise DomainError(f"{name} ∈ the simplex: a vector domain has no --where text form")


# fmt: off
KINDS_OF_DOMAIN: tuple[DomainKind, ...] = (
    DomainKind(
        "real", "ℝ (logits; features for a matrix)",
        holds=lambda d: d == S.Reals,
        describe=lambda d: ("real",),
        sampler=lambda _, matrix: features() if matrix else logits(),
        text=lambda name, d, number: None,
        coq=lambda names, d, number: (),
    ),
    DomainKind(
        "nonzero", "ℝ ∖ {0} (away from a kink at 0)",
        holds=lambda d: d == S.Reals - FiniteSet(0),
        describe=lambda d: ("nonzero",),
        sampler=lambda _, matrix: nonzero(),
        text=lambda name, d, number: f"{name} != 0",
        coq=lambda names, d, number: tuple(f"{n} <> 0" for n in names),
    ),
    DomainKind(
        "interval", "an interval: [a, b], (a, b], [a, b), (a, b), [a, ∞), (−∞, b], …",
        holds=lambda d: isinstance(d, Interval) and d != S.Reals,
        describe=lambda d: ("interval", float(d.start), float(d.end), bool(d.left_open),
                            bool(d.right_open)),
        sampler=_interval_sampler,
        text=_interval_text,
        coq=_interval_coq,
    ),
    DomainKind(
        "set", "a finite set of reals, such as {0, 1}",
        holds=lambda d: isinstance(d, FiniteSet) and all(v.is_real for v in d),
        describe=lambda d: ("set", tuple(float(v) for v in d)),
        sampler=lambda description, matrix: finite_set(description[1]),
        text=lambda name, d, number: f"{name} in {{{', '.join(number(v) for v in d)}}}",
        coq=lambda names, d, number: (" \\/ ".join(f"{names[0]} = {number(v)}" for v in d),),
    ),
    DomainKind(
        "simplex", "the probability simplex (a vector's entries ≥ 0 summing to 1)",
        holds=lambda d: any(hasattr(d, a) for a in ("parametrise", "simplex")),  # or its
        # free coordinates (derivations.sets.Coordinates), a tuple of symbols' joint domain
        describe=lambda d: ("simplex",),
        sampler=lambda _, matrix: simplex(),
        text=_no_text,
        coq=_simplex_coq,
    ),
)
# fmt: on
_BY_NAME = {kind.name: kind for kind in KINDS_OF_DOMAIN}


def kind_of(domain: Basic | str) -> DomainKind:
    """The row of a domain (a SymPy set, or a ``--where`` form such as ``'(0, 1]'``)."""
    domain = domain_of(domain) if isinstance(domain, str) else domain
    for kind in KINDS_OF_DOMAIN:
        if kind.holds(domain):
            return kind
    known = "; ".join(kind.summary for kind in KINDS_OF_DOMAIN)
    raise DomainError(f"no sampler for the domain {domain}; known: {known}")


def describe(domain: Basic | str) -> tuple:
    """A domain as plain data, its row's name first (runs where the SymPy work runs)."""
    domain = domain_of(domain) if isinstance(domain, str) else domain
    return kind_of(domain).describe(domain)


def sampler(description: tuple, matrix: bool = False) -> Sampler:
    """The sampler of a described domain (``describe``), from its row."""
    if not description or description[0] not in _BY_NAME:
        raise DomainError(f"a domain description starts with one of {', '.join(_BY_NAME)}, "
                          f"got {description!r}")  # fmt: skip
    return _BY_NAME[description[0]].sampler(description, matrix)


def for_domain(domain: Basic | str, matrix: bool = False) -> Sampler:
    """The sampler for a symbol's domain (each entry's, for a matrix symbol).

    ``domain``: a SymPy set or any ``--where`` form without its symbol (``'[0, 1]'``,
    ``'(0, 1]'``, ``'{0, 1}'``, ``'>= 0'``, ``'> 0'``, ``'!= 0'``, ``'real'``).
    ℝ → logits (features for a matrix), [0, 1] → labels, (0, 1) → probabilities,
    {0, 1} → hard labels, ℝ ∖ {0} → nonzero, the simplex → simplex, any other interval
    or finite set → ``interval``/``finite_set``.
    """
    return sampler(describe(domain), matrix)
