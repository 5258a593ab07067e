"""``--verify`` of a vector or matrix closed form (``derive`` along z ∈ ℝ^K, W ∈ ℝ^(K×n)).

A vector derivation holds for every K, so it is checked at several: one Problem per
size in ``SIZES`` (K = 2, 3, 5, 16; a second size n runs through ``SECOND``, never equal
to K, so a transposition cannot hide behind a square matrix), the samples shared among
them, and the Reports added.  Logits are drawn up to |z| = 10⁴, labels on the simplex
one-hot half of the time (its corners), per entry as the scalar domains are.

The scale is B(closed form) entry by entry, the scalar rule of ``_user.bound`` lifted
to matrices: B(A + B) = B(A) + B(B), B(c·A·B) = B(c)·B(A)·B(B), B(a ∘ b) = B(a) ∘ B(b),
B(softmax(a)) = B(σ(a)) = 1 entry by entry, B(M) = |M| for a declared matrix M.  The
harness takes its largest entry at each point.
"""

from __future__ import annotations

from collections.abc import Callable

from sympy import Abs, Basic, Lambda, MatrixExpr, MatrixSymbol, OneMatrix

SIZES = (2, 3, 5, 16)  # K, the first size of a vector derivation, per Problem
SECOND = {2: 3, 3: 2, 5: 4, 16: 7}  # n, a second size, when there is one (n ≠ K)
MIN_SAMPLES = 64  # points per size at least


def shapes(derivation) -> tuple[tuple[str | int, ...], ...]:
    """Each argument's shape as plain data: ("K", 1) for z ∈ ℝ^K, () for a number."""
    return tuple(
        tuple(d if isinstance(d, int) else (int(d) if d.is_Integer else str(d)) for d in a.shape)
        if isinstance(a, MatrixSymbol)
        else ()
        for a in derivation.arguments
    )


def sizes_of(shapes_: tuple) -> list[dict[str, int]]:
    """The sizes each Problem is checked at: K through ``SIZES``, n through ``SECOND``."""
    names = sorted({d for s in shapes_ for d in s if isinstance(d, str)})
    if not names:
        return [{}]
    if len(names) > 2:
        raise ValueError(f"--verify checks vector losses of at most two sizes, got {names}")
    return [dict(zip(names, (k, SECOND[k]), strict=False)) for k in SIZES]


def resolve(shape: tuple, sizes: dict[str, int]) -> tuple[int, ...]:
    return tuple(sizes[d] if isinstance(d, str) else int(d) for d in shape)


def vector_bound(expr: Basic, bound: Callable[[Basic], Basic]) -> Basic:
    """B(expr) entry by entry (the module docstring), a matrix of expr's shape;
    ``bound`` is the scalar B (``_user.bound``)."""
    from sympy import HadamardProduct, MatAdd, MatMul, Transpose
    from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
    from sympy.matrices.expressions.matexpr import MatrixElement

    from derivations.functions import softmax

    if not isinstance(expr, MatrixExpr):
        return bound(expr)
    if isinstance(expr, (softmax, OneMatrix)):
        return OneMatrix(*expr.shape)
    if isinstance(expr, MatrixSymbol):
        return _absolute(expr)
    if isinstance(expr, (MatAdd, HadamardProduct, MatMul)):
        return expr.func(*(vector_bound(a, bound) for a in expr.args))
    if isinstance(expr, Transpose):
        return Transpose(vector_bound(expr.arg, bound))
    if isinstance(expr, MatrixElement):
        return MatrixElement(vector_bound(expr.parent, bound), expr.i, expr.j)
    if isinstance(expr, ElementwiseApplyFunction):
        (d,), body = expr.function.variables, expr.function.expr
        return expr.expr.applyfunc(Lambda(d, bound(body)))
    return _absolute(expr)


def _absolute(m: Basic) -> Basic:
    """|m| entry by entry, one node (as the catalogue writes |X|)."""
    from sympy import Dummy

    t = Dummy("t", real=True)
    return m.applyfunc(Lambda(t, Abs(t)))


def samples_per_size(samples: int, count: int, entries: int) -> int:
    """Points for one of ``count`` sizes: ``samples`` counts entries of the variable drawn
    (as the catalogue's matrix problems do), shared equally among the sizes, so that
    K = 16 costs no more than K = 2."""
    return max(MIN_SAMPLES, samples // (count * max(1, entries)))


__all__ = ["SIZES", "resolve", "samples_per_size", "shapes", "sizes_of", "vector_bound"]
