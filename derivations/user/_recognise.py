"""Rewrites a derived expression goes through: σ recognised, stable forms, shortest forms.

Each is an exact identity, and each step built with them is checked by the proof
engine like any other (``derive.py``); these functions only *propose* the forms.

* ``recognise`` (exp form → σ): with s = σ(g) for each exponent e^{c·g},
  e^{c·g} = (s/(1 − s))^c, so 1/(1 + e^{−g}) = s and e^{−g}/(1 + e^{−g}) = 1 − s;
  the log of a product of powers of s and 1 − s splits into a sum of logs.
* ``stable`` (σ form → softplus form), by ``derivations.rewrites.RECOGNITION``:
  log σ(x) = −softplus(−x), 1 − σ(x) = σ(−x), log(1 + e^x) = softplus(x) (and so
  log(1 − σ(x)) = −softplus(x)).
* ``shortest`` (the closed form): written in s = σ(g) (σ(−g) = 1 − s,
  softplus(g) = −log(1 − s), softplus(−g) = −log s), then expanded, collected and
  factored; the candidate with the fewest operations wins.
* ``rules_used``: the differentiation rules a derivative of an expression needs, named.
"""

from __future__ import annotations

from sympy import (
    Abs,
    Add,
    Basic,
    Dummy,
    Mul,
    Pow,
    S,
    Symbol,
    cancel,
    collect,
    cosh,
    count_ops,
    exp,
    expand,
    factor,
    log,
    powsimp,
    sign,
    sinh,
    tanh,
)

from derivations.functions import sigmoid, softplus, to_exp_form
from derivations.rewrites import RECOGNITION


def _primitive(argument: Basic) -> tuple[Basic, Basic]:
    """(c, g) with argument = c·g, c a number and g with no leading minus sign."""
    c, g = argument.as_coeff_Mul()
    if g.could_extract_minus_sign():
        c, g = -c, -g
    return c, g


def _primitives(expr: Basic) -> list[Basic]:
    arguments = [e.args[0] for e in expr.atoms(exp, sigmoid, softplus)]
    found = {_primitive(a)[1] for a in arguments if a.is_real is not False}
    return sorted(found, key=str)


def _to_s(expr: Basic, variables: dict[Basic, Dummy]) -> Basic:
    """expr in the variables s_g = σ(g): a rational function of them and their logs."""
    for g, s in variables.items():
        expr = expr.xreplace(
            {
                sigmoid(g): s,
                sigmoid(-g): 1 - s,
                softplus(g): -log(1 - s),
                softplus(-g): log(1 / s),
            }
        )
    expr = to_exp_form(expr)  # σ and softplus of other multiples of g

    def power(e: exp) -> Basic:
        c, g = _primitive(e.args[0])
        if g in variables and c.is_Rational:
            s = variables[g]
            return (s / (1 - s)) ** c
        return e

    expr = expr.replace(lambda e: isinstance(e, exp), power)
    return expr.replace(lambda e: isinstance(e, log), lambda e: _split_log(e, variables))


def _split_log(e: log, variables: dict[Basic, Dummy]) -> Basic:
    """log(c·s^a·(1 − s)^b) = log c + a·log s + b·log(1 − s), when it has that form."""
    argument = e.args[0]
    if not argument.free_symbols & set(variables.values()):
        return e
    terms: list[Basic] = []
    rest: list[Basic] = []
    for factor_, power_ in factor(cancel(argument)).as_powers_dict().items():
        for s in variables.values():
            if factor_ == s:
                terms.append(power_ * log(s))
                break
            if factor_ == 1 - s or factor_ == s - 1:
                terms.append(power_ * log(1 - s))
                if factor_ == s - 1:
                    rest.append((-1) ** power_)
                break
        else:
            rest.append(factor_**power_)
    constant = Mul(*rest)
    if constant.free_symbols & set(variables.values()) or not terms:
        return e
    if constant != 1 and not constant.is_positive:
        return e
    return Add(log(constant) if constant != 1 else 0, *terms)


def _from_s(expr: Basic, variables: dict[Basic, Dummy]) -> Basic:
    return expr.xreplace({s: sigmoid(g) for g, s in variables.items()})


def _variables(expr: Basic) -> dict[Basic, Dummy]:
    return {g: Dummy(f"s_{g}", positive=True) for g in _primitives(expr)}


def _ops(expr: Basic) -> int:
    return int(count_ops(expr))


def recognise(expr: Basic) -> Basic:
    """σ recognised in an exp form, per term; each term is kept where that is not shorter."""
    if not expr.has(exp):
        return expr
    variables = _variables(expr)
    if not variables:
        return expr

    def term(t: Basic) -> Basic:
        if not t.has(exp):
            return t
        candidate = _from_s(_cancel_outside_logs(_to_s(t, variables)), variables)
        return candidate if _ops(candidate) < _ops(t) else t

    return Add(*[term(t) for t in Add.make_args(expr)])


def _cancel_outside_logs(expr: Basic) -> Basic:
    """Each maximal subexpression free of logs, cancelled (the logs were split already)."""
    if not expr.has(log):
        return factor(cancel(expr)) if expr.free_symbols else expr
    if isinstance(expr, log):
        return expr
    return expr.func(*[_cancel_outside_logs(a) for a in expr.args])


def stable(expr: Basic) -> tuple[Basic, list[str]]:
    """expr with the RECOGNITION rules of ``derivations.rewrites`` applied until nothing
    changes, and the identities of those that fired."""
    fired: list[str] = []
    for _ in range(5):
        before = expr
        for rule in RECOGNITION:
            after = rule.apply(expr)
            if after != expr and rule.identity not in fired:
                fired.append(rule.identity)
            expr = after
        if expr == before:
            break
    return expr, fired


def reflect(expr: Basic) -> Basic:
    """σ(x) − 1 written −σ(−x): the same value, computed without cancelling at large x."""

    def match(e: Basic) -> bool:
        return (
            e.is_Add
            and len(e.args) == 2
            and S.NegativeOne in e.args
            and any(isinstance(t, sigmoid) for t in e.args)
        )

    return expr.replace(match, lambda e: -sigmoid(-next(t for t in e.args if t != -1).args[0]))


def _hyperbolic(e: Basic) -> Basic:
    """sinh(x)/cosh(x) as tanh(x): each sinh(x) written tanh(x)·cosh(x), cosh cancelling."""
    return e.subs({a: tanh(a.args[0]) * cosh(a.args[0]) for a in e.atoms(sinh)})


def _candidates(e: Basic, variables: dict[Basic, Dummy]) -> list[Basic]:
    logs = sorted(e.atoms(log), key=str)
    s_list = list(variables.values())
    expanded = expand(e, power_exp=False)
    found = [e, expanded, collect(expanded, [*logs, *s_list])]
    if logs:
        found.append(collect(expanded, logs, func=factor))
    else:
        found += [factor(e), collect(expanded, s_list, func=factor)]
    return found


def shortest(expr: Basic) -> Basic:
    """The shortest of a few equal forms of expr, written with σ where σ appears."""
    variables = _variables(expr)
    if not variables:
        forms = [expr, expand(expr, power_exp=False), factor(expr)]
        if expr.has(sinh):
            forms.append(_hyperbolic(expr))
        return min(forms, key=_ops)
    in_s = _to_s(expr, variables)
    forms = [_from_s(c, variables) for c in _candidates(in_s, variables)]
    forms = [expr, *forms, *(powsimp(f) for f in forms)]
    return min(forms, key=_ops)  # the first of the shortest: the expression as it came


NAMED_RULES = {
    tanh: "tanh'(x) = 1 − tanh(x)²",
    cosh: "cosh'(x) = sinh(x)",
    sinh: "sinh'(x) = cosh(x)",
    Abs: "|x|' = sign(x) for x ≠ 0",
    sign: "sign'(x) = 0 for x ≠ 0",
}


def rules_used(expr: Basic, x: Symbol) -> list[str]:
    """The differentiation rules d/dx of expr needs, in the order first met."""
    found: list[str] = []

    def note(rule: str) -> None:
        if rule not in found:
            found.append(rule)

    def walk(e: Basic) -> None:
        if not e.has(x) or e == x:
            return
        args = [a for a in e.args if a.has(x)]
        if e.is_Add and len(args) > 1:
            note("sum rule")
        elif e.is_Mul:
            note("product rule" if len(args) > 1 else "constant factor")
        elif isinstance(e, Pow):
            note("power rule" if not e.exp.has(x) else "exponential rule (a^x = e^(x·log a))")
        elif isinstance(e, sigmoid):
            note("σ'(x) = σ(x)·(1 − σ(x))")
        elif isinstance(e, softplus):
            note("softplus'(x) = σ(x)")
        elif isinstance(e, log):
            note("log'(x) = 1/x")
        elif isinstance(e, exp):
            note("(e^x)' = e^x")
        elif type(e) in NAMED_RULES:
            note(NAMED_RULES[type(e)])
        if e.is_Function and e.args[0] != x:
            note("chain rule")
        for a in args:
            walk(a)

    walk(expr)
    return found
