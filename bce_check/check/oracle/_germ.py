"""Germs: truncated Taylor expansions along a ray, with interval coefficients.

At a point x and a direction d, every intermediate v of the program is a function of the ray
parameter h ≥ 0: v(x + h·d).  A germ holds its right Taylor coefficients
``c[0] = lim_{h→0+} v``, ``c[1] = v'(0+)`` and (order 2) ``c[2] = v''(0+)/2``, each an interval
enclosure, plus ``bad``: True where something could not be decided at this precision (the
coefficients are then meaningless there).  A unary g maps (c0, c1, c2) to
``(g(c0), g'(c0)·c1, g'(c0)·c2 + ½·g''(c0)·c1²)``; products and quotients follow the Cauchy rules.
Comparisons are lexicographic in (c0, c1, c2): that is the order of v(x + h·d) for all small
h > 0, so discontinuous primitives take their one-sided limit branch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _derivs
from ._intervals import iv_div, iv_sqr

Iv = tuple[Any, Any]


@dataclass
class Germ:
    """Interval Taylor coefficients (each array has the batch axis first) and a bad mask."""

    c: list[Iv]
    bad: np.ndarray
    const: bool = False  # c[1:] are exact zeros


@dataclass
class Plain:
    """A boolean or integer intermediate (no derivative), with its bad mask."""

    v: np.ndarray
    bad: np.ndarray


class Ctx:
    """The kernel (float or mpmath) and the number of Taylor coefficients carried."""

    def __init__(self, kernel: Any, order: int) -> None:
        self.k = kernel
        self.n = order + 1

    def ivconst(self, v: float) -> Iv:
        return self.k.point(np.asarray(v, dtype=float))


def constant(ctx: Ctx, x: np.ndarray) -> Germ:
    """A constant float array (batch axis first, possibly of length 1)."""
    x = np.asarray(x, dtype=float)
    z = ctx.k.zeros(x.shape)
    return Germ([ctx.k.point(x)] + [z] * (ctx.n - 1), np.zeros(x.shape, bool), True)


def from_interval(ctx: Ctx, iv: Iv, shape: tuple[int, ...]) -> Germ:
    """A constant known as an interval (a constant such as π or 1/3), shape (1, ...)."""
    lo, hi = np.broadcast_to(iv[0], shape), np.broadcast_to(iv[1], shape)
    z = ctx.k.zeros(shape)
    return Germ([(lo, hi)] + [z] * (ctx.n - 1), np.zeros(shape, bool), True)


def variable(ctx: Ctx, x: np.ndarray, d: np.ndarray) -> Germ:
    """The input x + h·d."""
    z = ctx.k.zeros(x.shape)
    c = [ctx.k.point(x), ctx.k.point(d)] + [z] * (ctx.n - 2)
    return Germ(c, np.zeros(x.shape, bool))


def map_arrays(v: Germ | Plain, fn) -> Germ | Plain:
    """Apply a structural array function (batch axis first) to every array of a value."""
    if isinstance(v, Plain):
        return Plain(fn(v.v), fn(v.bad))
    return Germ([(fn(lo), fn(hi)) for lo, hi in v.c], fn(v.bad), v.const)


def add(ctx: Ctx, a: Germ, b: Germ) -> Germ:
    k = ctx.k
    if b.const:
        return Germ([k.add(a.c[0], b.c[0]), *a.c[1:]], a.bad | b.bad, a.const)
    if a.const:
        return add(ctx, b, a)
    return Germ([k.add(x, y) for x, y in zip(a.c, b.c, strict=True)], a.bad | b.bad)


def neg(ctx: Ctx, a: Germ) -> Germ:
    return Germ([ctx.k.neg(x) for x in a.c], a.bad, a.const)


def sub(ctx: Ctx, a: Germ, b: Germ) -> Germ:
    return add(ctx, a, neg(ctx, b))


def mul(ctx: Ctx, a: Germ, b: Germ) -> Germ:
    """Cauchy product: (ab)_m = Σ_{i+j=m} a_i b_j."""
    k = ctx.k
    if b.const:
        return Germ([k.mul(x, b.c[0]) for x in a.c], a.bad | b.bad, a.const)
    if a.const:
        return mul(ctx, b, a)
    out = []
    for m in range(ctx.n):
        acc = k.mul(a.c[0], b.c[m])
        for i in range(1, m + 1):
            acc = k.add(acc, k.mul(a.c[i], b.c[m - i]))
        out.append(acc)
    return Germ(out, a.bad | b.bad)


def div(ctx: Ctx, a: Germ, b: Germ) -> Germ:
    """q = a/b: q_m = (a_m − Σ_{i<m} q_i b_{m−i}) / b_0."""
    k = ctx.k
    bads = [a.bad | b.bad]
    out: list[Iv] = []
    for m in range(ctx.n):
        num = a.c[m]
        if not b.const:
            for i in range(m):
                num = k.sub(num, k.mul(out[i], b.c[m - i]))
        out.append(iv_div(k, num, b.c[0], bads))
    return Germ(out, _any(bads), a.const and b.const)


def square(ctx: Ctx, a: Germ) -> Germ:
    """a² with the tight square of the value: (a0², 2a0a1, 2a0a2 + a1²)."""
    k = ctx.k
    two_a0 = k.mul(ctx.ivconst(2.0), a.c[0])
    out = [iv_sqr(k, a.c[0])]
    if ctx.n > 1:
        out.append(k.mul(two_a0, a.c[1]))
    if ctx.n > 2:
        out.append(k.add(k.mul(two_a0, a.c[2]), iv_sqr(k, a.c[1])))
    return Germ(out, a.bad, a.const)


def _ipow_iv(k: Any, x: Iv, n: int) -> Iv:
    """xⁿ (n ≥ 1) as an interval; even powers through the tight square."""
    if n == 1:
        return x
    if n % 2 == 0:
        return iv_sqr(k, _ipow_iv(k, x, n // 2))
    return k.mul(x, _ipow_iv(k, x, n - 1))


def ipow(ctx: Ctx, a: Germ, n: int) -> Germ:
    """aⁿ for an integer n: g = xⁿ, g' = n xⁿ⁻¹, g'' = n(n−1) xⁿ⁻²; n < 0 as 1/a⁻ⁿ."""
    k = ctx.k
    shape = np.shape(a.c[0][0])
    if n == 0:
        return constant(ctx, np.ones(shape))
    if n < 0:
        return div(ctx, constant(ctx, np.ones(shape)), ipow(ctx, a, -n))
    if n <= 2:
        return a if n == 1 else square(ctx, a)
    x0 = a.c[0]
    d1 = k.mul(ctx.ivconst(float(n)), _ipow_iv(k, x0, n - 1))
    d2 = None
    if ctx.n > 2:
        d2 = k.mul(ctx.ivconst(float(n * (n - 1))), _ipow_iv(k, x0, n - 2)) if n > 2 else None
    return _taylor(ctx, a, _ipow_iv(k, x0, n), d1, d2, a.bad)


def _taylor(ctx: Ctx, a: Germ, y0: Iv, d1: Iv, d2: Iv | None, bad: np.ndarray) -> Germ:
    k = ctx.k
    out = [y0]
    if ctx.n > 1:
        out.append(k.mul(d1, a.c[1]))
    if ctx.n > 2:
        quad = k.mul(k.mul(ctx.ivconst(0.5), d2), iv_sqr(k, a.c[1]))
        out.append(k.add(k.mul(d1, a.c[2]), quad))
    return Germ(out, bad, a.const)


_DOMAIN = {"log": (0.0, False), "log1p": (-1.0, False), "sqrt": (0.0, True),
           "rsqrt": (0.0, False), "lgamma": (0.0, False), "digamma": (0.0, False)}


def unary(ctx: Ctx, name: str, a: Germ) -> Germ:
    """An elementary function g applied to a germ (domain-checked, see _DOMAIN)."""
    k = ctx.k
    x0 = a.c[0]
    bads = [a.bad]
    outside = None
    if name in _DOMAIN:
        bound, closed = _DOMAIN[name]
        lo, hi = x0
        inside = (lo >= bound) if closed else (lo > bound)
        definite = (hi < bound) if closed else (hi <= bound)
        nan = k.isnan(lo) | k.isnan(hi)
        bads.append(~inside & ~definite & ~nan)
        outside = ~inside
        safe = k.num(bound + 1.0)
        x0 = (k.where(outside, safe, lo), k.where(outside, safe, hi))
    y0 = k.fn(name, x0)
    d1 = _derivs.first(name, k, x0, y0, bads, ctx.ivconst)
    d2 = _derivs.second(name, k, x0, y0, d1, bads, ctx.ivconst) if ctx.n > 2 else None
    out = _taylor(ctx, Germ([x0, *a.c[1:]], a.bad, a.const), y0, d1, d2, a.bad)
    if outside is not None:
        out.c = [(k.where(outside, k.nan, lo), k.where(outside, k.nan, hi)) for lo, hi in out.c]
    out.bad = _any(bads)
    return out


def _any(masks: list[np.ndarray]) -> np.ndarray:
    out = masks[0]
    for m in masks[1:]:
        out = out | m
    return out


def cmp(ctx: Ctx, a: Germ, b: Germ) -> tuple[np.ndarray, np.ndarray]:
    """Lexicographic comparison: code −1 (a < b), 0 (tie), 1 (a > b), 2 (unordered: NaN).

    Returns (code, undecided).  A level is decided when the intervals are disjoint; it is a
    tie (go on to the next coefficient) when both are the same exact point; otherwise it is
    undecided.  After the last level a tie is a tie of the values themselves.  In the float
    tier a NaN is undecided (it may be an overflow's inf − inf)."""
    k = ctx.k
    code = np.zeros(np.broadcast_shapes(np.shape(a.bad), np.shape(b.bad)), np.int8)
    undecided = np.zeros(code.shape, bool)
    open_ = np.ones(code.shape, bool)
    for m in range(ctx.n):
        (al, ah), (bl, bh) = a.c[m], b.c[m]
        nan = k.isnan(al) | k.isnan(ah) | k.isnan(bl) | k.isnan(bh)
        lt, gt = (ah < bl) & ~nan, (al > bh) & ~nan
        tie = (al == ah) & (bl == bh) & (al == bl)
        code = np.where(open_ & lt, -1, np.where(open_ & gt, 1, code)).astype(np.int8)
        if m == 0 and k.genuine_nonfinite:
            code = np.where(open_ & nan, 2, code).astype(np.int8)
            open_ = open_ & ~nan
        undecided |= open_ & ~lt & ~gt & ~tie
        open_ = open_ & tie
    return code, undecided | a.bad | b.bad


def pick(ctx: Ctx, mask: np.ndarray, a: Germ, b: Germ) -> Germ:
    """Elementwise: a where mask, else b."""
    w = ctx.k.where
    c = [(w(mask, x[0], y[0]), w(mask, x[1], y[1])) for x, y in zip(a.c, b.c, strict=True)]
    return Germ(c, np.where(mask, a.bad, b.bad), a.const and b.const)


def zero_like(ctx: Ctx, a: Germ) -> Germ:
    return constant(ctx, np.zeros((1, *np.shape(a.c[0][0])[1:])))


def maximum(ctx: Ctx, a: Germ, b: Germ, lower: bool = False) -> Germ:
    """max (or min) by the lexicographic order; NaN propagates."""
    code, und = cmp(ctx, a, b)
    a_nan = ctx.k.isnan(a.c[0][0])
    take_b = (code == (1 if lower else -1)) | ((code == 2) & ~a_nan)
    out = pick(ctx, take_b, b, a)
    out.bad = out.bad | und
    return out


def absolute(ctx: Ctx, a: Germ) -> Germ:
    code, und = cmp(ctx, a, zero_like(ctx, a))
    out = pick(ctx, code == -1, neg(ctx, a), a)
    out.bad = out.bad | und
    return out


def sign(ctx: Ctx, a: Germ) -> Germ:
    code, und = cmp(ctx, a, zero_like(ctx, a))
    v = np.where(code == 2, np.nan, code.astype(float))
    out = constant(ctx, v)
    out.bad = und
    return out


def is_finite(ctx: Ctx, a: Germ) -> Plain:
    """Whether the value is finite; undecided on a half-infinite interval (float overflow)."""
    k = ctx.k
    lo, hi = a.c[0]
    fin = k.isfinite(lo) & k.isfinite(hi)
    nan = k.isnan(lo) | k.isnan(hi)
    infinite = (lo == hi) & ~fin & ~nan
    settled = fin | infinite | (nan & k.genuine_nonfinite)
    return Plain(fin, a.bad | ~settled)
