"""Expressions evaluated with mpmath, each distinct subexpression once per point.

The numeric witness of ``_equality`` evaluates both sides of an equality at random
points with 60 digits.  ``lambdify`` prints an expression as Python source first,
which for the written-out matrices of D4–D6 (hundreds of repeated e^{−x_iᵀθ}) costs
more than evaluating it.  ``program`` turns expressions into a list of operations on
their distinct subexpressions instead (so a shared e^{−x_iᵀθ} is computed once); it
knows the nodes those expressions are made of, and answers None for anything else,
so that the caller falls back to ``lambdify``.

``program(..., ctx=mpmath.iv)`` builds the same program over mpmath's interval
context: each value is then an interval certain to contain the exact one, which is
what lets the numeric witness tell a real difference from lost digits.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from functools import reduce

import mpmath
from sympy import Abs, Add, Basic, Mul, Pow, Rational, Symbol, exp, log, sign
from sympy.core.numbers import Exp1, Pi

FUNCTIONS: dict[type, str] = {exp: "exp", log: "log", sign: "sign"}  # ctx.<name>
Program = list[tuple[Callable, tuple[int, ...]]]


def _power(base, exponent):
    if exponent == int(exponent.real if isinstance(exponent, mpmath.mpc) else exponent):
        return base ** int(exponent.real if isinstance(exponent, mpmath.mpc) else exponent)
    return mpmath.power(base, exponent)


def _pow(node: Pow, ctx) -> Callable:
    if node.exp.is_Integer:  # known when the program is built: exact in any context
        n = int(node.exp)
        return lambda point, base, exponent: base**n
    if ctx is mpmath.mp:
        return lambda point, base, exponent: _power(base, exponent)
    return lambda point, base, exponent: ctx.power(base, exponent)


def _operation(node: Basic, symbols: dict, ctx) -> Callable | None:
    """What computes ``node`` from its arguments' values (a point's values for symbols)."""
    if isinstance(node, Symbol):
        position = symbols[node]
        return lambda point: point[position]
    if isinstance(node, Rational):
        p, q = int(node.p), int(node.q)
        return lambda point: ctx.mpf(p) / q
    if isinstance(node, Exp1):
        return lambda point: ctx.e
    if isinstance(node, Pi):
        return lambda point: ctx.pi
    if isinstance(node, Add):
        return lambda point, *values: ctx.fsum(values)
    if isinstance(node, Mul):
        return lambda point, *values: reduce(operator.mul, values)
    if isinstance(node, Pow):
        return _pow(node, ctx)
    if isinstance(node, Abs) and len(node.args) == 1:
        return lambda point, value: abs(value)
    name = FUNCTIONS.get(type(node))
    if name is not None and len(node.args) == 1:
        function = getattr(ctx, name)
        return lambda point, value: function(value)
    return None


def program(
    expressions: Sequence[Basic], symbols: Sequence[Symbol], ctx=mpmath.mp
) -> Callable | None:
    """A function of a point (values in the order of ``symbols``) returning each
    expression's value at the current precision of ``ctx`` (mpmath.mp, or mpmath.iv for
    intervals); None for unknown nodes."""
    positions = {s: i for i, s in enumerate(symbols)}
    index: dict[Basic, int] = {}
    steps: Program = []
    stack = list(expressions)
    while stack:  # post-order over distinct nodes, without recursion
        node = stack[-1]
        if node in index:
            stack.pop()
            continue
        waiting = [a for a in node.args if a not in index] if not node.is_Atom else []
        if waiting:
            stack.extend(waiting)
            continue
        stack.pop()
        operation = _operation(node, positions, ctx)
        if operation is None:
            return None
        arguments = () if node.is_Atom else tuple(index[a] for a in node.args)
        index[node] = len(steps)
        steps.append((operation, arguments))
    roots = [index[e] for e in expressions]

    def run(*point):
        values: list = []
        for operation, arguments in steps:
            values.append(operation(point, *[values[a] for a in arguments]))
        return [values[r] for r in roots]

    return run
