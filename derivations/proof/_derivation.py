"""A Derivation: a named chain of steps, its symbols' domains, and the proof it gets.

The model of the chain is stated in ``_steps``; ``Derivation.proof`` runs the checker
(``_chain.check``) once and keeps its Proof.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from sympy import Basic, Eq, S, Symbol

from derivations.errors import ExpressionError
from derivations.proof._chain import check
from derivations.proof._matrix import is_structured
from derivations.proof._steps import ClosedForm, Proof, Step


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
