"""The golden closed forms: every registered closed form as it was last reviewed.

``derivations/golden/closed_forms.txt`` (package data of ``derivations``, read through
``importlib.resources``, so that it ships in the wheel) holds one line per closed form
of every registered derivation, ``<emitted name>: <lhs> = <rhs>``, printed by
``bce_check.printing.notation.text``.
The emitted name is the derivation's name, plus ``_<suffix>`` for a closed form with a
suffix (``logistic_regression_gradient_b``).  Only the right-hand side is read back,
with the safe parser (``derivations.parse``); the left-hand side is for the reader.

``compare`` checks a golden right-hand side against a re-derived one with the proof's
own equality check, ``derivations.check_equal``: scalars directly, matrix results
written out at the derivation's explicit shapes and compared entry by entry, as the
proof checks a closed form against sympy.diff.  So a closed form that is merely
printed differently still matches its line; one that means something else does not.

Regenerate the file deliberately, after a reviewed change, with::

    bce-check golden --write          # or: python -m bce_check.golden --write

(without ``--write`` it only reports which lines changed meaning, ``differences``;
``--write`` needs the file on disk: run it from a source checkout).  The printer lives
in ``bce_check.printing.notation``: this module lives in bce_check, which may import derivations
(never the other way round).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from sympy import Basic, MatrixSymbol, Symbol

from bce_check.printing.notation import text
from derivations import (
    FAILED,
    BceCheckError,
    Check,
    ClosedForm,
    Derivation,
    ExpressionError,
    check_equal,
    parse,
)

GOLDEN: Traversable = resources.files("derivations").joinpath("golden", "closed_forms.txt")
UPDATE = "bce-check golden --write"
HEADER = """\
# Golden closed forms: every closed form of every registered derivation, as
# bce_check.printing.notation.text printed it when it was last reviewed.
#
# One line per closed form:   <emitted name>: <lhs> = <rhs>
# The emitted name is the derivation's name, plus _<suffix> when the closed form has
# one. Only the right-hand side (after the first " = ") is read, by the safe parser
# derivations.parse; the left-hand side is for the reader.
#
# tests/test_golden.py re-derives every closed form and checks it equal to its line
# here (symbolically, matrices entry by entry at the derivation's explicit shapes): it
# fails when a closed form changes meaning, not when only its printing changes, and
# when a closed form has no line or a line names no closed form.
#
# After a reviewed change to a closed form (or to see the new printing), regenerate
# this file from the repository root and review the diff:
#     .venv/bin/bce-check golden --write
# The test never writes this file.
"""


class GoldenFileError(BceCheckError, ValueError):
    """A golden file that cannot be read: a malformed or repeated line, a name printed twice."""


@dataclass(frozen=True)
class GoldenLine:
    """One line of a golden file: a closed form's name, its two sides, where it stands."""

    name: str
    lhs: str
    rhs: str
    line: int
    path: Traversable = GOLDEN

    @property
    def where(self) -> str:
        """``derivations/golden/closed_forms.txt:12``: relative to the working directory."""
        return f"{_shown(self.path)}:{self.line}"


def _shown(path: Traversable) -> str:
    """A path relative to the working directory where it lies below it."""
    try:
        return str(Path(str(path)).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _text() -> Callable[[Basic], str]:

    return text


def emitted_name(derivation: Derivation, closed: ClosedForm) -> str:
    """``<derivation>`` or ``<derivation>_<suffix>``: the name the closed form is emitted as."""
    return f"{derivation.name}_{closed.suffix}" if closed.suffix else derivation.name


def closed_forms(derivations: Sequence[Derivation]) -> dict[str, tuple[Derivation, ClosedForm]]:
    """Every closed form of ``derivations`` by its emitted name."""
    return {emitted_name(d, c): (d, c) for d in derivations for c in d.closed_forms}


def line_of(derivation: Derivation, closed: ClosedForm) -> str:
    """The closed form as a golden line: ``name: lhs = rhs``."""
    text = _text()
    return f"{emitted_name(derivation, closed)}: {text(closed.lhs)} = {text(closed.rhs)}"


def file_text(derivations: Sequence[Derivation]) -> str:
    """The golden file for ``derivations``: the header, then one line per closed form."""
    lines = [line_of(d, c) for d in derivations for c in d.closed_forms]
    return HEADER + "\n" + "\n".join(lines) + "\n"


def read(path: Traversable = GOLDEN) -> dict[str, GoldenLine]:
    """The golden lines by name; a malformed or repeated line is a GoldenFileError naming it."""
    golden: dict[str, GoldenLine] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        name, colon, equation = line.partition(": ")
        lhs, equals, rhs = equation.partition(" = ")
        if not (colon and equals and name.isidentifier()):
            raise GoldenFileError(
                f"{_shown(path)}:{number}: expected 'name: lhs = rhs', got {line!r}"
            )
        if name in golden:
            raise GoldenFileError(
                f"{_shown(path)}:{number}: {name!r} repeats line {golden[name].line}"
            )
        golden[name] = GoldenLine(name, lhs, rhs, number, path)
    return golden


def symbol_table(derivation: Derivation) -> dict[str, Basic]:
    """The derivation's arguments and size symbols under their printed names (θ, λ, m)."""
    text = _text()
    symbols = list(derivation.arguments)
    symbols += [s for a in derivation.arguments for s in getattr(a, "shape", ()) if s.is_Symbol]
    symbols += [s for shape in derivation.shapes for s in shape]
    table: dict[str, Basic] = {}
    for symbol in symbols:
        shown = text(symbol)
        if table.setdefault(shown, symbol) != symbol:
            raise GoldenFileError(
                f"{derivation.name}: {table[shown]} and {symbol} both print {shown!r}; "
                "each argument must print under a name of its own"
            )
    return table


def _seed(name: str) -> int:
    return zlib.crc32(f"golden:{name}".encode()) * 1000


def compare(derivation: Derivation, closed: ClosedForm, golden_rhs: str) -> Check:
    """Is the golden right-hand side equal to ``closed.rhs``?  The proof's own check:
    matrices written out at the derivation's shapes and compared entry by entry.
    """
    try:
        parsed = parse(golden_rhs, symbol_table(derivation))
    except ExpressionError as error:
        return Check(FAILED, f"the golden text does not parse: {error}")
    return check_equal(
        parsed,
        closed.rhs,
        derivation.domains,
        _seed(emitted_name(derivation, closed)),
        shapes=derivation.shapes,
        abbreviations=derivation.abbreviations,
    )


def _readable(method: str, table: Mapping[str, Basic]) -> str:
    """Entry symbols as the reader writes them: theta_0_1=… becomes θ[0,1]=…"""
    for shown, symbol in table.items():
        name = re.escape(symbol.name)
        if isinstance(symbol, MatrixSymbol):
            method = re.sub(rf"\b{name}_(\d+)_(\d+)=", rf"{shown}[\1,\2]=", method)
        elif isinstance(symbol, Symbol) and shown != symbol.name:
            method = re.sub(rf"\b{name}=", f"{shown}=", method)
    return method


def report(golden: GoldenLine, derivation: Derivation, closed: ClosedForm, check: Check) -> str:
    """Why a closed form no longer matches its golden line: both texts and the check."""
    new = line_of(derivation, closed).partition(": ")[2]
    method = _readable(check.method, symbol_table(derivation))
    return "\n".join(
        [
            f"{golden.name}: the closed form changed meaning (golden line {golden.where})",
            f"  golden: {golden.lhs} = {golden.rhs}",
            f"  new:    {new}",
            f"  check:  {check.verdict}: {method} (values: golden vs new)",
            f"  if the new closed form is right and reviewed, regenerate: {UPDATE}",
        ]
    )


def differences(catalogue: Sequence[Derivation], golden: Mapping[str, GoldenLine]) -> list[str]:
    """One report per closed form that does not match ``golden``: a line naming no closed
    form, a closed form with no line, a closed form that changed meaning."""
    current = closed_forms(catalogue)
    found = [
        f"{name}: golden line {line.where} names no registered closed form"
        for name, line in golden.items()
        if name not in current
    ]
    for name, (derivation, closed) in current.items():
        if name not in golden:
            found.append(f"{name}: no golden line")
        elif (check := compare(derivation, closed, golden[name].rhs)).verdict == FAILED:
            found.append(report(golden[name], derivation, closed, check))
    return found
