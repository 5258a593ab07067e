"""The numeric harness: wrong closed forms fail on every seed, equivalent ones pass on every seed.

The mutants are the mistakes people make; the equivalent forms are right answers written
another way, some of which lose relative accuracy where the true value is tiny (σ(1 − σ)
is 0 at z = 40, where the truth is 4.2e-18): the tolerance model must let those through
(their absolute error is below 16·ε·scale) and still catch a relative error of 1e-6.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from bce_check import check_gradient, domains
from bce_check.check import ULP_BUDGET, run
from bce_check.verify import problem
from derivations import DomainError

SEEDS = range(20)
SAMPLES = 20_000  # per seed: ~3,000 points with |u| >= 700, ~2,000 tiny, ~1,000 exact zeros
s = jax.nn.sigmoid


def clipped(x):
    return jnp.clip(x, -30.0, 30.0)


WRONG = {
    "sigmoid_derivative": {
        "sign flipped": lambda z: -s(z) * (1 - s(z)),
        "missing factor 1 - σ": lambda z: s(z),
        "relative error 1e-6": lambda z: s(z) * s(-z) * (1 + 1e-6),
        "wrong only for |z| > 30 (clipped)": lambda z: s(clipped(z)) * s(-clipped(z)),
        "NaN at extreme inputs": lambda z: jnp.exp(-z) / (1 + jnp.exp(-z)) ** 2,
        "σ(1 + σ) for σ(1 - σ)": lambda z: s(z) * (1 + s(z)),
    },
    "bce_logit_gradient": {
        "sign flipped": lambda u, p: p - s(u),
        "missing the label": lambda u, p: s(u),
        "relative error 1e-6": lambda u, p: (s(u) - p) * (1 + 1e-6),
        "wrong only for |u| > 30 (clipped)": lambda u, p: s(clipped(u)) - p,
        "NaN at extreme inputs": lambda u, p: jnp.exp(u) / (1 + jnp.exp(u)) - p,
        "σ' for σ": lambda u, p: s(u) * (1 - s(u)) - p,
    },
}
EQUIVALENT = {
    "sigmoid_derivative": {
        "σ(z)(1 - σ(z)) as written": lambda z: s(z) * (1 - s(z)),
        "1/(4 cosh²(z/2))": lambda z: 1 / (4 * jnp.cosh(z / 2) ** 2),
    },
    "bce_logit_gradient": {
        "(1 + tanh(u/2))/2 - p": lambda u, p: (1 + jnp.tanh(u / 2)) / 2 - p,
        "σ(u) - p with jax.nn.sigmoid": lambda u, p: s(u) - p,
    },
}


def _with(name: str, grad):
    return dataclasses.replace(problem(name), grad=grad)


@pytest.mark.parametrize(("name", "mistake"), [(n, m) for n, forms in WRONG.items() for m in forms])
def test_every_wrong_form_fails_on_every_seed(name, mistake):
    checked = _with(name, WRONG[name][mistake])
    passed = [seed for seed in SEEDS if run(checked, SAMPLES, seed).ok]
    assert passed == [], f"{name}: '{mistake}' passed on seeds {passed}"


@pytest.mark.parametrize(
    ("name", "form"), [(n, f) for n, forms in EQUIVALENT.items() for f in forms]
)
def test_every_equivalent_form_passes_on_every_seed(name, form):
    checked = _with(name, EQUIVALENT[name][form])
    failed = {seed: str(r) for seed in SEEDS if not (r := run(checked, SAMPLES, seed)).ok}
    assert failed == {}, f"{name}: '{form}' failed:\n" + "\n".join(failed.values())


@pytest.mark.parametrize("name", list(WRONG))
def test_the_emitted_closed_form_passes_in_both_dtypes(name):
    for dtype in ("float64", "float32"):
        report = run(problem(name), SAMPLES, seed=3, dtype=dtype)
        assert report.ok, str(report)
        assert [r.reference for r in report.results] == [
            "jax.grad",
            "jax.jvp",
            "finite-difference",
            "complex-step",
            "oracle",
        ]
        references = [r for r in report.results if r.reference != "oracle"]
        assert all(r.points > 0.9 * SAMPLES for r in references)


def test_same_seed_same_report_and_seeds_differ():
    first = run(problem("bce_logit_gradient"), 5_000, seed=11).to_dict()
    again = run(problem("bce_logit_gradient"), 5_000, seed=11).to_dict()
    other = run(problem("bce_logit_gradient"), 5_000, seed=12).to_dict()
    assert first == again
    assert first["results"][2]["worst_input"] != other["results"][2]["worst_input"]


def test_a_wrong_form_reports_where_it_is_worst():
    report = run(
        _with(
            "bce_logit_gradient", WRONG["bce_logit_gradient"]["wrong only for |u| > 30 (clipped)"]
        ),
        SAMPLES,
        0,
    )
    worst = report.results[0]
    assert worst.verdict == "fail" and abs(worst.worst_input["u"]) > 30
    # σ(30) = 1 - 9.4e-14: the error is that far above the 16·ε·(|r| + 1) tolerance
    assert worst.max_error > 10 * ULP_BUDGET * np.finfo(np.float64).eps


def _bce(u, p):
    return p * jax.nn.softplus(-u) + (1 - p) * jax.nn.softplus(u)


BCE_DOMAINS = {"u": domains.logits(), "p": domains.labels()}


def test_public_checker_on_a_users_own_gradient():
    report = check_gradient(
        _bce, lambda u, p: s(u) - p, BCE_DOMAINS, wrt="u", samples=10_000, seed=0, dtype="float64"
    )
    assert report.ok
    by_reference = {r.reference: r for r in report.results}
    assert by_reference["jax.grad"].points == 10_000
    # softplus is logaddexp (max, abs inside): complex step must be skipped, and say why
    assert by_reference["complex-step"].verdict == "skipped"
    assert "not analytic" in report.results[-1].note and "max" in report.results[-1].note
    assert set(report.to_dict()) == {"verdict", "results", "oracle"}


def test_public_checker_runs_complex_step_on_an_analytic_function():
    def f(u, p):
        return -p * jnp.log(s(u)) - (1 - p) * jnp.log(s(-u))

    report = check_gradient(
        f,
        lambda u, p: s(u) - p,
        {"u": domains.logits(max_magnitude=30.0), "p": domains.labels()},
        wrt="u",
        samples=5_000,
    )
    complex_step = next(r for r in report.results if r.reference == "complex-step")
    assert complex_step.verdict == "pass" and complex_step.points == 5_000


def test_gradient_with_respect_to_the_label():
    report = check_gradient(_bce, lambda u, p: -u, BCE_DOMAINS, wrt="p", samples=5_000)
    assert report.ok, str(report)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dtype": "float16"}, "dtype 'float16' is not supported"),
        ({"wrt": "v"}, "wrt='v' is not one of the arguments u, p"),
        ({"samples": 0}, "samples must be a whole number"),
        ({"seed": -1}, "seed must be a whole number"),
        ({"grad": lambda u, p: jnp.stack([u, p])}, "grad returns shape (2,)"),
        ({"f": lambda u, p: u + undefined_name}, "jax.grad of f failed"),  # noqa: F821
        ({"domains": {"u": "logits", "p": domains.labels()}}, "is 'logits', not a sampler"),
    ],
)
def test_bad_input_is_a_clear_domain_error(kwargs, message):
    arguments = {
        "f": _bce,
        "grad": lambda u, p: s(u) - p,
        "domains": BCE_DOMAINS,
        "wrt": "u",
        "samples": 100,
    } | kwargs
    with pytest.raises(DomainError) as caught:
        check_gradient(**arguments)
    assert message in str(caught.value)


def test_assert_gradient_matches_raises_with_a_readable_report():
    from bce_check.testing import assert_gradient_matches

    assert assert_gradient_matches(_bce, lambda u, p: s(u) - p, BCE_DOMAINS, "u", 2_000).ok
    with pytest.raises(AssertionError) as caught:
        assert_gradient_matches(_bce, lambda u, p: p - s(u), BCE_DOMAINS, "u", 2_000)
    message = str(caught.value)
    assert "grad does not match" in message and "jax.grad" in message and "fail" in message


FAILING_TESTS = {  # a tiny failing test per helper, for pytest to report
    "assert_gradient_matches": """
import jax.numpy as jnp
from bce_check import domains
from bce_check.testing import assert_gradient_matches


def test_wrong_gradient():
    f = lambda u: jnp.logaddexp(0.0, u)
    assert_gradient_matches(f, lambda u: -f(u), {"u": domains.interval(-5, 5)}, "u", 500)
""",
    "assert_autodiff_matches": """
import jax, jax.numpy as jnp
from bce_check import domains
from bce_check.testing import assert_autodiff_matches


@jax.custom_jvp
def softplus(x):
    return jnp.logaddexp(x, 0.0)


@softplus.defjvp
def _jvp(primals, tangents):  # wrong everywhere: -σ(x)
    (x,), (t,) = primals, tangents
    return softplus(x), -jax.nn.sigmoid(x) * t


def test_wrong_derivative():
    assert_autodiff_matches(softplus, {"x": domains.interval(-5, 5)}, samples=500)
""",
}


@pytest.mark.parametrize("helper", sorted(FAILING_TESTS))
def test_pytest_shows_the_report_not_the_helper(helper, tmp_path):
    (tmp_path / "test_wrong.py").write_text(FAILING_TESTS[helper])
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-o", "addopts=", "-p", "no:cacheprovider", "-q",
         str(tmp_path / "test_wrong.py")],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )  # fmt: skip
    out = done.stdout
    assert done.returncode == 1, out
    assert "does not match" in out
    assert "reference" in out and "max error" in out and "verdict: fail" in out  # the table
    assert "Sampler(" not in out
    assert "report = check_" not in out and "raise AssertionError" not in out


def test_f_is_traced_a_bounded_number_of_times_per_check():
    # every trace of f is compile time a user pays: today a first check traces it 8 times
    # (its derivative's shape, the complex-step plan, autodiff's trust, the reference stage,
    # ρ's programs, the oracle's jaxpr); a second check of the same f reuses all but 2
    import jax
    import jax.numpy as jnp

    from bce_check import check_gradient, domains

    traces = []

    def f(u, p):
        traces.append(1)
        return jnp.logaddexp(0.0, u) - p * u

    spec = {"u": domains.logits(), "p": domains.labels()}
    check_gradient(f, lambda u, p: jax.nn.sigmoid(u) - p, spec, wrt="u", samples=2_000)
    first = len(traces)
    check_gradient(f, lambda u, p: jax.nn.sigmoid(u) - p, spec, wrt="u", samples=2_000)
    assert first <= 8 and len(traces) - first <= 2
