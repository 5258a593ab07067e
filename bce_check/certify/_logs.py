"""Logarithms and real powers in one basis: the rewrites an equality of logs needs.

Coq's ``field`` treats ``ln a`` and ``Rpower a y`` (a^y) as opaque atoms, so
ln(1 − σ(u)) and −softplus(u) are different to it, though equal.  For each logarithm
ln s (softplus a is ln(1 + eᵃ)) of a statement, SymPy writes s with every exponential
e^{n·b} as xᵇⁿ (x_b = e^b > 0) and factors it over ℚ:

    s = c · ∏ P_j^{k_j} · ∏ x_b^{m_b},   so   ln s = Σ k_j·ln P_j + Σ m_b·b + ln c

with c > 0 and each P_j a polynomial with positive coefficients (so 0 < P_j, which
``bce_positive`` proves), the same P_j for every logarithm of the statement.  Each such
equation becomes a Coq assertion, proved by ``field`` on s = c·∏P_j^{k_j}·∏x_b^{m_b}
(written out as a quotient of products) and Coq's ``ln_mult``, ``ln_div``, ``ln_exp``,
then ``ring``; the goal is rewritten with it, and ``field`` sees one atom per P_j.  A
power a^y with y not an integer (``Rpower a y``) gets its base written the same way, so
that (1 − σ(u))^γ and σ(−u)^γ become the same atom (1/(1 + eᵘ))^γ.  Where s has no such
form (a factor that is not visibly positive), no assertion is made, and the lemma is
left to the other strategies.
"""

from __future__ import annotations

from sympy import (
    Basic,
    Function,
    Integer,
    Pow,
    Symbol,
    cancel,
    exp,
    expand,
    factor_list,
    fraction,
    log,
)
from sympy.polys.polyerrors import PolynomialError

from bce_check.certify._coq import CoqPrinter, as_coq_unfolds, coq
from derivations.functions import softplus

POSITIVE_PROOF = "unfold σ, softplus; bce_exps; rewrite ?exp_Ropp; field; bce_side"
EXPAND = "rewrite ?ln_div, ?ln_mult, ?ln_exp, ?ln_1 by bce_positive; unfold Rdiv; ring"


def _exponentials(expr: Basic, bases: dict) -> Basic:
    """Each e^{n·b} (n an integer) as x_b^n, x_b a positive symbol (one per b)."""

    def power(e: exp) -> Basic:
        argument = expand(e.args[0])  # −(−u) written unevaluated is u
        n, b = argument.as_coeff_Mul()
        if not isinstance(n, Integer):
            n, b = Integer(1), argument
        if b.could_extract_minus_sign():  # e^(−b−u) = 1/e^(b+u): one basis for ±b
            n, b = -n, -b
        x = bases.setdefault(b, Symbol(f"_x{len(bases)}", positive=True))
        return x**n

    return expr.replace(lambda e: isinstance(e, exp), power)


def _positive(poly: Basic, positives: set) -> bool:
    """All coefficients positive, in the x_b and the symbols known positive."""
    if poly.atoms(Function) or any(not p.exp.is_Integer for p in poly.atoms(Pow)):
        return False  # a logarithm or a real power inside: not a polynomial
    terms = poly.expand().as_ordered_terms()
    return all(t.as_coeff_Mul()[0] > 0 and t.free_symbols <= positives | _xs(t) for t in terms)


def _xs(expr: Basic) -> set:
    return {s for s in expr.free_symbols if s.name.startswith("_x")}


def factored(s: Basic, bases: dict, positives: set):
    """(c, [(P_j, k_j)], {b: m_b}) with s = c·∏P_j^{k_j}·∏(e^b)^{m_b}, or None."""

    expr = _exponentials(as_coq_unfolds(s), bases)
    numerator, denominator = fraction(cancel(expr))
    c, factors = Integer(1), []
    for part, sign in ((numerator, 1), (denominator, -1)):
        try:
            constant, found = factor_list(part)
        except PolynomialError:  # (PolificationFailed is one)
            return None
        c = c * constant**sign
        for f, k in found:
            if not _positive(f, positives) and _positive(-f, positives) and k % 2:
                f, c = -f, -c
            factors.append((f, k * sign))
    if not (c.is_Rational and c > 0):
        return None
    back = {x: b for b, x in bases.items()}
    powers, rest = {}, []
    for f, k in factors:
        if f in back:
            powers[back[f]] = powers.get(back[f], 0) + k
        elif _positive(f, positives) and f.free_symbols:
            rest.append((f.xreplace({x: exp(b) for x, b in back.items()}), k))
        else:
            return None
    return c, rest, powers


def _product(factors: list[Basic]) -> str:
    return " * ".join(f"({coq(f)})" for f in factors) or "1"


def _quotient(c, rest, powers) -> str:
    """c·∏P^k·∏(e^b)^m as NUM / DEN, each a product with every factor repeated."""
    up = [Integer(c.p)] * (c.p != 1) + [p for p, k in rest for _ in range(max(k, 0))]
    up += [exp(b) for b, m in powers.items() for _ in range(max(m, 0))]
    down = [Integer(c.q)] * (c.q != 1) + [p for p, k in rest for _ in range(max(-k, 0))]
    down += [exp(b) for b, m in powers.items() for _ in range(max(-m, 0))]
    return _product(up) + (f" / ({_product(down)})" if down else "")


def _expansion(c, rest, powers) -> Basic:
    terms = [k * log(p) for p, k in rest] + [m * b for b, m in powers.items()]
    return sum(terms, Integer(0)) + log(Integer(c.p)) - log(Integer(c.q))


def _ln_proof(found) -> str:
    """ln s = ln (c·∏P^k·∏(e^b)^m) by field on the arguments, then expanded."""
    quotient = _quotient(*found)
    return (
        f"unfold σ, softplus; transitivity (ln ({quotient})); "
        f"[f_equal; {POSITIVE_PROOF} | {EXPAND}]"
    )


def _power(atom: Pow, found) -> tuple[str, str]:
    """a^y, a = c·∏P_j^{k_j}·∏(e^b)^{m_b} and y = n + y' (n ≥ 0 an integer), as
    a^n · e^{y'·ln c} · ∏ e^{y'·ln P_j}^{k_j} · ∏ e^{y'·b}^{m_b}: products of atoms that
    ``auto_derive`` differentiates as it prints them, so that σ(u)^(1 + γ) and
    σ(u)·σ(u)^γ are alike.  Its proof: ``ln_inv`` (equal logarithms), ``ln_exp``, the
    expansion of ln a, ``ring``."""
    c, rest, powers = found
    n, y = atom.exp.as_coeff_Add()
    if not (isinstance(n, Integer) and n >= 0):
        n, y = Integer(0), atom.exp
    up: list[str] = []
    down: list[str] = []

    def put(text: str, times: int) -> None:
        (up if times > 0 else down).extend([text] * abs(times))

    put(str(c.p**n), c.p**n != 1)
    put(str(c.q**n), -(c.q**n != 1))
    exponent = coq(y)
    for constant, sign in ((c.p, 1), (c.q, -1)):
        put(f"exp (({exponent}) * ln {constant})", sign * (constant != 1))
    for polynomial, k in rest:
        put(f"({coq(polynomial)})", n * k)
        put(f"exp (({exponent}) * ln ({coq(polynomial)}))", k)
    for b, m in powers.items():
        put(f"({coq(exp(b))})", n * m)
        put(f"exp (({exponent}) * ({coq(b)}))", m)
    text = " * ".join(up) or "1"
    text += f" / ({' * '.join(down)})" if down else ""
    expansion = coq(_expansion(*found))
    proof = (
        "unfold Rpower; apply ln_inv; [apply exp_pos | bce_positive | rewrite ln_exp; "
        f"assert (bce_e : ln ({coq(atom.base)}) = {expansion}) by ({_ln_proof(found)}); "
        "rewrite bce_e; clear bce_e; repeat first [rewrite ln_div by bce_positive "
        "| rewrite ln_mult by bce_positive | rewrite ln_exp | rewrite ln_1]; ring]"
    )
    return text, proof


def canonical(expressions, positives: set) -> dict[Basic, tuple[str, str]]:
    """Each logarithm, softplus and real power of ``expressions`` that has a form in one
    basis: {atom: (that form as Coq text, its proof)} (the module docstring)."""
    bases: dict = {}
    found_forms = {}
    atoms = set().union(*(e.atoms(log, softplus, Pow) for e in expressions))
    for atom in sorted(atoms, key=str):
        is_power = isinstance(atom, Pow)
        if is_power and atom.exp.is_Integer:
            continue
        s = atom.base if is_power else atom.args[0]
        s = 1 + exp(s) if isinstance(atom, softplus) else s
        found = factored(s, bases, positives)
        if found is None:
            continue
        if is_power:
            found_forms[atom] = _power(atom, found)
        elif _expansion(*found) != atom:
            found_forms[atom] = (coq(_expansion(*found)), _ln_proof(found))
    return found_forms


def rewrites(left: Basic, right: Basic, positives: set) -> list[str]:
    """Coq tactics that assert each logarithm's and each real power's form in one basis,
    and rewrite the goal with them (the module docstring)."""
    tactics = []
    for k, (atom, (text, proof)) in enumerate(canonical([left, right], positives).items(), 1):
        name = f"bce_rewrite_{k}"
        tactics.append(
            f"assert ({name} : {coq(atom)} = {text}) by ({proof}); "
            f"try rewrite {name}; clear {name};"
        )
    return tactics


def powers_rewrite(function: Basic, variable: Symbol, result: Basic, positives: set):
    """For d/dv f = g with real powers in f, or logarithms in g other than f's (ln(1 − σ(u))
    in f, softplus(u) in g: σ(u)^n·log(1 − σ(u))): the tactic that makes ``auto_derive``
    see f with its logarithms and powers in one basis (``is_derive_ext``, the two forms
    proved equal at every point), and g rewritten the same way; None where f has none."""
    logs = function.atoms(log, softplus)
    if not any(not p.exp.is_Integer for p in function.atoms(Pow)) and not (
        logs and result.atoms(log, softplus) - logs
    ):
        return None
    forms = canonical([function], positives)
    if any(
        a not in forms
        for a in function.atoms(log, softplus, Pow)
        if not (isinstance(a, Pow) and a.exp.is_Integer)
    ):
        return None
    v = coq(variable)
    written = CoqPrinter(forms={a: text for a, (text, _) in forms.items()}).doprint(function)
    same = " ".join(rewrites(function, Integer(0), positives))
    return (
        f"apply (is_derive_ext (fun {v} => {written})); [clear {v}; intro {v}; cbv beta; "
        "match goal with |- ?a = ?b => change (@eq R a b) end; "
        f"{same} unfold σ, softplus in *; rewrite ?exp_Ropp; field; bce_side | "
        + " ".join(rewrites(Integer(0), result, positives))
        + " idtac];"
    )
