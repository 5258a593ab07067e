"""One-sided derivatives from the output germs, the truth hull, and the decision rule.

Right derivative D+ = c1(+e_i); left derivative D− = −c1(−e_i); for order 2,
H±_ii = 2·c2(±e_i) and H±_ij = c2(±(e_i + e_j)) − c2(±e_i) − c2(±e_j).  The truth is the set
[min(D−, D+), max(D−, D+)] (one number where D− = D+).  With A ∋ min and B ∋ max as
enclosures, the distance from c to the truth set is at most
``worst = max(min(A.hi, B.hi) − c, c − max(A.lo, B.lo), 0)`` (for a smooth point that is
sup_{t ∈ D} |c − t|) and at least ``best = dist(c, [A.lo, B.hi])``.  PASS: c finite and
worst ≤ rel·min|t| + absolute; FAIL: c not finite, or best > rel·max|t| + absolute, with t over
the hull [A.lo, B.hi].  Both sides are computed with directed rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._germ import Germ

Iv = tuple[Any, Any]


@dataclass
class Sided:
    """One-sided derivative enclosures, shape (n, *derivative_shape), and the flags."""

    plus: Iv
    minus: Iv
    extra_kink: np.ndarray  # order 2: the first derivative has a kink there
    bad: np.ndarray  # (n,)
    k: Any

    def _w(self, m, a, b):
        return self.k.where(m, a, b)

    def a(self) -> Iv:
        (pl, ph), (ml, mh) = self.plus, self.minus
        return self._w(pl < ml, pl, ml), self._w(ph < mh, ph, mh)

    def b(self) -> Iv:
        (pl, ph), (ml, mh) = self.plus, self.minus
        return self._w(pl > ml, pl, ml), self._w(ph > mh, ph, mh)

    def finite(self) -> np.ndarray:
        k = self.k
        f = np.ones(np.shape(self.plus[0]), bool)
        for x in (*self.plus, *self.minus):
            f &= k.isfinite(x)
        return f & ~_expand(self.bad, f.ndim)

    def kink(self) -> np.ndarray:
        (pl, ph), (ml, mh) = self.plus, self.minus
        return (ph < ml) | (mh < pl) | self.extra_kink

    def kink_point(self) -> np.ndarray:
        return _per_point(self.kink(), np.any)

    def finite_point(self) -> np.ndarray:
        return _per_point(self.finite(), np.all)

    def hull_float(self, k: Any) -> tuple[np.ndarray, np.ndarray]:
        return k.to_float(self.a()[0], False), k.to_float(self.b()[1], True)


def _expand(x: np.ndarray, ndim: int) -> np.ndarray:
    return np.reshape(x, np.shape(x) + (1,) * (ndim - np.ndim(x)))


def _per_point(x: np.ndarray, red) -> np.ndarray:
    return red(np.reshape(x, (np.shape(x)[0], -1)), axis=1)


def _take(iv: Iv, key: Any, neg: bool, k: Any) -> Iv:
    lo, hi = iv[0][key], iv[1][key]
    return (k.negate(hi), k.negate(lo)) if neg else (lo, hi)


def one_sided(k: Any, out: Germ, n: int, nd: int, order: int, arg: tuple[int, ...],
              out_shape: tuple[int, ...]) -> Sided:
    """Extract D+ and D− (order 1: shape out_shape + arg; order 2: arg + arg)."""
    m = int(np.prod(arg, dtype=int))
    shp = lambda a: np.reshape(a, (n, nd, *out_shape))  # noqa: E731
    c = [(shp(lo), shp(hi)) for lo, hi in out.c]
    bad = np.any(np.reshape(out.bad, (n, -1)), axis=1)
    if order == 1:
        def arrange(a):
            return np.reshape(np.moveaxis(a, 1, -1), (n, *out_shape, *arg))
        p = _take(c[1], np.s_[:, 0:2 * m:2], False, k)
        q = _take(c[1], np.s_[:, 1:2 * m:2], True, k)
        plus, minus = (arrange(p[0]), arrange(p[1])), (arrange(q[0]), arrange(q[1]))
        return Sided(plus, minus, np.zeros(np.shape(plus[0]), bool), bad, k)
    return _hessian(k, c, n, m, arg, bad)


def _hessian(k: Any, c: list[Iv], n: int, m: int, arg: tuple[int, ...], bad) -> Sided:
    two = k.point(np.asarray(2.0))
    g1 = [(_take(c[1], np.s_[:, 2 * i], False, k), _take(c[1], np.s_[:, 2 * i + 1], True, k))
          for i in range(m)]
    g_kink = [(p[1] < q[0]) | (q[1] < p[0]) for p, q in g1]
    sides = []
    for s in (0, 1):
        diag = [k.mul(two, _take(c[2], np.s_[:, 2 * i + s], False, k)) for i in range(m)]
        h = [[None] * m for _ in range(m)]
        pair = 2 * m
        for i in range(m):
            h[i][i] = diag[i]
            for j in range(i + 1, m):
                t = _take(c[2], np.s_[:, pair + s], False, k)
                ci, cj = (_take(c[2], np.s_[:, 2 * r + s], False, k) for r in (i, j))
                h[i][j] = h[j][i] = k.sub(k.sub(t, ci), cj)
                pair += 2
        lo = np.stack([np.stack([h[i][j][0] for j in range(m)], 1) for i in range(m)], 1)
        hi = np.stack([np.stack([h[i][j][1] for j in range(m)], 1) for i in range(m)], 1)
        sides.append((np.reshape(lo, (n, *arg, *arg)), np.reshape(hi, (n, *arg, *arg))))
    extra = np.stack([np.stack([g_kink[i] | g_kink[j] for j in range(m)], 1)
                      for i in range(m)], 1)
    return Sided(sides[0], sides[1], np.reshape(extra, (n, *arg, *arg)), bad, k)


def _sub(k: Any, a: Any, b: Any, up: bool) -> Any:
    return k.add_dir(a, k.negate(b), up)


def _max(k: Any, a: Any, b: Any) -> Any:
    return k.where(a > b, a, b)


def decide_points(k: Any, sided: Sided, cand: np.ndarray, rel: float,
                  absolute: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(done, verdict) per point: PASS 0 / FAIL 1 / UNRESOLVED 2 (see the module docstring)."""
    fin = sided.finite()
    cfin = np.isfinite(cand)
    c = k.arr(np.where(cfin, cand, 0.0))
    zero = k.arr(np.zeros(np.shape(cand)))
    r = k.arr(np.asarray(rel))
    ab = k.arr(_expand(absolute, np.ndim(cand)))
    (al, ah), (bl, bh) = sided.a(), sided.b()
    worst = _max(k, _max(k, _sub(k, k.where(ah < bh, ah, bh), c, True),
                         _sub(k, c, k.where(al > bl, al, bl), True)), zero)
    best = _max(k, _max(k, _sub(k, al, c, False), _sub(k, c, bh, False)), zero)
    nal, nbh = k.negate(al), k.negate(bh)
    minabs = k.where(al > 0, al, k.where(bh < 0, nbh, zero))
    maxabs = k.where(nal > bh, nal, bh)
    thr_pass = k.add_dir(k.mul_dir(r, minabs, False), ab, False)
    thr_fail = k.add_dir(k.mul_dir(r, maxabs, True), ab, True)
    passed = fin & cfin & (worst <= thr_pass)
    failed = fin & (~cfin | (best > thr_fail))
    p_pass, p_fail = _per_point(passed, np.all), _per_point(failed, np.any)
    nonfinite = _per_point(~fin, np.any) & ~sided.bad & k.genuine_nonfinite
    verdict = np.where(p_fail, 1, np.where(p_pass, 0, 2)).astype(np.int8)
    return p_pass | p_fail | nonfinite, verdict


def narrow(k: Any, sided: Sided, tol: float) -> np.ndarray:
    """Done where each one-sided enclosure is narrower than tol relative (or not finite)."""
    fin = sided.finite()
    t = k.arr(np.asarray(tol))
    ok = np.ones(np.shape(fin), bool)
    for lo, hi in (sided.plus, sided.minus):
        width = _sub(k, hi, lo, True)
        nlo = k.negate(lo)
        mag = k.where(nlo > hi, nlo, hi)
        ok &= width <= k.mul_dir(t, mag, False)
    nonfinite = _per_point(~fin, np.any) & ~sided.bad & k.genuine_nonfinite
    return _per_point(fin & ok, np.all) | nonfinite
