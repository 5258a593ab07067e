"""The reproducers of issue 8 (items 1-7 and 9): each behaves as the issue says it must.

Item 8 (the proof engine's numeric convergence) is tested with the proof engine.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from bce_check import check_gradient, domains
from bce_check.report import Verdict
from bce_check.testing import assert_gradient_matches
from derivations import DomainError

s, sp = jax.nn.sigmoid, jax.nn.softplus
BCE_DOMAINS = {"u": domains.logits(), "p": domains.labels()}


def _bce(u, p):
    return p * sp(-u) + (1 - p) * sp(u)


def test_a_reference_less_accurate_than_the_candidate_does_not_fail_it():
    # jax.grad of logaddexp(0, u) − p·u is exp(u − logaddexp(0, u)): its argument carries
    # the rounding of a number of size u, 3.5e-15 at u = 32.17 (seeds 2 and 3 hit it)
    def f(u, p):
        return jnp.logaddexp(0.0, u) - p * u

    def g(u, p):
        return 0.5 * (1 + jnp.tanh(u / 2)) - p

    for seed in (2, 3):
        report = check_gradient(f, g, BCE_DOMAINS, wrt="u", samples=100_000, seed=seed)
        assert report.ok, str(report)
    # and a form wrong only for |u| > 30 is still caught (where u < -30, jax.grad of this
    # f is exact to a few ulp; for u > 30 its own rounding, ε·u, can hide an error of 1e-13)
    clipped = check_gradient(
        f, lambda u, p: s(jnp.clip(u, -30, 30)) - p, BCE_DOMAINS, "u", 20_000, seed=2
    )
    assert not clipped.ok
    assert abs(clipped.results[0].worst_input["u"]) > 30


def test_float32_is_judged_against_float64_references():
    from bce_check.verify import verify_many

    report = verify_many(
        ["softmax_cross_entropy", "logistic_regression_gradient"], 1_000, seed=0, dtype="float32"
    )
    assert report.ok, str(report)


def test_a_check_where_every_reference_drops_every_point_is_not_a_pass():
    def f(u, p):
        return jnp.nan * u

    def g(u, p):
        return 42.0 + 0 * u

    report = check_gradient(f, g, BCE_DOMAINS, wrt="u", samples=2_000)
    assert not report.ok and report.verdict == Verdict.INCONCLUSIVE
    references = [r for r in report.results if r.reference != "oracle"]
    assert all(r.points == 0 and r.nonfinite == 2_000 for r in references)
    assert report.oracle[0]["undefined"] == 2_000  # the truth is NaN too: nothing decided
    assert "compared 0 of 2,000" in report.results[0].note
    assert report.to_dict()["verdict"] == "inconclusive"
    with pytest.raises(AssertionError, match="inconclusive"):
        assert_gradient_matches(f, g, BCE_DOMAINS, "u", 2_000)


def test_non_finite_reference_points_are_counted_and_too_many_are_inconclusive():
    def f(u, p):  # f and its gradient are NaN for u < -1: about 40 % of logits
        return _bce(u, p) + 0 * jnp.sqrt(u + 1)

    report = check_gradient(f, lambda u, p: s(u) - p, BCE_DOMAINS, "u", 4_000)
    grad = report.results[0]
    assert grad.nonfinite > 0 and grad.points + grad.nonfinite == grad.sampled == 4_000
    assert report.to_dict()["results"][0]["nonfinite"] == grad.nonfinite
    assert grad.verdict == Verdict.PASS  # more than half compared, all agreed

    def mostly_nan(u, p):  # finite only for u > 30: about 12 % of logits
        return _bce(u, p) + 0 * jnp.sqrt(u - 30)

    # the oracle decides only where f is finite, so it cannot vouch for the check either
    report = check_gradient(mostly_nan, lambda u, p: s(u) - p, BCE_DOMAINS, "u", 1_000)
    assert {r.verdict for r in report.results} == {Verdict.INCONCLUSIVE, Verdict.SKIPPED}
    assert not report.ok
    assert report.oracle[0]["undefined"] > 0.5 * report.oracle[0]["judged"]


@pytest.mark.parametrize("scale", [float("inf"), 1e400, float("nan"), -1.0, 0.0, "big", True])
def test_scale_must_be_finite_and_positive(scale):
    with pytest.raises(DomainError, match="scale must be a finite number > 0") as caught:
        check_gradient(_bce, lambda u, p: s(u) - p + 0.3, BCE_DOMAINS, "u", 100, scale=scale)
    assert repr(scale) in str(caught.value)


def test_domains_are_matched_to_parameters_by_name():
    swapped = {"p": domains.labels(), "u": domains.logits()}
    report = check_gradient(_bce, lambda u, p: s(u) - p, swapped, "u", 2_000)
    assert report.ok, str(report)
    assert set(report.results[0].worst_input) == {"u", "p"}
    # a function without names takes them in the order given, and the report says so
    report = check_gradient(lambda *a: _bce(*a), lambda u, p: s(u) - p, BCE_DOMAINS, "u", 2_000)
    assert report.ok and any("by order" in n or "order given" in n for n in report.notes)
    with pytest.raises(DomainError, match=r"f's parameters are \(u, p\)"):
        check_gradient(_bce, lambda u, p: s(u) - p, {"x": domains.logits()}, "x", 100)


def _host_bce(u, p):
    with np.errstate(all="ignore"):
        return np.asarray(p * np.logaddexp(0, -u) + (1 - p) * np.logaddexp(0, u), u.dtype)


@jax.custom_jvp
def _callback_bce(u, p):
    shape = jax.ShapeDtypeStruct(jnp.shape(u), u.dtype)
    return jax.pure_callback(_host_bce, shape, u, p, vmap_method="broadcast_all")


@_callback_bce.defjvp
def _callback_bce_jvp(primals, tangents):
    (u, p), (du, dp) = primals, tangents
    return _callback_bce(u, p), (s(u) - p) * du + (sp(-u) - sp(u)) * dp


def test_host_callbacks_are_not_sent_complex_numbers():
    report = check_gradient(_callback_bce, lambda u, p: s(u) - p, BCE_DOMAINS, "u", 2_000)
    assert report.ok, str(report)
    complex_step = next(r for r in report.results if r.reference == "complex-step")
    assert complex_step.verdict == Verdict.SKIPPED and "pure_callback" in complex_step.note
    # finite differences go through the host function and still catch a wrong gradient
    wrong = check_gradient(_callback_bce, lambda u, p: s(u), BCE_DOMAINS, "u", 2_000)
    assert not wrong.ok


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: domains.features(-3), "features(scale) must be a number > 0"),
        (lambda: domains.nonzero(0), "nonzero(margin) must be a number > 0"),
        (lambda: domains.simplex(0), "simplex(size) takes sizes that are whole numbers"),
        (lambda: domains.logits().with_shape(0), "with_shape takes sizes"),
        (
            lambda: check_gradient(_bce, lambda u, p: u.astype(int), BCE_DOMAINS, "u", 100),
            "grad returns int",
        ),
        (lambda: check_gradient(_bce, _bce, BCE_DOMAINS, "u", 100, scale="big"), "'big'"),
    ],
)
def test_bad_input_is_a_domain_error_naming_the_value(call, message):
    with pytest.raises(DomainError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()


def test_numpy_integer_scalars_are_accepted():
    report = check_gradient(
        _bce, lambda u, p: s(u) - p, BCE_DOMAINS, "u", samples=np.int64(100), seed=np.uint32(1)
    )
    assert report.ok and report.samples == 100 and report.seed == 1


@pytest.mark.parametrize(
    "program",
    [
        jax.grad(lambda u: jnp.logaddexp(0.0, u) - 0.3 * u),
        lambda u: jnp.exp(u - jax.nn.logsumexp(jnp.stack([u, 2 * u, -u]))),
        lambda u: (jnp.exp(u) - 1) / u,
    ],
)
def test_the_running_bound_covers_a_programs_actual_rounding(program):
    # the same program in float32 and float64: the float64 value is the truth to ~1e-16,
    # and the float32 error must lie within ρ (computed by the float32 program itself)
    from bce_check.check import enable_x64
    from bce_check.check._rounding import running_error

    enable_x64()
    u = np.concatenate([np.linspace(-60, 60, 2001), np.geomspace(1e-6, 80, 500)])
    example = [jax.ShapeDtypeStruct((), "float32")]
    value, rho = jax.vmap(running_error(program, example))(jnp.asarray(u, "float32"))
    truth = jax.vmap(program)(jnp.asarray(u, "float32").astype("float64"))
    error = np.abs(np.asarray(value, "float64") - np.asarray(truth))
    finite = np.isfinite(error)
    assert np.all(error[finite] <= np.asarray(rho, "float64")[finite] + 1e-30)
    assert np.max(rho) > 0


def test_a_numpy_gradient_of_a_computed_input_is_checked():
    def host(half, p):  # σ(u) − p from u/2, on the host
        return np.asarray((1 + np.tanh(half)) / 2 - p, half.dtype)

    def grad(u, p):
        shape = jax.ShapeDtypeStruct(jnp.shape(u), u.dtype)
        return jax.pure_callback(host, shape, u / 2, p, vmap_method="broadcast_all")

    assert check_gradient(_bce, grad, BCE_DOMAINS, "u", 2_000).ok
    assert not check_gradient(_bce, lambda u, p: grad(u, p) * 1.001, BCE_DOMAINS, "u", 2_000).ok


# The oracle (f's formula at high precision) judges every point where a reference disagrees
# with the candidate: a reference that disagrees only where the truth sides with the
# candidate is inconclusive; with a custom derivative rule in f, jax.grad follows the rule
# and the numeric references (and the oracle, which ignores the rule) still fail it.


def test_finite_differences_of_an_inaccurate_f_do_not_fail_a_right_gradient(capsys):
    from bce_check.cli import main

    # log(1 + u²) as written: 1 + u² rounds to 1 for |u| < 1e-8, so finite differences of
    # f see a flat function there while the formula's derivative is 2u/(1 + u²)
    code = main(["derive", "log(1 + u^2)", "--wrt", "u", "--verify", "--samples", "20000"])
    out = capsys.readouterr().out
    assert code == 0, out
    fd = next(line for line in out.splitlines() if line.lstrip().startswith("finite-diff"))
    assert "inconclusive" in fd and "sided with the" in out and "candidate at each" in out
    assert "verdict: pass" in out


def test_a_wrong_custom_rule_is_still_caught_by_the_numeric_references():
    @jax.custom_jvp
    def f(u):
        return jnp.log(1 + u**2)

    @f.defjvp
    def f_jvp(primals, tangents):
        (u,), (t,) = primals, tangents
        return f(u), (2 * u / (1 + u**2) + 1e-3 * u) * t  # wrong by 1e-3·u

    def wrong(u):
        return 2 * u / (1 + u**2) + 1e-3 * u  # agrees with the wrong rule, so with jax.grad

    report = check_gradient(f, wrong, {"u": domains.logits()}, wrt="u", samples=4096, seed=0)
    verdicts = {r.reference: r.verdict for r in report.results}
    assert verdicts["jax.grad"] == Verdict.PASS  # autodiff uses the (wrong) custom rule
    assert verdicts["finite-difference"] == Verdict.FAIL and not report.ok


def test_float32_is_judged_within_its_own_range():
    # e^u overflows float32 past u ≈ 88.7 (the float64 truth is not representable there:
    # those points are not compared) and flushes to 0 below u ≈ -87.3 (an absolute error
    # under float32's smallest normal number, within the underflow term of the model)
    def f(u):
        return jnp.exp(u)

    domain = {"u": domains.logits()}
    size = {"scale": jnp.exp, "samples": 4096, "seed": 0, "dtype": "float32"}  # s(u) = e^u
    right = check_gradient(f, jnp.exp, domain, wrt="u", **size)
    assert right.ok, str(right)
    grad_row = next(r for r in right.results if r.reference == "jax.grad")
    assert grad_row.nonfinite > 0  # the points beyond float32's range, counted, not compared

    def wrong(u):
        return jnp.exp(u) * (1 + 1e-4)

    caught = check_gradient(f, wrong, domain, wrt="u", **size)
    assert not caught.ok
