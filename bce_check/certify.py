"""Formal certificates: a derivation's steps and closed form as Coq lemmas, judged by coqc.

``certify(name, directory)`` writes ``directory/NAME.v``: the preamble (σ and
softplus defined from ``exp`` and ``ln``, ``_coq.PREAMBLE``), one lemma per step
SymPy proved and the main theorem ``NAME_closed_form`` (``_coq_statements``), each
with a generated proof: the strategies of ``_coq.STRATEGIES`` that fit the lemma,
tried in order inside Coq's ``first [ … ]``, each announcing itself with ``idtac``,
so that the last strategy announced for a lemma that Coq accepted is the one that
closed it.  Nothing is admitted: no ``Admitted``, ``admit``, ``Axiom``,
``Parameter`` or ``Hypothesis`` (a test reads every generated file).

coqc runs once per derivation.  When it rejects a lemma, the lemma is recorded with
Coq's message and coqc runs again without it (in a scratch directory; the file
written keeps every lemma), until the rest is accepted.  The trust base: Coq's
kernel, Coquelicot's definitions (``is_derive``, ``Derive``), and the printer from
SymPy to Coq (``_coq.CoqPrinter``), which the tests check by reading every generated
statement back.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sympy import Symbol

import derivations
from derivations import BceCheckError, Derivation

from ._coq import DERIVATIVE, PREAMBLE, STRATEGIES, coq
from ._coq_statements import Statement, closed_form_statements, step_statements

PACKAGES = "coq libcoq-coquelicot"
COQC_TIMEOUT = 120.0  # seconds per coqc run; the catalogue's largest file takes a few
STRATEGY_TIMEOUT = 30  # seconds per strategy inside Coq (Coq's own `timeout` tactical)
CERTIFIED, REJECTED, UNSUPPORTED = "certified", "rejected", "unsupported"
FORBIDDEN = ("Admitted", "admit", "Axiom", "Parameter", "Hypothesis")


class MissingCoq(BceCheckError):
    """coqc (or Coquelicot) is not installed."""

    def __init__(self) -> None:
        super().__init__(f"coqc not found on PATH; install Coq and Coquelicot: apt-get install {PACKAGES}")


@dataclass(frozen=True)
class LemmaResult:
    """One lemma's verdict: certified (by which strategy) or rejected (Coq's message)."""

    name: str
    title: str
    verdict: str
    strategy: str = ""
    message: str = ""


@dataclass
class Certificate:
    """A derivation's Coq file and what coqc made of it."""

    name: str
    path: Path | None
    lemmas: list[LemmaResult] = field(default_factory=list)
    seconds: float = 0.0
    verdict: str = CERTIFIED
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.verdict != REJECTED

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "file": str(self.path) if self.path else None,
            "verdict": self.verdict,
            "reason": self.reason,
            "coqc_seconds": round(self.seconds, 3),
            "lemmas": [lemma.__dict__ for lemma in self.lemmas],
        }


def coqc_path() -> str:
    """The coqc executable, or MissingCoq naming the packages to install."""
    found = shutil.which("coqc")
    if found is None:
        raise MissingCoq()
    return found


def _proof(statement: Statement) -> list[str]:
    """The proof script: intros, positivity facts, then the strategies in order."""
    lines = ["Proof.", "  intros."]
    # over every value of the variable: auto_derive's conditions are about a bound one
    fresh = Symbol("bce_v", real=True)
    over, intro = (f"forall {fresh} : R, ", f"intro {fresh}; ") if statement.variable else ("", "")
    for k, (s, p) in enumerate(statement.positives(), start=1):
        if statement.variable:
            s, p = (e.xreplace({statement.variable: fresh}) for e in (s, p))
        lines.append(
            f"  assert (bce_positive_{k} : {over}0 < {coq(s)}) by ({intro}apply "
            f"(bce_positive_as _ ({coq(p)})); [unfold σ, softplus; field; bce_side | bce_pos])."
        )
    kind = DERIVATIVE if statement.kind == DERIVATIVE else "equality"
    order = statement.order
    attempts = [
        f'idtac "bce-check: {statement.name} tries {number}"; '
        f"solve [ timeout {STRATEGY_TIMEOUT} ({strategy.script}) ]"
        for number, strategy in enumerate(STRATEGIES)
        if kind in strategy.kinds and order in strategy.orders
    ]
    lines.append("  first [ " + "\n        | ".join(attempts) + " ].")
    lines.append("Qed.")
    return lines


def _lemma(statement: Statement, keyword: str = "Lemma") -> list[str]:
    return [
        f"(* {statement.title} *)",
        f"{keyword} {statement.name} :",
        f"  {statement.proposition()}.",
        *_proof(statement),
        "",
    ]


def _conjunction(name: str, parts: Sequence[Statement]) -> list[str]:
    """The main theorem of a written-out result: the conjunction of its components."""
    propositions = " /\\\n  ".join(f"({s.proposition()})" for s in parts)
    term = parts[-1].name
    for part in reversed(parts[:-1]):
        term = f"conj {part.name} ({term})" if " " in term else f"conj {part.name} {term}"
    return [
        "(* the closed form, every component *)",
        f"Theorem {name}_closed_form :",
        f"  {propositions}.",
        "Proof.",
        f"  exact ({term}).",
        "Qed.",
        "",
    ]


def document(derivation: Derivation) -> tuple[str, list[Statement]]:
    """The Coq file of a derivation and its lemmas in file order (ExpressionError when a
    statement has no Coq form)."""
    steps = step_statements(derivation)
    closed = closed_form_statements(derivation)
    lines = [
        f"(* {derivation.name}: {derivation.title}",
        f"   Generated by `bce-check certify {derivation.name}`; checked by coqc. *)",
        PREAMBLE,
    ]
    for statement in steps:
        lines += _lemma(statement)
    if derivation.structured:
        for statement in closed:
            lines += _lemma(statement)
        lines += _conjunction(derivation.name, closed)
    else:
        for statement in closed:
            lines += _lemma(statement, "Theorem")
    return "\n".join(lines), [*steps, *closed]
