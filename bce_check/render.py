"""A Derivation as text, Markdown, LaTeX or JSON; every format reads the same checked object.

The notation of single expressions lives in ``notation.py``.

Expressions print in the order the derivation wrote them (``order="none"``), so a
textbook form such as σ(z)(1 − σ(z)) or σ(u) − p is shown as written, not in
SymPy's canonical order.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence

from sympy import (
    Basic,
    FiniteSet,
    Interval,
    Range,
    S,
    Symbol,
    sstr,
)

from derivations import FAILED, NUMERIC_ONLY, PROVED, Derivation, StepResult

from ._deriv_format import to_deriv
from .notation import TexPrinter, TextPrinter, tex, text  # noqa: F401 (re-exported)

MARKS = {PROVED: "✓", NUMERIC_ONLY: "≈", FAILED: "✗"}
LEGEND = "✓ proved by SymPy · ≈ numeric only (40 digits at 20 random points) · ✗ failed"
RULE_COLUMN = 58  # text format: where the rule starts, unless the equation is longer


def _equation(result: StepResult, show: Callable[[Basic], str], continued: bool) -> str:
    sides = [show(e) for e in (*result.step.via, result.step.expr)]
    head = "" if continued else show(result.lhs)
    return " = ".join([head, *sides]) if head else "= " + " = ".join(sides)


def _domain_text(symbol: Symbol, domain) -> str:
    """``θ ∈ ℝ^(n×1)``-style text: the symbol as printed, its entries' set, its shape."""
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


def _continued(results: Sequence[StepResult], i: int) -> bool:
    return i > 0 and results[i].lhs == results[i - 1].lhs and results[i].step.lhs is None


def to_text(derivation: Derivation) -> str:
    proof = derivation.proof
    lines = [
        f"{derivation.name}: {derivation.title}",
        f"  source: {derivation.source}",
        "  domain: " + ", ".join(_domain_text(s, d) for s, d in derivation.domains.items()),
        "",
    ]
    for i, result in enumerate(proof.steps):
        lines += _text_line(f"{result.index:>3}", result, _continued(proof.steps, i))
    if proof.facts:
        lines += ["", "  facts:"]
        for result in proof.facts:
            lines += _text_line("   ", result, False)
    lines += [
        "",
        f"  closed form: {text(derivation.closed_form.lhs)} = {text(derivation.closed_form.rhs)}",
    ]
    if proof.sympy_diff is not None:
        check = proof.sympy_diff
        lines.append(
            f"  {MARKS[check.verdict]} agrees with sympy.diff of the definition ({check.method})"
            if check.verdict != FAILED
            else f"  ✗ disagrees with sympy.diff of the definition: {check.method}"
        )
    lines += [f"  verdict: {proof.verdict}", f"  ({LEGEND})"]
    return "\n".join(lines)


def _text_line(number: str, result: StepResult, continued: bool) -> list[str]:
    equation = _equation(result, text, continued)
    indent = "      " if continued else ""
    body = f"{number} {MARKS[result.verdict]}  {indent}{equation}"
    lines = [f"{body:<{RULE_COLUMN}}  [{result.step.rule}]"]
    if result.verdict != PROVED:
        lines.append(f"        {result.verdict}: {result.method}")
    return lines


def to_markdown(derivation: Derivation) -> str:
    proof = derivation.proof
    lines = [
        f"### `{derivation.name}`: {derivation.title}",
        "",
        f"*Source:* {derivation.source}",
        "",
    ]
    for i, result in enumerate(proof.steps):
        equation = _equation(result, tex, _continued(proof.steps, i))
        lines.append(f"{result.index}. {MARKS[result.verdict]} ${equation}$ — {result.step.rule}")
    if proof.facts:
        lines += ["", "*Facts:*", ""]
        lines += [
            f"- {MARKS[r.verdict]} ${_equation(r, tex, False)}$ — {r.step.rule}"
            for r in proof.facts
        ]
    closed = derivation.closed_form
    lines += [
        "",
        f"**Closed form:** ${tex(closed.lhs)} = {tex(closed.rhs)}$ — {proof.verdict}",
        "",
        f"<sub>{LEGEND}</sub>",
    ]
    return "\n".join(lines)


_TEX_TEXT = str.maketrans(
    {
        "\\": r"\textbackslash{}",
        "{": r"\{",
        "}": r"\}",
        "$": r"\$",
        "&": r"\&",
        "#": r"\#",
        "_": r"\_",
        "%": r"\%",
        "^": r"\textasciicircum{}",
        "~": r"\textasciitilde{}",
        "σ": r"$\sigma$",
        "−": "$-$",
        "≤": r"$\le$",
        "≥": r"$\ge$",
        "·": r"$\cdot$",
        "∞": r"$\infty$",
        "′": "'",
        "∈": r"$\in$",
        "≠": r"$\neq$",
        "|": r"$|$",
        "‖": r"$\|$",
        "₁": r"$_1$",
        "²": r"$^2$",
        "ᵀ": r"$^T$",
        "∘": r"$\circ$",
        "∂": r"$\partial$",
        "∇": r"$\nabla$",
        "←": r"$\leftarrow$",
        "Σ": r"$\Sigma$",
        "Π": r"$\Pi$",
        "θ": r"$\theta$",
        "α": r"$\alpha$",
        "λ": r"$\lambda$",
        "δ": r"$\delta$",
        "ŷ": r"$\hat{y}$",
    }
)


def _tex_text(words: str) -> str:
    """Prose (a rule's name) made safe for LaTeX text mode."""
    return words.translate(_TEX_TEXT)


def to_latex(derivation: Derivation) -> str:
    proof = derivation.proof
    rows = []
    for i, result in enumerate(proof.steps):
        continued = _continued(proof.steps, i)
        sides = " = ".join(tex(e) for e in (*result.step.via, result.step.expr))
        head = "" if continued else tex(result.lhs)
        rows.append(
            rf"{head} &= {sides} && \text{{{_tex_text(result.step.rule)}}} "
            rf"&& \text{{{result.verdict}}} \tag{{{result.index}}}"
        )
    closed = derivation.closed_form
    heading = f"\\texttt{{{_tex_text(derivation.name)}}}: {_tex_text(derivation.title)}"
    equation = f"{tex(closed.lhs)} = {tex(closed.rhs)}"
    return "\n".join(
        [
            rf"\subsection*{{{heading}}}",
            r"\begin{align*}",
            " \\\\\n".join(rows),
            r"\end{align*}",
            rf"Closed form: $\displaystyle {equation}$ ({proof.verdict}).",
        ]
    )


def to_dict(derivation: Derivation) -> dict:
    """The JSON contract of ``bce-check prove --format json``."""
    proof = derivation.proof
    closed = derivation.closed_forms
    return {
        "name": derivation.name,
        "title": derivation.title,
        "source": derivation.source,
        "steps": [
            {
                "index": r.index,
                "rule": r.step.rule,
                "text": _equation(r, text, False),
                "latex": _equation(r, tex, False),
                "verdict": r.verdict,
            }
            for r in proof.steps
        ],
        "closed_form": {
            "text": "; ".join(f"{text(c.lhs)} = {text(c.rhs)}" for c in closed),
            "latex": "; ".join(f"{tex(c.lhs)} = {tex(c.rhs)}" for c in closed),
        },
        "matches_sympy_diff": proof.sympy_diff is not None and proof.sympy_diff.verdict != FAILED,
        "verdict": proof.verdict,
    }


def register_ipython() -> None:
    """Let a Derivation display itself in Jupyter as Markdown with LaTeX steps.

    Registered with IPython's display formatters (so that ``derivations`` itself stays
    free of rendering code); called when ``bce_check`` is imported inside IPython.
    """
    shell = sys.modules["IPython"].get_ipython() if "IPython" in sys.modules else None
    if shell is not None:
        shell.display_formatter.formatters["text/markdown"].for_type(Derivation, to_markdown)


FORMATS: dict[str, Callable[[Derivation], str]] = {
    "text": to_text,
    "markdown": to_markdown,
    "latex": to_latex,
    "deriv": to_deriv,  # the derivation-file format (bce-check check FILE reads it)
}


def render(derivations: Sequence[Derivation], fmt: str, as_list: bool) -> str:
    """Render one derivation, or (``as_list``) several: JSON gives a list, others join."""
    if fmt == "json":
        payload = [to_dict(d) for d in derivations]
        return json.dumps(payload if as_list else payload[0], indent=2, ensure_ascii=False)
    return "\n\n".join(FORMATS[fmt](d) for d in derivations)
