"""``derive`` for a vector or matrix argument: ∇_z L in vector notation, proved written out.

With ``where`` declaring vectors (``z in R^K``, ``y in simplex(K)``, ``W in R^(K×n)``):

1. ``L(z) = <the text>``                                  [definition]
2. ``∂L/∂z = <the gradient by vector rules>``             [vector rules: the rules used]
3. ``      = <with sum(y) = 1>``  if a label y is on the simplex   [sum(y) = 1: y ∈ simplex(K)]

Like the catalogue's matrix results (``catalogue/softmax.py``, ``batch.py``), every line
is written out entry by entry and proved at two small shapes (K = 2 and K = 3; with a
second size n, K = 2, n = 3 and K = 3, n = 2, so that a transposition cannot hide), and
line 2 is checked there against ``sympy.diff`` of the written-out definition.  Sizes are
never written out larger than that.
"""

from __future__ import annotations

from collections.abc import Iterable

from sympy import Basic, Function, MatrixSymbol, S, Symbol
from sympy.matrices.expressions.matexpr import MatrixElement

from derivations.errors import DomainError
from derivations.proof import ClosedForm, Derivation, MatrixDerivative, Step
from derivations.sets import SIMPLEX
from derivations.text import check_names, domains_from, parse, shapes_from
from derivations.user._vector import gradient, sums_written, tidy

SMALL = (2, 3)  # the sizes each dimension is written out at


def small_shapes(sizes: Iterable[Symbol]) -> tuple[dict, ...]:
    """Two shapes: K = 2 then 3; with a second size it runs the other way (n = 3 then 2)."""
    ordered = sorted(sizes, key=str)
    if not ordered:
        return ()
    return tuple(
        {k: SMALL[(i + shift) % 2] for i, k in enumerate(ordered)} for shift in range(len(SMALL))
    )


def _shape(expr: Basic) -> str:
    return "×".join(map(str, expr.shape)) if hasattr(expr, "shape") else "a number"


def _loss(text: str, objects: dict) -> Basic:
    definition = parse(text, None, objects)
    if getattr(definition, "is_Matrix", False):
        if definition.shape != (1, 1):
            raise DomainError(
                f"the loss {text.strip()!r} is a {_shape(definition)} matrix, not a number; "
                "write sum(…) or yᵀ·(…) for a scalar loss"
            )
        definition = MatrixElement(definition, 0, 0)
    return definition


def _domains(definition: Basic, objects: dict, where: list[str], v: MatrixSymbol) -> dict:
    declared = domains_from(where)
    matrices = [m for m in objects.values() if isinstance(m, MatrixSymbol)]
    sizes = {s for m in matrices for s in m.shape if s.is_Symbol}
    scalars = sorted(definition.free_symbols - set(matrices) - sizes, key=str)
    check_names(declared, [m.name for m in matrices] + [s.name for s in scalars])
    if declared.get(v.name, S.Reals) != S.Reals:
        raise DomainError(f"the variable {v.name} is real; --where may not restrict it")
    domains = {m: declared.get(m.name, S.Reals) for m in sorted(matrices, key=lambda m: m != v)}
    return domains | {s: declared.get(s.name, S.Reals) for s in scalars}


def _objects(shapes: dict, wrt: str) -> tuple[dict, set]:
    """A MatrixSymbol per declared vector or matrix and a Symbol per size; and the sizes."""
    if wrt not in shapes:
        declared = ", ".join(shapes)
        raise DomainError(
            f"--wrt {wrt} is not declared a vector or matrix (declared: {declared}); "
            f"write --where '{wrt} in R^K', or differentiate along one of them"
        )
    objects: dict = {n: MatrixSymbol(n, *shape) for n, shape in shapes.items()}
    sizes = {s for shape in shapes.values() for s in shape if s.is_Symbol}
    objects.update({s.name: s for s in sizes})
    return objects, sizes


def _steps(definition: Basic, v: MatrixSymbol, domains: dict) -> list[Step]:
    """L(v) = definition, then ∂L/∂v by vector rules, then with sum(y) = 1 for a label y
    on the simplex."""
    sums: dict = {}
    rules: list[str] = []
    general = tidy(gradient(definition, v, sums, rules))
    loss = Function("L")(v)
    steps = [
        Step(definition, lhs=loss, rule="definition"),
        Step(sums_written(general, sums), lhs=MatrixDerivative(loss, v), rule="vector rules: "
             + "; ".join(rules)),
    ]  # fmt: skip
    labels = {d: S.One for g, d in sums.items() if domains.get(g) is SIMPLEX}
    if labels:
        named = ", ".join(f"sum({g}) = 1" for g, d in sums.items() if d in labels)
        steps.append(Step(tidy(sums_written(general.xreplace(labels), sums)), rule=named
                          + ": on the simplex"))  # fmt: skip
    return steps


def build_vector(text: str, wrt: str, where: list[str], name: str, title: str | None) -> Derivation:
    """The Derivation of ∂L/∂``wrt`` for a ``wrt`` declared a vector or matrix in ``where``."""
    objects, sizes = _objects(shapes_from(where), wrt)
    definition = _loss(text, objects)
    v = objects[wrt]
    domains = _domains(definition, objects, where, v)
    steps = _steps(definition, v, domains)
    at = small_shapes(sizes)
    shown = "; ".join(", ".join(f"{k} = {n}" for k, n in shape.items()) for shape in at)
    return Derivation(
        name=name,
        title=title or f"∂L/∂{wrt} for L({wrt}) = {text.strip()}",
        source="bce-check derive (your own loss, vector rules)",
        domains=domains,
        steps=tuple(steps),
        wrt=(v,),
        shapes=at,
        closed_forms=(  # the function folded entry by entry, as the stable rewrites read it
            ClosedForm(
                steps[-1].lhs or steps[1].lhs, steps[-1].expr, tidy(definition, False), (v,)
            ),
        ),
        notes=(
            f"Every line is written out entry by entry and proved at {shown or 'its shape'}, "
            "and the gradient checked there against sympy.diff of the written-out definition.",
        ),
    )


__all__ = ["build_vector", "small_shapes"]
