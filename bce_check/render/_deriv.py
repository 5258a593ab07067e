"""A Derivation in the derivation-file format (``prove NAME --format deriv``).

The format is the one ``derivations.load`` reads: headers, then one step per line,
``LHS = RHS  [rule]`` starting a subject and ``= RHS  [rule]`` continuing it.
``bce-check check`` of the output checks the same steps and gives the same verdicts
(tests/test_check_file.py).  What the format cannot hold is written as a comment:
an intermediate form containing an unevaluated derivative (``d/dz (…)``: the checker
reaches the same comparison without it) and the facts (checked by ``prove``).
Scalar derivations only: vector and matrix symbols have no text form in the parser's
grammar for declaring shapes.
"""

from __future__ import annotations

from sympy import Derivative, Subs

from bce_check import domains
from bce_check.printing.notation import TextPrinter
from derivations import BceCheckError, Derivation, DomainError, Step

COLUMN = 60  # where the rule starts, unless the equation is longer


class FilePrinter(TextPrinter):
    """The text notation, as the parser reads it back: |x| is written abs(x), since the
    parser's grammar has no bars (``derivations.text``)."""

    def _print_Abs(self, expr) -> str:
        return f"abs({self._print(expr.args[0])})"


def text(expr) -> str:
    """One expression as a derivation file writes it."""
    return FilePrinter().doprint(expr)


def _where(symbol, domain) -> str | None:
    """The ``where:`` line of a domain: its row's text (``domains.KINDS_OF_DOMAIN``)."""
    try:
        return domains.kind_of(domain).text(text(symbol), domain, text)
    except DomainError as error:
        raise BceCheckError(
            f"the domain {domain} of {symbol} has no text form in a derivation file ({error})"
        ) from None


def _line(step: Step, head: str, indent: int) -> tuple[str, list[str]]:
    shown = [v for v in step.via if not v.has(Derivative, Subs)]
    dropped = [f"#   (not in the file format: = {text(v)})" for v in step.via if v not in shown]
    sides = " = ".join(text(e) for e in (*shown, step.expr))
    equation = f"{head} = {sides}" if head else f"{' ' * indent}= {sides}"
    rule = step.rule.replace("[", "(").replace("]", ")").replace("#", "no.")
    return f"{equation:<{COLUMN}}  [{rule}]", dropped


def to_deriv(derivation: Derivation) -> str:
    """The derivation as a derivation file (see the module docstring)."""
    if derivation.structured:
        raise BceCheckError(
            f"{derivation.name} has vector or matrix symbols; --format deriv covers scalar "
            "derivations (sigmoid_derivative, bce_logit_gradient, bce_second_derivative, …)"
        )
    lines = [f"# {derivation.title}", f"# source: {derivation.source}", f"name: {derivation.name}"]
    lines.append(f"title: {derivation.title}")
    lines += [f"where: {w}" for s, d in derivation.domains.items() if (w := _where(s, d))]
    indent = 0
    for step in derivation.steps:
        head = text(step.lhs) if step.lhs is not None else ""
        indent = len(head) + 1 if head else indent
        line, dropped = _line(step, head, indent)
        lines += [*dropped, line]
    for fact in derivation.facts:
        lhs = text(fact.lhs) if fact.lhs is not None else "…"
        lines.append(f"# fact (checked by prove): {lhs} = {text(fact.expr)}  [{fact.rule}]")
    return "\n".join(lines) + "\n"
