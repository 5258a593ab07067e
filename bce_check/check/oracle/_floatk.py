"""The float64 interval kernel: the first tier, vectorised over a whole batch.

An interval is a pair ``(lo, hi)`` of float64 arrays.  ``+ − × ÷`` are correctly rounded in
IEEE arithmetic, so a result needs at most one ``nextafter`` outward.  A result known to be
exact is kept as it is, so that ties such as ``u − 0 = 0`` stay exact points: a sum by
TwoSum's error term, a product where a factor is 0 or ±2ᵏ (other products are widened by
one ulp: still an enclosure, and the mpmath tier keeps them exact).  Libm
is not correctly rounded: its results are widened by 2⁻⁴⁹ relative (≥ 8 ulp) plus 2⁻¹⁰⁷⁰
absolute, CPython's ``math.erf``/``erfc``/``lgamma`` by 2⁻⁴⁰ relative.  Functions without a
float implementation here (digamma and the polygammas) return NaN, which sends the point to
the mpmath tier.  Overflow gives ``[max float, inf]``: still an enclosure, never decided.
"""

from __future__ import annotations

import functools
import math

import mpmath
import numpy as np

from . import _specials

_INF = np.inf
_REL = 2.0**-49
_REL_MATH = 2.0**-40
_ABS = 2.0**-1070
_TINY_PRODUCT = 2.0**-960


def _dn(x: np.ndarray) -> np.ndarray:
    return np.nextafter(x, -_INF)


def _up(x: np.ndarray) -> np.ndarray:
    return np.nextafter(x, _INF)


_MANTISSA = np.uint64(0x000FFFFFFFFFFFFF)


def _power_of_two(a: np.ndarray) -> np.ndarray:
    """±2ᵏ (normal) or 0: the significand bits are all zero."""
    return (np.asarray(a, dtype=np.float64).view(np.uint64) & _MANTISSA) == 0


def _exact_product(a: np.ndarray, b: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Where ``p = fl(a·b)`` is known exact: a factor is 0 or a power of two, and nothing
    overflowed or underflowed.  Other exact products (3·3) are widened by one ulp, which is
    still an enclosure; the mpmath tier then keeps them exact."""
    exact = _power_of_two(a) | _power_of_two(b)
    return exact & np.isfinite(p) & ((np.abs(p) >= _TINY_PRODUCT) | (a == 0) | (b == 0))


def _round(s: np.ndarray, exact: np.ndarray, up: bool) -> np.ndarray:
    return np.where(exact, s, _up(s) if up else _dn(s))


def add_dir(a: np.ndarray, b: np.ndarray, up: bool) -> np.ndarray:
    """a + b rounded up or down (TwoSum: the error (a − (s − b')) + (b − b') is exact)."""
    s = a + b
    bb = s - a
    err = (a - (s - bb)) + (b - bb)
    if up:
        return np.where(err > 0, _up(s), np.where(np.isnan(err), _up(s), s))
    return np.where(err < 0, _dn(s), np.where(np.isnan(err), _dn(s), s))


def mul_dir(a: np.ndarray, b: np.ndarray, up: bool) -> np.ndarray:
    """a·b rounded up or down."""
    p = a * b
    return _round(p, _exact_product(a, b, p), up)


def div_dir(a: np.ndarray, b: np.ndarray, up: bool) -> np.ndarray:
    """a/b rounded up or down; exact when q·b reproduces a exactly."""
    q = a / b
    p = q * b
    return _round(q, (p == a) & _exact_product(q, b, p), up)


def _to_float(x: mpmath.mpf, up: bool) -> float:
    y = float(x)
    if up:
        return y if mpmath.mpf(y) >= x else float(np.nextafter(y, _INF))
    return y if mpmath.mpf(y) <= x else float(np.nextafter(y, -_INF))


def _math_vec(f):
    def g(x: np.ndarray) -> np.ndarray:
        def safe(v: float) -> float:
            try:
                return f(v)
            except (ValueError, OverflowError):
                return math.nan
        return np.frompyfunc(safe, 1, 1)(x).astype(float)
    return g


def _logistic(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


def _nan(x: np.ndarray) -> np.ndarray:
    return np.full(np.shape(x), np.nan)


_NP = {
    "exp": np.exp, "exp2": np.exp2, "expm1": np.expm1, "log": np.log, "log1p": np.log1p,
    "sqrt": np.sqrt, "rsqrt": lambda x: 1.0 / np.sqrt(x), "tanh": np.tanh, "cosh": np.cosh,
    "sin": np.sin, "cos": np.cos, "logistic": _logistic, "softplus": _softplus,
    "erf": _math_vec(math.erf), "erfc": _math_vec(math.erfc), "lgamma": _math_vec(math.lgamma),
    "digamma": _nan, "psi1": _nan, "psi2": _nan,
}
_LOOSE = {"erf", "erfc", "lgamma"}


class FloatKernel:
    """Interval arithmetic on float64 arrays (see the module docstring)."""

    digits = 16
    genuine_nonfinite = False  # an inf may be an overflow, a NaN an inf − inf
    nan = np.nan

    def arr(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x, dtype=float)

    def point(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(x, dtype=float)
        return x, x

    def zeros(self, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        z = np.zeros(shape)
        return z, z

    def exact(self, v: mpmath.mpf) -> tuple[np.ndarray, np.ndarray]:
        """An exact real (an mpf) as its float64 enclosure."""
        return np.asarray(_to_float(v, False)), np.asarray(_to_float(v, True))

    def const(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        with mpmath.workprec(160):
            v = _specials.constant(name)
            d = abs(v) * mpmath.mpf(2) ** -150
            return np.asarray(_to_float(v - d, False)), np.asarray(_to_float(v + d, True))

    def isnan(self, x: np.ndarray) -> np.ndarray:
        return np.isnan(x)

    def isfinite(self, x: np.ndarray) -> np.ndarray:
        return np.isfinite(x)

    def to_float(self, x: np.ndarray, up: bool) -> np.ndarray:
        return np.asarray(x, dtype=float)

    add_dir = staticmethod(add_dir)
    mul_dir = staticmethod(mul_dir)
    where = staticmethod(np.where)

    def negate(self, a: np.ndarray) -> np.ndarray:
        return -a

    def neg(self, x):
        return -x[1], -x[0]

    def num(self, v: float) -> float:
        return float(v)

    def exact_square(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        p = y * y
        return (p == x) & _exact_product(y, y, p)

    def add(self, x, y):
        return add_dir(x[0], y[0], False), add_dir(x[1], y[1], True)

    def sub(self, x, y):
        return add_dir(x[0], -y[1], False), add_dir(x[1], -y[0], True)

    def mul(self, x, y):
        (a, b), (c, d) = x, y
        if a is b and c is d:  # points: one product, rounded both ways
            p = a * c
            exact = _exact_product(a, c, p)
            return _round(p, exact, False), _round(p, exact, True)
        products = [(p, _exact_product(u, v, p)) for u, v in ((a, c), (a, d), (b, c), (b, d))
                    for p in (u * v,)]
        lo = functools.reduce(np.minimum, [_round(p, e, False) for p, e in products])
        hi = functools.reduce(np.maximum, [_round(p, e, True) for p, e in products])
        return lo, hi

    def div_safe(self, x, y):
        """x / y for y known not to contain 0."""
        (a, b), (c, d) = x, y
        lo = np.minimum(np.minimum(div_dir(a, c, False), div_dir(a, d, False)),
                        np.minimum(div_dir(b, c, False), div_dir(b, d, False)))
        hi = np.maximum(np.maximum(div_dir(a, c, True), div_dir(a, d, True)),
                        np.maximum(div_dir(b, c, True), div_dir(b, d, True)))
        return lo, hi

    def sqr_pos(self, x):
        """x² for 0 ≤ x (elementwise: lo ≥ 0)."""
        return mul_dir(x[0], x[0], False), mul_dir(x[1], x[1], True)

    def fn(self, name: str, x):
        """Enclosure of a monotone (or, for sin/cos/cosh/lgamma, see _specials) function."""
        f = _NP[name]
        lo_x, hi_x = x
        ya, yb = f(lo_x), f(hi_x)
        rel = _REL_MATH if name in _LOOSE else _REL
        wa = (ya - np.abs(ya) * rel - _ABS, ya + np.abs(ya) * rel + _ABS)
        wb = (yb - np.abs(yb) * rel - _ABS, yb + np.abs(yb) * rel + _ABS)
        wa = _specials.keep_exact(name, lo_x, ya, wa, self)
        wb = _specials.keep_exact(name, hi_x, yb, wb, self)
        return _specials.combine(name, x, wa, wb, self)
