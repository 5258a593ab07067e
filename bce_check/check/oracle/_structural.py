"""Shape primitives, reductions and dot_general on germs (the batch axis is axis 0)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from . import _germ as g
from ._germ import Ctx, Germ, Plain

Value = Germ | Plain


def full_batch(v: Value, batch: int) -> Value:
    """Broadcast a value's batch axis from 1 to ``batch``."""
    return g.map_arrays(v, lambda a: np.broadcast_to(a, (batch, *np.shape(a)[1:])))


def batch_of(v: Value) -> int:
    return int(np.shape(v.bad)[0])


def align(v: Value, ndim: int) -> Value:
    """Give a per-point scalar trailing unit axes so it broadcasts against rank-``ndim`` arrays."""
    return g.map_arrays(v, lambda a: np.reshape(a, np.shape(a) + (1,) * (ndim + 1 - np.ndim(a))))


def broadcast_in_dim(v: Value, shape: Sequence[int], dims: Sequence[int]) -> Value:
    def fn(a: np.ndarray) -> np.ndarray:
        src = np.shape(a)
        inter = [1] * len(shape)
        for i, d in enumerate(dims):
            inter[d] = src[i + 1]
        return np.broadcast_to(np.reshape(a, (src[0], *inter)), (src[0], *shape))
    return g.map_arrays(v, fn)


def reshape(v: Value, shape: Sequence[int]) -> Value:
    return g.map_arrays(v, lambda a: np.reshape(a, (np.shape(a)[0], *shape)))


def transpose(v: Value, perm: Sequence[int]) -> Value:
    return g.map_arrays(v, lambda a: np.transpose(a, (0, *(p + 1 for p in perm))))


def slice_(v: Value, start: Sequence[int], limit: Sequence[int],
           strides: Sequence[int] | None) -> Value:
    st = strides or [1] * len(start)
    idx = (slice(None), *(slice(a, b, s) for a, b, s in zip(start, limit, st, strict=True)))
    return g.map_arrays(v, lambda a: a[idx])


def _join(vs: Sequence[Value], fn: Callable[[list[np.ndarray]], np.ndarray]) -> Value:
    batch = max(batch_of(v) for v in vs)
    vs = [full_batch(v, batch) for v in vs]
    if isinstance(vs[0], Plain):
        return Plain(fn([v.v for v in vs]), fn([v.bad for v in vs]))
    c = [(fn([v.c[m][0] for v in vs]), fn([v.c[m][1] for v in vs]))
         for m in range(len(vs[0].c))]
    return Germ(c, fn([v.bad for v in vs]), all(v.const for v in vs))


def concatenate(vs: Sequence[Value], axis: int) -> Value:
    return _join(vs, lambda arrs: np.concatenate(arrs, axis=axis + 1))


def stack(vs: Sequence[Value], axis: int) -> Value:
    return _join(vs, lambda arrs: np.stack(arrs, axis=axis + 1))


def split(v: Value, sizes: Sequence[int], axis: int) -> list[Value]:
    cuts = np.cumsum(sizes)[:-1]
    n = len(sizes)
    return [g.map_arrays(v, lambda a, i=i: np.split(a, cuts, axis=axis + 1)[i]) for i in range(n)]


def _take(v: Value, i: int) -> Value:
    return g.map_arrays(v, lambda a: a[..., i])


def _to_last(v: Value, axes: Sequence[int]) -> tuple[Value, int]:
    """Move ``axes`` to the end and merge them into one axis of length R."""
    nd = np.ndim(v.bad) - 1
    keep = [d for d in range(nd) if d not in axes]
    moved = transpose(v, [*keep, *axes])
    shape = np.shape(moved.bad)
    r = int(np.prod([shape[1 + len(keep) + i] for i in range(len(axes))], dtype=int))
    return reshape(moved, (*shape[1:1 + len(keep)], r)), r


def reduce(ctx: Ctx, v: Germ, axes: Sequence[int], op: str) -> Germ:
    """reduce_sum / reduce_max / reduce_min: a left fold over the reduced elements."""
    flat, r = _to_last(v, axes)
    if r == 0:
        fill = {"sum": 0.0, "max": -np.inf, "min": np.inf}[op]
        return g.constant(ctx, np.full(np.shape(flat.bad)[:-1], fill))
    acc = _take(flat, 0)
    for i in range(1, r):
        x = _take(flat, i)
        acc = g.add(ctx, acc, x) if op == "sum" else g.maximum(ctx, acc, x, op == "min")
    return acc


def argmax(ctx: Ctx, v: Germ, axis: int, lower: bool, dtype: np.dtype) -> Plain:
    """Index of the first maximum (minimum) by the lexicographic order."""
    flat, r = _to_last(v, [axis])
    best, idx = _take(flat, 0), np.zeros(np.shape(flat.bad)[:-1], dtype)
    bad = best.bad
    for i in range(1, r):
        x = _take(flat, i)
        code, und = g.cmp(ctx, x, best)
        better = code == (-1 if lower else 1)
        best = g.pick(ctx, better, x, best)
        idx = np.where(better, i, idx).astype(dtype)
        bad = bad | und
    return Plain(idx, bad)


def cumsum(ctx: Ctx, v: Germ, axis: int, reverse: bool) -> Germ:
    nd = np.ndim(v.bad) - 1
    perm = [d for d in range(nd) if d != axis] + [axis]
    moved = transpose(v, perm)
    r = np.shape(moved.bad)[-1]
    order = range(r - 1, -1, -1) if reverse else range(r)
    parts: dict[int, Germ] = {}
    acc = None
    for i in order:
        x = _take(moved, i)
        acc = x if acc is None else g.add(ctx, acc, x)
        parts[i] = acc
    out = stack([parts[i] for i in range(r)], nd - 1)
    return transpose(out, list(np.argsort(perm)))


def dot_general(ctx: Ctx, a: Germ, b: Germ, dims) -> Germ:
    """Σ over contracting dims of a·b, output (batch dims, a's free dims, b's free dims)."""
    (lc, rc), (lb, rb) = dims
    na, nb = np.ndim(a.bad) - 1, np.ndim(b.bad) - 1
    lf = [d for d in range(na) if d not in lc and d not in lb]
    rf = [d for d in range(nb) if d not in rc and d not in rb]
    at = transpose(a, [*lb, *lf, *lc])
    bt = transpose(b, [*rb, *rf, *rc])
    sa, sb = np.shape(at.bad)[1:], np.shape(bt.bad)[1:]
    nbat, nc = len(lb), len(lc)
    a_shape = (*sa[:nbat + len(lf)], *([1] * len(rf)), *sa[nbat + len(lf):])
    b_shape = (*sb[:nbat], *([1] * len(lf)), *sb[nbat:])
    prod = g.mul(ctx, reshape(at, a_shape), reshape(bt, b_shape))
    if nc == 0:
        return prod
    nd = np.ndim(prod.bad) - 1
    return reduce(ctx, prod, list(range(nd - nc, nd)), "sum")


def dynamic_slice(v: Value, starts: Sequence[Plain], sizes: Sequence[int]) -> Value:
    """operand[s_0 : s_0 + size_0, ...] with per-point starts (clamped as lax does)."""
    batch = max([batch_of(v)] + [batch_of(st) for st in starts])
    v = full_batch(v, batch)
    dims = np.shape(v.bad)[1:]
    nd = len(dims)
    index: list[np.ndarray] = [np.arange(batch).reshape((batch,) + (1,) * nd)]
    for d, (st, size) in enumerate(zip(starts, sizes, strict=True)):
        s0 = np.clip(np.broadcast_to(st.v.reshape(-1), (batch,)), 0, dims[d] - size)
        shape = [1] * nd
        shape[d] = size
        index.append(s0.reshape((batch,) + (1,) * nd) + np.arange(size).reshape((1, *shape)))
    out = g.map_arrays(v, lambda a: a[tuple(index)])
    for st in starts:
        out.bad = out.bad | np.reshape(st.bad, (-1,) + (1,) * nd)
    return out
