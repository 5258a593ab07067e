"""derive along a vector or matrix: declarations, closed forms, proofs, emitted code."""

from __future__ import annotations

import numpy as np
import pytest
from sympy import Interval, MatrixSymbol, S, Symbol, simplify

from bce_check.emit import emit
from derivations import PROVED, DomainError, ExpressionError, derive, parse
from derivations.functions import softmax
from derivations.proof import Explicit
from derivations.sets import SIMPLEX
from derivations.text import domains_from, shapes_from

K, n = Symbol("K", integer=True, positive=True), Symbol("n", integer=True, positive=True)
z, y = MatrixSymbol("z", K, 1), MatrixSymbol("y", K, 1)
W, x = MatrixSymbol("W", K, n), MatrixSymbol("x", n, 1)
alpha, T = Symbol("α", real=True), Symbol("T", real=True)
OBJECTS = {"z": z, "y": y, "W": W, "x": x, "K": K, "n": n, "α": alpha, "T": T}

# loss, wrt, where, the expected gradient (as text over OBJECTS), a NumPy reference
ROWS = {
    "softmax_ce": (
        "-yᵀ·log(softmax(z))", "z", ["z in R^K", "y in simplex(K)"], "softmax(z) - y"),
    "label_smoothing": (
        "-((1 - α)·y + α/K)ᵀ·log(softmax(z))", "z",
        ["z in R^K", "y in simplex(K)", "α in (0, 1)"], "softmax(z) - ((1 - α)·y + α/K)"),
    "temperature": (
        "-yᵀ·log(softmax(z/T))", "z", ["z in R^K", "y in simplex(K)", "T > 0"],
        "(softmax(z/T) - y)/T"),
    "multilabel_bce": (
        "sum(-y∘log(σ(z)) - (1 - y)∘log(1 - σ(z)))", "z", ["z in R^K", "y in [0, 1]^K"],
        "σ(z) - y"),
    "linear_softmax": (
        "-yᵀ·log(softmax(W·x))", "W", ["W in R^(K×n)", "x in R^n", "y in simplex(K)"],
        "(softmax(W·x) - y)·xᵀ"),
}  # fmt: skip


@pytest.fixture(scope="module", params=sorted(ROWS))
def row(request):
    loss, wrt, where, expected = ROWS[request.param]
    return request.param, derive(loss, wrt, where), parse(expected, None, OBJECTS)


def test_where_declares_vectors_and_matrices():
    where = ["z in R^3", "y in simplex(K)", "p in [0, 1]^K", "W in R^(K x n)", "V ∈ ℝ^(K×n)"]
    assert shapes_from(where) == {
        "z": (3, 1), "y": (K, 1), "p": (K, 1), "W": (K, n), "V": (K, n)}  # fmt: skip
    domains = domains_from(where)
    assert domains["y"] is SIMPLEX
    assert domains["p"] == Interval(0, 1) and domains["z"] == S.Reals


def test_every_row_is_proved_with_its_closed_form(row):
    name, derivation, expected = row
    proof = derivation.proof
    assert [r.verdict for r in proof.steps] == [PROVED] * len(proof.steps), name
    assert [c.verdict for c in proof.independent] == [PROVED]
    assert "K = 2" in proof.steps[1].method and "K = 3" in proof.steps[1].method
    # the closed form means the expected one: written out at K = 4 (n = 2), entry by entry
    sizes = {K: 4, n: 2}
    explicit = Explicit(sizes, {}, {s: d for s, d in derivation.domains.items()})
    difference = explicit.evaluate(derivation.closed_forms[0].rhs - expected)
    assert all(simplify(e.rewrite("exp")) == 0 for e in difference), name


def test_simplex_step_is_named():
    derivation = derive("-yᵀ·log(softmax(z))", "z", ["z in R^K", "y in simplex(K)"])
    rules = [s.rule for s in derivation.steps]
    assert rules[-1] == "sum(y) = 1: on the simplex"
    general = derive("-yᵀ·log(softmax(z))", "z", ["z in R^K", "y in R^K"])
    assert len(general.steps) == 2  # softmax(z)·sum(y) − y, no simplex step
    explicit = Explicit({K: 3}, {}, general.domains)
    value, labels = explicit.evaluate(general.closed_forms[0].rhs), explicit.evaluate(y)
    expected = explicit.evaluate(softmax(z)) * sum(labels) - labels  # softmax(z)·sum(y) − y
    assert all(simplify(e) == 0 for e in value - expected)


def test_shape_mismatch_names_both_shapes():
    with pytest.raises(ExpressionError, match=r"1×K matrix and a n×1 matrix"):
        derive("-yᵀ·log(softmax(x))", "x", ["x in R^n", "y in R^K"]).proof  # noqa: B018
    with pytest.raises(ExpressionError, match="K×1 matrix and a K×1 matrix"):
        parse("y·z", None, OBJECTS)


def test_vector_loss_must_be_a_number():
    with pytest.raises(DomainError, match="K×1 matrix, not a number"):
        derive("σ(z)", "z", ["z in R^K"])


def _softmax(v):
    e = np.exp(v - v.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _reference(name, z_, y_, W_=None, x_=None):
    """The expected gradient in float64 NumPy, batched over the leading axis."""
    if name == "softmax_ce":
        return _softmax(z_) - y_
    if name == "label_smoothing":
        return _softmax(z_) - (0.75 * y_ + 0.25 / z_.shape[-1])
    if name == "temperature":
        return (_softmax(z_ / 2.5) - y_) / 2.5
    if name == "multilabel_bce":
        return 0.5 * (1 + np.tanh(z_ / 2)) - y_
    return np.outer(_softmax(W_ @ x_) - y_, x_)


@pytest.mark.parametrize("target", ["numpy", "jax"])
def test_emitted_gradients_are_accurate_at_large_logits(row, target):
    name, derivation, _ = row
    if target == "jax":
        jax = pytest.importorskip("jax")
        jax.config.update("jax_enable_x64", True)
    function = emit(derivation, target).function
    rng = np.random.default_rng(0)
    for _ in range(5):
        z_ = rng.uniform(-1e4, 1e4, size=(6, 4))  # a leading batch axis of 6, K = 4
        y_ = rng.dirichlet(np.ones(4), size=6)
        scalars = {"α": 0.25, "T": 2.5}
        if name == "linear_softmax":
            W_, x_ = rng.uniform(-100, 100, size=(4, 3)), rng.uniform(-100, 100, size=3)
            got, want = np.asarray(function(W_, x_, y_[0])), _reference(name, None, y_[0], W_, x_)
        else:
            args = [z_, y_, *(scalars[str(s)] for s in derivation.arguments[2:])]
            got, want = np.asarray(function(*args)), _reference(name, z_, y_)
        assert np.all(np.isfinite(got)), name
        # 1e-12: a few float64 roundings of entries of size ≤ 1 (softmax, σ, labels)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12 * max(1, np.abs(want).max()))
