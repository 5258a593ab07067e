"""The gradient of a scalar loss along a vector or matrix, by the rules of vector calculus.

``gradient(L, v)`` walks the loss from the top, carrying the adjoint Ḡ = ∂L/∂(node)
down to v (reverse mode, as one differentiates by hand):

* sums pass Ḡ on; a product A·X·B passes Aᵀ·Ḡ·Bᵀ to X; a transpose passes Ḡᵀ;
* an entrywise product a ∘ b passes Ḡ ∘ b to a; f applied entry by entry passes Ḡ ∘ f'(a);
* log_softmax(a) (and log applied to softmax(a)) passes Ḡ − softmax(a)·sum(Ḡ);
  softmax(a) passes s ∘ Ḡ − s·(sᵀḠ); logsumexp(a) passes Ḡ·softmax(a);
* a number's functions (log of a sum, a power of yᵀz) pass Ḡ·f'.

The result is a matrix expression; ``tidy`` writes its entrywise parts as one scalar
expression per entry (z_i, y_i), simplified as a scalar loss is (σ(−x) = 1 − σ(x),
collect), and back.  The rules are not trusted: ``derive`` proves the result against
``sympy.diff`` of the definition written out at small shapes.
"""

from __future__ import annotations

from functools import reduce
from operator import add, mul

from sympy import (
    Add,
    Basic,
    Dummy,
    HadamardProduct,
    Lambda,
    MatAdd,
    MatMul,
    MatrixExpr,
    MatrixSymbol,
    Mul,
    OneMatrix,
    Pow,
    S,
    Transpose,
    count_ops,
    diff,
    log,
)
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.matexpr import MatrixElement

from derivations.errors import ExpressionError
from derivations.functions import log_softmax, logsumexp, softmax
from derivations.user._recognise import reflect, shortest

_t = Dummy("t")


def total(g: Basic, sums: dict) -> Basic:
    """sum(g), the sum of a column's entries, by linearity: sum(a·y + b·1) = a·sum(y) + b·K.

    The sum of a column y is a placeholder symbol, kept in ``sums`` (y → the symbol):
    SymPy would write (1ᵀ·y)[0, 0] out as Σ_i y_i in a product with a matrix.
    """
    if not isinstance(g, MatrixExpr):
        return g  # a 1×1 adjoint, as a number
    if isinstance(g, MatAdd):
        return Add(*(total(a, sums) for a in g.args))
    if isinstance(g, MatMul):
        coefficient, factors = g.as_coeff_matrices()
        if len(factors) == 1:
            return coefficient * total(factors[0], sums)
    if isinstance(g, OneMatrix):
        return g.shape[0] * g.shape[1]
    return sums.setdefault(g, Dummy(f"sum_{g}", real=True))


def sums_written(e: Basic, sums: dict) -> Basic:
    """The placeholders of ``total`` as the 1×1 entries sum(y) = (1ᵀ·y)[0, 0]."""
    return e.xreplace(
        {d: MatrixElement(OneMatrix(1, g.shape[0]) * g, 0, 0) for g, d in sums.items()}
    )


def _hadamard(g: Basic, x: Basic) -> Basic:
    """g ∘ x, with g a number or a matrix of ones left out."""
    if isinstance(g, OneMatrix) or g == 1:
        return x
    if not isinstance(g, MatrixExpr):
        return g * x
    return HadamardProduct(g, x)


def _others(e: HadamardProduct, i: int) -> Basic:
    rest = [*e.args[:i], *e.args[i + 1 :]]
    return rest[0] if len(rest) == 1 else HadamardProduct(*rest)


def _matmul(factors: list[Basic]) -> Basic:
    return reduce(mul, factors)


def gradient(loss: Basic, v: MatrixSymbol, sums: dict, rules: list[str]) -> Basic:
    """∂loss/∂v, shaped like v, for a scalar (or 1×1) loss; sums of columns as in ``total``;
    the names of the rules used are appended to ``rules``."""
    result = _Walk(v, sums, rules).back(loss, S.One)
    if result is None:
        raise ExpressionError(f"the loss does not depend on {v.name}: its gradient is 0")
    return result


def _sum(parts: list[Basic | None]) -> Basic | None:
    parts = [p for p in parts if p is not None]
    return reduce(add, parts) if parts else None


class _Walk:
    """One walk from the loss down to v (``sums``: the sums of columns met, see ``total``)."""

    def __init__(self, v: MatrixSymbol, sums: dict, rules: list[str]) -> None:
        self.v, self.sums, self.rules = v, sums, rules

    def used(self, rule: str) -> None:
        if rule not in self.rules:
            self.rules.append(rule)

    def back(self, e: Basic, g: Basic) -> Basic | None:
        """The contribution to ∂L/∂v of node e, whose adjoint is g (None: no contribution)."""
        if not e.has(self.v):
            return None
        if e == self.v:
            return g
        if isinstance(e, (Add, MatAdd)):
            return _sum([self.back(a, g) for a in e.args])
        if isinstance(e, MatrixElement):  # the number in a 1×1 matrix: yᵀz, sum(v)
            return self.back(e.parent, g)
        if isinstance(e, Transpose):
            return self.back(e.arg, g.T if isinstance(g, MatrixExpr) else g)
        if isinstance(e, MatMul):
            self.used("A·X·B: Aᵀ·Ḡ·Bᵀ")
            return self.product(e, g)
        if isinstance(e, HadamardProduct):
            self.used("a ∘ b: Ḡ ∘ b")
            return _sum([self.back(a, _hadamard(g, _others(e, i))) for i, a in enumerate(e.args)])
        if isinstance(e, ElementwiseApplyFunction):
            return self.entrywise(e, g)
        if isinstance(e, (log_softmax, softmax, logsumexp)):
            return self.softmax(e, g)
        if isinstance(e, Mul):
            return _sum(
                [self.back(a, g * Mul(*e.args[:i], *e.args[i + 1 :])) for i, a in enumerate(e.args)]
            )
        if len(e.args) == 1 or (isinstance(e, Pow) and not e.exp.has(self.v)):  # f(number)
            x = e.args[0]
            return self.back(x, g * diff(e.func(_t, *e.args[1:]), _t).subs(_t, x))
        raise ExpressionError(f"no vector rule for {type(e).__name__} in {e}; allowed: see derive")

    def product(self, e: MatMul, g: Basic) -> Basic | None:
        """A·X·B passes c·Aᵀ·Ḡ·Bᵀ to X (c the scalar factor); a scalar factor with v, Ḡ·(A·B)."""
        scalars = [a for a in e.args if not isinstance(a, MatrixExpr)]
        matrices = [a for a in e.args if isinstance(a, MatrixExpr)]
        c = Mul(*scalars)
        parts = []
        if c.has(self.v):
            rest = _matmul(matrices)
            parts.append(self.back(c, self.contract(g, rest)))
        for i, x in enumerate(matrices):
            if x.has(self.v):
                left = [m.T for m in reversed(matrices[:i])]
                right = [m.T for m in reversed(matrices[i + 1 :])]
                factors = [c, *left, *([g] if isinstance(g, MatrixExpr) else []), *right]
                scale = S.One if isinstance(g, MatrixExpr) else g
                adjoint = scale * _matmul(factors) if len(factors) > 1 else scale * c
                parts.append(self.back(x, adjoint))
        return _sum(parts)

    def contract(self, g: Basic, m: Basic) -> Basic:
        """Σ_ij Ḡ_ij·m_ij: the adjoint of a scalar factor c in c·M."""
        if not isinstance(g, MatrixExpr):
            return g * MatrixElement(m, 0, 0)
        return total(HadamardProduct(g, m), self.sums)

    def entrywise(self, e: ElementwiseApplyFunction, g: Basic) -> Basic | None:
        (d,), body = e.function.variables, e.function.expr
        if body == log(d) and isinstance(e.expr, softmax):  # log softmax(a) = log_softmax(a)
            return self.back(log_softmax(e.expr.args[0]), g)
        slope = diff(body, d)
        self.used("f entry by entry: Ḡ ∘ f'")
        return self.back(e.expr, _hadamard(g, e.expr.applyfunc(Lambda(d, slope))))

    def softmax(self, e: Basic, g: Basic) -> Basic | None:
        a = e.args[0]
        s = softmax(a)
        self.used(
            {
                logsumexp: "logsumexp(a): Ḡ·softmax(a)",
                log_softmax: "log softmax(a): Ḡ − softmax(a)·sum(Ḡ)",
                softmax: "softmax(a): s∘Ḡ − s·sum(s∘Ḡ)",
            }[type(e)]
        )
        if isinstance(e, logsumexp):
            return self.back(a, g * s)
        if isinstance(e, log_softmax):
            return self.back(a, g - total(g, self.sums) * s)
        weighted = _hadamard(g, s)
        return self.back(a, weighted - total(weighted, self.sums) * s)


def _entrywise(e: Basic, atoms: dict) -> Basic | None:
    """A column expression as one scalar expression per entry (None if it is not entrywise)."""
    if isinstance(e, (MatrixSymbol, softmax, log_softmax)) and e.shape[1] == 1:
        return atoms.setdefault(e, Dummy(getattr(e, "name", "s"), real=True))
    if isinstance(e, OneMatrix):
        return S.One
    if not isinstance(e, MatrixExpr):
        return e
    if isinstance(e, Transpose) and e.arg.shape[1] != 1:
        return None
    if isinstance(e, (MatAdd, HadamardProduct, MatMul, Transpose)):
        if isinstance(e, MatMul) and sum(isinstance(a, MatrixExpr) for a in e.args) > 1:
            return None
        parts = [_entrywise(a, atoms) for a in e.args]
        if any(p is None for p in parts):
            return None
        return Add(*parts) if isinstance(e, MatAdd) else Mul(*parts)
    if isinstance(e, ElementwiseApplyFunction):
        inner = _entrywise(e.expr, atoms)
        return None if inner is None else e.function(inner)
    return None


def _lift(body: Basic, matrices: dict, shape) -> Basic:
    """A scalar expression per entry back to a column expression (the inverse of _entrywise)."""
    if body in matrices:
        return matrices[body]
    if not body.has(*matrices):
        return body * OneMatrix(*shape)
    if isinstance(body, Add):
        return MatAdd(*(_lift(a, matrices, shape) for a in body.args))
    if isinstance(body, Mul):
        scalar = Mul(*(a for a in body.args if not a.has(*matrices)))
        entries = [_lift(a, matrices, shape) for a in body.args if a.has(*matrices)]
        product = entries[0] if len(entries) == 1 else HadamardProduct(*entries)
        return product if scalar == 1 else MatMul(scalar, product)
    inside = [a for a in body.free_symbols if a in matrices]
    if len(inside) == 1:
        return matrices[inside[0]].applyfunc(Lambda(_t, body.xreplace({inside[0]: _t})))
    raise ExpressionError(f"cannot write {body} entry by entry")


def tidy(e: Basic, simplify: bool = True) -> Basic:
    """e with each entrywise part simplified as a scalar (σ(z) − y for −y∘σ(−z) + (1 − y)∘σ(z)).

    ``simplify=False`` only folds each part into functions of one vector each
    (log(1 − σ(z)) entry by entry, one node), the form the stable rewrites recognise.
    """
    if isinstance(e, MatrixElement):
        return MatrixElement(tidy(e.parent, simplify), e.i, e.j)
    if not isinstance(e, MatrixExpr):
        return e
    atoms: dict = {}
    body = _entrywise(e, atoms) if e.shape[1] == 1 else None
    if body is not None:
        simple = reflect(shortest(body.expand())) if simplify else body
        if count_ops(simple) <= count_ops(body):
            return _lift(simple, {d: m for m, d in atoms.items()}, e.shape)
    if isinstance(e, (MatMul, MatAdd)):
        return e.func(*(tidy(a, simplify) for a in e.args))
    return e


__all__ = ["gradient", "tidy", "total"]
