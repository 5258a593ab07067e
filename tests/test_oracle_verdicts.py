"""The oracle settles what the float references cannot: false passes and false failures
that the screen alone gave, each reproduced as a user met it."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import pytest

from bce_check import check_gradient, domains
from bce_check.check.tolerance import ORACLE_POINTS

ON = {"oracle_points": ORACLE_POINTS}  # the oracle on (off by default for now)

SAMPLES = 20_000  # enough: each planted error touches thousands of these points


def interval(lo: float, hi: float):
    return domains.sampler(("interval", lo, hi, False, False))


def _poisson(u, y):
    return jnp.exp(u) - y * u


POISSON = {"u": interval(-30.0, 30.0), "y": interval(0.0, 100.0)}


@pytest.mark.parametrize(
    "wrong",
    [
        lambda u, y: jnp.exp(u) - y * (1 - 1e-4),  # off by 1e-4·y everywhere
        lambda u, y: (jnp.exp(u) - y) * jnp.where(u < 0, 1 + 1e-5, 1.0),  # 1e-5, u < 0 only
    ],
    ids=["y-off-by-1e-4", "relative-1e-5-below-0"],
)
def test_an_error_small_beside_the_largest_gradient_fails(wrong):
    # the gradient spans e^-30 … e^30: a scale from its largest value hid both errors
    report = check_gradient(_poisson, wrong, POISSON, wrt="u", samples=SAMPLES, **ON)
    assert not report.ok
    assert report.to_dict()["oracle"]["failed"] > 0 or any(
        r.verdict == "fail" for r in report.results if r.reference == "jax.grad"
    )


def test_the_right_poisson_gradient_passes():
    report = check_gradient(_poisson, lambda u, y: jnp.exp(u) - y, POISSON, wrt="u",
                            samples=SAMPLES, **ON)
    assert report.ok, str(report)


def _naive_gce(u, p, q):
    s = jax.nn.sigmoid(u)
    return p * (1 - s**q) / q + (1 - p) * (1 - (1 - s) ** q) / q


def _gce_gradient(u, p, q):
    s = jax.nn.sigmoid(u)
    return (1 - p) * (1 - s) ** q * s - p * s**q * (1 - s)


def test_a_right_gradient_of_a_naive_jax_nn_loss_passes():
    # jax.nn.sigmoid has a custom_jvp, so no float reference was excused where f itself
    # loses accuracy; the oracle differentiates f's formula and sides with the candidate
    # the user's case, u = −665.079, p = 1, q = 5.4e-7, is inside [−700, 30]; outside, this
    # candidate is itself inaccurate and rightly fails: above u ≈ 37, 1 − σ(u) rounds to 0
    # and (1 − σ(u))^q is 0 where the truth is about e^(−q·u); below u ≈ −745 σ(u)
    # underflows likewise (the emitted form, exp(−q·softplus(∓u)), does neither)
    q = domains.sampler(("interval", 1e-6, 1.0, True, False))
    spec = {"u": interval(-700.0, 30.0), "p": domains.labels(), "q": q}
    report = check_gradient(_naive_gce, _gce_gradient, spec, wrt="u", samples=SAMPLES, **ON)
    assert report.ok, str(report)
    assert report.to_dict()["oracle"]["judged"] > 0


KINKS = [
    (lambda u: jnp.abs(u) + jax.nn.softplus(u), lambda u: jnp.sign(u) + jax.nn.sigmoid(u)),
    (lambda u: 0.1 * jnp.abs(u) + jax.nn.softplus(u) - 0.3 * u,
     lambda u: 0.1 * jnp.sign(u) + jax.nn.sigmoid(u) - 0.3),
    (lambda u: jax.nn.relu(u) - 0.3 * u, lambda u: jnp.where(u >= 0, 1.0, 0.0) - 0.3),
]


@pytest.mark.parametrize("f, grad", KINKS, ids=["abs+softplus", "l1-bce", "relu"])
def test_a_subgradient_at_a_kink_passes(f, grad):
    report = check_gradient(f, grad, {"u": domains.logits()}, wrt="u", samples=SAMPLES, **ON)
    oracle = report.to_dict()["oracle"]
    assert report.ok, str(report)
    assert oracle["kinks"] > 0 and oracle["kink_example"] == {"u": 0.0}


def test_a_value_outside_the_one_sided_derivatives_fails_at_the_kink():
    def outside(u):  # right away from 0; 2 at u = 0, outside [σ(0) − 1, σ(0) + 1]
        return jnp.where(u == 0, 2.0, jnp.sign(u) + jax.nn.sigmoid(u))

    report = check_gradient(KINKS[0][0], outside, {"u": domains.logits()}, wrt="u",
                            samples=SAMPLES, **ON)
    assert not report.ok
    oracle = next(r for r in report.results if r.reference == "oracle")
    assert oracle.verdict == "fail" and oracle.worst_input == {"u": 0.0}


def test_a_check_leaves_jax_x64_as_it_was():
    before = jax.config.jax_enable_x64
    for dtype in ("float32", "float64"):
        check_gradient(_poisson, lambda u, y: jnp.exp(u) - y, POISSON, wrt="u",
                       samples=2_000, dtype=dtype)
        assert jax.config.jax_enable_x64 == before
    with pytest.raises(Exception):  # noqa: B017 - any failure: the setting must be restored
        check_gradient(_poisson, lambda u: u, POISSON, wrt="u", samples=2_000)
    assert jax.config.jax_enable_x64 == before


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_verify_and_check_autodiff_leave_jax_x64_as_they_found_it(dtype):
    from bce_check import check_autodiff
    from bce_check.verify import verify

    for setting in (False, True):
        jax.config.update("jax_enable_x64", setting)
        try:
            assert verify("bce_logit_gradient", samples=2_000, dtype=dtype).ok
            check_autodiff(jax.nn.softplus, {"x": domains.logits()}, samples=500,
                           oracle_points=64, dtype=dtype)
            assert jax.config.jax_enable_x64 is setting
            assert jnp.ones(1).dtype == (jnp.float64 if setting else jnp.float32)
        finally:
            jax.config.update("jax_enable_x64", False)


def test_the_oracle_off_gives_no_oracle_row_and_says_why():
    report = check_gradient(_poisson, lambda u, y: jnp.exp(u) - y, POISSON, wrt="u",
                            samples=2_000, oracle_points=0)
    assert "oracle" not in [r.reference for r in report.results]
    assert report.to_dict()["oracle"]["available"] is False


GCE = "p·(1 - σ(u)^q)/q + (1 - p)·(1 - σ(-u)^q)/q"


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_generalized_cross_entropy_derives_emits_and_verifies(dtype, tmp_path):
    # it once passed while its emitted gradient was 0 at u = 800, p = 0, q = 1e-3 (truth
    # 0.4493): σ^q is now emitted as exp(−q·softplus(−u)), and the oracle judges it
    from bce_check.cli import main

    arguments = ["derive", GCE, "--wrt", "u", "--where", "p in [0, 1]", "--where",
                 "q in (0, 1]", "--emit", "jax", "-o", str(tmp_path / "gce.py"), "--verify",
                 "--samples", "20000", "--dtype", dtype, "--oracle-points", "4096"]
    assert main(arguments) == 0
    namespace: dict = {}
    exec((tmp_path / "gce.py").read_text(), namespace)  # our own emitted module
    with jax.enable_x64(True):
        at_800 = float(namespace["derived"](jnp.float64(800.0), 0.0, 1e-3))
    assert at_800 == pytest.approx(0.44932896411722158, rel=1e-12)
