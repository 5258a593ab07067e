"""The proof model: every registered derivation proves; wrong steps fail; numerics never prove."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy import (
    Add,
    Derivative,
    Function,
    Integer,
    Interval,
    Rational,
    S,
    Symbol,
    atan,
    diff,
    exp,
    log,
    oo,
    pi,
)
from sympy.core.cache import clear_cache

import derivations
from derivations import (
    FAILED,
    INCONCLUSIVE,
    NUMERIC_ONLY,
    PROVED,
    Check,
    Derivation,
    ExpressionError,
    Step,
    UnknownDerivation,
    Verdict,
)
from derivations.functions import sigmoid, softplus, to_exp_form
from derivations.proof import check_equal, worst
from derivations.proof._numeric import numeric_agreement

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


# Issue 8, item 8: a true identity whose terms cancel at size 10^323 (u = 6.5).
u, p = Symbol("u", real=True), Symbol("p", real=True)
CANCELLING = (u**2 - 1) ** 200 - (u - 1) ** 200 * (u + 1) ** 200  # = 0, exactly
BCE_DOMAINS = {u: S.Reals, p: Interval(0, 1)}
# On [5, 8] every point cancels terms of at least 24^200 ≈ 10^276: 250 digits never settle
# there, 1000 always do.
LARGE_U = {u: Interval(5, 8), p: Interval(0, 1)}


def test_a_true_identity_that_cancels_beyond_250_digits_is_not_failed():
    derivation = Derivation(
        name="cancelling",
        title="σ(u) − p + 0 = σ(u) − p",
        source="issue 8, item 8",
        domains=BCE_DOMAINS,
        steps=(
            Step(sigmoid(u) - p + CANCELLING, lhs=Symbol("G"), rule="definition"),
            Step(sigmoid(u) - p, rule="the polynomial terms cancel"),
        ),
    )
    step = derivation.proof.steps[1]
    assert step.verdict == PROVED, step.method
    # Where every point needs more than 250 digits, the 1000-digit evaluations agree.
    sides = (to_exp_form(sigmoid(u) - p + CANCELLING), to_exp_form(sigmoid(u) - p))
    numeric = numeric_agreement(*sides, LARGE_U, 7)
    assert numeric.verdict == NUMERIC_ONLY, numeric


def test_a_difference_hidden_under_the_cancellation_still_fails():
    check = check_equal(
        sigmoid(u) - p + CANCELLING + Rational(1, 10**30), sigmoid(u) - p, LARGE_U, 7
    )
    assert check.verdict == FAILED
    assert "differs at " in check.method and "(difference 1.0e-30)" in check.method


# Ten cancellations of terms of size >= 24^60 ≈ 10^83 on [5, 8]: with 45 and 50 digits the
# values never settle, except where all ten happen to round alike (rare: tried below).
UNSETTLED = Add(*[(u**2 - 1) ** k - (u - 1) ** k * (u + 1) ** k for k in range(60, 70)])


def test_an_evaluation_that_never_settles_is_inconclusive_never_failed(monkeypatch):
    monkeypatch.setattr("derivations.proof._numeric.PRECISIONS", (45, 50))  # a small budget
    for extra in (0, Rational(1, 10**30)):  # true, and false: no evidence either way
        check = check_equal(sigmoid(u) - p + UNSETTLED + extra, sigmoid(u) - p, LARGE_U, 7)
        assert check.verdict == INCONCLUSIVE, check
        assert "did not settle within 50 digits" in check.method
    steps = (
        Step(sigmoid(u) - p + UNSETTLED, lhs=Symbol("G"), rule="definition"),
        Step(sigmoid(u) - p, rule="the polynomial terms cancel"),
    )
    derivation = Derivation("unsettled", "G = σ(u) − p", "test", LARGE_U, steps)
    assert derivation.proof.verdict == INCONCLUSIVE and not derivation.proof.ok
    from bce_check.render import render

    for fmt in ("text", "markdown", "latex", "json"):
        assert "inconclusive" in render([derivation], fmt, as_list=False), fmt


def test_verdicts_are_strings_and_worst_orders_them():
    assert PROVED == "proved" and NUMERIC_ONLY == "numeric-only" and FAILED == "failed"
    assert isinstance(PROVED, Verdict) and json.dumps([NUMERIC_ONLY]) == '["numeric-only"]'
    assert f"{INCONCLUSIVE}" == "inconclusive"
    assert worst([PROVED, NUMERIC_ONLY, INCONCLUSIVE, FAILED, PROVED]) == FAILED
    assert worst(["proved", "numeric-only"]) == NUMERIC_ONLY
    assert worst([PROVED, INCONCLUSIVE, NUMERIC_ONLY]) == INCONCLUSIVE
    first, second = Check(NUMERIC_ONLY, "a"), Check(NUMERIC_ONLY, "b")
    assert worst([Check(PROVED, "x"), first, second]) is first  # the first of the worst
    assert worst([]) is None
    assert [v.ok for v in Verdict] == [True, True, False, False]


def test_a_derivation_whose_first_step_names_no_subject_is_refused():
    with pytest.raises(ExpressionError, match=r"'no_subject'.*got Step\(z, lhs=None\)"):
        Derivation("no_subject", "t", "test", {z: S.Reals}, (Step(z, rule="definition"),))
    with pytest.raises(ExpressionError, match="got no steps"):
        Derivation("empty", "t", "test", {z: S.Reals}, ())


def test_a_symbol_without_a_domain_is_a_domain_error():
    with pytest.raises(derivations.DomainError, match="no domain declared for p"):
        check_equal(sigmoid(u) - p, sigmoid(u), {u: S.Reals}, 1)


def test_the_public_check_equal_dispatches_scalars_and_matrices():
    from sympy import MatrixSymbol

    from derivations import check_equal as public

    assert public(sigmoid(z), 1 - sigmoid(-z), {z: S.Reals}).verdict == PROVED
    n = Symbol("n", integer=True, positive=True)
    w = MatrixSymbol("w", n, 1)
    shapes = ({n: 2}, {n: 3})
    assert public(2 * w, w + w, {w: S.Reals}, shapes=shapes).verdict == PROVED
    wrong = public(2 * w, 3 * w, {w: S.Reals}, shapes=shapes)
    assert wrong.verdict == FAILED and "written out" not in wrong.method
    assert "at n = 2" in wrong.method


def test_the_public_check_equal_names_what_it_received():
    from derivations import check_equal as public

    with pytest.raises(ExpressionError, match="got str 'sigma\\(z\\)'"):
        public("sigma(z)", sigmoid(z), {z: S.Reals})
    with pytest.raises(derivations.DomainError, match="got list"):
        public(sigmoid(z), sigmoid(z), [z])


def _small_chain() -> Derivation:
    """L(u) = softplus(u) − pu = log(1 + eᵘ) − pu;  dL/du = d/du(log(1 + eᵘ) − pu) = σ(u) − p."""
    loss = Function("L")(u)
    written_out = log(1 + exp(u)) - p * u
    steps = (
        Step(softplus(u) - p * u, lhs=loss, rule="definition"),
        Step(written_out, rule="softplus written out"),
        Step(
            sigmoid(u) - p,
            lhs=Derivative(loss, u),
            via=(Derivative(written_out, u),),
            rule="differentiate",
        ),
    )
    return Derivation("small_chain", "dL/du = σ(u) − p", "test", BCE_DOMAINS, steps, wrt=(u,))


def test_the_checker_records_what_each_step_compared():
    derivation = _small_chain()
    loss, (first, second, third) = derivation.steps[0].lhs, derivation.proof.steps
    assert derivation.proof.verdict == PROVED
    assert first.members == (first.step.expr,)  # a name defined: nothing compared
    assert second.members == (first.step.expr, second.step.expr) and second.continued
    assert third.members == (Derivative(loss, u), *third.step.via, third.step.expr)
    assert not first.continued and not third.continued
    assert dict(first.known) == {}
    assert dict(third.known) == {loss: second.step.expr}  # L's latest form, before step 3


def test_the_view_and_the_coq_statements_read_the_checkers_results():
    from dataclasses import replace

    from bce_check.certify._statements import step_statements
    from bce_check.render import view

    def step_2(d: Derivation):
        stated = next(s for s in step_statements(d) if s.name == "small_chain_step_2")
        return stated.left, stated.right

    derivation = _small_chain()
    proof = derivation.proof
    assert [r.continued for r in view(derivation).steps] == [False, True, False]
    assert step_2(derivation) == proof.steps[1].members  # softplus(u) − pu = log(1 + eᵘ) − pu
    planted = replace(proof.steps[1], members=(sigmoid(u), 1 - sigmoid(-u)), continued=False)
    derivation.__dict__["proof"] = replace(proof, steps=(proof.steps[0], planted, proof.steps[2]))
    assert [r.continued for r in view(derivation).steps] == [False, False, False]
    assert step_2(derivation) == (sigmoid(u), 1 - sigmoid(-u))
