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

from sympy import Basic, Integer, Pow, Symbol, cancel, exp, expand, factor_list, fraction, log

from derivations.functions import softplus

from ._coq import coq

POSITIVE_PROOF = "unfold σ, softplus; rewrite ?exp_Ropp; field; bce_side"
EXPAND = "rewrite ?ln_div, ?ln_mult, ?ln_exp, ?ln_1 by bce_positive; ring"


def _exponentials(expr: Basic, bases: dict) -> Basic:
    """Each e^{n·b} (n an integer) as x_b^n, x_b a positive symbol (one per b)."""

    def power(e: exp) -> Basic:
        argument = expand(e.args[0])  # −(−u) written unevaluated is u
        n, b = argument.as_coeff_Mul()
        if not isinstance(n, Integer):
            n, b = Integer(1), argument
        x = bases.setdefault(b, Symbol(f"_x{len(bases)}", positive=True))
        return x**n

    return expr.replace(lambda e: isinstance(e, exp), power)


def _positive(poly: Basic, positives: set) -> bool:
    """All coefficients positive, in the x_b and the symbols known positive."""
    terms = poly.expand().as_ordered_terms()
    return all(t.as_coeff_Mul()[0] > 0 and t.free_symbols <= positives | _xs(t) for t in terms)


def _xs(expr: Basic) -> set:
    return {s for s in expr.free_symbols if s.name.startswith("_x")}


def factored(s: Basic, bases: dict, positives: set):
    """(c, [(P_j, k_j)], {b: m_b}) with s = c·∏P_j^{k_j}·∏(e^b)^{m_b}, or None."""
    from ._coq_file import as_coq_unfolds

    expr = _exponentials(as_coq_unfolds(s), bases)
    numerator, denominator = fraction(cancel(expr))
    c, factors = Integer(1), []
    for part, sign in ((numerator, 1), (denominator, -1)):
        constant, found = factor_list(part)
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


def rewrites(left: Basic, right: Basic, positives: set) -> list[str]:
    """Coq tactics that assert each logarithm's expansion and each real power's canonical
    base, and rewrite the goal with them (the module docstring)."""
    bases: dict = {}
    tactics = []
    atoms = sorted(left.atoms(log, softplus, Pow) | right.atoms(log, softplus, Pow), key=str)
    for k, atom in enumerate(atoms, start=1):
        is_power = isinstance(atom, Pow)
        if is_power and atom.exp.is_Integer:
            continue
        s = atom.base if is_power else atom.args[0]
        s = 1 + exp(s) if isinstance(atom, softplus) else s
        found = factored(s, bases, positives)
        if found is None:
            continue
        name = f"bce_rewrite_{k}"
        if is_power:
            canonical = f"Rpower ({_quotient(*found)}) ({coq(atom.exp)})"
            proof = f"f_equal; {POSITIVE_PROOF}"
        else:
            expansion = _expansion(*found)
            if expansion == atom:
                continue
            canonical = coq(expansion)
            quotient = _quotient(*found)
            proof = (
                f"unfold σ, softplus; transitivity (ln ({quotient})); "
                f"[f_equal; {POSITIVE_PROOF} | {EXPAND}]"
            )
        tactics.append(
            f"assert ({name} : {coq(atom)} = {canonical}) by ({proof}); "
            f"try rewrite {name}; clear {name};"
        )
    return tactics
