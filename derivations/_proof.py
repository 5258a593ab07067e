"""Steps, derivations, and the checker that walks a derivation's chain of steps.

A derivation is a chain ``lhs = e1 = e2 = …``: each step is one expression and the
rule that produced it.  A step may start a new subject (``lhs=``), as ALGEBRA.md
does when it moves from σ(z) to 1 − σ(z) to dσ/dz.  The checker keeps, for each
subject, the latest expression proved equal to it; the *meaning* of a new
subject is its expression with known subjects substituted, σ and softplus written
out in exp form, and derivatives evaluated: ``d/dz σ(z)`` therefore means
``d/dz`` of the exp form reached so far, and σ's own derivative rule is never used.
A subject that has no meaning yet (``L(u)``, a name) is defined by its step.

Matrix derivations (D4–D6 and what follows) add two things.  ``abbreviations`` are
the names a textbook uses for parts of the model (z = Wᵀx + b, ŷ = σ(z)): steps are
written with them, and the checker expands them, in a derivative down to the variable
it differentiates by (∂BCE/∂ŷ treats ŷ as the variable; ∂BCE/∂z means ∂/∂z of BCE
with ŷ = σ(z)).  ``shapes`` are the small sizes ({m: 3, n: 2}, {m: 2, n: 3}) at which
matrices, index forms and sums are written out entry by entry and compared
(``_matrix.py`` says why): such a step is proved when it is proved at every shape.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise

from sympy import Basic, Derivative, Eq, Limit, S, Subs, Symbol, UnevaluatedExpr, diff
from sympy.core.function import AppliedUndef

from ._equality import FAILED, NUMERIC_ONLY, PROVED, Check, check_equal
from ._matrix import MatrixDerivative, is_structured
from ._written import WrittenOut
from .functions import to_exp_form

_UNEVALUATED = (Derivative, Subs, Limit, UnevaluatedExpr)


@dataclass(frozen=True)
class Step:
    """One line of a derivation: ``lhs = via… = expr``, justified by ``rule``.

    ``lhs`` is None when the line continues the subject of the line before.
    ``via`` holds intermediate forms shown (and checked) on the same line.
    ``shapes``, when given, replaces the derivation's shapes for this line (the K = 2
    reduction of D6 holds at K = 2 only).
    """

    expr: Basic
    rule: str
    lhs: Basic | None = None
    via: tuple[Basic, ...] = ()
    shapes: tuple[Mapping[Symbol, int], ...] = ()


@dataclass(frozen=True)
class ClosedForm:
    """A result of a derivation, as emission and the numeric harness use it.

    ``lhs = rhs`` where ``rhs`` is the derivative of ``function`` along ``wrt``
    (``(u,)`` a gradient or Jacobian, ``(u, u)`` a second derivative), or, when
    ``wrt`` is empty, an expression equal to ``function`` (an identity, as BCE is the
    mean negative log-likelihood).  ``suffix`` names the emitted function
    ``<derivation>_<suffix>``; the main result has none.  ``rhs`` and ``function``
    are written in the derivation's arguments (no abbreviations), so that they can be
    emitted as they are.  ``scale`` (default: the derivation's) is the size of the
    terms ``rhs`` is made of, for the numeric harness; for a matrix result it may be
    a matrix of the same shape (a bound per entry).
    """

    lhs: Basic
    rhs: Basic
    function: Basic
    wrt: tuple[Basic, ...] = ()
    suffix: str = ""
    scale: Basic | None = None


@dataclass(frozen=True)
class StepResult:
    """A checked step: its number, its subject, its verdict and how it was reached."""

    index: int
    step: Step
    lhs: Basic
    verdict: str
    method: str


@dataclass(frozen=True)
class Proof:
    """The outcome of checking every step, the facts, and each closed form independently.

    ``independent`` holds, per closed form, its check against ``sympy.diff`` of its
    function (or, for an identity, against the function itself).
    """

    steps: tuple[StepResult, ...]
    facts: tuple[StepResult, ...]
    independent: tuple[Check, ...]

    @property
    def sympy_diff(self) -> Check | None:
        """The worst independent check (None when there is none)."""
        for verdict in (FAILED, NUMERIC_ONLY, PROVED):
            for check in self.independent:
                if check.verdict == verdict:
                    return check
        return None

    @property
    def verdict(self) -> str:
        verdicts = [r.verdict for r in (*self.steps, *self.facts)]
        verdicts += [c.verdict for c in self.independent]
        if FAILED in verdicts:
            return FAILED
        return NUMERIC_ONLY if NUMERIC_ONLY in verdicts else PROVED

    @property
    def ok(self) -> bool:
        return self.verdict != FAILED


@dataclass(frozen=True, repr=False)
class Derivation:
    """A named chain of steps from a definition to a closed form, with its symbols' domains.

    ``wrt`` names the variables the closed form differentiates the definition by
    (``(u,)``; ``(u, u)`` for a second derivative); the closed form is checked
    against ``sympy.diff`` of the definition along them.  ``facts`` are further
    equalities, each checked on its own, with the subjects of the chain known.
    ``arguments`` orders the emitted functions' parameters (default: the domains'
    order).  ``scale`` is the size of the terms the closed form is computed from (a
    bound on it, as 1/4 is for σ'): the numeric harness treats errors of a few ε·scale
    as rounding, not as mistakes; for a matrix result it is a matrix expression in the
    arguments, shaped like the result, bounding each entry's terms (data dependent:
    (1/m)·|X|ᵀ·1 for ∇J).  ``closed_forms`` lists the results (default: one,
    the last subject = the last expression, the derivative of the definition along
    ``wrt``); a derivation with several results (∂/∂W and ∂/∂b) lists each.
    ``abbreviations`` maps the names steps use for parts of the model (ŷ, z, h) to
    what they stand for, in the arguments or other abbreviations; ``shapes`` lists the
    sizes at which matrix steps are written out and checked (see the module docstring).
    Symbols that are matrices have a domain per entry (y ∈ {0, 1}: every y_i is),
    or a joint one (``sets.SIMPLEX``); an index such as j has domain Range(n).
    """

    name: str
    title: str
    source: str
    domains: Mapping[Symbol, Basic]
    steps: tuple[Step, ...]
    wrt: tuple[Symbol, ...] = ()
    facts: tuple[Step, ...] = ()
    notes: tuple[str, ...] = ()
    arguments: tuple[Symbol, ...] = field(default=())
    scale: Basic = S.One
    closed_forms: tuple[ClosedForm, ...] = ()
    abbreviations: Mapping[Basic, Basic] = field(default_factory=dict)
    shapes: tuple[Mapping[Symbol, int], ...] = ()

    def __post_init__(self) -> None:
        if not self.steps or self.steps[0].lhs is None:
            raise ValueError(f"{self.name}: the first step must name its subject (lhs=)")
        if not self.arguments:
            object.__setattr__(self, "arguments", tuple(self.domains))
        if not self.closed_forms:
            subject = next(s.lhs for s in reversed(self.steps) if s.lhs is not None)
            main = ClosedForm(subject, self.steps[-1].expr, self.definition, tuple(self.wrt))
            object.__setattr__(self, "closed_forms", (main,))

    @property
    def definition(self) -> Basic:
        """The function being differentiated: the first step's expression."""
        return self.steps[0].expr

    @property
    def closed_form(self) -> Eq:
        """The main result as an equation (the first of ``closed_forms``)."""
        main = self.closed_forms[0]
        return Eq(main.lhs, main.rhs, evaluate=False)

    def __repr__(self) -> str:
        return f"<Derivation {self.name}: {self.title}, {len(self.steps)} steps>"

    @cached_property
    def proof(self) -> Proof:
        return check(self)

    def expand(self, expr: Basic) -> Basic:
        """``expr`` with every abbreviation replaced by what it stands for."""
        while any(expr.has(a) for a in self.abbreviations):
            expr = expr.xreplace(dict(self.abbreviations))
        return expr

    @cached_property
    def structured(self) -> bool:
        """Are steps checked by writing them out (abbreviations, shapes, matrices)?"""
        lines = (*self.steps, *self.facts)
        members = [e for s in lines for e in (s.lhs, *s.via, s.expr) if e is not None]
        members += [e for c in self.closed_forms for e in (c.rhs, c.function)]
        return bool(self.abbreviations or self.shapes) or any(map(is_structured, members))


def _meaning(expr: Basic, known: Mapping[Basic, Basic]) -> Basic:
    """What a subject stands for: known subjects substituted, σ in exp form, d/dx done."""
    expr = to_exp_form(expr.xreplace(dict(known)))
    return expr.doit() if expr.has(*_UNEVALUATED) else expr


def _is_new_name(lhs: Basic, known: Mapping[Basic, Basic], derivation: Derivation) -> bool:
    if lhs in known or lhs in derivation.abbreviations:
        return False
    if isinstance(lhs, AppliedUndef):
        return True
    return isinstance(lhs, Symbol) and lhs not in derivation.domains


def _check_chain(chain: list[Basic], domains, seed: int) -> Check:
    """Check consecutive members of a chain equal; the worst verdict wins."""
    checks = [check_equal(a, b, domains, seed + i) for i, (a, b) in enumerate(pairwise(chain))]
    for verdict in (FAILED, NUMERIC_ONLY):
        bad = [c for c in checks if c.verdict == verdict]
        if bad:
            return bad[0]
    return Check(PROVED, "; ".join(dict.fromkeys(c.method for c in checks)))


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
    written: WrittenOut,
) -> StepResult:
    if step.lhs is None or step.lhs == subject:
        chain = [previous, *step.via, step.expr]
        lhs = subject
    elif _is_new_name(step.lhs, known, derivation):
        chain = [*step.via, step.expr]
        lhs = step.lhs
    elif derivation.structured:
        chain = [step.lhs.xreplace(dict(known)), *step.via, step.expr]
        lhs = step.lhs
    else:
        chain = [_meaning(step.lhs, known), *step.via, step.expr]
        lhs = step.lhs
    if len(chain) == 1:
        return StepResult(index, step, lhs, PROVED, f"definition of {lhs}")
    seed = _seed(derivation.name, index)
    if derivation.structured:
        shapes = step.shapes or derivation.shapes
        result = written.check(chain, shapes, names, seed)
    else:
        chain = [_meaning(e, {}) for e in chain]
        result = _check_chain(chain, derivation.domains, seed)
    return StepResult(index, step, lhs, result.verdict, result.method)


def _is_name(lhs: Basic, known, derivation: Derivation, names) -> bool:
    return lhs in names or _is_new_name(lhs, known, derivation)


def check(derivation: Derivation) -> Proof:
    """Check every step against the one before, then the facts, then sympy.diff."""
    known: dict[Basic, Basic] = {}
    names: dict[Basic, Basic] = {}  # subjects that are names (BCE, L(u)): what they stand for
    written = WrittenOut(derivation.domains, derivation.abbreviations)
    results: list[StepResult] = []
    subject, previous = None, None
    for index, step in enumerate(derivation.steps, start=1):
        result = _check_step(derivation, index, step, subject, previous, known, names, written)
        results.append(result)
        if step.lhs is not None and _is_name(step.lhs, known, derivation, names):
            names[step.lhs] = step.expr
        subject, previous = result.lhs, step.expr
        known[subject] = step.expr
        if subject in names:
            names[subject] = step.expr
    facts = [
        _check_step(derivation, 1000 + i, fact, None, None, known, names, written)
        for i, fact in enumerate(derivation.facts, start=1)
    ]
    independent = tuple(
        _check_independently(derivation, closed, i, written)
        for i, closed in enumerate(derivation.closed_forms)
    )
    return Proof(tuple(results), tuple(facts), independent)


def _check_independently(
    derivation: Derivation, closed: ClosedForm, index: int, written: WrittenOut
) -> Check:
    """A closed form against sympy.diff of its function (or the function itself)."""
    seed = _seed(derivation.name, -1 - index)
    if derivation.structured:
        if any(getattr(v, "is_Matrix", False) for v in closed.wrt):
            reference = MatrixDerivative(closed.function, *closed.wrt)
        elif closed.wrt:
            reference = Derivative(closed.function, *closed.wrt, evaluate=False)
        else:
            reference = closed.function
        return written.check([closed.rhs, reference], derivation.shapes, {}, seed)
    function = to_exp_form(closed.function)
    reference = diff(function, *closed.wrt) if closed.wrt else function
    return check_equal(to_exp_form(closed.rhs), reference, derivation.domains, seed)
