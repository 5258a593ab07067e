"""A certificate's outcome: certified, unproved or false — what a failed proof means.

coqc rejecting a lemma says only that the strategies found no proof.  Whether the
statement is wrong is SymPy's and the numeric check's to say (the derivation's own
proof, ``derivation.proof``, which evaluates both sides with mpmath at random points):

* ``certified``: coqc accepted every lemma;
* ``false``: a lemma's step (or the closed form, against ``sympy.diff``) failed the
  derivation's proof; the counterexample is the point where mpmath found the sides apart;
* ``unproved``: some lemma has no proof (Coq's message is kept) or no Coq statement, and
  its step is proved or numeric-only: true as far as SymPy and mpmath can tell.

One enum for this, ``Outcome``; it is never compared with a lemma's verdict
(``Verdict``) or a step's (``derivations.Verdict``).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from derivations import FAILED, Derivation


class Outcome(StrEnum):
    """What a certificate establishes about its derivation."""

    CERTIFIED = "certified"  # coqc accepted every lemma
    UNPROVED = "unproved"  # no proof found for a statement SymPy and mpmath hold true
    FALSE = "false"  # SymPy or the numeric check finds a statement false (a counterexample)


def falsehoods(derivation: Derivation) -> dict[str, str]:
    """The lemmas the derivation's own proof finds false (by name prefix: a step's links
    ``NAME_step_K``, ``NAME_step_Ka``…, the closed form ``NAME_closed_form``), each with
    how it failed (mpmath's counterexample: ``differs at u=…: left vs right``)."""
    proof, found = derivation.proof, {}
    for result in proof.steps:
        if result.verdict == FAILED:
            found[f"{derivation.name}_step_{result.index}"] = result.method
    for k, result in enumerate(proof.facts, start=1):
        if result.verdict == FAILED:
            found[f"{derivation.name}_fact_{k}"] = result.method
    for check in proof.independent:
        if check.verdict == FAILED:
            found[f"{derivation.name}_closed_form"] = check.method
            break
    return found


def _covers(prefix: str, lemma: str) -> bool:
    rest = lemma[len(prefix):] if lemma.startswith(prefix) else None
    return rest is not None and (rest == "" or (len(rest) == 1 and rest.isalpha()))


def decide(unproved: Sequence[tuple[str, str]], false: dict[str, str]) -> tuple[Outcome, str]:
    """The outcome from the lemmas not certified, in order, as (name, Coq's message or why
    it has no statement), and ``falsehoods``; with what says why: for ``false`` the false
    lemma and its counterexample, for ``unproved`` the lemma Coq stopped on and its message."""
    if not unproved:
        return Outcome.CERTIFIED, ""
    for lemma, _ in unproved:
        for prefix, how in false.items():
            if _covers(prefix, lemma):
                return Outcome.FALSE, f"{lemma}: {how}"
    lemma, message = unproved[0]
    return Outcome.UNPROVED, f"{lemma}: {message}"
