"""Derivation files: a derivation written by hand, read into a Derivation, line by line.

The format (``examples/*.deriv``; ``bce-check prove NAME --format deriv`` writes it)::

    # pos_weight BCE, gradient with respect to the logit
    name: pos_weight_gradient
    where: p in [0, 1]
    where: w >= 0
    L(u) = -w·p·log(σ(u)) - (1 - p)·log(1 - σ(u))     [definition]
         = w·p·softplus(-u) + (1 - p)·softplus(u)     [log σ(u) = -softplus(-u)]
    L'(u) = -w·p·σ(-u) + (1 - p)·σ(u)                [differentiate]
          = σ(u)·(w·p + 1 - p) - w·p                 [collect]

* ``#`` starts a comment (to the end of the line); blank lines are ignored.
* Headers: ``name:`` (a Python identifier, default ``derivation``), ``title:``,
  ``where:`` (one constraint each, as ``--where``: ``p in [0, 1]``, ``γ >= 0``).
* ``LHS = RHS`` starts a subject, ``= RHS`` continues it; ``LHS = A = B`` shows and
  checks an intermediate form A on the same line.  A trailing ``[...]`` is the rule.
* The first subject is ``F(x)``: the function being differentiated and its variable.
  ``F'(x)``, ``F''(x)`` are its derivatives (``σ'(z)`` too); any other left-hand side
  is an expression (``1 - σ(z)``), checked against the line's right-hand side.
* The closed form is the last line of the last derivative subject; it is checked
  against ``sympy.diff`` of the definition, as the catalogue's are.

Every expression goes through the whitelist parser (``_parse.parse``): never ``eval``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sympy import Basic, Derivative, Function, Symbol

from derivations.errors import BceCheckError, ExpressionError
from derivations.proof import FAILED, ClosedForm, Derivation, Step, StepResult
from derivations.text import FUNCTIONS, parse, shapes_from
from derivations.user._derive import DEFAULT_LIMITS, check_identifier, checked, symbol_domains
from derivations.user._limits import Limits, run_limited
from derivations.user._vectorfile import vector_parts

MAX_FILE_CHARACTERS = 200_000  # a derivation file is a page of maths, not a data set
_HEADER = re.compile(r"^\s*(?P<key>name|title|where)\s*:\s*(?P<value>.*?)\s*$")
_RULE = re.compile(r"\[(?P<rule>[^\[\]]*)\]\s*$")
_SUBJECT = re.compile(r"^\s*(?P<f>[^\W\d]\w*)(?P<primes>['′]*)\s*\(\s*(?P<x>[^\W\d]\w*)\s*\)\s*$")


@dataclass(frozen=True, repr=False)
class FileDerivation(Derivation):
    """A Derivation read from a file: ``lines[i]`` is the file line of ``steps[i]``."""

    lines: tuple[int, ...] = ()

    def line_of(self, result: StepResult) -> int:
        """The file line of a checked step."""
        return self.lines[result.index - 1]

    def first_wrong(self) -> tuple[int, StepResult] | None:
        """The first failed step and its file line, or None (see ``first_wrong``)."""
        return first_wrong(self)


@dataclass(frozen=True)
class _Line:
    number: int
    lhs: str | None
    sides: tuple[str, ...]
    rule: str


def _error(number: int, message: str) -> ExpressionError:
    return ExpressionError(f"line {number}: {message}")


def _split(number: int, text: str) -> _Line:
    rule = ""
    if match := _RULE.search(text):
        rule, text = match["rule"].strip(), text[: match.start()]
    if "=" not in text:
        raise _error(number, f"expected 'LHS = RHS' or '= RHS', got {text.strip()!r}")
    lhs, *sides = text.split("=")
    sides = [s.strip() for s in sides]
    if any(not s for s in sides):
        raise _error(number, "an empty side of '=': write an expression on each side")
    return _Line(number, lhs.strip() or None, tuple(sides), rule)


def _lines(text: str) -> tuple[dict[str, list[str]], list[_Line]]:
    headers: dict[str, list[str]] = {"name": [], "title": [], "where": []}
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0]
        if not line.strip():
            continue
        if match := _HEADER.match(line):
            headers[match["key"]].append(match["value"])
        else:
            lines.append(_split(number, line))
    for key in ("name", "title"):
        if len(headers[key]) > 1:
            raise ExpressionError(f"the header {key!r} is given {len(headers[key])} times")
    if not lines:
        raise ExpressionError("no derivation lines: write 'L(u) = …' and what follows")
    return headers, lines


def _subject(line: _Line) -> tuple[Basic, Symbol | None, int]:
    """A left-hand side: (subject, the variable of F(x)/F'(x) or None, number of primes)."""
    match = _SUBJECT.match(line.lhs)
    if not match:
        try:
            return parse(line.lhs), None, 0
        except ExpressionError as error:
            raise _error(line.number, f"left-hand side: {error}") from None
    x = Symbol(match["x"], real=True)
    name, order = match["f"], len(match["primes"])
    base = FUNCTIONS[name](x) if name in FUNCTIONS else Function(name)(x)
    return (Derivative(base, (x, order)) if order else base), x, order


def _parse_side(line: _Line, side: str) -> Basic:
    try:
        return parse(side)
    except ExpressionError as error:
        raise _error(line.number, str(error)) from None


def read(text: str, source: str = "a derivation file") -> FileDerivation:
    """The FileDerivation written in ``text`` (the format in the module docstring)."""
    if not isinstance(text, str):
        raise ExpressionError(f"expected the file's text, got {type(text).__name__}")
    if len(text) > MAX_FILE_CHARACTERS:
        raise ExpressionError(
            f"the file is {len(text)} characters long; the limit is {MAX_FILE_CHARACTERS}"
        )
    headers, lines = _lines(text)
    if lines[0].lhs is None:
        raise _error(lines[0].number, "the first line must start a subject: 'L(u) = …'")
    if shapes_from(headers["where"]):  # vectors declared: vector text (_vectorfile.py)
        return _read_vector(headers, lines, source)
    return _read_scalar(headers, lines, source)


def _name(headers: dict[str, list[str]]) -> str:
    """The ``name:`` header (a Python identifier), or ``derivation``."""
    name = headers["name"][0] if headers["name"] else "derivation"
    check_identifier(name, "name")
    return name


def _read_vector(headers: dict[str, list[str]], lines: list[_Line], source: str) -> FileDerivation:
    """A file whose ``where:`` declares vectors, read as vector text (``_vectorfile.py``)."""
    name = _name(headers)
    numbers = tuple(line.number for line in lines)
    parts = vector_parts(headers, lines)
    return FileDerivation(name=name, source=source, lines=numbers, **parts)


def _read_scalar(headers: dict[str, list[str]], lines: list[_Line], source: str) -> FileDerivation:
    """A file of one variable: F(x) = …, then its derivatives, line by line."""
    first, variable, order = _subject(lines[0])
    if variable is None or order:
        raise _error(lines[0].number, f"the first subject must be F(x), such as L(u), got "
                     f"{lines[0].lhs!r}")  # fmt: skip
    steps, numbers, written = _steps(lines, variable)
    if variable not in steps[0].expr.free_symbols:
        raise _error(lines[0].number, f"{lines[0].lhs} = {written[0][1].strip()} does not "
                     f"depend on {variable}: there is nothing to differentiate")  # fmt: skip
    name = _name(headers)
    expressions = [e for s in steps for e in (s.expr, *s.via, *([s.lhs] if s.lhs else []))]
    domains = symbol_domains(expressions, headers["where"], variable.name)
    forms, last = _closed_form(steps, first)
    title = headers["title"][0] if headers["title"] else " = ".join(written[last])
    return FileDerivation(
        name=name,
        title=title,
        source=source,
        domains=domains,
        steps=tuple(steps),
        wrt=forms[0].wrt,
        closed_forms=forms,
        lines=tuple(numbers),
    )


def _steps(lines: list[_Line], variable: Symbol) -> tuple[list[Step], list[int], list[tuple]]:
    """A Step per line; its file line; and (subject, last side) as written, per line."""
    steps, numbers, written = [], [], []
    for line in lines:
        _same_function(line, lines[0], variable)
        subject = _subject(line)[0] if line.lhs else None
        *via, expr = (_parse_side(line, side) for side in line.sides)
        rule = line.rule or ("definition" if not steps else "(no rule given)")
        steps.append(Step(expr, rule=rule, lhs=subject, via=tuple(via)))
        numbers.append(line.number)
        written.append((line.lhs or written[-1][0], line.sides[-1]))
    return steps, numbers, written


def _same_function(line: _Line, first: _Line, variable: Symbol) -> None:
    """F'(x) must differentiate the F(x) of the first line, along its x (σ'(z) may stand
    for σ's own derivative)."""
    match = _SUBJECT.match(line.lhs) if line.lhs else None
    defined = _SUBJECT.match(first.lhs)
    if not match or match["f"] in FUNCTIONS or (not match["primes"] and match["f"] != defined["f"]):
        return
    if match["f"] != defined["f"] or match["x"] != variable.name:
        wanted = f"{defined['f']}{match['primes']}({variable})"
        raise _error(
            line.number,
            f"{line.lhs.strip()} is not a derivative of {first.lhs.strip()} "
            f"(line {first.number}): write {wanted}",
        )


def _closed_form(steps: list[Step], first: Basic) -> tuple[tuple[ClosedForm, ...], int]:
    """The last line of the last derivative subject (or, with none, the last line), and
    its index."""
    subject_of = []
    current = None
    for step in steps:
        current = step.lhs if step.lhs is not None else current
        subject_of.append(current)
    derivatives = [i for i, s in enumerate(subject_of) if isinstance(s, Derivative)
                   and s.expr == first]  # fmt: skip
    if not derivatives:
        return (ClosedForm(subject_of[-1], steps[-1].expr, steps[0].expr, ()),), len(steps) - 1
    last = derivatives[-1]
    subject = subject_of[last]
    wrt = tuple(v for v, n in subject.variable_count for _ in range(n))
    return (ClosedForm(subject, steps[last].expr, steps[0].expr, wrt),), last


def load(path_or_text: str | Path, *, limits: Limits | None = DEFAULT_LIMITS) -> FileDerivation:
    """A derivation file (a Path, or a str naming a file) or its text, read and checked.

    The reading and the proof run in a worker process under ``limits`` (as ``derive``);
    ``limits=None`` runs them in this process.
    """
    source = "a derivation file"
    text = path_or_text
    if isinstance(path_or_text, Path) or (
        isinstance(path_or_text, str) and "\n" not in path_or_text and Path(path_or_text).is_file()
    ):
        path = Path(path_or_text)
        try:
            text, source = path.read_text(encoding="utf-8"), str(path)
        except (OSError, UnicodeDecodeError) as error:
            raise BceCheckError(f"cannot read {path}: {error}") from None
    if limits is None:
        return checked(read(text, source))
    return run_limited(_read_checked, text, source, limits=limits)


def _read_checked(text: str, source: str) -> FileDerivation:
    return checked(read(text, source))


def first_wrong(derivation: FileDerivation) -> tuple[int, StepResult] | None:
    """The first failed step and its file line, or None."""
    for result in derivation.proof.steps:
        if result.verdict == FAILED:
            return derivation.line_of(result), result
    return None
