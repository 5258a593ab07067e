"""Expressions evaluated with mpmath, each distinct subexpression once per point.

The numeric witness of ``_equality`` evaluates both sides of an equality at random
points with 60 digits.  ``lambdify`` prints an expression as Python source first,
which for the written-out matrices of D4–D6 (hundreds of repeated e^{−x_iᵀθ}) costs
more than evaluating it.  ``program`` turns expressions into a list of operations on
their distinct subexpressions instead (so a shared e^{−x_iᵀθ} is computed once); it
knows the nodes those expressions are made of, and answers None for anything else,
so that the caller falls back to ``lambdify``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from functools import reduce

import mpmath
from sympy import Abs, Add, Basic, Mul, Pow, Rational, Symbol, exp, log, sign
from sympy.core.numbers import Exp1, Pi

FUNCTIONS: dict[type, Callable] = {
    exp: mpmath.exp,
    log: mpmath.log,
    Abs: abs,
    sign: mpmath.sign,
}
Program = list[tuple[Callable, tuple[int, ...]]]


def _power(base, exponent):
    if exponent == int(exponent.real if isinstance(exponent, mpmath.mpc) else exponent):
        return base ** int(exponent.real if isinstance(exponent, mpmath.mpc) else exponent)
    return mpmath.power(base, exponent)


def _operation(node: Basic, symbols: dict) -> Callable | None:
    """What computes ``node`` from its arguments' values (a point's values for symbols)."""
    if isinstance(node, Symbol):
        position = symbols[node]
        return lambda point: point[position]
    if isinstance(node, Rational):
        p, q = int(node.p), int(node.q)
        return lambda point: mpmath.mpf(p) / q
    if isinstance(node, Exp1):
        return lambda point: mpmath.e
    if isinstance(node, Pi):
        return lambda point: mpmath.pi
    if isinstance(node, Add):
        return lambda point, *values: mpmath.fsum(values)
    if isinstance(node, Mul):
        return lambda point, *values: reduce(operator.mul, values)
    if isinstance(node, Pow):
        return lambda point, base, exponent: _power(base, exponent)
    function = FUNCTIONS.get(type(node))
    if function is not None and len(node.args) == 1:
        return lambda point, value: function(value)
    return None


def program(expressions: Sequence[Basic], symbols: Sequence[Symbol]) -> Callable | None:
    """A function of a point (values in the order of ``symbols``) returning each
    expression's value at the current mpmath precision; None for unknown nodes."""
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
        operation = _operation(node, positions)
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
