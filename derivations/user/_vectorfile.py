"""Derivation files along a vector or matrix: the ``where:`` headers declare z ∈ ℝ^K.

The same format as ``_derivfile`` (whose ``read`` hands such a file here), with vector
text on each line::

    name: softmax_ce
    where: z in R^K
    where: y in simplex(K)
    L(z) = -yᵀ·log(softmax(z))              [definition]
    ∇L(z) = sum(y)·softmax(z) - y           [vector rules]
          = softmax(z) - y                  [sum(y) = 1: y on the simplex]

The gradient's subject is ``∇L(z)`` (or ``L'(z)``, ``∂L/∂z``); any other left-hand side
is an expression checked against its right-hand side.  As ``derive`` along a vector
(``_vectorderive``), each line is written out entry by entry and proved at two small
shapes, and the closed form (the last line of the gradient) against ``sympy.diff`` of
the written-out definition.
"""

from __future__ import annotations

import re

from sympy import Basic, Function, MatrixSymbol
from sympy.matrices.expressions.matexpr import MatrixElement

from derivations.errors import ExpressionError
from derivations.proof import ClosedForm, MatrixDerivative, Step
from derivations.text import parse, shapes_from
from derivations.user._vector import tidy
from derivations.user._vectorderive import _domains, small_shapes

_FUNCTION = re.compile(r"^\s*(?P<f>[^\W\d]\w*)\s*\(\s*(?P<x>[^\W\d]\w*)\s*\)\s*$")
_GRADIENT = re.compile(
    r"^\s*(?:∇\s*(?P<f>[^\W\d]\w*)\s*\(\s*(?P<x>[^\W\d]\w*)\s*\)"
    r"|(?P<g>[^\W\d]\w*)['′]\s*\(\s*(?P<y>[^\W\d]\w*)\s*\)"
    r"|∂\s*(?P<h>[^\W\d]\w*)\s*/\s*∂\s*(?P<z>[^\W\d]\w*))\s*$"
)


def _error(number: int, message: str) -> ExpressionError:
    return ExpressionError(f"line {number}: {message}")


def _number(e: Basic) -> Basic:
    """A 1×1 matrix (yᵀ·z) as the number in it."""
    return MatrixElement(e, 0, 0) if getattr(e, "shape", None) == (1, 1) else e


def _side(line, text: str, objects: dict) -> Basic:
    try:
        return _number(parse(text, None, objects))
    except ExpressionError as error:
        raise _error(line.number, str(error)) from None


def _subject(line, loss: Basic, v: MatrixSymbol, objects: dict) -> Basic:
    """L(z), ∇L(z) (the gradient), or an expression checked against its right-hand side."""
    match = _GRADIENT.match(line.lhs)
    if match:
        name, x = next((match[f], match[y]) for f, y in (("f", "x"), ("g", "y"), ("h", "z"))
                       if match[f])  # fmt: skip
        if name != loss.func.__name__ or x != v.name:
            wanted = f"{loss.func.__name__}({v.name})"
            raise _error(line.number, f"{line.lhs.strip()} is not the gradient of {wanted}: "
                         f"write ∇{wanted}")  # fmt: skip
        return MatrixDerivative(loss, v)
    if (match := _FUNCTION.match(line.lhs)) and match["x"] == v.name:
        return loss
    return _side(line, line.lhs, objects)


def _variable(first, shapes: dict) -> str:
    match = _FUNCTION.match(first.lhs or "")
    if not match:
        raise _error(first.number, f"the first line must start a subject: 'L(z) = …', got "
                     f"{first.lhs!r}")  # fmt: skip
    if match["x"] not in shapes:
        raise _error(first.number, f"{match['x']} is not declared a vector or matrix; "
                     f"write where: {match['x']} in R^K")  # fmt: skip
    return match["x"]


def vector_parts(headers: dict, lines: list) -> dict:
    """The fields of the FileDerivation of a vector file (``_derivfile.read`` builds it)."""
    shapes = shapes_from(headers["where"])
    wrt = _variable(lines[0], shapes)
    objects: dict = {n: MatrixSymbol(n, *shape) for n, shape in shapes.items()}
    sizes = {s for shape in shapes.values() for s in shape if s.is_Symbol}
    objects.update({s.name: s for s in sizes})
    v = objects[wrt]
    loss = Function(_FUNCTION.match(lines[0].lhs)["f"])(v)
    steps, subject, last = [], None, None
    for line in lines:
        subject = _subject(line, loss, v, objects) if line.lhs else subject
        *via, expr = (_side(line, side, objects) for side in line.sides)
        rule = line.rule or ("definition" if not steps else "(no rule given)")
        steps.append(Step(expr, rule=rule, lhs=subject if line.lhs else None, via=tuple(via)))
        last = len(steps) - 1 if isinstance(subject, MatrixDerivative) else last
    definition = steps[0].expr
    if last is None:
        raise _error(lines[-1].number, f"no gradient: write ∇{loss.func.__name__}({wrt}) = …")
    gradient = MatrixDerivative(loss, v)
    form = ClosedForm(gradient, steps[last].expr, tidy(definition, False), (v,))
    at = small_shapes(sizes)
    shown = "; ".join(", ".join(f"{k} = {n}" for k, n in shape.items()) for shape in at)
    return {
        "domains": _domains(definition, objects, headers["where"], v),
        "steps": tuple(steps),
        "wrt": (v,),
        "shapes": at,
        "closed_forms": (form,),
        "notes": (f"Every line is written out entry by entry and proved at {shown}.",),
        "title": headers["title"][0] if headers["title"] else f"∇{loss.func.__name__}({wrt})",
    }


__all__ = ["vector_parts"]
