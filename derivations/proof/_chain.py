"""The checker: each step of a derivation against the one before, then facts and closed forms.

How a derivation's chain is read (subjects, meanings, names, abbreviations, shapes) is
described in ``_proof``.  Every equality goes through one dispatch, ``Equalities``:
a derivation whose steps hold matrices, index forms, sums, abbreviations or shapes
has its equalities written out at its shapes and compared entry by entry
(``_written``); any other is checked as a scalar equality (``_equality.check_equal``)
after each side is given its meaning (σ in exp form, derivatives taken).  The public
``check_equal`` is that dispatch for one equality.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

from sympy import Basic, Derivative, Limit, Subs, Symbol, UnevaluatedExpr, diff
from sympy.core.function import AppliedUndef

from derivations.errors import DomainError, ExpressionError
from derivations.functions import to_exp_form
from derivations.proof import _equality
from derivations.proof._matrix import MatrixDerivative, is_structured
from derivations.proof._steps import ClosedForm, Proof, Step, StepResult

if TYPE_CHECKING:
    from derivations.proof._derivation import Derivation
from derivations.proof._verdicts import PROVED, Check, worst
from derivations.proof._written import WrittenOut

_UNEVALUATED = (Derivative, Subs, Limit, UnevaluatedExpr)


def _meaning(expr: Basic, known: Mapping[Basic, Basic]) -> Basic:
    """What a subject stands for: known subjects substituted, σ in exp form, d/dx done."""
    expr = to_exp_form(expr.xreplace(dict(known)))
    return expr.doit() if expr.has(*_UNEVALUATED) else expr


class Equalities:
    """Checks chains ``a = b = …`` on ``domains``: written out, or as scalars.

    ``written_out``: compare at ``shapes`` entry by entry, with ``abbreviations``
    expanded (the same written-out equality met twice is checked once).
    """

    def __init__(
        self,
        domains: Mapping,
        *,
        written_out: bool,
        shapes: Sequence[Mapping[Symbol, int]] = (),
        abbreviations: Mapping[Basic, Basic] | None = None,
    ) -> None:
        self.domains = domains
        self.shapes = tuple(shapes)
        self.written = WrittenOut(domains, abbreviations or {}) if written_out else None

    def chain(
        self,
        chain: Sequence[Basic],
        seed: int,
        shapes: Sequence[Mapping[Symbol, int]] = (),
        names: Mapping[Basic, Basic] | None = None,
    ) -> Check:
        """Consecutive members equal; the worst check wins (``shapes``: this line's own)."""
        if self.written is not None:
            return self.written.check(list(chain), shapes or self.shapes, names or {}, seed)
        chain = [_meaning(e, {}) for e in chain]
        checks = [
            _equality.check_equal(a, b, self.domains, seed + i)
            for i, (a, b) in enumerate(pairwise(chain))
        ]
        weakest = worst(checks)
        if weakest is not None and weakest.verdict != PROVED:
            return weakest
        return Check(PROVED, "; ".join(dict.fromkeys(c.method for c in checks)))


def check_equal(
    a: Basic,
    b: Basic,
    domains: Mapping[Symbol, object],
    seed: int = 0,
    *,
    shapes: Iterable[Mapping[Symbol, int]] = (),
    abbreviations: Mapping[Basic, Basic] | None = None,
) -> Check:
    """Is a = b for every value of the symbols in their ``domains``?  A ``Check``.

    The verdict is ``proved`` (a SymPy strategy reduces a − b to 0 and 40-digit
    evaluation at 20 random points agrees), ``numeric-only`` (the evaluation agrees, no
    strategy closed it), ``inconclusive`` (the evaluation did not settle within its
    digits) or ``failed`` (a settled difference: the method names the point and both
    values).  σ, softplus and softmax are compared by what they mean (their exp form);
    an unevaluated derivative is taken.  Matrix expressions, index forms and sums, or
    any ``shapes``/``abbreviations`` given, are written out at each of ``shapes``
    ({m: 3, n: 2}: sizes for the matrix dimensions) and compared entry by entry, with
    ``abbreviations`` (ŷ: σ(z)) expanded.  ``seed`` fixes the random points.
    """
    for name, side in (("a", a), ("b", b)):
        if not isinstance(side, Basic):
            raise ExpressionError(
                f"check_equal: {name} must be a SymPy expression (parse text with "
                f"derivations.parse); got {type(side).__name__} {side!r}"
            )
    if not isinstance(domains, Mapping):
        raise DomainError(
            f"check_equal: domains must map each symbol to its domain ({{u: S.Reals}}); "
            f"got {type(domains).__name__} {domains!r}"
        )
    shapes = tuple(shapes)
    written_out = bool(shapes or abbreviations) or is_structured(a) or is_structured(b)
    equalities = Equalities(
        domains, written_out=written_out, shapes=shapes, abbreviations=abbreviations
    )
    return equalities.chain([a, b], seed)


def _is_new_name(lhs: Basic, known: Mapping[Basic, Basic], derivation: Derivation) -> bool:
    if lhs in known or lhs in derivation.abbreviations:
        return False
    if isinstance(lhs, AppliedUndef):
        return True
    return isinstance(lhs, Symbol) and lhs not in derivation.domains


def _seed(name: str, index: int) -> int:
    return zlib.crc32(f"{name}:{index}".encode()) * 1000


def _check_step(
    derivation: Derivation,
    index: int,
    step: Step,
    subject: Basic,
    previous,
    known,
    names,
    equalities: Equalities,
) -> StepResult:
    """``step`` checked, with what it compared recorded (``StepResult.members``)."""
    if step.lhs is None or step.lhs == subject:
        members = chain = [previous, *step.via, step.expr]
        lhs = subject
    elif _is_new_name(step.lhs, known, derivation):
        members = chain = [*step.via, step.expr]
        lhs = step.lhs
    elif derivation.structured:
        members = [step.lhs, *step.via, step.expr]
        chain = [step.lhs.xreplace(dict(known)), *step.via, step.expr]
        lhs = step.lhs
    else:
        members = [step.lhs, *step.via, step.expr]
        chain = [_meaning(step.lhs, known), *step.via, step.expr]
        lhs = step.lhs
    recorded = {
        "members": tuple(members),
        "known": dict(known),  # a copy: the walk goes on updating its own
        "continued": step.lhs is None and subject is not None,
    }
    if len(chain) == 1:
        return StepResult(index, step, lhs, PROVED, f"definition of {lhs}", **recorded)
    result = equalities.chain(chain, _seed(derivation.name, index), step.shapes, names)
    return StepResult(index, step, lhs, result.verdict, result.method, **recorded)


def _is_name(lhs: Basic, known, derivation: Derivation, names) -> bool:
    return lhs in names or _is_new_name(lhs, known, derivation)


def equalities_of(derivation: Derivation) -> Equalities:
    """The dispatch for ``derivation``: written out when it is ``structured``."""
    return Equalities(
        derivation.domains,
        written_out=derivation.structured,
        shapes=derivation.shapes,
        abbreviations=derivation.abbreviations,
    )


def check(derivation: Derivation) -> Proof:
    """Check every step against the one before, then the facts, then sympy.diff."""
    known: dict[Basic, Basic] = {}
    names: dict[Basic, Basic] = {}  # subjects that are names (BCE, L(u)): what they stand for
    equalities = equalities_of(derivation)
    results: list[StepResult] = []
    subject, previous = None, None
    for index, step in enumerate(derivation.steps, start=1):
        result = _check_step(derivation, index, step, subject, previous, known, names, equalities)
        results.append(result)
        if step.lhs is not None and _is_name(step.lhs, known, derivation, names):
            names[step.lhs] = step.expr
        subject, previous = result.lhs, step.expr
        known[subject] = step.expr
        if subject in names:
            names[subject] = step.expr
    facts = [
        _check_step(derivation, 1000 + i, fact, None, None, known, names, equalities)
        for i, fact in enumerate(derivation.facts, start=1)
    ]
    independent = tuple(
        _check_independently(derivation, closed, i, equalities)
        for i, closed in enumerate(derivation.closed_forms)
    )
    return Proof(tuple(results), tuple(facts), independent)


def _check_independently(
    derivation: Derivation, closed: ClosedForm, index: int, equalities: Equalities
) -> Check:
    """A closed form against sympy.diff of its function (or the function itself)."""
    seed = _seed(derivation.name, -1 - index)
    if equalities.written is None:
        function = to_exp_form(closed.function)
        reference = diff(function, *closed.wrt) if closed.wrt else function
    elif any(getattr(v, "is_Matrix", False) for v in closed.wrt):
        reference = MatrixDerivative(closed.function, *closed.wrt)
    elif closed.wrt:
        reference = Derivative(closed.function, *closed.wrt, evaluate=False)
    else:
        reference = closed.function
    return equalities.chain([closed.rhs, reference], seed)


__all__ = ["Equalities", "check", "check_equal", "equalities_of"]
