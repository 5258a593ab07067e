"""Matrix results, checked by writing them out at small shapes.

SymPy's matrix calculus cannot differentiate through σ applied elementwise: its answer
is an array contraction it cannot simplify, or an error.  So a matrix equality is
checked the way one checks it by hand: at small shapes (m = 3, n = 2 and m = 2, n = 3,
so that a transposition cannot hide behind a square matrix) every matrix symbol is
written out entry by entry, every product, transpose, σ(Xθ), diag(…) and sum is
carried out, every derivative is taken entry by entry with ``sympy.diff``, and the two
sides are compared entry by entry with the usual symbolic and 60-digit numeric check.

``MatrixDerivative(f, θ)`` is ∂f/∂θ as a matrix (the gradient ∇f of a scalar, the
Jacobian of a column, the Hessian for ``(θ, θ)``); it is a matrix expression, so it
can stand in a sum: θ − α·∇J(θ).  Index forms (Σ_i …, X_ij, ∂J/∂θ_j) are written
out the same way, with each free index running over its range.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import product

from sympy import (
    Add,
    Basic,
    Derivative,
    ImmutableMatrix,
    Interval,
    Lambda,
    MatrixExpr,
    MatrixSymbol,
    Mul,
    Product,
    Range,
    Subs,
    Sum,
    Symbol,
    UnevaluatedExpr,
    diff,
    expand_log,
    log,
    oo,
    together,
)
from sympy.core.sympify import _sympify
from sympy.matrices import MatrixBase
from sympy.matrices.expressions.matexpr import MatrixElement

from derivations.errors import ExpressionError
from derivations.functions import to_exp_form

STRUCTURE = (MatrixExpr, MatrixElement, Sum, Product)  # what makes an expression "matrix"


class MatrixDerivative(MatrixExpr):
    """∂f/∂v as a matrix: the gradient of a scalar f (shaped like v), the Jacobian
    [∂f_i/∂v_j] of a column f; several variables differentiate in turn (Hessian: (θ, θ)).
    """

    def __new__(cls, expr, *variables):
        return Basic.__new__(cls, _sympify(expr), *(_sympify(v) for v in variables))

    @property
    def expr(self) -> Basic:
        return self.args[0]

    @property
    def variables(self) -> tuple[Basic, ...]:
        return self.args[1:]

    @property
    def shape(self):
        rows, cols = getattr(self.expr, "shape", (1, 1))
        for v in self.variables:
            rows, cols = v.shape if (rows, cols) == (1, 1) else (rows, v.shape[0])
        return rows, cols


def is_structured(expr: Basic) -> bool:
    """Does ``expr`` hold matrices, matrix entries or sums that must be written out?"""
    return expr.has(*STRUCTURE) or isinstance(expr, STRUCTURE)


def _assumptions(domain) -> dict[str, bool]:
    positive = isinstance(domain, Interval) and domain.is_subset(Interval.open(0, oo))
    return {"real": True, "positive": True} if positive else {"real": True}


def _logs_split(f: Basic) -> Basic:
    """log(e^{−a}/(1 + e^{−a})) as −a − log(1 + e^{−a}): the same function, whose
    derivatives are a few terms instead of nested quotients (a rewrite, not a rule of σ).
    """
    if isinstance(f, MatrixBase):
        return f.applyfunc(_logs_split)
    return f.replace(lambda e: isinstance(e, log), lambda e: expand_log(log(together(e.args[0]))))


def _differentiate(f: Basic, v: Basic) -> Basic:
    """∂f/∂v for an explicit f (scalar or column) and v (a symbol, or a matrix of them)."""
    if isinstance(f, MatrixBase) and f.shape == (1, 1):
        f = f[0, 0]
    if not isinstance(v, MatrixBase):
        return f.diff(v) if isinstance(f, MatrixBase) else diff(f, v)
    if not isinstance(f, MatrixBase):
        return v.applyfunc(lambda entry: diff(f, entry))
    if f.cols == 1 and v.cols == 1:
        return ImmutableMatrix(f.rows, v.rows, lambda i, j: diff(f[i, 0], v[j, 0]))
    raise ExpressionError(f"∂f/∂v is defined here for columns f and v, not {f.shape} by {v.shape}")


class Explicit:
    """Expressions at one shape (``sizes``: {m: 3, n: 2}), written out entry by entry.

    ``names`` says what names and abbreviations stand for (BCE, ŷ = σ(z), h = σ(Xθ));
    a derivative expands them down to, not past, the variable it differentiates by:
    ∂BCE/∂ŷ treats ŷ as the variable, ∂BCE/∂z means ŷ = σ(z) but keeps z.  ``domains``
    are the derivation's; ``numeric_domains`` collects those of the entry symbols made.
    """

    def __init__(self, sizes: Mapping, names: Mapping, domains: Mapping) -> None:
        self.sizes = dict(sizes)
        self.names = {self.at(k): self.at(v) for k, v in names.items()}
        self.declared = {self.at(k): v for k, v in domains.items()}
        self.numeric_domains: dict = {
            k: v for k, v in domains.items() if isinstance(k, Symbol) and not isinstance(v, Range)
        }
        self._memo: dict = {}

    def at(self, expr: Basic) -> Basic:
        """``expr`` with the sizes substituted."""
        return expr.xreplace(self.sizes) if self.sizes else expr

    def evaluate(self, expr: Basic) -> Basic:
        """``expr`` written out: a scalar, or an explicit matrix (1×1 gives its entry)."""
        value = self._evaluate(self.at(expr), frozenset())
        if isinstance(value, MatrixBase) and value.shape == (1, 1):
            return value[0, 0]
        return value

    def _entries(self, symbol: MatrixSymbol) -> ImmutableMatrix:
        if symbol not in self.declared:
            raise ExpressionError(f"no domain declared for {symbol.name}")
        rows, cols = symbol.shape
        if not (rows.is_Integer and cols.is_Integer):
            raise ExpressionError(f"{symbol.name} is {rows}×{cols}: no size given for its shape")
        domain = self.declared[symbol]
        entries = [
            Symbol(f"{symbol.name}_{i}_{j}", **_assumptions(domain))
            for i in range(rows)
            for j in range(cols)
        ]
        if hasattr(domain, "parametrise"):  # a joint domain such as the simplex
            values, joint = domain.parametrise(entries)
            self.numeric_domains[tuple(entries[:-1])] = joint
        else:
            values = entries
            self.numeric_domains.update(dict.fromkeys(entries, domain))
        return ImmutableMatrix(rows, cols, values)

    def _evaluate(self, e: Basic, stop: frozenset) -> Basic:
        key = (e, stop)
        if key not in self._memo:
            self._memo[key] = self._compute(e, stop)
        return self._memo[key]

    def _compute(self, e: Basic, stop: frozenset) -> Basic:
        if e in self.names and e not in stop:
            return self._evaluate(self.names[e], stop)
        if isinstance(e, MatrixSymbol):
            return self._entries(e)
        if isinstance(e, (Derivative, MatrixDerivative)):
            return self._derivative(e, stop)
        if isinstance(e, (Sum, Product)):
            return self._expand(e, stop)
        if isinstance(e, MatrixElement):
            parent = self._evaluate(e.parent, stop)
            return parent[int(e.i), int(e.j)]
        if isinstance(e, UnevaluatedExpr):
            return self._evaluate(e.args[0], stop)
        if isinstance(e, Subs):
            points = [self._evaluate(p, stop) for p in e.point]
            return self._evaluate(e.expr, stop).subs(dict(zip(e.variables, points, strict=True)))
        if e.is_Atom or isinstance(e, Lambda):
            return e
        args = [self._evaluate(a, stop) for a in e.args]
        if not isinstance(e, MatrixExpr):  # a 1×1 product in a sum of numbers: J(θ) + …
            args = [a[0, 0] if isinstance(a, MatrixBase) and a.shape == (1, 1) else a for a in args]
        value = e.func(*args) if args != list(e.args) else e
        if isinstance(value, MatrixExpr):
            value = value.doit()
            value = value.as_explicit() if isinstance(value, MatrixExpr) else value
        return value

    def _derivative(self, e: Basic, stop: frozenset) -> Basic:
        inner = stop | frozenset(e.variables)
        f = _logs_split(to_exp_form(self._evaluate(e.expr, inner)))
        for v in e.variables:
            f = _differentiate(f, self._evaluate(v, inner))
        if any(s in self.names for s in f.free_symbols):  # a name kept as the variable (z)
            f = self._evaluate(f, stop)
        return f

    def _expand(self, e: Sum | Product, stop: frozenset) -> Basic:
        (index, low, high), *rest = e.limits
        if not (low.is_Integer and high.is_Integer):
            raise ExpressionError(
                f"{e.func.__name__} over {index} from {low} to {high}: no size given"
            )
        body = e.func(e.function, *rest) if rest else e.function
        terms = [self._evaluate(body.xreplace({index: k}), stop) for k in range(low, high + 1)]
        return Add(*terms) if isinstance(e, Sum) else Mul(*terms)


def written_out(
    members: Iterable[Basic], sizes: Mapping, names: Mapping, domains: Mapping
) -> tuple[list[list[Basic]], dict]:
    """Each member at ``sizes``, once per value of its free indices (j ∈ Range(n)).

    Returns, per member, the list of its values (one per index point, scalars or
    explicit matrices), and the domains of every symbol in them, for the numeric check.
    """
    members = list(members)
    explicit = Explicit(sizes, names, domains)
    indices = sorted(
        {s for m in members for s in m.atoms(Symbol) if isinstance(domains.get(s), Range)},
        key=str,
    )
    ranges = [[int(v) for v in explicit.at(domains[j])] for j in indices]
    values: list[list[Basic]] = [[] for _ in members]
    for point in product(*ranges):
        assignment = dict(zip(indices, point, strict=True))
        for column, member in zip(values, members, strict=True):
            column.append(explicit.evaluate(member.xreplace(assignment)))
    return values, explicit.numeric_domains


def depends_on(members: Iterable[Basic], names: Mapping, symbols: set) -> bool:
    """Does any member, with the names in it expanded, contain one of ``symbols`` (a size)?"""
    todo, seen = list(members), set()
    while todo:
        e = todo.pop()
        if e.atoms(Symbol) & symbols:
            return True
        for name, meaning in names.items():
            if name not in seen and e.has(name):
                seen.add(name)
                todo.append(meaning)
    return False
