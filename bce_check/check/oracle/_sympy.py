"""The SymPy front-end: evaluate a loss expression on germs, in the same kernel.

Nodes: Add, Mul, Pow (integer exponents exactly; ½ and −½ as sqrt and rsqrt; other exponents
as exp(y·log x)), exp, log, Abs, sign, Max, Min, Piecewise (relational conditions, And, Or,
Not), Heaviside (H(0) = its second argument, ½ by default), tanh, erf, sin, cos, numbers
(Integer, Rational, Float exactly; π and e as enclosures), Symbols, and the functions named
``sigmoid`` (σ) and ``softplus`` (log(1 + eˣ)), dispatched on the class name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import mpmath
import numpy as np
import sympy

from . import _germ as g
from ._errors import OracleUnavailable
from ._germ import Ctx, Germ, Plain
from ._handlers import general_pow

_UNARY = {"exp": "exp", "log": "log", "tanh": "tanh", "erf": "erf", "sin": "sin",
          "cos": "cos", "sigmoid": "logistic", "softplus": "softplus", "erfc": "erfc"}
_REL = {"StrictLessThan": lambda c: c == -1, "LessThan": lambda c: (c == -1) | (c == 0),
        "StrictGreaterThan": lambda c: c == 1, "GreaterThan": lambda c: (c == 1) | (c == 0),
        "Equality": lambda c: c == 0, "Unequality": lambda c: c != 0}
_NARY = {"Add", "Mul", "Max", "Min", "Abs", "sign", "Pow", "Piecewise", "Heaviside"}
_BOOL = {"And", "Or", "Not", "BooleanTrue", "BooleanFalse"}


def check_supported(expr: Any, symbols: Sequence[Any]) -> None:
    """Raise OracleUnavailable naming the first node the oracle cannot evaluate."""
    for node in sympy.preorder_traversal(expr):
        name = type(node).__name__
        if isinstance(node, sympy.Symbol):
            if node not in symbols:
                raise OracleUnavailable(f"the oracle has no value for symbol {str(node)!r}")
        elif isinstance(node, (sympy.Rational, sympy.Float)) or node in (sympy.pi, sympy.E):
            continue
        elif not (name in _UNARY or name in _NARY or name in _REL or name in _BOOL
                  or isinstance(node, sympy.Tuple) or name == "ExprCondPair"):
            raise OracleUnavailable(f"the oracle cannot evaluate SymPy node {name!r}")


def _number(ctx: Ctx, node: Any) -> Germ:
    k = ctx.k
    if node is sympy.pi or node is sympy.E:
        return g.from_interval(ctx, k.const("pi" if node is sympy.pi else "e"), (1,))
    if isinstance(node, sympy.Integer):
        return g.from_interval(ctx, k.exact(mpmath.mpf(int(node))), (1,))
    if isinstance(node, sympy.Float):
        return g.from_interval(ctx, k.exact(mpmath.mp.make_mpf(node._mpf_)), (1,))
    p = g.from_interval(ctx, k.exact(mpmath.mpf(int(node.p))), (1,))
    q = g.from_interval(ctx, k.exact(mpmath.mpf(int(node.q))), (1,))
    return g.div(ctx, p, q)


class SympyProgram:
    """A SymPy expression in scalar symbols, ready to be evaluated on germs."""

    out_shape: tuple[int, ...] = ()

    def __init__(self, expr: Any, symbols: Sequence[Any]) -> None:
        self.expr = sympy.sympify(expr)
        self.symbols = list(symbols)
        check_supported(self.expr, self.symbols)

    def __call__(self, ctx: Ctx, inputs: Sequence[Germ]) -> Germ:
        env = dict(zip(self.symbols, inputs, strict=True))
        out = _Eval(ctx, env).value(self.expr)
        batch = int(np.shape(inputs[0].bad)[0])
        return g.map_arrays(out, lambda a: np.broadcast_to(a, (batch, *np.shape(a)[1:])))


class _Eval:
    def __init__(self, ctx: Ctx, env: dict[Any, Germ]) -> None:
        self.ctx, self.env, self.memo = ctx, env, {}

    def value(self, node: Any) -> Germ:
        if node not in self.memo:
            self.memo[node] = self._value(node)
        return self.memo[node]

    def _fold(self, args: Sequence[Any], op) -> Germ:
        acc = self.value(args[0])
        for a in args[1:]:
            acc = op(self.ctx, acc, self.value(a))
        return acc

    def _value(self, node: Any) -> Germ:
        ctx, name = self.ctx, type(node).__name__
        if isinstance(node, sympy.Symbol):
            return self.env[node]
        if node.is_Number or node in (sympy.pi, sympy.E):
            return _number(ctx, node)
        if name == "Add":
            return self._fold(node.args, g.add)
        if name == "Mul":
            return self._fold(node.args, g.mul)
        if name in ("Max", "Min"):
            return self._fold(node.args, lambda c, a, b: g.maximum(c, a, b, name == "Min"))
        if name == "Abs":
            return g.absolute(ctx, self.value(node.args[0]))
        if name == "sign":
            return g.sign(ctx, self.value(node.args[0]))
        if name == "Pow":
            return self._pow(*node.args)
        if name == "Piecewise":
            return self._piecewise(node.args)
        if name == "Heaviside":
            return self._heaviside(node.args)
        return g.unary(ctx, _UNARY[name], self.value(node.args[0]))

    def _pow(self, base: Any, ex: Any) -> Germ:
        x = self.value(base)
        if isinstance(ex, sympy.Integer):
            return g.ipow(self.ctx, x, int(ex))
        if ex == sympy.Rational(1, 2):
            return g.unary(self.ctx, "sqrt", x)
        if ex == sympy.Rational(-1, 2):
            return g.unary(self.ctx, "rsqrt", x)
        return general_pow(self.ctx, x, self.value(ex))

    def condition(self, cond: Any) -> Plain:
        name = type(cond).__name__
        if name in ("BooleanTrue", "BooleanFalse"):
            return Plain(np.full((1,), name == "BooleanTrue"), np.zeros((1,), bool))
        if name in ("And", "Or"):
            parts = [self.condition(a) for a in cond.args]
            op = np.logical_and if name == "And" else np.logical_or
            v, bad = parts[0].v, parts[0].bad
            for p in parts[1:]:
                v, bad = op(v, p.v), bad | p.bad
            return Plain(v, bad)
        if name == "Not":
            p = self.condition(cond.args[0])
            return Plain(~p.v, p.bad)
        code, und = g.cmp(self.ctx, self.value(cond.lhs), self.value(cond.rhs))
        return Plain(_REL[name](code), und)

    def _piecewise(self, pairs: Sequence[Any]) -> Germ:
        out = None
        for expr, cond in reversed(pairs):
            e = self.value(expr)
            if out is None:
                out = e
                continue
            c = self.condition(cond)
            out = g.pick(self.ctx, c.v, e, out)
            out.bad = out.bad | c.bad
        return out

    def _heaviside(self, args: Sequence[Any]) -> Germ:
        x = self.value(args[0])
        h0 = float(args[1]) if len(args) > 1 else 0.5
        code, und = g.cmp(self.ctx, x, g.zero_like(self.ctx, x))
        v = np.where(code == 1, 1.0, np.where(code == -1, 0.0, np.where(code == 0, h0, np.nan)))
        out = g.constant(self.ctx, v)
        out.bad = und
        return out
