"""check_autodiff: JAX's derivatives of library functions hold; planted rule bugs fail by mode.

Sample counts are small (the machine is shared); every planted bug is one the screen or
the audit reaches at these counts: exact 0 is 5% of logits(), |x| > 30 about a fifth.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import jax
import jax.numpy as jnp
import optax
import pytest

from bce_check import check_autodiff, domains
from bce_check.testing import assert_autodiff_matches

L = domains.logits()
SMALL = {"samples": 4000, "oracle_points": 384}  # quick, and enough to reach every bug


def _failed(report) -> set[str]:
    return {r.reference for r in report.failures()}


LIBRARY = {
    "softplus": (jax.nn.softplus, {"x": L}),
    "log_sigmoid": (jax.nn.log_sigmoid, {"x": L}),
    "sigmoid": (jax.nn.sigmoid, {"x": L}),
    "silu": (jax.nn.silu, {"x": L}),
    "gelu": (jax.nn.gelu, {"x": L}),
    "bce": (optax.sigmoid_binary_cross_entropy, {"logits": L, "labels": domains.labels()}),
    "focal": (optax.sigmoid_focal_loss, {"logits": L, "labels": domains.labels()}),
}
FOUND = {  # what the check found (seed 0, SMALL): kept asserted, never hidden
    ("gelu", 2): "vmap: jax.vmap(fwd-over-rev) differs from per-point by > 16 ulp near "
    "x = -6.58 (-3.05862e-11 vs -3.05874e-11): XLA's batched tanh rounds otherwise",
    ("focal", 2): "fwd-over-rev, rev-over-rev fail at logits = -32.99, labels = 1 "
    "(candidate -2.83745e-13, outside 16 ulp + ρ_c of the truth); vmap(hvp) ~24 ulp off "
    "per-point at logits = -3.05, labels = 0.888",
}
FOUND_MODES = {("gelu", 2): {"vmap"}, ("focal", 2): {"fwd-over-rev", "rev-over-rev", "vmap"}}


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("name", sorted(LIBRARY))
def test_library_functions_hold(name: str, order: int) -> None:
    f, dom = LIBRARY[name]
    report = check_autodiff(f, dom, order=order, **SMALL)
    if (name, order) in FOUND and not report.ok:  # which points show it depends on the
        assert _failed(report) <= FOUND_MODES[name, order], str(report)  # sample drawn
        pytest.xfail(FOUND[name, order])
    assert report.ok, str(report)
    modes = {r.reference for r in report.results} - {"vmap"}
    assert modes == ({"rev", "fwd"} if order == 1 else {"fwd-over-rev", "rev-over-rev", "hvp"})


@pytest.mark.parametrize("order", [1, 2])
def test_logsumexp_of_a_vector_holds(order: int) -> None:
    lse = jax.scipy.special.logsumexp
    budget = {"samples": 2000, "oracle_points": 384 if order == 1 else 48}  # order 2: 20 dirs
    report = check_autodiff(lse, {"a": domains.logits(50.0).with_shape(4)}, order=order, **budget)
    assert report.ok, str(report)


@jax.custom_jvp
def softplus_zero(x):
    return jnp.logaddexp(x, 0.0)


@softplus_zero.defjvp
def _softplus_zero_jvp(primals, tangents):  # wrong at x = 0 only: 0 for σ(0) = 1/2
    (x,), (t,) = primals, tangents
    return softplus_zero(x), jnp.where(x == 0, 0.0, jax.nn.sigmoid(x)) * t


@jax.custom_vjp
def log_sigmoid_far(x):
    return -jnp.logaddexp(0.0, -x)


def _lsf_fwd(x):
    return log_sigmoid_far(x), x


def _lsf_bwd(x, g):  # σ(−x) ≈ 1 for x < −30: the rule says 1/2 there
    return (g * jnp.where(x < -30, 0.5, jax.nn.sigmoid(-x)),)


log_sigmoid_far.defvjp(_lsf_fwd, _lsf_bwd)


@jax.custom_jvp
def sigmoid_nan(x):
    return jax.nn.sigmoid(x)


@sigmoid_nan.defjvp
def _sigmoid_nan_jvp(primals, tangents):  # NaN where saturated, |x| > 50
    (x,), (t,) = primals, tangents
    s = jax.nn.sigmoid(x)
    return s, jnp.where(jnp.abs(x) > 50, jnp.nan, s * (1 - s)) * t


@jax.custom_jvp
def bilinear(z):
    return z[0] * z[1] + z[0] ** 2 / 2


@bilinear.defjvp
def _bilinear_jvp(primals, tangents):  # ∂f/∂z0 = z1 + z0 in value, but ∂/∂z1 of it is −1
    (z,), (t,) = primals, tangents
    g0 = 2 * jax.lax.stop_gradient(z[1]) - z[1] + z[0]
    return bilinear(z), g0 * t[0] + z[0] * t[1]


def test_a_rule_wrong_at_zero_only_fails_rev_and_fwd() -> None:
    report = check_autodiff(softplus_zero, {"x": L}, **SMALL)
    assert _failed(report) == {"rev", "fwd"}
    worst = next(r for r in report.failures() if r.reference == "rev").worst_input
    assert worst["x"] == 0.0 and worst["candidate"] == 0.0 and worst["truth"] == 0.5


def test_a_vjp_rule_wrong_below_minus_30_fails_rev() -> None:
    report = check_autodiff(log_sigmoid_far, {"x": L}, **SMALL)
    assert _failed(report) == {"rev"}
    worst = report.failures()[0].worst_input
    assert worst["x"] < -30 and worst["candidate"] == 0.5 and worst["truth"] == 1.0
    fwd = next(r for r in report.results if r.reference == "fwd")
    assert fwd.verdict == "skipped" and "custom_vjp" in fwd.note


def test_a_rule_returning_nan_when_saturated_fails() -> None:
    report = check_autodiff(sigmoid_nan, {"x": L}, **SMALL)
    assert {"rev", "fwd"} <= _failed(report)
    worst = report.failures()[0].worst_input
    assert abs(worst["x"]) > 50 and worst["candidate"] != worst["candidate"]  # NaN


def test_a_sign_wrong_in_one_hessian_entry_fails_order_2_only() -> None:
    dom = {"z": domains.logits(10.0).with_shape(2)}
    assert check_autodiff(bilinear, dom, **SMALL).ok
    report = check_autodiff(bilinear, dom, order=2, **SMALL)
    assert {"fwd-over-rev", "rev-over-rev"} <= _failed(report) - {"vmap"}
    worst = next(r for r in report.failures() if r.reference == "rev-over-rev").worst_input
    assert worst["candidate"][0][1] == -worst["truth"][0][1] == -1.0


@pytest.mark.parametrize("f", [jax.nn.relu, jnp.abs], ids=["relu", "abs"])
def test_a_kink_passes_with_a_subgradient(f) -> None:
    report = check_autodiff(f, {"x": L}, **SMALL)
    assert report.ok, str(report)
    assert all("0 at a kink" not in r.note for r in report.results if r.reference == "rev")


def test_wrt_names_each_argument_and_bad_input_is_refused() -> None:
    report = check_autodiff(optax.sigmoid_binary_cross_entropy,
                            {"logits": L, "labels": domains.labels()},
                            wrt=("logits", "labels"), **SMALL)  # fmt: skip
    assert report.ok and {r.name for r in report.results} == {
        "sigmoid_binary_cross_entropy ∂/∂logits", "sigmoid_binary_cross_entropy ∂/∂labels"}
    with pytest.raises(ValueError, match="wrt"):
        check_autodiff(jax.nn.softplus, {"x": L}, wrt="y")
    with pytest.raises(ValueError, match="order"):
        check_autodiff(jax.nn.softplus, {"x": L}, order=3)


def test_assert_autodiff_matches_raises_with_the_report() -> None:
    assert_autodiff_matches(jax.nn.softplus, {"x": L}, **SMALL)
    with pytest.raises(AssertionError, match=r"rev.*\n\n.*reference"):
        assert_autodiff_matches(softplus_zero, {"x": L}, **SMALL)


USER = textwrap.dedent("""
    import jax, jax.numpy as jnp

    def good(u, p):
        return jnp.logaddexp(0.0, u) - p * u

    @jax.custom_jvp
    def bad(u):
        return jnp.logaddexp(u, 0.0)

    @bad.defjvp
    def _(primals, tangents):
        (u,), (t,) = primals, tangents
        return bad(u), jnp.where(u == 0, 0.0, jax.nn.sigmoid(u)) * t
""")


def _cli(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "bce_check.cli", "autodiff", *args, "--samples", "2000"]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def test_cli_exit_codes_on_a_file_outside_the_repository(tmp_path) -> None:
    path = tmp_path / "losses.py"
    path.write_text(USER)
    ok = _cli(f"{path}:good", "--where", "u real", "--where", "p in [0, 1]", "--json")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["verdict"] == "pass"
    bad = _cli(f"{path}:bad", "--where", "u real")
    assert bad.returncode == 1 and "rev" in bad.stdout and "fail" in bad.stdout
    for args in ([f"{path}:missing", "--where", "u real"], [f"{path}:good", "--where", "u real"],
                 [f"{path}:good", "--where", "u whatever", "--where", "p in [0, 1]"]):
        refused = _cli(*args)
        assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
        assert "Traceback" not in refused.stderr


def test_the_focal_hessian_finding_holds_at_its_input():
    # what check_autodiff found in optax.sigmoid_focal_loss: JAX's fwd-over-rev Hessian at
    # logits = −32.99, labels = 1 is −2.8455e-13 where the truth (the formula at high
    # precision) is −2.8695e-13, 0.8 % off: an absolute error of 2.4e-15, about 11 ε,
    # from terms of size 1 that the second derivative cancels
    import numpy as np
    import optax

    from bce_check.check.oracle import jaxpr_oracle

    with jax.enable_x64(True):
        hessian = float(jax.jacfwd(jax.jacrev(optax.sigmoid_focal_loss))(-32.99, 1.0))
        oracle = jaxpr_oracle(optax.sigmoid_focal_loss, [(), ()], 0, order=2)
        truth = oracle.derivative([np.array([-32.99]), np.array([1.0])]).truth()[0]
    assert truth == pytest.approx(-2.8695411831196e-13, rel=1e-12)
    assert abs(hessian - truth) / abs(truth) > 1e-3
