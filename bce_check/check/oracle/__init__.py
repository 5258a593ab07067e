"""The oracle: the TRUE derivative of a program's own formula, as a rigorous enclosure.

Design.  To get the one-sided directional derivative of f at x in direction d, the program is
evaluated at x + h·d for infinitesimal h > 0 on *germs*: truncated Taylor expansions in h whose
coefficients are rigorous intervals (value, right derivative, and for order 2 half the second
derivative).  Comparisons are lexicographic in the coefficients, so sign, abs, max, select_n,
argmax… take the branch the program takes for all small h > 0 (e.g. |germ(0, t)| = (0, |t|)).
Directions ±e_i give D+ and D−; where their enclosures are disjoint the point is a kink and the
truth is the hull [min(D−, D+), max(D−, D+)].  Order 2 adds ±(e_i + e_j) (polarisation).

One interpreter, two interval kernels (tiers):

* float64, vectorised over the whole batch: correctly rounded + − × ÷ with one nextafter
  outward unless an error-free transformation shows the result exact; libm results widened
  by 2⁻⁴⁹ relative; overflow, NaN and undecided comparisons are never decided here;
* mpmath at 30, 120, 500, 2000 digits (capped by ``max_digits``): directed
  rounding, functions at p + 20 bits widened by 2⁻ᵖ; only the points still pending.

A point is settled from its enclosure only (never because two precisions agree): see
``_decide``.  A comparison or a domain test (log of [−ε, ε]) that cannot be decided marks the
point *bad* at that precision, which sends it to the next one; at the cap it is UNRESOLVED.

What is differentiated is the VALUE of the formula: custom_jvp/custom_vjp rules are ignored
(their primal jaxpr is evaluated) and ``stop_gradient`` is the identity.  ``derivative`` and
``Judgement.truth`` report the midpoint of the enclosure (at a kink, of the hull).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ._errors import OracleUnavailable
from ._jaxpr import JaxprProgram
from ._oracle import FAIL, PASS, SETTLED, UNRESOLVED, Enclosure, Judgement, Oracle
from ._sympy import SympyProgram

__all__ = ["FAIL", "PASS", "SETTLED", "UNRESOLVED", "Enclosure", "Judgement", "Oracle",
           "OracleUnavailable", "jaxpr_oracle", "sympy_oracle"]


def jaxpr_oracle(f: Callable[..., Any], shapes: Sequence[tuple[int, ...]], wrt: int,
                 order: int = 1) -> Oracle:
    """The oracle of a JAX function f(*args), each argument a float64 array of ``shapes[i]``.

    ``wrt`` is a single argument index.  Order 1: the derivative has shape
    out_shape + shapes[wrt] (the gradient for a scalar f, else the Jacobian); order 2 (scalar
    f only): the Hessian w.r.t. that argument, shape shapes[wrt] + shapes[wrt].  Raises
    OracleUnavailable, naming the primitive, if some primitive cannot be evaluated."""
    program = JaxprProgram(f, shapes)
    return Oracle(program, shapes, wrt, order, program.out_shape)


def sympy_oracle(expr: Any, symbols: Sequence[Any], wrt: Any, order: int = 1) -> Oracle:
    """The oracle of a SymPy expression in scalar ``symbols``; ``wrt`` is a symbol or index."""
    symbols = list(symbols)
    index = symbols.index(wrt) if not isinstance(wrt, int) else wrt
    program = SympyProgram(expr, symbols)
    return Oracle(program, [()] * len(symbols), index, order, ())
