"""A checked derivation as text, Markdown, LaTeX or JSON: four formatters over one view.

``view(derivation)`` (``bce_check.render._view``) builds the rows once: steps, facts, each
closed form with its ``sympy.diff`` check, the notes, and per line the verdict and the
method that closed it.  Each formatter is a function ``View -> str`` in ``FORMATTERS``;
``render`` picks one by name.  The notation of single expressions lives in
``notation.py``: expressions print in the order the derivation wrote them, so a textbook
form such as σ(z)(1 − σ(z)) or σ(u) − p is shown as written.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from sympy import Basic

from bce_check.printing.notation import TexPrinter, TextPrinter, tex, text
from bce_check.render._deriv import to_deriv
from bce_check.render._view import Result, Row, View, view
from derivations import FAILED, INCONCLUSIVE, NUMERIC_ONLY, PROVED, BceCheckError, Derivation

MARKS = {PROVED: "✓", NUMERIC_ONLY: "≈", INCONCLUSIVE: "?", FAILED: "✗"}
LEGEND = (
    "✓ proved by SymPy · ≈ numeric only (agree to 40 digits at 20 random points, "
    "evaluated at 60 digits) · "
    "? inconclusive · ✗ failed"
)

RULE_COLUMN = 58  # text format: where the rule starts, unless the equation is longer


def _equation(row: Row, show: Callable[[Basic], str], continued: bool | None = None) -> str:
    """``lhs = a = b``, or ``= a = b`` for a line that continues the one before."""
    sides = [show(e) for e in row.sides]
    if row.continued if continued is None else continued:
        return "= " + " = ".join(sides)
    return " = ".join([show(row.lhs), *sides])


def _diff_sentence(check: Result | None, mark: bool = True) -> str | None:
    """The sympy.diff check in words (the worst of the closed forms' checks)."""
    if check is None:
        return None
    head = f"{MARKS[check.verdict]} " if mark else ""
    if check.verdict == FAILED:
        return f"{head}disagrees with sympy.diff of the definition: {check.method}"
    return f"{head}agrees with sympy.diff of the definition ({check.method})"


def format_text(v: View) -> str:
    """Plain text: numbered steps with their marks and rules, facts, notes, the result."""
    lines = [f"{v.name}: {v.title}", f"  source: {v.source}", "  domain: " + ", ".join(v.domains)]
    lines.append("")
    for row in v.steps:
        lines += _text_line(f"{row.index:>3}", row)
    if v.facts:
        lines += ["", "  facts:"]
        for row in v.facts:
            lines += _text_line("   ", row)
    if v.notes:
        lines += ["", "  notes:", *(f"    - {note}" for note in v.notes)]
    lines.append("")
    lines += [f"  closed form: {text(c.lhs)} = {text(c.rhs)}" for c in v.closed_forms]
    check = _diff_sentence(v.sympy_diff)
    lines += [f"  {check}"] if check else []
    lines += [f"  verdict: {v.verdict}", f"  ({LEGEND})"]
    return "\n".join(lines)


def _text_line(number: str, row: Row) -> list[str]:
    indent = "      " if row.continued else ""
    body = f"{number} {MARKS[row.verdict]}  {indent}{_equation(row, text)}"
    lines = [f"{body:<{RULE_COLUMN}}  [{row.rule}]"]
    if row.verdict != PROVED:
        lines.append(f"        {row.verdict}: {row.method}")
    return lines


def format_markdown(v: View) -> str:
    """Markdown with the equations in $…$ (LaTeX), as Jupyter and GitHub render it."""
    lines = [f"### `{v.name}`: {v.title}", "", f"*Source:* {v.source}", ""]
    for row in v.steps:
        lines.append(f"{row.index}. {MARKS[row.verdict]} ${_equation(row, tex)}$ — {row.rule}")
    if v.facts:
        lines += ["", "*Facts:*", ""]
        lines += [f"- {MARKS[r.verdict]} ${_equation(r, tex)}$ — {r.rule}" for r in v.facts]
    closed = "; ".join(f"${tex(c.lhs)} = {tex(c.rhs)}$" for c in v.closed_forms)
    lines += ["", f"**Closed form:** {closed} — {v.verdict}"]
    check = _diff_sentence(v.sympy_diff)
    lines += ["", check] if check else []
    if v.notes:
        lines += ["", "*Notes:*", "", *(f"- {note}" for note in v.notes)]
    lines += ["", f"<sub>{LEGEND}</sub>"]
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
        "×": r"$\times$",
        "<": r"$<$",
        ">": r"$>$",
        "ℝ": r"$\mathbb{R}$",
        "…": r"\dots{}",
        "≈": r"$\approx$",
    }
)


def _tex_text(words: str) -> str:
    """Prose (a rule, a title, a note) made safe for LaTeX text mode."""
    return words.translate(_TEX_TEXT)


def _latex_rows(rows: Sequence[Row], tag: Callable[[Row], str]) -> str:
    lines = []
    for row in rows:
        head = "" if row.continued else tex(row.lhs)
        sides = " = ".join(tex(e) for e in row.sides)
        lines.append(
            rf"{head} &= {sides} && \text{{{_tex_text(row.rule)}}} "
            rf"&& \text{{{row.verdict}}} {tag(row)}"
        )
    return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}"


def format_latex(v: View) -> str:
    """A LaTeX fragment: one align* of tagged steps, the facts, the result, the notes."""
    heading = f"\\texttt{{{_tex_text(v.name)}}}: {_tex_text(v.title)}"
    parts = [rf"\subsection*{{{heading}}}", _latex_rows(v.steps, lambda r: rf"\tag{{{r.index}}}")]
    if v.facts:
        parts += ["Facts:", _latex_rows(v.facts, lambda r: rf"\tag*{{fact {r.index}}}")]
    equation = "; ".join(f"{tex(c.lhs)} = {tex(c.rhs)}" for c in v.closed_forms)
    parts.append(rf"Closed form: $\displaystyle {equation}$ ({v.verdict}).")
    check = _diff_sentence(v.sympy_diff, mark=False)
    if check:
        parts.append(_tex_text(check[0].upper() + check[1:]) + ".")
    if v.notes:
        items = "\n".join(rf"  \item {_tex_text(note)}" for note in v.notes)
        parts.append(f"\\begin{{itemize}}\n{items}\n\\end{{itemize}}")
    return "\n".join(parts)


def _row_dict(row: Row, index: int) -> dict:
    return {
        "index": index,
        "rule": row.rule,
        "text": _equation(row, text, continued=False),
        "latex": _equation(row, tex, continued=False),
        "verdict": row.verdict,
        "method": row.method,
    }


def as_dict(v: View) -> dict:
    """The JSON contract of ``bce-check prove --format json``.

    ``name, title, source``; ``steps``: [{index, rule, text, latex, verdict, method}];
    ``facts``: the same keys, numbered from 1; ``closed_form``: {text, latex} (several
    results joined by "; "); ``matches_sympy_diff``; ``notes``: [str]; ``verdict``.
    """
    return {
        "name": v.name,
        "title": v.title,
        "source": v.source,
        "steps": [_row_dict(r, r.index) for r in v.steps],
        "facts": [_row_dict(r, r.index) for r in v.facts],
        "closed_form": {
            "text": "; ".join(f"{text(c.lhs)} = {text(c.rhs)}" for c in v.closed_forms),
            "latex": "; ".join(f"{tex(c.lhs)} = {tex(c.rhs)}" for c in v.closed_forms),
        },
        "matches_sympy_diff": v.matches_sympy_diff,
        "notes": list(v.notes),
        "verdict": v.verdict,
    }


def format_json(v: View) -> str:
    """``as_dict`` as indented JSON."""
    return json.dumps(as_dict(v), indent=2, ensure_ascii=False)


# Formatters over a View, by the name ``bce-check prove --format`` takes.
FORMATTERS: dict[str, Callable[[View], str]] = {
    "text": format_text,
    "markdown": format_markdown,
    "latex": format_latex,
    "json": format_json,
}


def to_text(derivation: Derivation) -> str:
    return format_text(view(derivation))


def to_markdown(derivation: Derivation) -> str:
    return format_markdown(view(derivation))


def to_latex(derivation: Derivation) -> str:
    return format_latex(view(derivation))


def to_dict(derivation: Derivation) -> dict:
    """The JSON contract of ``bce-check prove --format json`` (see ``as_dict``)."""
    return as_dict(view(derivation))


def register_ipython(shell: Any) -> None:
    """Let a Derivation display itself in Jupyter as Markdown with LaTeX steps.

    Registered with ``shell``'s display formatters (so that ``derivations`` itself stays
    free of rendering code); ``%load_ext bce_check`` calls it with the running shell.
    Importing ``bce_check`` registers nothing.
    """
    shell.display_formatter.formatters["text/markdown"].for_type(Derivation, to_markdown)


def render(derivations: Sequence[Derivation], fmt: str, as_list: bool) -> str:
    """Render one derivation, or (``as_list``) several: JSON gives a list, others join."""
    if fmt == "deriv":  # the derivation-file format reads the Derivation's own steps
        return "\n\n".join(to_deriv(d) for d in derivations)
    if fmt not in FORMATTERS:
        allowed = ", ".join([*FORMATTERS, "deriv"])
        raise BceCheckError(f"unknown format {fmt!r}; allowed: {allowed}")
    views = [view(d) for d in derivations]
    if fmt == "json":
        payload = [as_dict(v) for v in views]
        return json.dumps(payload if as_list else payload[0], indent=2, ensure_ascii=False)
    return "\n\n".join(FORMATTERS[fmt](v) for v in views)


__all__ = [
    "FORMATTERS",
    "Result",
    "Row",
    "TexPrinter",
    "TextPrinter",
    "View",
    "as_dict",
    "format_json",
    "format_latex",
    "format_markdown",
    "format_text",
    "register_ipython",
    "render",
    "tex",
    "text",
    "to_dict",
    "to_latex",
    "to_markdown",
    "to_text",
    "view",
]
