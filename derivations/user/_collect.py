"""The closed form in the document's style: σ(−g) for 1 − σ(g), σ(g)·σ(−g) collected.

A closed form from ``shortest`` is a polynomial in s = σ(g) (coefficients free of s,
or times a log or softplus term).  Each coefficient P(s) is written

* factored, a factor 1 − s as σ(−g):  4 − 4·s = 4·σ(−g);
* or divided by s·(1 − s), P = Q·s·(1 − s) + R with R = a + b·s:
  s²·(4p − 2)·ε + (1 + ε − 2pε)·s − p = s − p − ε·(2p − 1)·σ(g)·σ(−g)  (Poly-1);

whichever has the fewest operations (σ(−g) counted as one name), the new form
winning a tie (4·σ(−u) over 4 − 4·σ(u)); the whole is kept as it came unless the new
form has σ(−g) and is no longer.  The step it makes, "collect in σ(u)σ(−u)", is checked
like any other.
"""

from __future__ import annotations

from sympy import (
    Add,
    Basic,
    Dummy,
    Function,
    Mul,
    Poly,
    PolynomialError,
    collect,
    div,
    expand,
    factor,
)

from derivations.functions import sigmoid
from derivations.user._recognise import _ops, _primitive


def _one_argument(expr: Basic) -> Basic | None:
    """g when every σ in expr is σ(g) or σ(−g) for one g, else None."""
    found = {_primitive(a.args[0]) for a in expr.atoms(sigmoid)}
    arguments = {g for _, g in found}
    if len(arguments) != 1 or any(abs(c) != 1 for c, _ in found):
        return None
    return arguments.pop()


def _reflected(expr: Basic, s: Dummy, g: Basic) -> Basic:
    """expr in s written back in σ: a factor 1 − s (or s − 1) as σ(−g) (or −σ(−g))."""
    expr = expr.xreplace({1 - s: sigmoid(-g), s - 1: -sigmoid(-g)})
    return expr.xreplace({s: sigmoid(g)})


def _length(expr: Basic, g: Basic) -> int:
    """Operations in expr, σ(−g) counted as one name, like σ(g): no cost for the minus."""
    return _ops(expr.xreplace({sigmoid(-g): Dummy()}))


def _coefficient(p: Basic, s: Dummy, g: Basic) -> Basic:
    """The shortest of P(s) as it came, factored, and collected in s·(1 − s)."""
    plain = p.xreplace({s: sigmoid(g)})
    forms = [_reflected(factor(p), s, g)]
    q, r = div(p, s - s**2, s)
    if q != 0:
        product = sigmoid(g) * sigmoid(-g)
        forms.append(_reflected(factor(r), s, g) + _reflected(factor(q), s, g) * product)
    # the first of the shortest: a new form wins a tie
    return min([*forms, plain], key=lambda e: _length(e, g))


def collect_reflected(expr: Basic) -> Basic:
    """``expr`` with each coefficient of its σ-polynomial in the document's style."""
    g = _one_argument(expr)
    if g is None:
        return expr
    s = Dummy("s")
    in_s = expand(expr.xreplace({sigmoid(g): s, sigmoid(-g): 1 - s}), power_exp=False)
    others = sorted({a for a in in_s.atoms(Function) if a.has(*g.free_symbols)}, key=str)
    parts = collect(in_s, others, evaluate=False) if others else {1: in_s}
    try:
        for coefficient in parts.values():
            Poly(coefficient, s)
    except PolynomialError:
        return expr
    if any(coefficient.has(*others) for coefficient in parts.values()):
        return expr
    collected = Add(*[Mul(key, _coefficient(c, s, g)) for key, c in parts.items()])
    if not collected.has(sigmoid(-g)) or _length(collected, g) > _length(expr, g):
        return expr  # nothing of the style gained, or longer than it came
    return collected


def collected_rule(expr: Basic) -> str:
    """The step's rule: "collect in σ(u)σ(−u)", with σ's own argument."""
    g = _one_argument(expr)
    shown = str(g).replace("**", "^").replace("*", "·")
    negated = f"−{shown}" if g.is_Symbol else f"−({shown})"
    return f"collect in σ({shown})σ({negated})"
