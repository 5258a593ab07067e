"""The proof model: every registered derivation proves; wrong steps fail; numerics never prove."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy import Derivative, Integer, Interval, S, Symbol, atan, diff, exp, oo, pi
from sympy.core.cache import clear_cache

import derivations
from derivations import FAILED, NUMERIC_ONLY, PROVED, Derivation, Step, UnknownDerivation
from derivations._equality import check_equal
from derivations.functions import sigmoid, softplus

z = Symbol("z", real=True)


@pytest.mark.parametrize("name", derivations.names())
def test_every_step_of_every_derivation_is_proved(catalogue, name):
    proof = catalogue[name].proof
    assert [r.verdict for r in proof.steps] == [PROVED] * len(proof.steps)
    assert all(r.verdict == PROVED for r in proof.facts)
    assert proof.verdict == PROVED


@pytest.mark.parametrize("name", derivations.names())
def test_closed_form_agrees_with_sympy_diff(catalogue, name):
    check = catalogue[name].proof.sympy_diff
    assert check is not None and check.verdict == PROVED


def test_closed_forms_are_the_textbook_ones(catalogue):
    u, p = Symbol("u", real=True), Symbol("p", real=True)
    # Same expression trees once evaluated (the text form is tested in test_render.py).
    assert catalogue["sigmoid_derivative"].closed_form.rhs.doit() == sigmoid(z) * (1 - sigmoid(z))
    assert catalogue["bce_logit_gradient"].closed_form.rhs.doit() == sigmoid(u) - p


def _with_step(derivation: Derivation, index: int, step: Step) -> Derivation:
    steps = list(derivation.steps)
    steps[index] = step
    return Derivation(
        derivation.name,
        derivation.title,
        derivation.source,
        derivation.domains,
        tuple(steps),
        derivation.wrt,
    )


def test_a_wrong_step_is_failed_and_fails_the_derivation():
    d1 = derivations.get("sigmoid_derivative")
    # Line 5 with the square dropped from the denominator: a plausible slip.
    broken = _with_step(d1, 4, Step(exp(-z) / (1 + exp(-z)), rule="simplify"))
    proof = broken.proof
    assert proof.steps[4].verdict == FAILED
    assert "differs at z=" in proof.steps[4].method
    assert proof.verdict == FAILED and not proof.ok


def test_a_wrong_closed_form_fails_the_sympy_diff_check():
    d2 = derivations.get("bce_logit_gradient")
    p = Symbol("p", real=True)
    steps = (*d2.steps[:-1], Step(p - sigmoid(Symbol("u", real=True)), rule="sign flipped"))
    broken = Derivation(d2.name, d2.title, d2.source, d2.domains, steps, d2.wrt)
    assert broken.proof.steps[-1].verdict == FAILED
    assert broken.proof.sympy_diff.verdict == FAILED


def test_a_true_step_sympy_cannot_close_is_numeric_only_never_proved():
    x = Symbol("x", positive=True)
    derivation = Derivation(
        name="arctan_identity",
        title="atan(x) + atan(1/x) = π/2",
        source="test",
        domains={x: Interval.open(0, oo)},
        steps=(Step(pi / 2 - atan(1 / x), lhs=atan(x), rule="reflection"),),
    )
    result = derivation.proof.steps[0]
    assert result.verdict == NUMERIC_ONLY
    assert "agrees to 40 digits" in result.method
    assert derivation.proof.verdict == NUMERIC_ONLY and derivation.proof.ok


def test_d1_does_not_use_the_derivative_rule_of_sigma(monkeypatch):
    def forbidden(self, argindex=1):
        raise AssertionError("D1 must derive σ' from the exp form, not from sigmoid.fdiff")

    clear_cache()  # SymPy caches derivatives: start from nothing computed with the rule
    monkeypatch.setattr(sigmoid, "fdiff", forbidden)
    proof = derivations.get("sigmoid_derivative").proof
    assert proof.verdict == PROVED
    clear_cache()


def test_the_derivative_rule_of_sigma_is_what_d1_proves(catalogue):
    closed = catalogue["sigmoid_derivative"].closed_form
    assert closed.lhs == Derivative(sigmoid(z), z)
    assert check_equal(diff(sigmoid(z), z), closed.rhs, {z: S.Reals}, seed=1).verdict == PROVED


def test_softplus_derivative_rule_and_exp_form():
    assert diff(softplus(z), z) == sigmoid(z)
    # softplus(z) = z + softplus(−z): the identity the stable forms rest on.
    check = check_equal(softplus(z), z + softplus(-z), {z: S.Reals}, seed=2)
    assert check.verdict == PROVED


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(UnknownDerivation) as caught:
        derivations.get("nonsense")
    message = str(caught.value)
    assert "'nonsense'" in message
    assert all(name in message for name in derivations.names())


coefficients = st.integers(min_value=-5, max_value=5)


@settings(max_examples=25, deadline=None)
@given(a=coefficients, b=coefficients)
def test_checker_proves_a_true_rewriting(a, b):
    # σ(z) = 1 − σ(−z): true for every a, b.
    left = a * sigmoid(z) + b
    right = a * (1 - sigmoid(-z)) + b
    assert check_equal(left, right, {z: S.Reals}, seed=a * 11 + b).verdict == PROVED


@settings(max_examples=25, deadline=None)
@given(a=coefficients, c=st.integers(min_value=1, max_value=7), k=st.integers(0, 3))
def test_checker_fails_any_perturbation(a, c, k):
    # Adding c·z^k/10^6 (c ≠ 0) to a true form must be caught numerically at 40 digits.
    left = a * sigmoid(z)
    right = a * (1 - sigmoid(-z)) + Integer(c) * z**k / 10**6
    assert check_equal(left, right, {z: S.Reals}, seed=c + 10 * k).verdict == FAILED
