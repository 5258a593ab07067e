"""Formal certificates: a derivation's steps and closed form as Coq lemmas, judged by coqc.

``certify(name, directory)`` writes ``directory/NAME.v``: the preamble (σ and
softplus defined from ``exp`` and ``ln``, ``_coq_file.PREAMBLE``), one lemma per step
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
from derivations import BceCheckError, Derivation
from derivations.errors import ExpressionError

from ._coq import STRATEGIES
from ._coq_file import Block, blocks, text

PACKAGES = "coq libcoq-coquelicot"
COQC_TIMEOUT = 120.0  # seconds per coqc run; the largest file (batch_hessian) takes ~8 s


class Verdict(StrEnum):
    """A lemma's or a certificate's outcome."""

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
    """Write ``directory/NAME.v`` and judge it with coqc (see the module docstring)."""
    coqc = coqc_path()
    derivation = derivations.get(name)
    try:
        parts = blocks(derivation)
    except ExpressionError as error:
        return Certificate(name, None, verdict=UNSUPPORTED, reason=str(error))
    path = Path(directory) / f"{name}.v"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text(derivation, parts)[0], encoding="utf-8")
    lemmas, seconds = judge(derivation, parts, coqc, timeout)
    verdict = CERTIFIED if all(r.verdict == CERTIFIED for r in lemmas) else REJECTED
    return Certificate(name, path, lemmas, seconds, verdict)


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
