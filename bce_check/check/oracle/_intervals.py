"""Interval helpers shared by both kernels: |x|, x², x/y with the zero test."""

from __future__ import annotations

from typing import Any

import numpy as np

Iv = tuple[Any, Any]


def _nan_where(k: Any, x: Iv, out: Iv) -> Iv:
    nan = k.isnan(x[0]) | k.isnan(x[1])
    return k.where(nan, k.nan, out[0]), k.where(nan, k.nan, out[1])


def iv_abs(k: Any, x: Iv) -> Iv:
    """{|t| : t ∈ x}: [0, max(−lo, hi)] when x straddles 0."""
    a, b = x
    na, nb = k.negate(a), k.negate(b)
    pos, negative = a >= 0, b <= 0
    zero = k.num(0)
    lo = k.where(pos, a, k.where(negative, nb, zero))
    hi = k.where(pos, b, k.where(negative, na, k.where(na > b, na, b)))
    return _nan_where(k, x, (lo, hi))


def iv_sqr(k: Any, x: Iv) -> Iv:
    """{t² : t ∈ x}, tight (never negative)."""
    return _nan_where(k, x, k.sqr_pos(iv_abs(k, x)))


def iv_div(k: Any, x: Iv, y: Iv, bads: list[np.ndarray]) -> Iv:
    """x / y.  Where y contains 0 the result is NaN; that is undecided (appended to ``bads``)
    unless y is exactly 0 (a genuine pole or 0/0) or already NaN."""
    c, d = y
    nan = k.isnan(c) | k.isnan(d)
    zero = ~(c > 0) & ~(d < 0)
    exact_zero = (c == 0) & (d == 0)
    bads.append(zero & ~exact_zero & ~nan)
    one = k.num(1)
    safe = (k.where(zero, one, c), k.where(zero, one, d))
    lo, hi = k.div_safe(x, safe)
    return k.where(zero, k.nan, lo), k.where(zero, k.nan, hi)
