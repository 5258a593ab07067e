"""The Coq file of a derivation: the preamble, then each lemma with its generated proof.

The preamble loads Coquelicot, defines σ and softplus from ``exp`` and ``ln``, and
defines the Ltac helpers the strategies share.  Each lemma's proof asserts the
positivity facts its side conditions need (``positives``), introduces its binders,
and tries the strategies of ``_coq.STRATEGIES`` that fit its kind, in order, inside
``first [ … ]``, each announcing itself with ``idtac`` and running under Coq's
``timeout``.  A result with several parts (the components of a gradient) gets a main
theorem that is their conjunction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sympy import (
    Add,
    Basic,
    Interval,
    Mul,
    Pow,
    Symbol,
    cancel,
    exp,
    expand,
    fraction,
    log,
    oo,
    together,
)

from bce_check.certify._coq import DERIVATIVE, STRATEGIES, as_coq_unfolds, coq, coq_name
from bce_check.certify._logs import powers_rewrite, rewrites
from bce_check.certify._preamble import PREAMBLE
from bce_check.certify._statements import (
    Statement,
    Unstated,
    closed_form_statements,
    step_statements,
)
from derivations import Derivation
from derivations.functions import to_exp_form

STRATEGY_TIMEOUT = 30  # seconds per strategy inside Coq (Coq's own `timeout` tactical)



def _visibly_positive(e: Basic) -> bool:
    if e.is_Number:
        return e > 0
    if isinstance(e, exp) or (isinstance(e, Symbol) and e.is_positive):
        return True
    if isinstance(e, Add | Mul):
        return all(_visibly_positive(a) for a in e.args)
    if isinstance(e, Pow):
        return _visibly_positive(e.base)
    return False


def _needs_positive(expr: Basic) -> list[Basic]:
    """Log arguments and denominators of ``expr`` that are not visibly positive."""
    found = []
    for e in expr.atoms(log, Pow):
        s = e.args[0] if isinstance(e, log) else e.base
        if isinstance(e, Pow) and not (e.exp.is_Number and e.exp < 0):
            continue
        if not _visibly_positive(to_exp_form(s)) and s not in found:
            found.append(s)
    return found


def positive_form(s: Basic) -> Basic | None:
    """``s`` as n/d with n, d polynomials in its exponentials with positive coefficients
    (each exponential an independent positive atom, as it is to ``field``), or None."""
    e = as_coq_unfolds(s)
    atoms = {a: Symbol(f"_e{i}", positive=True) for i, a in enumerate(e.atoms(exp))}
    numerator, denominator = fraction(cancel(together(e.xreplace(atoms))))
    back = {v: k for k, v in atoms.items()}
    for n, d in ((numerator, denominator), (-numerator, -denominator)):
        n, d = expand(n), expand(d)
        if _visibly_positive(n) and _visibly_positive(d):
            return Mul(n.xreplace(back), Pow(d.xreplace(back), -1), evaluate=False)
    return None


def positives(statement: Statement) -> list[tuple[Basic, Basic]]:
    """(s, p): each log argument and denominator s of the statement that is not visibly
    positive, with an equal form p that is (a quotient of sums of products of
    exponentials), when cancel() finds one."""
    found = []
    for side in (statement.left, statement.right):
        for s in _needs_positive(side):
            p = positive_form(s)
            if p is not None and (s, p) not in found:
                found.append((s, p))
    return found


def _facts(statement: Statement) -> list[str]:
    """0 < s for each log argument and denominator s that is not visibly positive, for all
    values of its symbols (auto_derive's conditions are about a bound variable), proved
    before ``intros`` from an equal form that is (``positive_form``)."""
    lines = []
    for k, (s, p) in enumerate(positives(statement), start=1):
        names = [coq_name(v.name) for v in sorted(s.free_symbols, key=str)]
        over = f"forall {' '.join(names)} : R, " if names else ""
        lines.append(
            f"  assert (bce_positive_{k} : {over}0 < {coq(s)}) by (intros; apply "
            f"(bce_positive_as _ ({coq(p)})); "
            "[unfold σ, softplus; bce_exps; field; bce_side | bce_pos])."
        )
    return lines


def _positive_symbols(statement: Statement) -> set[Symbol]:
    """The symbols whose domain lies in (0, ∞) (w > 0): positive, as their hypothesis says."""
    return {
        s
        for s, domain in statement.domains.items()
        if isinstance(s, Symbol) and domain.is_subset(Interval.open(0, oo)) is True
    }


def _proof(statement: Statement) -> list[str]:
    """The proof script: positivity facts, intros, then the strategies in order."""
    lines = ["Proof.", *_facts(statement), "  intros."]
    hints = {"variable": coq(statement.variable) if statement.variable else None}
    hints["first"] = coq(statement.first) if statement.first is not None else None
    positive = _positive_symbols(statement)
    hints["logs"] = " ".join(rewrites(statement.left, statement.right, positive)) or None
    hints["powers"] = (
        powers_rewrite(statement.left, statement.variable, statement.right, positive)
        if statement.goal == DERIVATIVE and statement.order == 1
        else None
    )
    attempts = [
        f'idtac "bce-check: {statement.name} tries {number}"; '
        f"solve [ timeout {STRATEGY_TIMEOUT} ({strategy.script.format(**hints)}) ]"
        for number, strategy in enumerate(STRATEGIES)
        if statement.goal in strategy.kinds
        and all(
            f"{{{hint}}}" not in strategy.script or value is not None
            for hint, value in hints.items()
        )
    ]
    lines.append("  first [ " + "\n        | ".join(attempts) + " ].")
    lines.append("Qed.")
    return lines


@dataclass(frozen=True)
class Block:
    """One lemma of the file: its name, what it says, its text, the lemmas it uses."""

    name: str
    title: str
    lines: tuple[str, ...]
    uses: tuple[str, ...] = ()


def _comment(words: str) -> str:
    """``words`` as a Coq comment (a ``*)`` or ``(*`` inside would end or nest it)."""
    return "(* " + words.replace("*)", "* )").replace("(*", "( *") + " *)"


def _lemma(statement: Statement, keyword: str = "Lemma") -> Block:
    lines = (
        _comment(statement.title),
        f"{keyword} {statement.name} :",
        f"  {statement.proposition()}.",
        *_proof(statement),
        "",
    )
    return Block(statement.name, statement.title, lines)


def _conjunction(name: str, parts: Sequence[Statement]) -> Block:
    """The main theorem of a result with several parts: the conjunction of the parts."""
    propositions = " /\\\n  ".join(f"({s.proposition()})" for s in parts)
    term = parts[-1].name
    for part in reversed(parts[:-1]):
        term = f"conj {part.name} ({term})" if " " in term else f"conj {part.name} {term}"
    lines = (
        "(* the closed form, every component *)",
        f"Theorem {name}_closed_form :",
        f"  {propositions}.",
        "Proof.",
        f"  exact ({term}).",
        "Qed.",
        "",
    )
    return Block(
        f"{name}_closed_form",
        "the closed form, every component",
        lines,
        tuple(p.name for p in parts),
    )


def blocks(derivation: Derivation, unstated: list[Unstated] | None = None) -> list[Block]:
    """The lemmas of a derivation's file, in order: its steps, then the closed form.
    ExpressionError when the closed form has no Coq statement; a step without one raises
    too, or, when ``unstated`` is a list, is added to it (``step_statements``)."""
    result = [_lemma(s) for s in step_statements(derivation, unstated)]
    closed = closed_form_statements(derivation)
    main = f"{derivation.name}_closed_form"
    if len(closed) == 1 and closed[0].name == main:
        return [*result, _lemma(closed[0], "Theorem")]
    return [*result, *(_lemma(s) for s in closed), _conjunction(derivation.name, closed)]


def text(derivation: Derivation, parts: Sequence[Block]) -> tuple[str, dict[str, range]]:
    """The file: a header, the preamble, the blocks; and the lines each block spans."""
    lines = [
        _comment(f"{derivation.name}: {derivation.title}"),
        _comment(f"Generated by `bce-check certify {derivation.name}`; checked by coqc."),
        *PREAMBLE.splitlines(),
        "",
    ]
    spans, first = {}, "\n".join(lines).count("\n") + 2
    for block in parts:
        size = "\n".join(block.lines).count("\n") + 1  # a line may hold several (first [ | ])
        spans[block.name] = range(first, first + size)
        first += size
        lines += block.lines
    return "\n".join(lines), spans
