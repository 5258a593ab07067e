"""What both kernels share about the elementary functions: monotonicity, ranges, exact values.

``combine`` turns the widened values at the two endpoints into an enclosure over the interval:
increasing functions give ``[f(lo)↓, f(hi)↑]``, decreasing ones the reverse; ``sin``/``cos``
are 1-Lipschitz, so their endpoint hull widened by the width encloses them; ``lgamma`` (only
on x > 0) is convex with its minimum −0.12148629… at x* = 1.46163…, decreasing before x* and
increasing after; ``cosh`` is called on |x| only, where it increases.  ``keep_exact`` keeps the
values that are exact (exp 0 = 1, log 1 = 0, σ(0) = ½, √(a²) = a, …) exact points, so that ties
downstream stay decidable.
"""

from __future__ import annotations

from typing import Any

import mpmath

INCREASING = {"exp", "exp2", "expm1", "log", "log1p", "sqrt", "logistic", "tanh", "erf",
              "softplus", "digamma", "psi2", "cosh"}
DECREASING = {"rsqrt", "erfc", "psi1"}
LIPSCHITZ = {"sin", "cos"}
_RANGE = {"exp": (0, None), "exp2": (0, None), "expm1": (-1, None), "sqrt": (0, None),
          "rsqrt": (0, None), "logistic": (0, 1), "tanh": (-1, 1), "erf": (-1, 1),
          "erfc": (0, 2), "sin": (-1, 1), "cos": (-1, 1), "cosh": (1, None),
          "softplus": (0, None), "psi1": (0, None), "psi2": (None, 0)}
_EXACT = {"exp": [(0, 1)], "exp2": [(0, 1), (1, 2), (-1, 0.5)], "expm1": [(0, 0)],
          "log": [(1, 0)], "log1p": [(0, 0)], "sqrt": [(0, 0), (1, 1)], "rsqrt": [(1, 1)],
          "logistic": [(0, 0.5)], "tanh": [(0, 0)], "erf": [(0, 0)], "erfc": [(0, 1)],
          "sin": [(0, 0)], "cos": [(0, 1)], "cosh": [(0, 1)], "lgamma": [(1, 0), (2, 0)]}
_LGAMMA_ARGMIN = (1.4616321449, 1.4616321450)  # x* lies strictly between
_LGAMMA_MIN = -0.1214862905359  # below min lgamma = −0.12148629053584960…


def constant(name: str) -> mpmath.mpf:
    """A named constant at the current mpmath precision."""
    if name == "pi":
        return +mpmath.pi
    if name == "e":
        return +mpmath.e
    if name == "ln2":
        return +mpmath.ln2
    if name == "2/sqrtpi":
        return 2 / mpmath.sqrt(mpmath.pi)
    raise KeyError(name)


def keep_exact(name: str, x: Any, y: Any, w: tuple[Any, Any], k: Any) -> tuple[Any, Any]:
    """Replace the widened enclosure ``w`` of ``f(x)`` by the exact value where it is known."""
    lo, hi = w
    for xv, yv in _EXACT.get(name, ()):
        m = x == xv
        lo = k.where(m, k.num(yv), lo)
        hi = k.where(m, k.num(yv), hi)
    if name == "sqrt":
        m = k.exact_square(x, y)
        lo, hi = k.where(m, y, lo), k.where(m, y, hi)
    return lo, hi


def _clamp(name: str, lo: Any, hi: Any, k: Any) -> tuple[Any, Any]:
    bottom, top = _RANGE.get(name, (None, None))
    if bottom is not None:
        lo = k.where(lo < bottom, k.num(bottom), lo)
    if top is not None:
        hi = k.where(hi > top, k.num(top), hi)
    return lo, hi


def combine(name: str, x: tuple[Any, Any], wa: tuple[Any, Any], wb: tuple[Any, Any],
            k: Any) -> tuple[Any, Any]:
    """The enclosure of f over [x.lo, x.hi] from enclosures wa of f(x.lo) and wb of f(x.hi)."""
    if name in INCREASING:
        return _clamp(name, wa[0], wb[1], k)
    if name in DECREASING:
        return _clamp(name, wb[0], wa[1], k)
    if name in LIPSCHITZ:
        width = k.add_dir(x[1], k.negate(x[0]), True)
        lo = k.add_dir(k.where(wa[0] < wb[0], wa[0], wb[0]), k.negate(width), False)
        hi = k.add_dir(k.where(wa[1] > wb[1], wa[1], wb[1]), width, True)
        return _clamp(name, lo, hi, k)
    if name == "lgamma":
        dec = x[1] <= _LGAMMA_ARGMIN[0]
        inc = x[0] >= _LGAMMA_ARGMIN[1]
        top = k.where(wa[1] > wb[1], wa[1], wb[1])
        lo = k.where(dec, wb[0], k.where(inc, wa[0], k.num(_LGAMMA_MIN)))
        hi = k.where(dec, wa[1], k.where(inc, wb[1], top))
        return lo, hi
    raise KeyError(name)
