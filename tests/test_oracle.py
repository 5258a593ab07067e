"""The oracle: rigorous enclosures of the true derivative, kinks, precision, front-ends."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import mpmath
import numpy as np
import optax
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from bce_check.check.oracle import (
    FAIL,
    PASS,
    UNRESOLVED,
    OracleUnavailable,
    jaxpr_oracle,
    sympy_oracle,
)

EPS = float(np.finfo(np.float64).eps)
REL = 16 * EPS
mpmath.mp.dps = 40


def _s(u):
    return 1 / (1 + mpmath.exp(-u))


def _col(*xs):
    return [np.array([float(x)]) for x in xs]


def _encloses(enc, truth, rel):
    lo, hi = enc.lo.reshape(-1)[0], enc.hi.reshape(-1)[0]
    t = float(truth)
    assert lo <= t <= hi, (lo, t, hi)
    assert hi - lo <= rel * abs(t) + 1e-300


def _judge(o, args, cand, rel=REL, absolute=0.0):
    return o.judge(args, np.array([cand], float), rel, np.array([absolute]))


def test_cancellation_log_one_minus_sigmoid_at_40():
    o = jaxpr_oracle(lambda u: jnp.log(1 - jax.nn.sigmoid(u)), [()], 0)
    enc = o.derivative(_col(40.0))
    _encloses(enc, -_s(40), 1e-15)
    with jax.enable_x64(True):
        g = float(jax.grad(lambda u: jnp.log(1 - jax.nn.sigmoid(u)))(40.0))
    assert _judge(o, _col(40.0), g).verdict[0] != PASS


def test_one_minus_sigmoid_at_800_is_tiny_and_enclosed():
    o = jaxpr_oracle(lambda u: 1 - jax.nn.sigmoid(u), [()], 0)
    enc = o.derivative(_col(800.0))
    truth = -_s(800) * _s(-800)
    lo, hi = mpmath.mpf(enc.lo[0]), mpmath.mpf(enc.hi[0])
    assert truth == 0 or lo <= truth <= hi  # float64 underflows: the enclosure is [-tiny, 0]
    assert enc.truth_finite[0]


def test_log_one_minus_sigmoid_at_800_needs_over_300_digits():
    """d/du log(1 − σ(u)) = −σ(u): 1 − σ(800) ≈ e⁻⁸⁰⁰ only separates from 0 at ~350 digits."""
    o = jaxpr_oracle(lambda u: jnp.log(1 - jax.nn.sigmoid(u)), [()], 0)
    enc = o.derivative(_col(800.0))
    _encloses(enc, -_s(800), 1e-10)
    assert enc.digits[0] > 300
    j30 = o.judge(_col(800.0), np.array([-1.0]), REL, np.zeros(1), max_digits=30)
    assert j30.verdict[0] == UNRESOLVED
    j = o.judge(_col(800.0), np.array([-1.0]), REL, np.zeros(1), max_digits=2000)
    assert j.verdict[0] == PASS and j.digits[0] > 300


def _gce(u, p, q):
    s = jax.nn.sigmoid(u)
    return p * (1 - s**q) / q + (1 - p) * (1 - (1 - s) ** q) / q


def _gce_stable(u, p, q):
    a, b = jax.nn.log_sigmoid(u), jax.nn.log_sigmoid(-u)
    return p * (-jnp.expm1(q * a)) / q + (1 - p) * (-jnp.expm1(q * b)) / q


def test_gce_naive_candidate_passes_and_autodiff_fails():
    u, p, q = -665.079, 1.0, 5.4e-7
    s = 1 / (1 + np.exp(-u))
    cand = (1 - p) * (1 - s) ** q * s - p * s**q * (1 - s)
    o = jaxpr_oracle(_gce, [(), (), ()], 0)
    args = _col(u, p, q)
    assert _judge(o, args, cand).verdict[0] == PASS
    with jax.enable_x64(True):
        g = float(jax.grad(_gce)(u, p, q))
    if abs(g - cand) > 1e-14:
        assert _judge(o, args, g).verdict[0] == FAIL


def test_gce_stable_at_800():
    o = jaxpr_oracle(_gce_stable, [(), (), ()], 0)
    args = _col(800.0, 0.0, 1e-3)
    truth = mpmath.diff(lambda u: -mpmath.expm1(mpmath.mpf("1e-3") * mpmath.log(_s(-u)))
                        / mpmath.mpf("1e-3"), 800)
    _encloses(o.derivative(args), truth, 1e-13)
    assert abs(float(truth) - 0.4493289641172216) < 1e-15
    assert _judge(o, args, 0.0).verdict[0] == FAIL


def test_abs_plus_softplus_kink():
    o = jaxpr_oracle(lambda u: jnp.abs(u) + jax.nn.softplus(u), [()], 0)
    j = _judge(o, _col(0.0), 0.5)
    assert j.verdict[0] == PASS and j.kink[0]
    assert (j.lo[0], j.hi[0]) == (-0.5, 1.5)
    assert _judge(o, _col(0.0), 2.0).verdict[0] == FAIL


@pytest.mark.parametrize(("cand", "verdict"), [(0.7, PASS), (-0.3, PASS), (1.2, FAIL)])
def test_relu_kink(cand, verdict):
    o = jaxpr_oracle(lambda u, p: jax.nn.relu(u) - p * u, [(), ()], 0)
    j = _judge(o, _col(0.0, 0.3), cand)
    assert j.verdict[0] == verdict and j.kink[0]


def test_relu_off_the_kink_is_exact():
    o = jaxpr_oracle(lambda u, p: jax.nn.relu(u) - p * u, [(), ()], 0)
    e = o.derivative(_col(0.5, 0.3))
    _encloses(e, 1 - mpmath.mpf(0.3), 1e-15)
    assert not e.kink[0]


def test_l1_plus_bce_kink():
    lam = 0.25
    o = jaxpr_oracle(lambda u, p: lam * jnp.abs(u) + optax.sigmoid_binary_cross_entropy(u, p),
                     [(), ()], 0)
    j = _judge(o, _col(0.0, 0.3), 0.5 - 0.3)
    assert j.kink[0] and j.verdict[0] == PASS
    assert (j.lo[0], j.hi[0]) == pytest.approx((0.2 - lam, 0.2 + lam), abs=1e-15)
    assert _judge(o, _col(0.0, 0.3), 0.2 + 2 * lam).verdict[0] == FAIL


def test_custom_jvp_rule_is_ignored():
    @jax.custom_jvp
    def sp_(x):
        return jnp.logaddexp(x, 0.0)

    sp_.defjvp(lambda primals, tangents: (sp_(primals[0]), 0.0 * tangents[0]))
    o = jaxpr_oracle(sp_, [()], 0)
    e = o.derivative(_col(0.0))
    assert e.lo[0] == e.hi[0] == 0.5
    with jax.enable_x64(True):
        g = float(jax.grad(sp_)(0.0))
    assert g == 0.0 and _judge(o, _col(0.0), g).verdict[0] == FAIL


def test_pure_callback_is_refused_at_construction():
    def f(x):
        y = jax.pure_callback(np.sin, jax.ShapeDtypeStruct((), jnp.float64), x)
        return x * y

    with pytest.raises(OracleUnavailable, match="pure_callback"):
        jaxpr_oracle(f, [()], 0)


def _mpd(f, x, n=1):
    """The n-th derivative at 400 digits (σ(700) = 1 − 1e-304 needs them)."""
    with mpmath.workdps(400):
        return mpmath.diff(f, mpmath.mpf(x), n)


_PRIMS = [
    ("add_mul_div", lambda u: (u + 2.0) * u / (3.0 - u), lambda u: (u + 2) * u / (3 - u)),
    ("sub_neg", lambda u: -(u - 5.0) * u, lambda u: -(u - 5) * u),
    ("integer_pow", lambda u: u**3 + u**-2, lambda u: u**3 + u**-2),
    ("pow", lambda u: jnp.power(u, 2.5) + jnp.power(1.5, u), lambda u: u**2.5 + 1.5**u),
    ("sqrt_rsqrt", lambda u: jnp.sqrt(u) + jax.lax.rsqrt(u), lambda u: mpmath.sqrt(u) + u**-0.5),
    ("exp_exp2_expm1", lambda u: jnp.exp(u) + jnp.exp2(u) + jnp.expm1(u),
     lambda u: mpmath.exp(u) + 2**u + mpmath.expm1(u)),
    ("log_log1p", lambda u: jnp.log(u) + jnp.log1p(u), lambda u: mpmath.log(u) + mpmath.log1p(u)),
    ("logistic_tanh", lambda u: jax.nn.sigmoid(u) * jnp.tanh(u), lambda u: _s(u) * mpmath.tanh(u)),
    ("erf_erfc", lambda u: jax.scipy.special.erf(u) + jax.scipy.special.erfc(2 * u),
     lambda u: mpmath.erf(u) + mpmath.erfc(2 * u)),
    ("lgamma_digamma", lambda u: jax.lax.lgamma(u) + jax.lax.digamma(u),
     lambda u: mpmath.loggamma(u) + mpmath.digamma(u)),
    ("sin_cos", lambda u: jnp.sin(u) * jnp.cos(3 * u), lambda u: mpmath.sin(u) * mpmath.cos(3 * u)),
    ("max_min_clamp", lambda u: jnp.maximum(u, 0.5) + jnp.minimum(u, 0.1) + jnp.clip(u, 0, 2),
     lambda u: max(u, 0.5) + min(u, 0.1) + min(max(u, 0), 2)),
    ("abs_sign_select", lambda u: jnp.abs(u - 1) * jnp.sign(u) + jnp.where(u > 1, u, u**2),
     lambda u: abs(u - 1) * mpmath.sign(u) + (u if u > 1 else u**2)),
    ("square_copy_stop", lambda u: jnp.square(u) + jax.lax.stop_gradient(u**3),
     lambda u: u**2 + u**3),
]


@pytest.mark.parametrize(("name", "f", "mf"), _PRIMS, ids=[p[0] for p in _PRIMS])
@pytest.mark.parametrize("x", [0.3, 1.7, 2.6])
def test_elementwise_primitives(name, f, mf, x):
    o = jaxpr_oracle(f, [()], 0)
    _encloses(o.derivative(_col(x)), _mpd(mf, x), 1e-12)


def _vec_fn(v):
    w = jnp.concatenate([v, v[:2] * 2.0])
    m = jnp.reshape(w, (2, 3)).T
    t = jnp.dot(v, v) + jnp.sum(m[1:, :]) + jnp.max(v) - jnp.min(v)
    c = jnp.cumsum(v)[2] + jnp.expand_dims(v, 0).squeeze()[3] + jnp.arange(4.0) @ v
    b = jnp.broadcast_to(v[0], (3,)).sum() + v[jnp.argmax(v)]
    return t + c + b + (m @ m.T)[0, 1]


def _vec_mp(v):
    w = [*v, 2 * v[0], 2 * v[1]]
    m = [[w[0], w[3]], [w[1], w[4]], [w[2], w[5]]]  # reshape (2, 3) then transpose
    t = sum(x * x for x in v) + m[1][0] + m[1][1] + m[2][0] + m[2][1] + max(v) - min(v)
    c = v[0] + v[1] + v[2] + v[3] + sum(i * x for i, x in enumerate(v))
    b = 3 * v[0] + max(v)
    return t + c + b + (m[0][0] * m[1][0] + m[0][1] * m[1][1])


def test_structural_primitives_gradient():
    v = np.array([0.3, -1.2, 2.5, 0.7])
    o = jaxpr_oracle(_vec_fn, [(4,)], 0)
    e = o.derivative([v[None]])
    for i in range(4):
        def fi(t, i=i):
            w = [mpmath.mpf(x) for x in v]
            w[i] = t
            return _vec_mp(w)
        truth = _mpd(fi, v[i])
        assert e.lo[0, i] <= float(truth) <= e.hi[0, i]
        assert e.hi[0, i] - e.lo[0, i] <= 1e-12 * max(1.0, abs(float(truth)))


_C3, _C7 = mpmath.mpf(0.3), 1 - mpmath.mpf(0.3)  # the float64 constants of the jaxprs
_NN = [
    ("softplus", jax.nn.softplus, lambda u: mpmath.log1p(mpmath.exp(u))),
    ("log_sigmoid", jax.nn.log_sigmoid, lambda u: -mpmath.log1p(mpmath.exp(-u))),
    ("sigmoid", jax.nn.sigmoid, _s),
    ("silu", jax.nn.silu, lambda u: u * _s(u)),
    ("gelu_tanh", lambda u: jax.nn.gelu(u, approximate=True),
     lambda u: u / 2 * (1 + mpmath.tanh(mpmath.mpf(0.7978845608028654)
                                        * (u + mpmath.mpf(0.044715) * u**3)))),
    ("gelu_erf", lambda u: jax.nn.gelu(u, approximate=False),
     lambda u: u / 2 * mpmath.erfc(-u * mpmath.mpf(0.7071067811865476))),
    ("bce", lambda u: optax.sigmoid_binary_cross_entropy(u, 0.3),
     lambda u: -_C3 * mpmath.log(_s(u)) - _C7 * mpmath.log(_s(-u))),
    ("focal", lambda u: optax.sigmoid_focal_loss(u, 0.3),
     lambda u: (-_C3 * mpmath.log(_s(u)) - _C7 * mpmath.log(_s(-u)))
     * (1 - (_C3 * _s(u) + _C7 * _s(-u))) ** 2),
]


@pytest.mark.parametrize(("name", "f", "mf"), _NN, ids=[p[0] for p in _NN])
@pytest.mark.parametrize("x", [-700.0, -3.0, 0.4, 5.0, 700.0])
def test_library_functions(name, f, mf, x):
    if name.startswith("gelu") and abs(x) == 700:
        x = x / 100  # u³ overflows nothing here, but mpmath.diff at 700 is the slow part
    o = jaxpr_oracle(f, [()], 0)
    truth = _mpd(mf, x)
    enc = o.derivative(_col(x))
    if truth == 0 or abs(truth) < 1e-300:
        assert enc.lo[0] <= float(truth) <= enc.hi[0]
    else:
        _encloses(enc, truth, 1e-12)


@pytest.mark.parametrize(("name", "f", "mf"), [p for p in _NN if p[0] in
                                               ("softplus", "sigmoid", "log_sigmoid")])
@pytest.mark.parametrize("x", [-30.0, 0.0, 0.4, 700.0])
def test_library_functions_order_2(name, f, mf, x):
    o = jaxpr_oracle(f, [()], 0, order=2)
    truth = _mpd(mf, x, 2)
    enc = o.derivative(_col(x))
    assert enc.lo[0] <= float(truth) <= enc.hi[0]
    assert enc.hi[0] - enc.lo[0] <= 1e-12 * abs(float(truth)) + 1e-300


def test_logsumexp_gradient_and_hessian():
    v = np.array([0.5, -2.0, 700.0, 699.0])
    soft = [mpmath.exp(x - mpmath.log(sum(mpmath.exp(y) for y in v))) for x in v]
    o = jaxpr_oracle(jax.scipy.special.logsumexp, [(4,)], 0)
    e = o.derivative([v[None]])
    for i in range(4):
        assert e.lo[0, i] <= float(soft[i]) <= e.hi[0, i]
    h = jaxpr_oracle(jax.scipy.special.logsumexp, [(4,)], 0, order=2).derivative([v[None]])
    for i in range(4):
        for j in range(4):
            t = (soft[i] if i == j else 0) - soft[i] * soft[j]
            assert h.lo[0, i, j] <= float(t) <= h.hi[0, i, j]
            assert h.hi[0, i, j] - h.lo[0, i, j] <= 1e-12 * abs(float(t)) + 1e-300


def test_softmax_cross_entropy_gradient():
    v, y = np.array([1.0, -2.0, 0.5]), np.array([0.2, 0.3, 0.5])
    o = jaxpr_oracle(lambda z: optax.softmax_cross_entropy(z, y), [(3,)], 0)
    e = o.derivative([v[None]])
    z = sum(mpmath.exp(x) for x in v)
    for i in range(3):
        t = mpmath.exp(v[i]) / z - y[i]
        assert e.lo[0, i] <= float(t) <= e.hi[0, i]


def test_hessian_of_two_vector():
    o = jaxpr_oracle(lambda w, p: w[0] ** 2 * w[1] + jnp.exp(w[0] * w[1]) * p, [(2,), ()], 0,
                     order=2)
    x, y, p = 0.7, -0.4, 1.5
    e = o.derivative([np.array([[x, y]]), np.array([p])])
    exy = float(mpmath.exp(mpmath.mpf(x) * y))
    want = [[2 * y + p * y * y * exy, 2 * x + p * exy * (1 + x * y)],
            [2 * x + p * exy * (1 + x * y), p * x * x * exy]]
    np.testing.assert_allclose(e.truth()[0], want, rtol=1e-13)
    assert not e.kink[0]


def test_jacobian_shape():
    o = jaxpr_oracle(lambda v: jnp.tanh(v) * 2.0, [(3,)], 0)
    e = o.derivative([np.array([[0.1, 0.2, 0.3]])])
    assert e.lo.shape == (1, 3, 3)
    want = np.diag([2 / np.cosh(t) ** 2 for t in (0.1, 0.2, 0.3)])
    np.testing.assert_allclose(e.truth()[0], want, rtol=1e-14, atol=0)


def test_sympy_front_end_matches_jaxpr():
    u, p = sp.symbols("u p")
    softplus = sp.Function("softplus")
    so = sympy_oracle(-p * u + softplus(u), [u, p], u)
    jo = jaxpr_oracle(lambda a, b: jnp.logaddexp(0.0, a) - b * a, [(), ()], 0)
    args = [np.array([-30.0, -1.0, 0.0, 2.0, 800.0]), np.full(5, 0.3)]
    es, ej = so.derivative(args), jo.derivative(args)
    np.testing.assert_array_equal(es.truth(), ej.truth())
    for e in (es, ej):
        assert np.all(e.lo <= e.hi)


def test_sympy_abs_kink_and_piecewise():
    u = sp.Symbol("u")
    sigmoid = sp.Function("sigmoid")
    o = sympy_oracle(sp.Abs(u) + sigmoid(u), [u], u)
    j = o.judge([np.array([0.0])], np.array([0.25]), REL, np.zeros(1))
    assert j.kink[0] and j.verdict[0] == PASS and (j.lo[0], j.hi[0]) == (-0.75, 1.25)
    pw = sp.Piecewise((u**2, u < 1), (2 * u - 1, True)) + sp.Rational(1, 3) * u + sp.pi * u
    e = sympy_oracle(pw, [u], u).derivative([np.array([0.5, 1.0, 3.0])])
    np.testing.assert_allclose(e.truth(), [1 + 1 / 3 + np.pi, 2 + 1 / 3 + np.pi,
                                           2 + 1 / 3 + np.pi], rtol=1e-15)
    assert not e.kink.any()
    h = sympy_oracle(pw, [u], u, order=2).derivative([np.array([1.0])])
    assert h.kink[0] and (h.lo[0], h.hi[0]) == (0.0, 2.0)
    with pytest.raises(OracleUnavailable, match="gamma"):
        sympy_oracle(sp.gamma(u), [u], u)


def test_truth_not_finite():
    o = jaxpr_oracle(lambda u: jnp.sqrt(u), [()], 0)
    j = o.judge([np.array([0.0])], np.array([1.0]), REL, np.zeros(1))
    assert j.verdict[0] == UNRESOLVED and not j.truth_finite[0]
    j = jaxpr_oracle(jnp.log, [()], 0).judge([np.array([2.0])], np.array([np.nan]), REL,
                                             np.zeros(1))
    assert j.verdict[0] == FAIL


@settings(max_examples=40, deadline=None)
@given(st.floats(min_value=-50, max_value=50))
def test_softplus_derivative_encloses_sigmoid(x):
    enc = _SOFTPLUS.derivative([np.array([x])])
    with mpmath.workdps(50):
        t = _s(mpmath.mpf(x))
        assert mpmath.mpf(enc.lo[0]) <= t <= mpmath.mpf(enc.hi[0])


_SOFTPLUS = jaxpr_oracle(jax.nn.softplus, [()], 0)


def test_import_does_not_import_jax():
    import subprocess
    import sys

    code = "import sys, bce_check.check.oracle; print('jax' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_a_rank_0_operand_broadcasts_against_an_array():
    # lax broadcasts a scalar per point against a vector (z / T with T a 0-d array)
    import jax.numpy as jnp

    from bce_check.check.oracle import jaxpr_oracle

    def f(z, t):
        return jnp.sum(z / t + jnp.maximum(z, t) * t**2)

    oracle = jaxpr_oracle(f, [(3,), ()], 0)
    z, t = np.array([[1.0, -2.0, 0.5]]), np.array([2.0])
    truth = oracle.derivative([z, t]).truth()
    expected = 1 / t[:, None] + np.where(z > t[:, None], 1.0, 0.0) * t[:, None] ** 2
    assert np.allclose(truth, expected, rtol=1e-15, atol=0)
