"""Steps and derivations: the data a derivation is made of, and the proof it gets.

The checker that produces the proof lives in ``_chain`` (``Derivation.proof`` calls it);
what follows is the model it implements.

A derivation is a chain ``lhs = e1 = e2 = …``: each step is one expression and the
rule that produced it.  A step may start a new subject (``lhs=``), as docs/algebra.md
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

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from sympy import Basic, Eq, S, Symbol

from ._matrix import is_structured
from ._verdicts import PROVED, Check, Verdict, worst
from .errors import ExpressionError


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
    verdict: Verdict
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
        return worst(self.independent)

    @property
    def verdict(self) -> Verdict:
        """The worst verdict of the steps, the facts and the independent checks."""
        weakest = worst(r.verdict for r in (*self.steps, *self.facts, *self.independent))
        return PROVED if weakest is None else Verdict(weakest)

    @property
    def ok(self) -> bool:
        """Proved or numeric-only: no step failed or was left inconclusive."""
        return self.verdict.ok


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
            got = f"Step({self.steps[0].expr}, lhs=None)" if self.steps else "no steps"
            raise ExpressionError(
                f"derivation {self.name!r}: the first step must name its subject "
                f"(Step(expr, lhs=...)); got {got}"
            )
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
        """Every step, fact and closed form checked (``_chain.check``), once."""
        from ._chain import check  # the checker reads these classes: imported when needed

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
