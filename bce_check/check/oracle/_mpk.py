"""The mpmath interval kernel: the second tier, at a given number of decimal digits.

An interval is a pair of numpy object arrays of ``mpf``.  ``+ − × ÷`` use mpmath's directed
rounding (``fadd(..., rounding='f'/'c')``), so exact operations stay exact.  Elementary
functions are evaluated at p + 20 bits and widened outward by 2⁻ᵖ relative at p bits (2²⁰ ulp
of the working precision: mpmath's functions are accurate to about one ulp), exact values
kept exact.  mpf has no overflow or underflow, so an infinity or NaN here is genuine.
"""

from __future__ import annotations

import math
from typing import Any

import mpmath
import numpy as np

from . import _specials

_MP = mpmath.mp


def _softplus(x: mpmath.mpf) -> mpmath.mpf:
    if x > 0:
        return x + mpmath.log1p(mpmath.exp(-x))
    return mpmath.log1p(mpmath.exp(x))


_FUN = {
    "exp": mpmath.exp, "exp2": lambda x: mpmath.power(2, x), "expm1": mpmath.expm1,
    "log": mpmath.log, "log1p": mpmath.log1p, "sqrt": mpmath.sqrt,
    "rsqrt": lambda x: 1 / mpmath.sqrt(x), "tanh": mpmath.tanh, "cosh": mpmath.cosh,
    "sin": mpmath.sin, "cos": mpmath.cos, "logistic": lambda x: 1 / (1 + mpmath.exp(-x)),
    "softplus": _softplus, "erf": mpmath.erf, "erfc": mpmath.erfc, "lgamma": mpmath.loggamma,
    "digamma": mpmath.digamma, "psi1": lambda x: mpmath.polygamma(1, x),
    "psi2": lambda x: mpmath.polygamma(2, x),
}


def _vec(f, nin: int = 1):
    u = np.frompyfunc(f, nin, 1)

    def g(*a: Any) -> np.ndarray:
        return np.asarray(u(*a), dtype=object)
    return g


_ISNAN = _vec(mpmath.isnan)
_ISFIN = _vec(mpmath.isfinite)
_MPF = _vec(mpmath.mpf)
_NEG = _vec(lambda a: mpmath.fneg(a, exact=True))  # ``-a`` would round to mp.prec


def _to_float(x: mpmath.mpf, up: bool) -> float:
    if mpmath.isnan(x):
        return math.nan
    y = float(x)
    if up:
        return y if mpmath.mpf(y) >= x else float(np.nextafter(y, np.inf))
    return y if mpmath.mpf(y) <= x else float(np.nextafter(y, -np.inf))


_TO_FLOAT = {up: _vec(lambda x, up=up: _to_float(x, up)) for up in (False, True)}


class MpKernel:
    """Interval arithmetic on object arrays of mpf at ``digits`` decimal digits."""

    genuine_nonfinite = True
    nan = mpmath.mpf("nan")
    where = staticmethod(np.where)

    def __init__(self, digits: int) -> None:
        self.digits = digits
        p = self.prec = math.ceil(digits * math.log2(10)) + 4
        rd = {False: "f", True: "c"}
        self._add = {u: _vec(lambda a, b, r=rd[u]: mpmath.fadd(a, b, prec=p, rounding=r), 2)
                     for u in rd}
        self._mul = {u: _vec(lambda a, b, r=rd[u]: mpmath.fmul(a, b, prec=p, rounding=r), 2)
                     for u in rd}
        self._div = {u: _vec(lambda a, b, r=rd[u]: mpmath.fdiv(a, b, prec=p, rounding=r), 2)
                     for u in rd}

        def widen(y: mpmath.mpf, up: bool) -> mpmath.mpf:
            if not mpmath.isfinite(y):
                return y
            d = mpmath.ldexp(y, -p)  # exact; |d| = |y|·2⁻ᵖ
            op = mpmath.fadd if (y > 0) == up else mpmath.fsub
            return op(y, d, prec=p, rounding=rd[up])
        self._widen = {u: _vec(lambda y, u=u: widen(y, u)) for u in rd}

    def num(self, v: float) -> mpmath.mpf:
        return mpmath.mpf(v)

    def arr(self, x: np.ndarray) -> np.ndarray:
        return _MPF(np.asarray(x, dtype=float))

    def point(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a = self.arr(x)
        return a, a

    def zeros(self, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        z = np.full(shape, mpmath.mpf(0), dtype=object)
        return z, z

    def exact(self, v: mpmath.mpf) -> tuple[np.ndarray, np.ndarray]:
        a = np.asarray(v, dtype=object)
        return a, a

    def negate(self, a: np.ndarray) -> np.ndarray:
        return _NEG(a)

    def neg(self, x):
        return _NEG(x[1]), _NEG(x[0])

    def const(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        with mpmath.workprec(self.prec + 20):
            v = _specials.constant(name)
        a = np.asarray(v, dtype=object)
        return self._widen[False](a), self._widen[True](a)

    def isnan(self, x: np.ndarray) -> np.ndarray:
        return _ISNAN(x).astype(bool)

    def isfinite(self, x: np.ndarray) -> np.ndarray:
        return _ISFIN(x).astype(bool)

    def to_float(self, x: np.ndarray, up: bool) -> np.ndarray:
        return _TO_FLOAT[up](x).astype(float)

    def add_dir(self, a, b, up: bool):
        return self._add[up](a, b)

    def mul_dir(self, a, b, up: bool):
        return self._mul[up](a, b)

    def exact_square(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return _vec(lambda a, b: mpmath.fmul(b, b, exact=True) == a, 2)(x, y).astype(bool)

    def _min(self, *xs):
        out = xs[0]
        for x in xs[1:]:
            out = np.where(self.isnan(x) | (x < out), x, out)
        return out

    def _max(self, *xs):
        out = xs[0]
        for x in xs[1:]:
            out = np.where(self.isnan(x) | (x > out), x, out)
        return out

    def add(self, x, y):
        return self._add[False](x[0], y[0]), self._add[True](x[1], y[1])

    def sub(self, x, y):
        return self._add[False](x[0], _NEG(y[1])), self._add[True](x[1], _NEG(y[0]))

    def _four(self, op, x, y):
        (a, b), (c, d) = x, y
        lo = self._min(op[False](a, c), op[False](a, d), op[False](b, c), op[False](b, d))
        hi = self._max(op[True](a, c), op[True](a, d), op[True](b, c), op[True](b, d))
        return lo, hi

    def mul(self, x, y):
        return self._four(self._mul, x, y)

    def div_safe(self, x, y):
        """x / y for y known not to contain 0."""
        return self._four(self._div, x, y)

    def sqr_pos(self, x):
        return self._mul[False](x[0], x[0]), self._mul[True](x[1], x[1])

    def fn(self, name: str, x):
        """Enclosure of an elementary function over x (see _specials.combine)."""
        f = _vec(_FUN[name])
        old = _MP.prec
        _MP.prec = self.prec + 20
        try:
            ya, yb = f(x[0]), f(x[1])
        finally:
            _MP.prec = old
        wa = (self._widen[False](ya), self._widen[True](ya))
        wb = (self._widen[False](yb), self._widen[True](yb))
        wa = _specials.keep_exact(name, x[0], ya, wa, self)
        wb = _specials.keep_exact(name, x[1], yb, wb, self)
        return _specials.combine(name, x, wa, wb, self)
