"""``--where`` constraints: a symbol's domain, written as a user writes it.

Accepted forms (unicode or ASCII), one symbol per constraint::

    p in [0, 1]      α in (0, 1)      y in [-1, 1)      y in {0, 1}
    γ >= 0           w > 0            t <= 1            s < 0         u != 0
    c real

``in`` may be written ``∈``, ``>=`` as ``≥``, ``<=`` as ``≤``, ``!=`` as ``≠``.  The bounds
are numbers read by the whitelist parser (``1/2``, ``-1``, ``pi``); ``inf``/``∞`` may close an
interval.  Several constraints on one symbol intersect (``γ >= 0`` and ``γ <= 5`` give
[0, 5]); an empty result is a DomainError.  Undeclared symbols are real.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from sympy import Basic, FiniteSet, Interval, S, oo

from derivations.errors import DomainError
from derivations.text._parse import parse

_NAME = r"(?P<name>[^\W\d]\w*)"
_INTERVAL = re.compile(
    rf"^\s*{_NAME}\s*(?:in|∈)\s*(?P<left>[\[(])(?P<lo>[^,]+),(?P<hi>[^\])]+)(?P<right>[\])])\s*$"
)
_SET = re.compile(rf"^\s*{_NAME}\s*(?:in|∈)\s*\{{(?P<members>[^}}]*)\}}\s*$")
_BOUND = re.compile(rf"^\s*{_NAME}\s*(?P<op>>=|≥|<=|≤|!=|≠|>|<)\s*(?P<value>.+?)\s*$")
_REAL = re.compile(rf"^\s*{_NAME}\s+(?:real|in\s+R|∈\s*ℝ|in\s+ℝ)\s*$")
FORMS = "'p in [0, 1]', 'α in (0, 1)', 'y in {0, 1}', 'γ >= 0', 'w > 0', 't <= 1', 'c real'"


def _number(text: str, constraint: str, infinite_ok: bool = False) -> Basic:
    stripped = text.strip()
    if infinite_ok and stripped in ("inf", "∞", "+inf", "+∞", "oo"):
        return oo
    if infinite_ok and stripped in ("-inf", "-∞", "−∞", "-oo"):
        return -oo
    value = parse(stripped, {})
    if not (value.is_number and value.is_extended_real and value.is_finite):
        raise DomainError(f"bound {stripped!r} in {constraint!r} is not a real number")
    return value


def _one(constraint: str) -> tuple[str, Basic]:
    if match := _REAL.match(constraint):
        return match["name"], S.Reals
    if match := _INTERVAL.match(constraint):
        lo = _number(match["lo"], constraint, infinite_ok=True)
        hi = _number(match["hi"], constraint, infinite_ok=True)
        domain = Interval(lo, hi, match["left"] == "(", match["right"] == ")")
        return match["name"], domain
    if match := _SET.match(constraint):
        members = [_number(m, constraint) for m in match["members"].split(",") if m.strip()]
        if not members:
            raise DomainError(f"empty set in {constraint!r}")
        return match["name"], FiniteSet(*members)
    if match := _BOUND.match(constraint):
        value, op = _number(match["value"], constraint), match["op"]
        domain = {
            ">=": Interval(value, oo), "≥": Interval(value, oo), ">": Interval.open(value, oo),
            "<=": Interval(-oo, value), "≤": Interval(-oo, value), "<": Interval.open(-oo, value),
            "!=": S.Reals - FiniteSet(value), "≠": S.Reals - FiniteSet(value),
        }[op]  # fmt: skip
        return match["name"], domain
    raise DomainError(f"cannot read the constraint {constraint!r}; write one such as {FORMS}")


ANONYMOUS_FORMS = "'[0, 1]', '(0, 1]', '{0, 1}', '>= 0', '> 0', '!= 0', 'real'"


def domain_of(text: str) -> Basic:
    """The domain a constraint gives, its symbol left out or not: ``'(0, 1]'``,
    ``'in [0, 1]'``, ``'>= 0'``, ``'real'``, ``'ℝ'`` or ``'p in [0, 1]'``."""
    if not isinstance(text, str):
        raise DomainError(f"a domain is text such as {ANONYMOUS_FORMS}, got {text!r}")
    stripped = text.strip()
    if stripped in ("ℝ", "R"):
        return S.Reals
    opens_a_set = stripped[:1] in ("[", "(", "{")
    for constraint in (f"x in {stripped}" if opens_a_set else f"x {stripped}", stripped):
        try:
            return _one(constraint)[1]
        except DomainError as error:
            if "cannot read" not in str(error):
                raise
    raise DomainError(f"cannot read the domain {text!r}; write one such as {ANONYMOUS_FORMS}")


def domains_from(constraints: Iterable[str]) -> dict[str, Basic]:
    """Each constrained symbol's name and its domain (a SymPy set), constraints intersected."""
    if isinstance(constraints, str):
        constraints = [constraints]
    result: dict[str, Basic] = {}
    for constraint in constraints:
        if not isinstance(constraint, str):
            raise DomainError(f"a constraint is text such as {FORMS}, got {constraint!r}")
        name, domain = _one(constraint)
        domain = result.get(name, S.Reals).intersect(domain)
        if domain.is_empty:
            raise DomainError(f"the constraints on {name} leave no value (last: {constraint!r})")
        result[name] = domain
    return result


def check_names(domains: Mapping[str, Basic], known: Iterable[str]) -> None:
    """Every constrained name must be a symbol of the expression(s)."""
    known = set(known)
    unknown = [n for n in domains if n not in known]
    if unknown:
        raise DomainError(
            f"--where names {', '.join(map(repr, unknown))}, not a symbol of the expression; "
            f"its symbols: {', '.join(sorted(known)) or 'none'}"
        )
