"""``--where`` constraints: a symbol's domain, written as a user writes it.

Accepted forms (unicode or ASCII), one symbol per constraint::

    p in [0, 1]      α in (0, 1)      y in [-1, 1)      y in {0, 1}
    γ >= 0           w > 0            t <= 1            s < 0         u != 0
    c real
    z in R^K         x in R^3         y in simplex(K)   y in [0, 1]^K    W in R^(K×n)

``in`` may be written ``∈``, ``>=`` as ``≥``, ``<=`` as ``≤``, ``!=`` as ``≠``.  The bounds
are numbers read by the whitelist parser (``1/2``, ``-1``, ``pi``); ``inf``/``∞`` may close an
interval.  Several constraints on one symbol intersect (``γ >= 0`` and ``γ <= 5`` give
[0, 5]); an empty result is a DomainError.  Undeclared symbols are real.

A set raised to a shape (``R^K``, ``[0, 1]^K``, ``R^(K×n)``, also ``R^(K x n)``) or
``simplex(K)`` declares a vector (K×1) or a matrix, each entry in the set (or, for the
simplex, entries ≥ 0 summing to 1: ``sets.SIMPLEX``); ``shapes_from`` gives the shapes.
A size is a whole number or a name (a positive integer symbol, the same one wherever
it is written, in the expression too).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from sympy import Basic, FiniteSet, Integer, Interval, S, Symbol, oo

from derivations.errors import DomainError
from derivations.sets import SIMPLEX
from derivations.text._parse import parse

_NAME = r"(?P<name>[^\W\d]\w*)"
_INTERVAL = re.compile(
    rf"^\s*{_NAME}\s*(?:in|∈)\s*(?P<left>[\[(])(?P<lo>[^,]+),(?P<hi>[^\])]+)(?P<right>[\])])\s*$"
)
_SET = re.compile(rf"^\s*{_NAME}\s*(?:in|∈)\s*\{{(?P<members>[^}}]*)\}}\s*$")
_BOUND = re.compile(rf"^\s*{_NAME}\s*(?P<op>>=|≥|<=|≤|!=|≠|>|<)\s*(?P<value>.+?)\s*$")
_REAL = re.compile(rf"^\s*{_NAME}\s+(?:real|in\s+R|∈\s*ℝ|in\s+ℝ)\s*$")
_SIZE = r"\d+|[^\W\d]\w*"
_SHAPED = re.compile(
    rf"^\s*(?P<head>{_NAME}\s*(?:in|∈)\s*(?:R|ℝ|[\[(][^\])]*[\])]))\s*\^\s*"
    rf"(?:(?P<rows>{_SIZE})(?!\w)|\(\s*(?P<r>{_SIZE})\s*(?:×|x|\*|,)\s*(?P<c>{_SIZE})\s*\))\s*$"
)
_SIMPLEX = re.compile(rf"^\s*{_NAME}\s*(?:in|∈)\s*simplex\s*\(\s*(?P<rows>{_SIZE})\s*\)\s*$")
FORMS = "'p in [0, 1]', 'α in (0, 1)', 'y in {0, 1}', 'γ >= 0', 'w > 0', 't <= 1', 'c real'"
FORMS += ", 'z in R^K', 'y in simplex(K)', 'y in [0, 1]^K', 'W in R^(K×n)'"


def size(text: str) -> Basic:
    """A dimension: a whole number ≥ 1, or a name (a positive integer symbol)."""
    if text.isdigit():
        if int(text) < 1 or len(text) > 4:
            raise DomainError(f"a size is a whole number from 1 to 9999, not {text}")
        return Integer(int(text))
    return Symbol(text, integer=True, positive=True)


def _shaped(constraint: str) -> tuple[str, Basic, tuple[Basic, Basic]] | None:
    """A vector or matrix declaration (z in R^K, y in simplex(K), ...), or None."""
    if match := _SIMPLEX.match(constraint):
        return match["name"], SIMPLEX, (size(match["rows"]), Integer(1))
    if not (match := _SHAPED.match(constraint)):
        return None
    head = match["head"]
    name, domain = (match["name"], S.Reals) if head[-1] in "Rℝ" else _one(head)
    if match["rows"]:
        return name, domain, (size(match["rows"]), Integer(1))
    return name, domain, (size(match["r"]), size(match["c"]))


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
    if shaped := _shaped(constraint):
        return shaped[:2]
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
        if domain is SIMPLEX or result.get(name) is SIMPLEX:  # a joint domain: no intersection
            if result.setdefault(name, domain) is not domain:
                raise DomainError(f"{name} in simplex(…) cannot carry another constraint")
            continue
        domain = result.get(name, S.Reals).intersect(domain)
        if domain.is_empty:
            raise DomainError(f"the constraints on {name} leave no value (last: {constraint!r})")
        result[name] = domain
    return result


def shapes_from(constraints: Iterable[str]) -> dict[str, tuple[Basic, Basic]]:
    """Each symbol declared a vector or matrix (z in R^K: K×1) and its shape (rows, columns)."""
    if isinstance(constraints, str):
        constraints = [constraints]
    result: dict[str, tuple[Basic, Basic]] = {}
    for constraint in constraints:
        if isinstance(constraint, str) and (shaped := _shaped(constraint)):
            name, _, shape = shaped
            if result.setdefault(name, shape) != shape:
                shown = " and ".join("×".join(map(str, s)) for s in (result[name], shape))
                raise DomainError(f"{name} is declared with two shapes: {shown}")
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
