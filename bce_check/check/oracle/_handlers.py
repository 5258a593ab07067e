"""One handler per JAX primitive: ``handler(ctx, eqn, *inputs) -> value``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import _germ as g
from . import _structural as s
from ._germ import Ctx, Germ, Plain

Handler = Callable[..., Any]
HANDLERS: dict[str, Handler] = {}

_UNARY = ("exp", "exp2", "expm1", "log", "log1p", "sqrt", "rsqrt", "logistic", "tanh", "erf",
          "erfc", "lgamma", "digamma", "sin", "cos")
_TEST = {"eq": lambda c: c == 0, "ne": lambda c: c != 0, "lt": lambda c: c == -1,
         "le": lambda c: (c == -1) | (c == 0), "gt": lambda c: c == 1,
         "ge": lambda c: (c == 1) | (c == 0)}
_NP_BINARY = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "max": np.maximum,
              "min": np.minimum, "div": np.floor_divide}


def _ranked(a: Any, b: Any) -> tuple[Any, Any]:
    """lax broadcasts a rank-0 operand against an array: give it the array's rank."""
    na, nb = np.ndim(a.bad) - 1, np.ndim(b.bad) - 1
    if na == nb:
        return a, b
    return (s.align(a, nb), b) if na < nb else (a, s.align(b, na))


def _arith(name: str, op: Callable[..., Germ]) -> Handler:
    def h(ctx: Ctx, eqn: Any, a: Any, b: Any) -> Any:
        a, b = _ranked(a, b)
        if isinstance(a, Plain):
            return Plain(_NP_BINARY[name](a.v, b.v), a.bad | b.bad)
        return op(ctx, a, b)
    return h


def _unary(name: str) -> Handler:
    return lambda ctx, eqn, a: g.unary(ctx, name, a)


def _compare(name: str) -> Handler:
    def h(ctx: Ctx, eqn: Any, a: Any, b: Any) -> Plain:
        a, b = _ranked(a, b)
        if isinstance(a, Plain):
            return Plain(_TEST[name](np.sign(a.v - b.v)), a.bad | b.bad)
        if eqn.invars[0] is eqn.invars[1]:  # x op x: a tie unless x is NaN
            nan = ctx.k.isnan(a.c[0][0])
            code = np.where(nan, 2, 0)
            return Plain(_TEST[name](code), a.bad | (nan & (not ctx.k.genuine_nonfinite)))
        code, und = g.cmp(ctx, a, b)
        return Plain(_TEST[name](code), und)
    return h


def _select_n(ctx: Ctx, eqn: Any, pred: Plain, *cases: Any) -> Any:
    nd = np.ndim(cases[0].bad) - 1
    if np.ndim(pred.bad) - 1 < nd:
        pred = s.align(pred, nd)
    idx = pred.v.astype(int)
    out = cases[0]
    for i, case in enumerate(cases[1:], start=1):
        m = idx == i
        if isinstance(out, Plain):
            out = Plain(np.where(m, case.v, out.v), np.where(m, case.bad, out.bad))
        else:
            out = g.pick(ctx, m, case, out)
    if isinstance(out, Plain):
        return Plain(out.v, out.bad | pred.bad)
    out.bad = out.bad | pred.bad
    return out


def _clamp(ctx: Ctx, eqn: Any, lo: Germ, x: Germ, hi: Germ) -> Germ:
    nd = np.ndim(x.bad) - 1
    lo, hi = s.align(lo, nd), s.align(hi, nd)
    return g.maximum(ctx, g.maximum(ctx, x, lo), hi, lower=True)


def _convert(ctx: Ctx, eqn: Any, a: Any) -> Any:
    dst = np.dtype(eqn.params["new_dtype"])
    if isinstance(a, Germ):
        return a
    if np.issubdtype(dst, np.floating):
        out = g.constant(ctx, a.v.astype(float))
        out.bad = a.bad
        return out
    return Plain(a.v.astype(dst), a.bad)


def _pow(ctx: Ctx, eqn: Any, x: Germ, y: Any) -> Germ:
    """x^y: an exact integer constant y as integer_pow, else exp(y·log x) (x > 0), with
    0^y = 0 for constant y > 0 and the one-sided derivative of (h·t)^y at x = 0."""
    x, y = _ranked(x, y)
    if isinstance(y, Plain):
        return g.ipow(ctx, x, int(y.v.reshape(-1)[0])) if np.all(y.v == y.v.reshape(-1)[0]) \
            else general_pow(ctx, x, g.constant(ctx, y.v.astype(float)))
    if y.const and np.shape(y.bad)[0] == 1 and y.c[0][0].size == 1:
        v = y.c[0][0].reshape(-1)[0]
        if v == y.c[0][1].reshape(-1)[0] and float(v) == int(float(v)) and abs(float(v)) < 64:
            return g.ipow(ctx, x, int(float(v)))
    return general_pow(ctx, x, y)


def general_pow(ctx: Ctx, x: Germ, y: Germ) -> Germ:
    out = g.unary(ctx, "exp", g.mul(ctx, y, g.unary(ctx, "log", x)))
    k = ctx.k
    lo, hi = x.c[0]
    zero = (lo == 0) & (hi == 0)
    if not np.any(zero):
        return out
    yl, yh = y.c[0]
    pos_y = (yl > 0) & y.const
    zero_val = g.constant(ctx, np.zeros(np.shape(np.asarray(lo == lo))))
    res = g.pick(ctx, zero & pos_y, zero_val, out)
    if ctx.n > 1:
        t = x.c[1]
        one = (yl == 1) & (yh == 1)
        above = yl > 1
        c1 = (k.where(one, t[0], k.where(above, k.num(0), k.nan)),
              k.where(one, t[1], k.where(above, k.num(0), k.nan)))
        m = zero & pos_y
        res.c[1] = (k.where(m, c1[0], res.c[1][0]), k.where(m, c1[1], res.c[1][1]))
    res.bad = res.bad | (zero & ~pos_y & ~out.bad)
    return res


def _register() -> None:
    h = HANDLERS
    h["add"] = _arith("add", g.add)
    h["sub"] = _arith("sub", g.sub)
    h["mul"] = _arith("mul", g.mul)
    h["div"] = _arith("div", g.div)
    h["max"] = _arith("max", g.maximum)
    h["min"] = _arith("min", lambda c, a, b: g.maximum(c, a, b, lower=True))
    for name in _UNARY:
        h[name] = _unary(name)
    for name in _TEST:
        h[name] = _compare(name)
    h["neg"] = lambda c, e, a: g.neg(c, a) if isinstance(a, Germ) else Plain(-a.v, a.bad)
    h["abs"] = lambda c, e, a: g.absolute(c, a) if isinstance(a, Germ) \
        else Plain(np.abs(a.v), a.bad)
    h["sign"] = lambda c, e, a: g.sign(c, a) if isinstance(a, Germ) \
        else Plain(np.sign(a.v), a.bad)
    h["square"] = lambda c, e, a: g.square(c, a)
    h["integer_pow"] = lambda c, e, a: g.ipow(c, a, int(e.params["y"]))
    h["pow"] = _pow
    h["select_n"] = _select_n
    h["clamp"] = _clamp
    h["is_finite"] = lambda c, e, a: g.is_finite(c, a)
    h["convert_element_type"] = _convert
    for name in ("copy", "copy_p", "stop_gradient", "optimization_barrier"):
        h[name] = lambda c, e, *a: a[0] if len(a) == 1 else list(a)
    _register_structural(h)


def _register_structural(h: dict[str, Handler]) -> None:
    p = lambda e, k: e.params[k]  # noqa: E731
    h["broadcast_in_dim"] = lambda c, e, a: s.broadcast_in_dim(
        a, p(e, "shape"), p(e, "broadcast_dimensions"))
    h["reshape"] = lambda c, e, a: s.reshape(a, p(e, "new_sizes"))
    h["squeeze"] = lambda c, e, a: s.reshape(a, e.outvars[0].aval.shape)
    h["expand_dims"] = lambda c, e, a: s.reshape(a, e.outvars[0].aval.shape)
    h["transpose"] = lambda c, e, a: s.transpose(a, p(e, "permutation"))
    h["slice"] = lambda c, e, a: s.slice_(
        a, p(e, "start_indices"), p(e, "limit_indices"), p(e, "strides"))
    h["concatenate"] = lambda c, e, *a: s.concatenate(a, p(e, "dimension"))
    h["stack"] = lambda c, e, *a: s.stack(a, p(e, "axis"))
    h["split"] = lambda c, e, a: s.split(a, p(e, "sizes"), p(e, "axis"))
    h["iota"] = _iota
    h["reduce_sum"] = lambda c, e, a: s.reduce(c, a, p(e, "axes"), "sum")
    h["reduce_max"] = lambda c, e, a: s.reduce(c, a, p(e, "axes"), "max")
    h["reduce_min"] = lambda c, e, a: s.reduce(c, a, p(e, "axes"), "min")
    h["argmax"] = lambda c, e, a: s.argmax(
        c, a, p(e, "axes")[0], False, np.dtype(p(e, "index_dtype")))
    h["argmin"] = lambda c, e, a: s.argmax(
        c, a, p(e, "axes")[0], True, np.dtype(p(e, "index_dtype")))
    h["cumsum"] = lambda c, e, a: s.cumsum(c, a, p(e, "axis"), p(e, "reverse"))
    h["dynamic_slice"] = lambda c, e, a, *st: s.dynamic_slice(a, st, p(e, "slice_sizes"))
    h["dot_general"] = lambda c, e, a, b: s.dot_general(c, a, b, p(e, "dimension_numbers"))


def _iota(ctx: Ctx, eqn: Any) -> Any:
    shape, dim = tuple(eqn.params["shape"]), eqn.params["dimension"]
    dtype = np.dtype(eqn.params["dtype"])
    ar = np.arange(shape[dim]).reshape([-1 if i == dim else 1 for i in range(len(shape))])
    v = np.broadcast_to(ar, shape)[None]
    if np.issubdtype(dtype, np.floating):
        return g.constant(ctx, v.astype(float))
    return Plain(v.astype(dtype), np.zeros(v.shape, bool))


_register()
