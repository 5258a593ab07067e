"""Your own loss: ``derive(text, wrt=…, where=…)`` builds a checked Derivation of it.

The steps are those a catalogue module writes by hand, each checked by the same
engine (``_proof.check``):

1. ``L(u) = <the text>``                                      [definition]
2. ``     = <σ recognised>``  if the text has exp forms of σ  [recognise σ: …]
3. ``     = <stable form>``   if one exists                   [stable form: log σ(x) = …]
4. ``L'(u) = <d/du of the line before>``                      [differentiate: the rules used]
5. ``      = <the shortest form, σ where σ appears>``         [simplify: σ(−x) = 1 − σ(x), collect]
6. ``      = <σ(−u) for 1 − σ(u), σ(u)·σ(−u) collected>``    [collect in σ(u)σ(−u)]

and the closed form, the last line, is checked against ``sympy.diff`` of the definition.
The derivative of line 4 is computed with σ' = σ(1 − σ) and softplus' = σ; the checker
never uses those rules: it compares line 4 with d/du of line 3 written in exp form.
Every step may still come out ``failed`` or ``numeric-only``: the verdicts are the
checker's, never assumed.

Refused with ExpressionError before anything is proved: a loss not real or not finite
somewhere on its domain (``_real.check_real``: log(u), 1/u with u real), and a derivative
that is a distribution, not a function (sign(u)' = 2·δ(u)).  |g| is derived almost
everywhere, d/du |g| = sign(g)·g', with a note that g = 0 has no derivative.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable

from sympy import (
    Abs,
    Add,
    Basic,
    Derivative,
    DiracDelta,
    Function,
    Heaviside,
    S,
    Symbol,
    sign,
    tanh,
)

from derivations.errors import DomainError, ExpressionError
from derivations.functions import sigmoid
from derivations.proof import ClosedForm, Derivation, Step
from derivations.text import check_names, domains_from, parse, shapes_from
from derivations.user._collect import collect_reflected, collected_rule
from derivations.user._limits import Limits, run_limited
from derivations.user._real import check_real
from derivations.user._recognise import recognise, reflect, rules_used, shortest, stable
from derivations.user._vectorderive import build_vector

# Names an emitted module uses for itself: a parameter of that name would hide them.
RESERVED = frozenset({"numpy", "jax", "builtins", "math"})
DEFAULT_LIMITS = Limits()  # 20 s, 1 GB


def check_identifier(name: str, what: str) -> str:
    """A name usable as a Python function or parameter in emitted code, or an error."""
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise ExpressionError(f"{what} {name!r} is not a Python identifier (letters, digits, _)")
    if name.startswith("_") or name in RESERVED:
        raise ExpressionError(
            f"{what} {name!r} is reserved: names may not start with '_' "
            f"or be one of {', '.join(sorted(RESERVED))}"
        )
    return name


def symbol_domains(
    expressions: Iterable[Basic], where: Iterable[str], variable: str | None = None
) -> dict[Symbol, Basic]:
    """Every symbol of ``expressions`` with its domain: from ``where``, else ℝ."""
    symbols = sorted(set().union(*(e.free_symbols for e in expressions)), key=str)
    for s in symbols:
        check_identifier(s.name, "symbol")
    declared = domains_from(where)
    check_names(declared, [s.name for s in symbols])
    if variable is not None and declared.get(variable, S.Reals) != S.Reals:
        raise DomainError(f"the variable {variable} is real; --where may not restrict it")
    ordered = sorted(symbols, key=lambda s: (s.name != variable, symbols.index(s)))
    return {s: declared.get(s.name, S.Reals) for s in ordered}


def _variable(expr: Basic, wrt: str, written: str) -> Symbol:
    names = {s.name: s for s in expr.free_symbols}
    named = isinstance(wrt, str) and re.search(rf"(?<!\w){re.escape(wrt)}(?!\w)", written)
    if named and wrt not in names:
        raise DomainError(
            f"the loss does not depend on {wrt}: it reads as {expr} once SymPy has evaluated "
            f"it ({written.strip()!r}), so its derivative along {wrt} is 0"
        )
    if not isinstance(wrt, str) or wrt not in names:
        raise DomainError(
            f"wrt={wrt!r} is not a symbol of the expression; its symbols: "
            f"{', '.join(sorted(names)) or 'none'}"
        )
    return names[wrt]


def _ordered(expr: Basic, u: Symbol) -> Basic:
    """A sum with a positive term first, terms in u before the others (σ(u) − p, not
    −p + σ(u); 1 − tanh(u)², not −tanh(u)² + 1), kept as written."""
    if not expr.is_Add:
        return expr
    terms = sorted(expr.args, key=lambda t: (t.could_extract_minus_sign(), not t.has(u)))
    return Add(*terms, evaluate=False)


def derive(
    text: str,
    wrt: str,
    where: Iterable[str] = (),
    name: str = "derived",
    title: str | None = None,
    *,
    limits: Limits | None = DEFAULT_LIMITS,
) -> Derivation:
    """The Derivation of d/d``wrt`` of the loss written in ``text`` (``prove``'s notation).

    ``where`` lists domain constraints (``"p in [0, 1]"``, ``"γ >= 0"``, see
    ``_where``); undeclared symbols and ``wrt`` are real.  Raises ExpressionError or
    DomainError for bad input.  The parsing, the derivation and its proof run in a worker
    process under ``limits`` (``_limits.run_limited``; LimitExceeded past them), so the
    Derivation comes back already checked; ``limits=None`` runs them in this process.
    """
    if limits is None:
        return checked(build(text, wrt, where, name, title))
    return run_limited(_derive_checked, text, wrt, tuple(where), name, title, limits=limits)


def checked(derivation: Derivation) -> Derivation:
    """The derivation with its proof computed (cached on it, and pickled with it)."""
    derivation.proof  # noqa: B018 (computes and caches the proof)
    return derivation


def _derive_checked(text, wrt, where, name, title) -> Derivation:
    return checked(build(text, wrt, where, name, title))


def build(
    text: str,
    wrt: str,
    where: Iterable[str] = (),
    name: str = "derived",
    title: str | None = None,
) -> Derivation:
    """The Derivation ``derive`` returns, built in this process, its proof not yet run."""
    check_identifier(name, "name")
    if shapes_from(list(where)):  # vectors or matrices declared: vector rules
        return build_vector(text, wrt, list(where), name, title)
    definition = parse(text)
    u = _variable(definition, wrt, text)
    domains = symbol_domains([definition], list(where), u.name)
    check_real(definition, domains, u)
    loss = Function("L")(u)
    steps = _rewritten(definition, loss)
    function = steps[-1].expr
    derivative = function.diff(u)
    _refuse_distributions(function, derivative, u)
    steps += _differentiated(function, derivative, loss, u)
    return Derivation(
        name=name,
        title=title or f"L'({u}) for L({u}) = {text.strip()}",
        source="bce-check derive (your own loss)",
        domains=domains,
        wrt=(u,),
        steps=tuple(steps),
        notes=_kinks(function, derivative, u),
        closed_forms=(ClosedForm(Derivative(loss, u), steps[-1].expr, definition, (u,)),),
    )


def _rewritten(definition: Basic, loss: Basic) -> list[Step]:
    """L(u) = definition, then σ recognised and the stable form, where either changes it."""
    steps = [Step(definition, lhs=loss, rule="definition")]
    recognised = recognise(definition)
    if recognised != definition:
        steps.append(Step(recognised, rule="recognise σ: 1/(1 + e^(−x)) = σ(x)"))
    stable_form, fired = stable(steps[-1].expr)
    if fired:
        steps.append(Step(stable_form, rule="stable form: " + "; ".join(fired)))
    return steps


def _differentiated(function: Basic, derivative: Basic, loss: Basic, u: Symbol) -> list[Step]:
    """L'(u) by the rules used, then simplified and collected, where either changes it."""
    rules = ", ".join(rules_used(function, u)) or "x' = 1"  # function is u itself
    steps = [Step(_ordered(derivative, u), lhs=Derivative(loss, u), rule=f"differentiate: {rules}")]
    closed = reflect(shortest(derivative))
    if closed != derivative:
        steps.append(Step(_ordered(closed, u), rule=f"simplify: {_simplified(derivative, closed)}"))
    collected = collect_reflected(closed)
    if collected != closed:
        steps.append(Step(_ordered(collected, u), rule=collected_rule(collected)))
    return steps


def _simplified(derivative: Basic, closed: Basic) -> str:
    """The rules the simplify step used, named."""
    if closed.has(tanh) and not derivative.has(tanh):
        return "sinh(x)/cosh(x) = tanh(x)"
    if closed.has(sigmoid):
        return "σ(−x) = 1 − σ(x), expand, collect"
    return "expand, collect"


def _refuse_distributions(function: Basic, derivative: Basic, u: Symbol) -> None:
    """ExpressionError when d/du brings a distribution (sign(g)' = 2·δ(g)·g'): no function."""
    if not derivative.has(DiracDelta, Heaviside, Derivative):
        return
    jumps = sorted({str(e) for e in function.atoms(sign) if e.has(u)}) or [str(function)]
    raise ExpressionError(
        f"the derivative of {', '.join(jumps)} along {u} is a Dirac delta, not a function: "
        "sign(x) jumps at x = 0 (no derivative there) and is constant elsewhere; write the "
        "loss without sign of an expression in "
        f"{u} (|x| is fine: its derivative sign(x) is used where x ≠ 0)"
    )


def _kinks(function: Basic, derivative: Basic, u: Symbol) -> tuple[str, ...]:
    """A note per |g| with g depending on u where L' jumps: L' holds where g ≠ 0 only."""
    kinks = sorted({e.args[0] for e in function.atoms(Abs) if e.has(u)}, key=str)
    kinks = [g for g in kinks if not _smooth_at_zero(derivative, g, u)]
    shown = [str(g).replace("sigmoid", "σ").replace("**", "^").replace("*", "·") for g in kinks]
    return tuple(
        f"|{g}| has no derivative where {g} = 0: the closed form uses sign({g}), "
        f"the derivative where {g} ≠ 0 (almost everywhere), and 0 at {g} = 0"
        for g in shown
    )


def _smooth_at_zero(derivative: Basic, g: Basic, u: Symbol) -> bool:
    """Do L''s one-sided limits at g = 0 agree (|u|^1.5, u·|u| are differentiable there)?

    Decided only for g = a·u + b (the kink at u = −b/a): the two sides are L' with
    sign(g) = ±1 and |g| = ±g, at that u.  Anything else keeps its note.
    """
    a, b = g.diff(u), g.subs(u, 0)
    if a.has(u) or a == 0:
        return False
    at = -b / a
    sides = [derivative.xreplace({sign(g): s, Abs(g): s * g}).subs(u, at) for s in (S.One, -S.One)]
    return all(side.is_finite for side in sides) and (sides[0] - sides[1]).simplify() == 0
