"""The catalogue beyond D1–D2: textbook closed forms, written-out checks that catch wrong
matrix and index-form steps, the K = 2 reduction, the L1 kink, and the parts they rest on."""

from __future__ import annotations

import dataclasses
import random
import re
from pathlib import Path

import mpmath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy import (
    Add,
    Derivative,
    Function,
    ImmutableMatrix,
    Integer,
    MatAdd,
    MatMul,
    MatrixSymbol,
    Mul,
    S,
    Subs,
    Sum,
    Symbol,
    Transpose,
    exp,
    lambdify,
    latex,
    log,
    sin,
)
from sympy.core.cache import clear_cache

import derivations
from bce_check import render
from derivations import FAILED, PROVED, Derivation
from derivations.catalogue.batch import X, elementwise, h, m, n, theta, y
from derivations.functions import sigmoid, softmax
from derivations.proof import Explicit, MatrixDerivative, check_equal, is_structured, program
from derivations.sets import SIMPLEX

CLOSED_FORMS = {
    "bce_from_likelihood": ["-log(P(y, ŷ)) = -(y·log(ŷ) + (1 - y)·log(1 - ŷ))"],
    "logistic_regression_gradient": [
        "∂BCE/∂W = (σ(Wᵀ·x + b) - y)·x",
        "∂BCE/∂b = σ(Wᵀ·x + b) - y",
    ],
    "batch_gradient": ["∇J(θ) = (1/m)·Xᵀ·(σ(X·θ) - y)"],
    "softmax_cross_entropy": [
        "∂CE/∂z = softmax(z) - y",
        "∂s/∂z = diag(softmax(z)) - softmax(z)·softmax(z)ᵀ",
    ],
    "bce_second_derivative": ["L''(u) = σ(u)·(1 - σ(u))"],
    "batch_hessian": ["∇²J(θ) = (1/m)·Xᵀ·diag(σ(X·θ)∘(1 - σ(X·θ)))·X"],
    "l2_regularised_gradient": ["∇J_λ(θ) = (1/m)·Xᵀ·(σ(X·θ) - y) + λ·θ"],
    "l1_regularised_gradient": ["∇J_λ(θ) = (1/m)·Xᵀ·(σ(X·θ) - y) + λ·sign(θ)"],
    "elastic_net_gradient": ["∇J_λ(θ) = (1/m)·Xᵀ·(σ(X·θ) - y) + λ·(α·sign(θ) + (1 - α)·θ)"],
}
SUFFIXES = {"logistic_regression_gradient": ["", "b"], "softmax_cross_entropy": ["", "jacobian"]}
WRITTEN_OUT = [name for name in CLOSED_FORMS if name not in ("bce_second_derivative",)]
# The derivations with matrix arguments (W, x, X, θ, z, y as columns or matrices).
WITH_MATRICES = [
    name
    for name in derivations.names()
    if any(getattr(a, "shape", None) for a in derivations.get(name).arguments)
]


def _with_step(derivation: Derivation, index: int, **changes) -> Derivation:
    """The derivation with step ``index`` (0-based) changed: a fresh, unchecked copy."""
    steps = list(derivation.steps)
    steps[index] = dataclasses.replace(steps[index], **changes)
    return dataclasses.replace(derivation, steps=tuple(steps))


def test_the_catalogue_in_order():
    assert derivations.names() == [
        "sigmoid_derivative",
        "bce_logit_gradient",
        *CLOSED_FORMS,
    ]


@pytest.mark.parametrize("name", list(CLOSED_FORMS))
def test_closed_forms_are_the_textbook_ones(catalogue, name):
    derivation = catalogue[name]
    shown = [f"{render.text(c.lhs)} = {render.text(c.rhs)}" for c in derivation.closed_forms]
    assert shown == CLOSED_FORMS[name]
    assert [c.suffix for c in derivation.closed_forms] == SUFFIXES.get(name, [""])
    assert render.to_dict(derivation)["closed_form"]["text"] == "; ".join(CLOSED_FORMS[name])


@pytest.mark.parametrize("name", list(CLOSED_FORMS))
def test_closed_forms_are_written_in_the_arguments(catalogue, name):
    # What is emitted may use the arguments and their sizes, never an abbreviation (ŷ, h).
    derivation = catalogue[name]
    sizes = {d for a in derivation.arguments for d in getattr(a, "shape", ()) if d.is_Symbol}
    allowed = set(derivation.arguments) | sizes
    for closed in derivation.closed_forms:
        assert (closed.rhs.free_symbols | closed.function.free_symbols) <= allowed
        scale = closed.scale if closed.scale is not None else derivation.scale
        if scale.is_Matrix:  # a bound per entry: shaped like the result
            assert scale.shape == closed.rhs.shape


def test_steps_read_in_textbook_form(catalogue):
    d4 = [render.text(r.step.expr) for r in catalogue["logistic_regression_gradient"].proof.steps]
    assert d4[3] == "ŷ - y" and d4[7] == "(ŷ - y)·x" and d4[4] == "x_j"
    d5 = catalogue["batch_gradient"].proof.steps
    assert render.text(d5[1].lhs) == "∂J/∂θ_j"
    assert render.text(d5[1].step.expr) == "(1/m)·Σ_i (h_i - y_i)·X_ij"
    assert render.text(d5[3].lhs) == "θ - α·∇J(θ)"
    assert (
        render.tex(d5[2].step.expr)
        == r"\frac{1}{m} X^{T} \left(\sigma\left(X \theta\right) - y\right)"
    )


@pytest.mark.parametrize("name", WRITTEN_OUT)
def test_written_out_derivations_say_why_and_where(catalogue, name):
    derivation = catalogue[name]
    assert any("written out" in note for note in derivation.notes)
    for result in derivation.proof.steps:
        members = (result.step.expr, *result.step.via, result.lhs)
        if any(map(is_structured, members)) and not result.method.startswith("definition"):
            assert "(written out at " in result.method


@pytest.mark.parametrize("name", WITH_MATRICES)
def test_matrix_arguments_are_never_square_at_the_explicit_shapes(catalogue, name):
    # m = 3, n = 2 and m = 2, n = 3: X in place of Xᵀ cannot hide behind a square X, nor
    # W·xᵀ behind Wᵀ·x; two shapes, so that a size used in place of another shows.
    derivation = catalogue[name]
    assert len(derivation.shapes) >= 2
    matrices = [a for a in derivation.arguments if getattr(a, "shape", None)]
    for shape in derivation.shapes:
        sizes = [tuple(int(d.xreplace(dict(shape))) for d in a.shape) for a in matrices]
        assert all(rows != cols for rows, cols in sizes), (shape, matrices, sizes)


def test_a_transposed_matrix_step_fails_at_the_explicit_shapes():
    d5 = derivations.get("batch_gradient")
    error = MatAdd(elementwise(sigmoid, X * theta), -y)
    broken = _with_step(d5, 2, expr=MatMul(1 / m, X, error))  # X·(σ(Xθ) − y): X, not Xᵀ
    result = broken.proof.steps[2]
    assert result.verdict == FAILED
    assert "m = 3, n = 2" in result.method and "not aligned" in result.method
    assert broken.proof.verdict == FAILED


def test_a_missing_one_over_m_fails():
    d5 = derivations.get("batch_gradient")
    error = MatAdd(elementwise(sigmoid, X * theta), -y)
    broken = _with_step(d5, 2, expr=MatMul(Transpose(X), error))
    assert broken.proof.steps[2].verdict == FAILED
    assert broken.proof.steps[2].method.startswith("differs at X_0_0=")


def test_a_wrong_matrix_closed_form_fails_the_independent_check():
    d5 = derivations.get("batch_gradient")
    wrong = dataclasses.replace(
        d5.closed_forms[0],
        rhs=MatMul(1 / n, Transpose(X), MatAdd(elementwise(sigmoid, X * theta), -y)),
    )
    broken = dataclasses.replace(d5, closed_forms=(wrong,))
    assert broken.proof.sympy_diff.verdict == FAILED
    assert render.to_dict(broken)["matches_sympy_diff"] is False


def test_the_gradient_descent_step_is_checked():
    d5 = derivations.get("batch_gradient")
    alpha = next(s for s in d5.domains if str(s) == "alpha")
    error = MatAdd(elementwise(sigmoid, X * theta), -y)
    broken = _with_step(
        d5, 3, expr=MatAdd(theta, MatMul(-alpha, Transpose(X), error))
    )  # α, not α/m
    assert broken.proof.steps[3].verdict == FAILED


def test_index_form_steps_are_written_out_and_a_wrong_index_fails():
    d5 = derivations.get("batch_gradient")
    assert d5.proof.steps[1].verdict == PROVED
    assert d5.proof.steps[1].method.endswith("(written out at m = 3, n = 2; m = 2, n = 3)")
    i, j = Symbol("i", integer=True), Symbol("j", integer=True)
    for wrong in (
        Mul(
            1 / m, Sum(Mul(Add(h[i, 0], -y[i, 0]), X[j, i]), (i, 0, m - 1))
        ),  # x_ji: indices swapped
        Mul(1 / n, Sum(Mul(Add(h[i, 0], -y[i, 0]), X[i, j]), (i, 0, m - 1))),  # 1/n for 1/m
        Mul(1 / m, Sum(Mul(Add(y[i, 0], -h[i, 0]), X[i, j]), (i, 0, m - 1))),  # y − h
    ):
        assert _with_step(d5, 1, expr=wrong).proof.steps[1].verdict == FAILED


def test_abbreviations_are_expanded_down_to_the_variable():
    # ∂BCE/∂ŷ treats ŷ as the variable; ∂BCE/∂z means ∂/∂z with ŷ = σ(z): swapping the two fails.
    d4 = derivations.get("logistic_regression_gradient")
    by_yhat, by_z = d4.steps[1].expr, d4.steps[3].expr
    assert _with_step(d4, 1, expr=by_z).proof.steps[1].verdict == FAILED
    assert _with_step(d4, 3, expr=by_yhat, via=()).proof.steps[3].verdict == FAILED


def test_the_k2_reduction_to_bce_is_proved_at_k2(catalogue):
    d6 = catalogue["softmax_cross_entropy"]
    sigma_line, bce_line = d6.proof.steps[7], d6.proof.steps[8]
    for result in (sigma_line, bce_line):
        assert result.verdict == PROVED
        assert result.method.endswith("(written out at K = 2)")
    assert "CE is BCE (D2)" in bce_line.step.rule
    assert render.text(bce_line.step.expr).endswith("_(u=z_1 - z_0, p=y_1)")


def test_a_wrong_k2_reduction_fails():
    d6 = derivations.get("softmax_cross_entropy")
    reduction = d6.steps[8].expr
    swapped = Subs(
        reduction.expr, reduction.variables, (reduction.point[0], 1 - reduction.point[1])
    )
    assert _with_step(d6, 8, expr=swapped).proof.steps[8].verdict == FAILED  # p = y_0, not y_1


def test_the_l1_derivation_states_the_kink(catalogue):
    for name in ("l1_regularised_gradient", "elastic_net_gradient"):
        notes = " ".join(catalogue[name].notes)
        assert "not differentiable at θ_j = 0" in notes
        assert "subgradient" in notes and "θ_j ≠ 0" in notes
    assert "subgradient" in catalogue["l1_regularised_gradient"].title


def test_convexity_is_stated_and_proved(catalogue):
    hessian = catalogue["batch_hessian"]
    (quadratic_form,) = hessian.proof.facts
    assert quadratic_form.verdict == PROVED
    assert render.text(quadratic_form.lhs) == "vᵀ·∇²J(θ)·v"
    assert any("positive semidefinite" in note for note in hessian.notes)
    curvature = catalogue["bce_second_derivative"]
    assert any("strictly convex" in note for note in curvature.notes)
    assert curvature.closed_forms[0].wrt == (Symbol("u", real=True),) * 2


def test_check_equal_compares_matrices_entry_by_entry():
    a, b = Symbol("a", real=True), Symbol("b", real=True)
    domains = {a: S.Reals, b: S.Reals}
    left = ImmutableMatrix([sigmoid(a), sigmoid(b)])
    assert (
        check_equal(left, ImmutableMatrix([1 - sigmoid(-a), 1 - sigmoid(-b)]), domains, 1).verdict
        == PROVED
    )
    assert (
        check_equal(left, ImmutableMatrix([sigmoid(a), sigmoid(a)]), domains, 2).verdict == FAILED
    )
    shapes = check_equal(left, left.T, domains, 3)
    assert shapes.verdict == FAILED and shapes.method == "shapes differ: 2×1 vs 1×2"


def test_matrix_derivatives_have_the_shape_of_gradient_jacobian_and_hessian():
    J = Function("J")(theta)
    assert MatrixDerivative(J, theta).shape == (n, 1)
    assert MatrixDerivative(J, theta, theta).shape == (n, n)
    assert MatrixDerivative(X * theta, theta).shape == (m, n)


def test_written_out_derivatives_are_taken_entry_by_entry():
    abbreviations = {h: elementwise(sigmoid, X * theta)}
    explicit = Explicit({m: 2, n: 1}, abbreviations, {X: S.Reals, theta: S.Reals})
    x, t = Symbol("X_0_0", real=True), Symbol("theta_0_0", real=True)
    value = explicit.evaluate(Derivative(h[0, 0], theta[0, 0], evaluate=False))
    # ∂σ(x·t)/∂t = x·e^{−x·t}/(1 + e^{−x·t})², taken of σ's exp form.
    expected = x * exp(-x * t) / (1 + exp(-x * t)) ** 2
    assert check_equal(value, expected, {x: S.Reals, t: S.Reals}, 4).verdict == PROVED
    gradient = explicit.evaluate(MatrixDerivative(h, theta))  # the Jacobian of σ(Xθ): 2×1
    assert gradient.shape == (2, 1) and gradient[0, 0] == value


def test_softmax_prints_and_writes_out():
    K = Symbol("K", integer=True, positive=True)
    z = MatrixSymbol("z", K, 1)
    assert render.text(softmax(z)) == "softmax(z)"
    assert latex(softmax(z)) == r"\operatorname{softmax}\left(z\right)"
    z2 = MatrixSymbol("z", 2, 1)
    first = softmax(z2).as_explicit()[0, 0]
    assert first == exp(z2[0, 0]) / (exp(z2[0, 0]) + exp(z2[1, 0]))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10**6), size=st.integers(2, 6))
def test_simplex_samples_are_probability_vectors(seed, size):
    point = SIMPLEX.sample(random.Random(seed), size)
    assert len(point) == size and all(p > 0 for p in point)
    assert sum(point) == pytest.approx(1.0, abs=1e-12)  # a float sum of `size` rounded quotients


def test_simplex_parametrisation_sums_to_one():
    entries = [Symbol(f"y{k}") for k in range(4)]
    values, coordinates = SIMPLEX.parametrise(entries)
    assert Add(*values) == 1 and values[:3] == entries[:3]
    assert len(coordinates.sample(random.Random(0))) == 3


def test_the_mpmath_program_agrees_with_lambdify_and_declines_what_it_does_not_know():
    a, b = Symbol("a", real=True), Symbol("b", real=True)
    expressions = [
        a * exp(-a * b) / (1 + exp(-a * b)) ** 2,
        log(1 + exp(a)) - Integer(1) / 3,
        abs(a - b),
    ]
    run = program(expressions, [a, b])
    reference = lambdify([a, b], expressions, modules="mpmath")
    with mpmath.workdps(60):
        point = [mpmath.mpf("0.75"), mpmath.mpf("-2.5")]
        for ours, theirs in zip(run(*point), reference(*point), strict=True):
            assert abs(ours - theirs) <= mpmath.mpf(10) ** -55  # 60 digits, a few lost in exp/log
    assert program([sin(a)], [a]) is None  # unknown node: the caller falls back to lambdify


def test_a_step_holding_at_k2_only_is_checked_at_its_own_shapes():
    d6 = derivations.get("softmax_cross_entropy")
    at_all_shapes = _with_step(d6, 7, shapes=())
    assert at_all_shapes.proof.steps[7].verdict == FAILED  # s_1 = σ(z_1 − z_0) is false for K = 3
    assert d6.steps[7].shapes == ({next(iter(d6.shapes[0])): 2},)


def test_steps_of_new_names_are_definitions():
    d3 = derivations.get("bce_from_likelihood")
    first = d3.proof.steps[0]
    assert (first.verdict, first.method) == (PROVED, "definition of P(y, yhat)")


def test_matrix_derivations_do_not_use_the_derivative_rule_of_sigma(monkeypatch):
    def forbidden(self, argindex=1):
        raise AssertionError("σ' must come from σ's exp form, not from sigmoid.fdiff")

    clear_cache()  # SymPy caches derivatives: start from nothing computed with the rule
    monkeypatch.setattr(sigmoid, "fdiff", forbidden)
    for name in ("logistic_regression_gradient", "batch_hessian"):
        assert derivations.get(name).proof.verdict == PROVED
    clear_cache()


def test_expand_writes_the_abbreviations_out(catalogue):
    d4 = catalogue["logistic_regression_gradient"]
    z, yhat = Symbol("z", real=True), Symbol("yhat", real=True)
    assert d4.definition.has(yhat)
    expanded = d4.expand(d4.definition)
    assert not expanded.has(yhat) and not expanded.has(z)
    assert expanded.free_symbols == d4.closed_forms[0].function.free_symbols


ALGEBRA = Path(__file__).parent.parent / "docs" / "algebra.md"
CITATION = re.compile(r"^docs/algebra\.md(?:, beyond)? (D[1-6])\b")


@pytest.mark.parametrize("name", derivations.names())
def test_every_source_cites_a_section_of_docs_algebra(catalogue, name):
    cited = CITATION.match(catalogue[name].source)
    assert cited, catalogue[name].source
    headings = re.findall(r"^## (D[1-6]) ", ALGEBRA.read_text(encoding="utf-8"), re.MULTILINE)
    assert cited.group(1) in headings
    assert f"`{name}`" in ALGEBRA.read_text(encoding="utf-8")  # the page names the derivation
