"""What a certificate states: the lemmas of a derivation, as SymPy sides and Coq text.

For a scalar derivation, one lemma per step, between consecutive members of a
subject's chain as the checker recorded them (``StepResult.members``, with the subjects
it knew then), whatever SymPy's verdict on the step (coqc judges it: a step SymPy failed
is stated too, and rejected by coqc): ``a = b`` for all values of the symbols in their
domains, or, where a member is a derivative, ``is_derive (fun v => f) v b``
(d/dv f = b, Coquelicot's derivative).  Then the closed form, the main theorem
``NAME_closed_form``: ``is_derive (fun v => DEFINITION) v (CLOSED_FORM)`` (for a
second derivative ``is_derive_n … 2 …``; for an identity ``DEFINITION = CLOSED_FORM``).

A vector or matrix derivation is written out at the sizes of ``SIZES`` (as its
checker writes it out, ``derivations.Explicit``) and certified per component: one
lemma ∂f/∂v_i = g_i (∂f_i/∂v_j = g_ij for a Jacobian) per entry, and the main theorem
is their conjunction.  Its steps, written with abbreviations and index forms, are not
restated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from itertools import pairwise

from sympy import (
    Basic,
    Derivative,
    ImmutableMatrix,
    S,
    Symbol,
    diff,
)
from sympy.core.function import AppliedUndef
from sympy.matrices import MatrixBase

from bce_check.certify._coq import DERIVATIVE, EQUALITY, SECOND, coq, coq_name
from bce_check.certify._domains import binders, power_conditions
from derivations import PROVED, ClosedForm, Derivation, Explicit, is_structured
from derivations.errors import ExpressionError

# The sizes at which vector and matrix results are written out: m = 2 examples,
# n = 3 features (so that Xᵀ is not square), K = 3 classes.
SIZES: dict[str, int] = {"m": 2, "n": 3, "K": 3}


@dataclass(frozen=True)
class Unstated:
    """A lemma that has no Coq statement: its name, what it says, and why not."""

    name: str
    title: str
    reason: str


@dataclass(frozen=True)
class Statement:
    """One lemma: ∀ symbols (in their domains), ``left = right``, or, for a derivative,
    d^order/dv^order ``left`` = ``right`` (``left`` a function of ``variable``)."""

    name: str
    title: str
    kind: str
    left: Basic
    right: Basic
    symbols: tuple[Symbol, ...]
    hypotheses: tuple[str, ...]
    variable: Symbol | None = None
    order: int = 1
    domains: Mapping = field(default_factory=dict, compare=False)  # where the symbols lie
    # For a second derivative, d/dv of the function by SymPy: a hint for the proof, which
    # Coq checks (it proves the hint equal to Coquelicot's Derive of the function).
    first: Basic | None = field(default=None, compare=False)
    # 0 < a for each real power a^y whose base is not positive on the whole domain: Coq's
    # Rpower a y is e^{y·ln a}, the real power only where a > 0 (stated at the point).
    conditions: tuple[str, ...] = ()

    @property
    def goal(self) -> str:
        """What kind of goal its proof faces (the strategies' ``kinds``)."""
        if self.kind == DERIVATIVE and (self.order == 2 or self.left.has(Derivative)):
            return SECOND
        return self.kind

    def proposition(self) -> str:
        """The Coq proposition (binders typed R: an untyped binder of is_derive is not R)."""
        others = [s for s in self.symbols if s != self.variable]
        head = f"forall {' '.join(coq_name(s.name) for s in others)} : R, " if others else ""
        head += "".join(f"{h} -> " for h in self.hypotheses)
        conditions = "".join(f"{c} -> " for c in self.conditions)
        if self.kind == EQUALITY:
            return f"{head}{conditions}{coq(self.left)} = {coq(self.right)}"
        v = coq_name(self.variable.name)
        head += f"forall {v} : R, {conditions}"
        function = f"(fun {v} => {coq(self.left)})"
        if self.order == 1:
            return f"{head}is_derive {function} {v} ({coq(self.right)})"
        return f"{head}is_derive_n {function} {self.order} {v} ({coq(self.right)})"


def _statement(name, title, kind, left, right, domains, order=(), variable=None, degree=1):
    """A Statement whose binders and hypotheses are those of the symbols in it."""
    members = [left, right] + ([variable] if variable is not None else [])
    symbols, hypotheses = binders(members, domains, order)
    statement = Statement(
        name, title, kind, left, right, symbols, hypotheses, variable, degree, dict(domains)
    )
    return replace(statement, conditions=power_conditions([left, right], domains))


def closed_form_statements(derivation: Derivation) -> list[Statement]:
    """The main theorem's parts: one statement per closed form (per component when
    written out)."""
    statements = []
    for number, closed in enumerate(derivation.closed_forms):
        if is_structured(closed.function) or is_structured(closed.rhs):
            statements += _written_out_statements(derivation, closed)
            continue
        name = f"{derivation.name}_closed_form" + (f"_{number}" if number else "")
        sides = (closed.function, closed.rhs, derivation.domains, derivation.arguments)
        if not closed.wrt:
            statements.append(_statement(name, "closed form", EQUALITY, *sides))
            continue
        variable, order = closed.wrt[0], len(closed.wrt)
        if derivation.domains.get(variable) != S.Reals:
            raise ExpressionError(f"d/d{variable}: {variable} is not real-valued on all of ℝ")
        if any(v != variable for v in closed.wrt) or order > 2:
            raise ExpressionError(f"∂/∂{closed.wrt}: only d/dv and d²/dv² have a Coq statement")
        statement = _statement(name, "closed form", DERIVATIVE, *sides, variable, order)
        if order == 2:
            statement = replace(statement, first=diff(closed.function, variable))
        statements.append(statement)
    return statements


def _is_name(lhs: Basic, derivation: Derivation) -> bool:
    """A subject that the step defines (L(u), BCE), rather than states something about."""
    return isinstance(lhs, AppliedUndef) or (
        isinstance(lhs, Symbol) and lhs not in derivation.domains
    )


def _function_of(d: Derivative, known: Mapping) -> tuple[Basic, Symbol, int]:
    """d = dⁿf/dvⁿ as (g, v, k): the k-th derivative of g, using the latest known form of
    a subject (L(u), or dL/du for d²L/du²)."""
    (v, n), *rest = d.variable_count
    if rest:
        raise ExpressionError(f"{d}: mixed partial derivatives have no Coq statement here")
    for k in range(n - 1, 0, -1):
        lower = Derivative(d.expr, (v, k))
        if lower in known:
            return known[lower], v, n - k
    names = {s: e for s, e in known.items() if isinstance(s, AppliedUndef)}
    return d.expr.xreplace(names), v, n


def _link(derivation: Derivation, a: Basic, b: Basic, known: Mapping, name: str, title: str):
    """The statement a = b between consecutive members of a chain."""
    where = (derivation.domains, derivation.arguments)
    if isinstance(b, Derivative) and not isinstance(a, Derivative):
        raise ExpressionError(f"{a} = {b}: a derivative after a value has no Coq statement")
    if isinstance(a, Derivative):
        g, v, order = _function_of(a, known)
        if derivation.domains.get(v, S.Reals) != S.Reals:
            raise ExpressionError(f"d/d{v}: {v} is not real-valued on all of ℝ")
        if isinstance(b, Derivative):
            h, w, other = _function_of(b, known)
            if (w, other) != (v, order):
                raise ExpressionError(f"{a} = {b}: different derivatives")
            left, right = Derivative(g, (v, order)), Derivative(h, (v, order))
            return _statement(name, title, EQUALITY, left, right, *where)
        return _statement(name, title, DERIVATIVE, g, b, *where, v, order)
    names = {s: e for s, e in known.items() if _is_name(s, derivation)}
    return _statement(name, title, EQUALITY, a.xreplace(names), b, *where)


def step_statements(
    derivation: Derivation, unstated: list[Unstated] | None = None
) -> list[Statement]:
    """One statement per link of each step (scalar derivations): between consecutive
    members of what the checker compared (``StepResult.members``), with the subjects it
    knew then.  A link with no Coq statement raises ExpressionError, or, when
    ``unstated`` is a list, is added to it."""
    if derivation.structured:
        return []
    statements: list[Statement] = []
    for result in derivation.proof.steps:
        links = list(pairwise(result.members))
        for k, (a, b) in enumerate(links):
            suffix = chr(ord("a") + k) if len(links) > 1 else ""
            name = f"{derivation.name}_step_{result.index}{suffix}"
            title = f"step {result.index}: {result.step.rule}"
            try:
                statement = _link(derivation, a, b, result.known, name, title)
                statement.proposition()  # ExpressionError: no Coq form
            except ExpressionError as error:
                if unstated is None:
                    raise
                unstated.append(Unstated(name, title, str(error)))
                continue
            statements.append(statement)
    return statements + _fact_statements(derivation)


def _fact_statements(derivation: Derivation) -> list[Statement]:
    """The facts SymPy proved that have a Coq statement (a limit or a value at a point
    has none here: those are left out), between the members the checker compared, with
    the subjects of the chain known."""
    statements = []
    for number, result in enumerate(derivation.proof.facts, start=1):
        fact = result.step
        if result.verdict != PROVED or fact.lhs is None:
            continue
        try:
            for k, (a, b) in enumerate(pairwise(result.members)):
                suffix = chr(ord("a") + k) if len(result.members) > 2 else ""
                name = f"{derivation.name}_fact_{number}{suffix}"
                title = f"fact {number}: {fact.rule}"
                statement = _link(derivation, a, b, result.known, name, title)
                coq(statement.left), coq(statement.right)  # ExpressionError: no Coq form
                statements.append(statement)
        except ExpressionError:
            continue
    return statements


def _written_out_statements(derivation: Derivation, closed: ClosedForm) -> list[Statement]:
    """A closed form at SIZES, one derivative statement per component: ∂f/∂v_j = g_j for
    a gradient, ∂f_i/∂v_j = g_ij for a Jacobian, ∂/∂v_k (∂f/∂v_j) = H_jk for a Hessian."""
    sizes = {s: SIZES.get(s.name) for shape in derivation.shapes for s in shape}
    missing = [str(s) for s, v in sizes.items() if v is None]
    if missing:
        raise ExpressionError(f"no size to write out {', '.join(missing)} at; known: {SIZES}")
    if len(closed.wrt) not in (1, 2) or len(set(closed.wrt)) != 1:
        raise ExpressionError(f"{closed.lhs}: only gradients, Jacobians and Hessians")
    explicit = Explicit(sizes, {}, derivation.domains)
    function, result = explicit.evaluate(closed.function), explicit.evaluate(closed.rhs)
    variables = explicit.evaluate(closed.wrt[0])
    entries = list(variables) if isinstance(variables, MatrixBase) else [variables]
    if len(closed.wrt) == 2:  # the Hessian: the derivative of each partial derivative
        rows = [Derivative(function, v, evaluate=False) for v in entries]
    else:
        rows = list(function) if isinstance(function, MatrixBase) else [function]
    matrix = result if isinstance(result, MatrixBase) else ImmutableMatrix([result])
    matrix = matrix.reshape(len(rows), len(entries))
    statements = []
    for i, f in enumerate(rows):
        for j, v in enumerate(entries):
            part = f"_{entries[i].name}" if len(closed.wrt) == 2 else f"_{i}" * (len(rows) > 1)
            name = f"{derivation.name}{part}_{v.name}"
            title = (
                f"∂/∂{v.name} of row {i} of {closed.lhs}"
                if len(rows) > 1
                else (f"∂/∂{v.name} of {closed.lhs}")
            )
            where = (explicit.numeric_domains, tuple(entries))
            statement = _statement(name, title, DERIVATIVE, f, matrix[i, j], *where, v)
            if isinstance(f, Derivative):
                statement = replace(statement, first=f.doit())
            statements.append(statement)
    return statements
