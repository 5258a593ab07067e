"""One view of a checked derivation: the rows every output format is made from.

``view(derivation)`` checks the derivation (``derivation.proof``) once and returns a
``View``: its heading, the domains of its symbols, one ``Row`` per step and per fact
(the equation as SymPy expressions, the rule that justifies it, the verdict and the method
that closed it), each closed form with its check against ``sympy.diff`` of the definition,
the notes and the overall verdict.  A formatter is a function ``View -> str``; text,
Markdown, LaTeX and JSON are the four in ``bce_check.render`` (``render.FORMATTERS``), and a
new output (a Coq certificate, a derivation file) is one more function over the same view::

    from bce_check.render._formats import view
    v = view(derivations.get("bce_logit_gradient"))
    [(row.index, row.rule, row.verdict) for row in v.steps]

Expressions are kept as SymPy objects, not strings, so that each formatter prints them
with its own printer (``notation.text``, ``notation.tex``, a Coq printer).
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Basic, FiniteSet, Interval, Range, S, Symbol, sstr

from bce_check.printing.notation import text
from derivations import NUMERIC_ONLY, PROVED, Derivation, StepResult, worst

OK = (PROVED, NUMERIC_ONLY)  # the verdicts that establish an equality


@dataclass(frozen=True)
class Row:
    """One checked line, ``lhs = sides[0] = … = sides[-1]``, justified by ``rule``.

    ``index`` numbers steps from 1 and facts from 1 on their own; ``continued`` marks a
    step that continues the subject of the step before (shown as ``= …``); ``verdict``
    is proved / numeric-only / failed and ``method`` says what closed the step (the
    strategy that reduced the difference to 0, or where the sides differ).
    """

    index: int
    rule: str
    lhs: Basic
    sides: tuple[Basic, ...]
    continued: bool
    verdict: str
    method: str

    @property
    def equation(self) -> tuple[Basic, ...]:
        """Every member of the line, the subject first: (lhs, via…, expr)."""
        return (self.lhs, *self.sides)


@dataclass(frozen=True)
class Result:
    """A closed form ``lhs = rhs`` and its independent check against ``sympy.diff`` of its
    function (for an identity, against the function itself)."""

    lhs: Basic
    rhs: Basic
    verdict: str
    method: str


@dataclass(frozen=True)
class View:
    """Everything an output format shows of one checked derivation (see the module doc)."""

    name: str
    title: str
    source: str
    domains: tuple[str, ...]  # "θ ∈ ℝ (n×1)", in the derivation's order, as plain text
    steps: tuple[Row, ...]
    facts: tuple[Row, ...]
    closed_forms: tuple[Result, ...]
    notes: tuple[str, ...]
    verdict: str

    @property
    def matches_sympy_diff(self) -> bool:
        """Does every closed form agree with sympy.diff of its definition?"""
        return bool(self.closed_forms) and all(c.verdict in OK for c in self.closed_forms)

    @property
    def sympy_diff(self) -> Result | None:
        """The worst of the closed forms' checks (``derivations.worst``)."""
        return worst(self.closed_forms)


def domain_text(symbol: Symbol, domain: Basic) -> str:
    """``θ ∈ ℝ (n×1)``-style text: the symbol as printed, its entries' set, its shape."""
    if domain == S.Reals:
        where = "ℝ"
    elif isinstance(domain, Interval):
        left = "(" if domain.left_open else "["
        right = ")" if domain.right_open else "]"
        where = f"{left}{text(domain.start)}, {text(domain.end)}{right}"
    elif isinstance(domain, FiniteSet):
        where = "{" + ", ".join(text(v) for v in domain) + "}"
    elif isinstance(domain, Range):
        where = f"{{{sstr(domain.inf)}, …, {sstr(domain.sup)}}}"
    else:
        where = str(domain)
    shape = getattr(symbol, "shape", None)
    size = f" ({text(shape[0])}×{text(shape[1])})" if shape else ""
    return f"{text(symbol)} ∈ {where}{size}"


def _rows(results: tuple[StepResult, ...], facts: bool) -> tuple[Row, ...]:
    """One row per result, as the checker recorded it (``StepResult.continued``)."""
    return tuple(
        Row(
            i if facts else result.index,
            result.step.rule,
            result.lhs,
            (*result.step.via, result.step.expr),
            result.continued,
            result.verdict,
            result.method,
        )
        for i, result in enumerate(results, start=1)
    )


def view(derivation: Derivation) -> View:
    """The rows of ``derivation``, checked (its ``proof``, computed once and cached)."""
    proof = derivation.proof
    closed = tuple(
        Result(form.lhs, form.rhs, check.verdict, check.method)
        for form, check in zip(derivation.closed_forms, proof.independent, strict=True)
    )
    return View(
        name=derivation.name,
        title=derivation.title,
        source=derivation.source,
        domains=tuple(domain_text(s, d) for s, d in derivation.domains.items()),
        steps=_rows(proof.steps, facts=False),
        facts=_rows(proof.facts, facts=True),
        closed_forms=closed,
        notes=tuple(derivation.notes),
        verdict=proof.verdict,
    )


__all__ = ["Result", "Row", "View", "domain_text", "view"]
