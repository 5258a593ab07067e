"""Formal certificates: a derivation's steps and closed form as Coq lemmas, judged by coqc.

``certify(name, directory)`` writes ``directory/NAME.v`` for a catalogue derivation,
``certify_file`` for a derivation file (``bce-check check``'s format) and
``certify_expression`` for a loss as ``derive`` reads it (the SymPy work on a user's text
runs in a worker under limits, as for those commands): the preamble (σ and softplus
defined from ``exp`` and ``ln``, ``_preamble.PREAMBLE``), one lemma per step, whatever
SymPy's verdict on it, and the main theorem ``NAME_closed_form`` (``_coq_statements``), each
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
statement back.  Every lemma is reported: certified (with the strategy), rejected
(with Coq's message) or unsupported (a step the printer cannot state, with the reason);
the certificate's outcome (``_outcome``) is certified, unproved or false.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path

import derivations
from bce_check.certify._coq import STRATEGIES
from bce_check.certify._file import Block, blocks, text
from bce_check.certify._outcome import Outcome, decide, falsehoods
from bce_check.certify._statements import Unstated
from derivations import BceCheckError, Derivation, Limits, read_derivation, run_limited
from derivations.errors import ExpressionError

PACKAGES = "coq libcoq-coquelicot"
COQC_TIMEOUT = 120.0  # seconds per coqc run; the largest file (batch_hessian) takes ~8 s
USER_LIMITS = Limits()  # SymPy on a user's text: as `derive` and `check` (20 s, 1 GB)


class Verdict(StrEnum):
    """A lemma's verdict from coqc; what a certificate establishes is an ``Outcome``."""

    CERTIFIED = "certified"  # coqc accepted it
    REJECTED = "rejected"  # coqc did not (Coq's message is kept)
    UNSUPPORTED = "unsupported"  # no Coq statement for it (the reason is kept)


CERTIFIED, REJECTED, UNSUPPORTED = Verdict.CERTIFIED, Verdict.REJECTED, Verdict.UNSUPPORTED
FORBIDDEN = ("Admitted", "admit", "Axiom", "Parameter", "Hypothesis")


class MissingCoq(BceCheckError):
    """coqc (or Coquelicot) is not installed."""

    def __init__(self, what: str = "coqc not found on PATH") -> None:
        super().__init__(f"{what}; install Coq and Coquelicot: apt-get install {PACKAGES}")


@dataclass(frozen=True)
class LemmaResult:
    """One lemma's verdict: certified (by which strategy) or rejected (Coq's message)."""

    name: str
    title: str
    verdict: Verdict
    strategy: str = ""
    message: str = ""


@dataclass
class Certificate:
    """A derivation's Coq file and what coqc made of it."""

    name: str
    path: Path | None
    lemmas: list[LemmaResult] = field(default_factory=list)
    seconds: float = 0.0
    verdict: Verdict = CERTIFIED
    reason: str = ""
    outcome: Outcome = Outcome.CERTIFIED  # certified, unproved or false (``_outcome``)
    why: str = ""  # unproved: the lemma Coq stopped on, its message; false: a counterexample

    @property
    def ok(self) -> bool:
        """Every lemma stated is certified (none rejected, none without a statement)."""
        return all(lemma.verdict == CERTIFIED for lemma in self.lemmas)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "file": str(self.path) if self.path else None,
            "outcome": self.outcome,
            "why": self.why,
            "verdict": self.verdict,
            "reason": self.reason,
            "coqc_seconds": round(self.seconds, 3),
            "lemmas": [asdict(lemma) for lemma in self.lemmas],
        }


def coqc_path() -> str:
    """The coqc executable, or MissingCoq naming the packages to install."""
    found = shutil.which("coqc")
    if found is None:
        raise MissingCoq()
    return found


TRIED = re.compile(r"^bce-check: (\S+) tries (\d+)$", re.MULTILINE)
ERROR = re.compile(
    r'^File "[^"]*", line (\d+), characters [^\n]*\n(.*?)(?=^File "|\Z)', re.MULTILINE | re.DOTALL
)


def _coqc(coqc: str, source: str, name: str, timeout: float) -> tuple[int | None, str, float]:
    """Run coqc on ``source`` in a scratch directory: (exit code or None on timeout, output,
    seconds)."""
    with tempfile.TemporaryDirectory(prefix="bce-certify-") as scratch:
        path = Path(scratch) / f"{name}.v"
        path.write_text(source, encoding="utf-8")
        started = time.perf_counter()
        try:
            done = subprocess.run(
                [coqc, "-q", "-w", "-ambiguous-paths", path.name],
                cwd=scratch,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return None, f"coqc ran past {timeout:g} s", time.perf_counter() - started
        return done.returncode, done.stdout + done.stderr, time.perf_counter() - started


def _rejected(output: str, spans: dict[str, range]) -> tuple[str | None, str]:
    """The block coqc stopped at (None: outside every block) and Coq's message."""
    errors = [m for m in ERROR.finditer(output) if m.group(2).lstrip().startswith("Error")]
    if not errors:  # (warnings come as "File …" too)
        return None, output.strip()[-500:] or "coqc failed without a message"
    found = errors[0]
    line, message = int(found.group(1)), " ".join(found.group(2).split())
    for name, span in spans.items():
        if line in span:
            return name, message
    return None, message


def _strategies(output: str) -> dict[str, str]:
    """For each lemma, the last strategy announced: the one that closed it if Coq accepted it."""
    return {m.group(1): STRATEGIES[int(m.group(2))].name for m in TRIED.finditer(output)}


def judge(
    derivation: Derivation, parts: list[Block], coqc: str, timeout: float = COQC_TIMEOUT
) -> tuple[list[LemmaResult], float]:
    """Run coqc until what is left is accepted: each rejected block is recorded with Coq's
    message and dropped (with the blocks that use it)."""
    results: dict[str, LemmaResult] = {}
    remaining, seconds = list(parts), 0.0
    while remaining:
        source, spans = text(derivation, remaining)
        code, output, elapsed = _coqc(coqc, source, derivation.name, timeout)
        seconds += elapsed
        if code == 0:
            closed_by = _strategies(output)
            for block in remaining:
                how = closed_by.get(block.name, "its parts" if block.uses else "")
                results[block.name] = LemmaResult(block.name, block.title, CERTIFIED, how)
            break
        name, message = _rejected(output, spans) if code is not None else (None, output)
        if name is None and "Coquelicot" in message:
            raise MissingCoq(f"coqc cannot load Coquelicot ({message})")
        dropped = [b for b in remaining if b.name == name] if name else list(remaining)
        dropped += [b for b in remaining if name in b.uses]
        for block in dropped:
            why = message if block.name == name or name is None else f"uses {name}, rejected"
            results[block.name] = LemmaResult(block.name, block.title, REJECTED, message=why)
        remaining = [b for b in remaining if b not in dropped]
    return [results[b.name] for b in parts], seconds


def certify(name: str, directory: str | Path, timeout: float = COQC_TIMEOUT) -> Certificate:
    """Write ``directory/NAME.v`` for the catalogue's NAME and judge it with coqc (see the
    module docstring)."""
    coqc_path()
    derivation = derivations.get(name)
    return certify_prepared(derivation, prepare(derivation), directory, timeout)


Prepared = tuple[list[Block] | str, list[Unstated]]  # the blocks (or why none), the unstated


def prepare(derivation: Derivation) -> Prepared:
    """The SymPy half of a certificate: the lemmas' blocks, or the reason there are none
    (the closed form has no Coq statement), and the steps that have no statement."""
    unstated: list[Unstated] = []
    try:
        return blocks(derivation, unstated), unstated
    except ExpressionError as error:
        return str(error), []


def certify_prepared(
    derivation: Derivation, prepared: Prepared, directory: str | Path, timeout: float
) -> Certificate:
    """The coqc half: write ``directory/NAME.v`` and judge its blocks.  Every lemma is
    reported: certified, rejected (Coq's message) or unsupported (why it has no statement)."""
    coqc = coqc_path()
    parts, unstated = prepared
    if isinstance(parts, str):
        outcome, why = decide([(f"{derivation.name}_closed_form", parts)], falsehoods(derivation))
        return Certificate(derivation.name, None, verdict=UNSUPPORTED, reason=parts,
                           outcome=outcome, why=why)  # fmt: skip
    path = Path(directory) / f"{derivation.name}.v"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text(derivation, parts)[0], encoding="utf-8")
    lemmas, seconds = judge(derivation, parts, coqc, timeout)
    lemmas += [LemmaResult(u.name, u.title, UNSUPPORTED, message=u.reason) for u in unstated]
    verdicts = {lemma.verdict for lemma in lemmas}
    verdict = next((v for v in (REJECTED, UNSUPPORTED) if v in verdicts), CERTIFIED)
    reason = f"{len(unstated)} step(s) have no Coq statement" if unstated else ""
    left = [(lemma.name, lemma.message) for lemma in lemmas if lemma.verdict != CERTIFIED]
    outcome, why = decide(left, falsehoods(derivation))
    return Certificate(derivation.name, path, lemmas, seconds, verdict, reason, outcome, why)


def certify_file(
    text: str,
    source: str,
    directory: str | Path,
    limits: Limits | None = USER_LIMITS,
    timeout: float = COQC_TIMEOUT,
) -> Certificate:
    """A derivation file's text (``bce-check check``'s format, its ``name:`` naming the
    certificate): read, checked by SymPy and turned into statements in a worker process
    under ``limits`` (LimitExceeded past them), then judged by coqc."""
    coqc_path()
    derivation, prepared = _limited(_file_job, text, source, limits=limits)
    return certify_prepared(derivation, prepared, directory, timeout)


def certify_expression(
    expression: str,
    wrt: str,
    where: Sequence[str],
    directory: str | Path,
    name: str = "derived",
    limits: Limits | None = USER_LIMITS,
    timeout: float = COQC_TIMEOUT,
) -> Certificate:
    """d/d``wrt`` of ``expression`` as ``derive`` builds it (``where``: its domains, which
    become the lemmas' hypotheses), certified as ``certify_file`` certifies a file."""
    coqc_path()
    job = (_expression_job, expression, wrt, tuple(where), name)
    derivation, prepared = _limited(*job, limits=limits)
    return certify_prepared(derivation, prepared, directory, timeout)


def _limited(job, *args, limits: Limits | None):
    return job(*args) if limits is None else run_limited(job, *args, limits=limits)


def _file_job(text: str, source: str) -> tuple[Derivation, Prepared]:
    derivation = read_derivation(text, source)
    derivation.proof  # noqa: B018 (the verdicts, computed here under the limits)
    return derivation, prepare(derivation)


def _expression_job(expression, wrt, where, name) -> tuple[Derivation, Prepared]:
    from derivations.user import build

    derivation = build(expression, wrt, where, name)
    derivation.proof  # noqa: B018
    return derivation, prepare(derivation)


def certify_many(
    names: Sequence[str],
    directory: str | Path,
    workers: int | None = None,
    timeout: float = COQC_TIMEOUT,
) -> list[Certificate]:
    """``certify`` for each name, coqc runs in parallel (``workers``: default, the CPUs)."""
    coqc_path()
    workers = workers or os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda n: certify(n, directory, timeout), names))
