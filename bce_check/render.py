"""A Derivation as text, Markdown, LaTeX or JSON; every format reads the same checked object.

Expressions print in the order the derivation wrote them (``order="none"``), so a
textbook form such as σ(z)(1 − σ(z)) or σ(u) − p is shown as written, not in
SymPy's canonical order.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from sympy import (
    Basic,
    Derivative,
    FiniteSet,
    Interval,
    S,
    Symbol,
    UnevaluatedExpr,
)
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from derivations import FAILED, NUMERIC_ONLY, PROVED, Derivation, StepResult

MARKS = {PROVED: "✓", NUMERIC_ONLY: "≈", FAILED: "✗"}
LEGEND = "✓ proved by SymPy · ≈ numeric only (40 digits at 20 random points) · ✗ failed"
RULE_COLUMN = 58  # text format: where the rule starts, unless the equation is longer


def _prime_name(expr: Derivative) -> tuple[str, Basic] | None:
    """``f'(x)`` for d/dx f(x) of one variable; None for anything else."""
    (variable, count), *rest = expr.variable_count
    inner = expr.expr
    if rest or count > 3 or not inner.is_Function or inner.args != (variable,):
        return None
    name = type(inner).__name__.replace("sigmoid", "σ")
    return name + "'" * count, variable


class TextPrinter(StrPrinter):
    """Plain text: σ, e^x, f'(x), · for products and ^ for powers."""

    def __init__(self) -> None:
        super().__init__({"order": "none"})

    def _print_exp(self, expr) -> str:
        arg = expr.args[0]
        body = self._print(arg)
        return f"e^{body}" if arg.is_Atom and not arg.could_extract_minus_sign() else f"e^({body})"

    def _print_Derivative(self, expr) -> str:
        prime = _prime_name(expr)
        if prime is not None:
            return f"{prime[0]}({self._print(prime[1])})"
        variables = "".join(
            f"d{self._print(v)}" + (f"^{n}" if n > 1 else "") for v, n in expr.variable_count
        )
        inner = self._print(expr.expr)
        bare = expr.expr.is_Atom or isinstance(expr.expr, UnevaluatedExpr) or expr.expr.is_Function
        return f"d/{variables} {inner}" if bare else f"d/{variables} ({inner})"

    def _print_Subs(self, expr) -> str:
        inner, (variable,), (point,) = expr.args
        if isinstance(inner, Derivative) and _prime_name(inner) is not None:
            return f"{_prime_name(inner)[0]}({self._print(point)})"
        return f"[{self._print(inner)}]_({self._print(variable)}={self._print(point)})"

    def _print_Limit(self, expr) -> str:
        inner, variable, point, _ = expr.args
        target = {S.Infinity: "∞", S.NegativeInfinity: "-∞"}.get(point, self._print(point))
        return f"lim_({self._print(variable)}→{target}) {self._print(inner)}"

    def _print_UnevaluatedExpr(self, expr) -> str:
        # A factor kept as written: a negative power stays a power, (1 + e^(-z))^(-2).
        inner = expr.args[0]
        if inner.is_Pow and inner.exp.is_negative:
            return f"{self.parenthesize(inner.base, 1000)}^({self._print(inner.exp)})"
        return self._print(inner)

    def doprint(self, expr) -> str:
        return super().doprint(expr).replace("**", "^").replace("*", "·")


class TexPrinter(LatexPrinter):
    """LaTeX as SymPy prints it, but in the derivation's order and with f'(x)."""

    def __init__(self) -> None:
        super().__init__({"order": "none"})

    def _print_Derivative(self, expr) -> str:
        prime = _prime_name(expr)
        if prime is None:
            return super()._print_Derivative(expr)
        name = prime[0].replace("σ", r"\sigma")
        return rf"{name}\left({self._print(prime[1])}\right)"

    def _print_UnevaluatedExpr(self, expr) -> str:
        inner = expr.args[0]
        if inner.is_Pow and inner.exp.is_negative:
            return rf"\left({self._print(inner.base)}\right)^{{{self._print(inner.exp)}}}"
        if inner.is_Atom or not inner.could_extract_minus_sign():
            return self._print(inner)  # the enclosing product brackets what needs it
        return rf"\left({self._print(inner)}\right)"


def text(expr: Basic) -> str:
    """One expression as plain text."""
    return TextPrinter().doprint(expr)


def tex(expr: Basic) -> str:
    """One expression as LaTeX."""
    return TexPrinter().doprint(expr)


def _equation(result: StepResult, show: Callable[[Basic], str], continued: bool) -> str:
    sides = [show(e) for e in (*result.step.via, result.step.expr)]
    head = "" if continued else show(result.lhs)
    return " = ".join([head, *sides]) if head else "= " + " = ".join(sides)


def _domain_text(symbol: Symbol, domain) -> str:
    if domain == S.Reals:
        where = "ℝ"
    elif isinstance(domain, Interval):
        left = "(" if domain.left_open else "["
        right = ")" if domain.right_open else "]"
        where = f"{left}{text(domain.start)}, {text(domain.end)}{right}"
    elif isinstance(domain, FiniteSet):
        where = "{" + ", ".join(text(v) for v in domain) + "}"
    else:
        where = str(domain)
    return f"{symbol} ∈ {where}"


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
    closed = derivation.closed_form
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
            "text": f"{text(closed.lhs)} = {text(closed.rhs)}",
            "latex": f"{tex(closed.lhs)} = {tex(closed.rhs)}",
        },
        "matches_sympy_diff": proof.sympy_diff is not None and proof.sympy_diff.verdict != FAILED,
        "verdict": proof.verdict,
    }


FORMATS: dict[str, Callable[[Derivation], str]] = {
    "text": to_text,
    "markdown": to_markdown,
    "latex": to_latex,
}


def render(derivations: Sequence[Derivation], fmt: str, as_list: bool) -> str:
    """Render one derivation, or (``as_list``) several: JSON gives a list, others join."""
    if fmt == "json":
        payload = [to_dict(d) for d in derivations]
        return json.dumps(payload if as_list else payload[0], indent=2, ensure_ascii=False)
    return "\n\n".join(FORMATS[fmt](d) for d in derivations)
