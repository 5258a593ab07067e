"""Steps and derivations: the data a derivation is made of, and the proof it gets.

The checker that produces the proof lives in ``_chain`` and the Derivation that holds
the steps in ``_derivation`` (its ``proof`` calls the checker); what follows is the model
it implements.

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

from sympy import Basic, Symbol

from derivations.proof._verdicts import PROVED, Check, Verdict, worst


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
    """A checked step: its number, its subject, its verdict and how it was reached.

    The one walk over the chain (``_chain.check``) records what it compared, so that what
    shows or restates a step (the view, the Coq statements) reads it from here:

    * ``members``: the expressions the step states equal, in order, as written (one link
      between each two consecutive): ``previous expr, via…, expr`` when the step continues
      its subject; ``via…, expr`` when it defines a name (L(u), BCE); ``lhs, via…, expr``
      otherwise (the checker compares the lhs by its meaning);
    * ``known``: what each subject stood for when the step was checked (its latest
      expression before the step; for a fact, at the end of the chain);
    * ``continued``: the line writes no lhs and continues the subject of the line before.
    """

    index: int
    step: Step
    lhs: Basic
    verdict: Verdict
    method: str
    members: tuple[Basic, ...] = ()
    known: Mapping[Basic, Basic] = field(default_factory=dict, compare=False)
    continued: bool = False


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
