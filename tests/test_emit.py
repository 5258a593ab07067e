"""Emission: stable rewrites are identities; emitted modules are standalone and finite."""

from __future__ import annotations

import ast
import functools
import inspect
import subprocess
import sys
import warnings

import mpmath
import numpy as np
import pytest
from sympy import Add, Matrix, MatrixSymbol, Rational, S, Symbol, exp, lambdify, log

import derivations
from bce_check.check import enable_x64
from bce_check.emit import analytic_definition, emit, write
from derivations import FAILED, BceCheckError
from derivations.functions import sigmoid, softmax, softplus, to_exp_form
from derivations.proof import check_equal
from derivations.rewrites import REWRITES, softplus_affine, stable_form

enable_x64()
x, a = Symbol("x", real=True), Symbol("a", real=True)
Z = MatrixSymbol("z", 3, 1)
SCALAR = ("sigmoid_derivative", "bce_logit_gradient")
STDLIB = {"functools", "warnings"}
EXTREMES = np.array([-1e4, -800.0, -40.0, -1e-30, 0.0, 1e-30, 40.0, 800.0, 1e4])

# One expression each rule applies to: the table of rules is iterated, not sampled.
EXAMPLES = {
    "sigmoid from exp": exp(x) / (1 + exp(x)),
    "one minus sigmoid": 1 - sigmoid(x),
    "sigmoid power difference": 3 * sigmoid(x) ** a - 3 * sigmoid(x) ** (a + 1),
    "sigmoid into sums": sigmoid(x) * (1 + sigmoid(-x) ** (-a)),
    "power of sigmoid": x * sigmoid(x) ** a * sigmoid(-x) ** (1 - 1 / a),
    "log of sigmoid": log(sigmoid(x)),
    "log one plus exp": log(1 + exp(x)),
    "softplus reflection": a * softplus(-x) + (1 - a) * softplus(x),
    "softplus plus linear": softplus(x) - a * x,
    "log of softmax": softmax(Z).applyfunc(log),
}


def test_every_rule_has_an_example():
    assert set(EXAMPLES) == {rule.name for rule in REWRITES}


@pytest.mark.parametrize("rule", REWRITES, ids=lambda r: r.name)
def test_every_rewrite_is_an_identity_that_changes_its_example(rule):
    before = EXAMPLES[rule.name]
    after = rule.apply(before)
    assert after != before
    if getattr(before, "is_Matrix", False):  # compare entry by entry, z written out
        entries = {Symbol(f"z{k}", real=True): S.Reals for k in range(3)}
        column = Matrix(list(entries))
        before, after = (e.xreplace({Z: column}).as_explicit() for e in (before, after))
        exact = entries
    else:
        exact = {x: S.Reals, a: S.Reals}
    assert check_equal(before, after.rewrite(exp), exact, seed=5).verdict != FAILED


# A few points off any special value; a < 0 too (σ(x)^a with a negative power).
IDENTITY_POINTS = (
    (-2.5, 0.25, (0.5, -1.0, 2.0)),
    (0.3, 1.5, (3.0, 3.0, -4.0)),
    (4.0, -0.75, (0, 1, 2)),
)


def _entries(expr, z_values) -> list:
    """The expression as scalars: a matrix one entry by entry, z given its values."""
    if not getattr(expr, "is_Matrix", False):
        return [expr]
    column = Matrix([Rational(v) for v in z_values])
    return list(expr.xreplace({Z: column}).as_explicit())


@pytest.mark.parametrize("rule", REWRITES, ids=lambda r: r.name)
def test_every_table_entry_holds_in_mpmath(rule):
    before = EXAMPLES[rule.name]
    after = rule.apply(before)
    for u, b, z_values in IDENTITY_POINTS:
        pairs = zip(_entries(before, z_values), _entries(after, z_values), strict=True)
        for left, right in pairs:
            with mpmath.workdps(40):  # an identity holds to every digit: 30 of 40 is plenty
                values = [
                    lambdify((x, a), e.rewrite(exp).doit(), "mpmath")(mpmath.mpf(u), mpmath.mpf(b))
                    for e in (left, right)
                ]
                assert abs(values[0] - values[1]) <= mpmath.mpf(10) ** -30 * (1 + abs(values[0]))


def test_bce_loss_becomes_the_split_softplus():
    d2 = derivations.get("bce_logit_gradient")
    u, p = d2.arguments
    assert stable_form(d2.definition) == softplus_affine(u, -p)


@pytest.mark.parametrize("name", SCALAR)
@pytest.mark.parametrize("target", ["numpy", "jax"])
def test_module_is_standalone_and_names_its_functions(name, target):
    emitted = emit(derivations.get(name), target)
    imported = {
        alias.name
        for node in ast.walk(ast.parse(emitted.source))
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    # NumPy or JAX, and from the standard library only what the x64 warning needs
    assert imported == ({"numpy"} if target == "numpy" else {"jax", "jax.numpy", *STDLIB})
    assert not any(isinstance(n, ast.ImportFrom) for n in ast.walk(ast.parse(emitted.source)))
    arguments = [str(s) for s in derivations.get(name).arguments]
    for function in (emitted.function, emitted.definition):
        assert list(inspect.signature(function).parameters) == arguments
    assert emitted.function.__name__ == name
    assert emitted.definition.__name__ == f"{name}_definition"


def _grid(name):
    if name == "sigmoid_derivative":
        return (EXTREMES,)
    u, p = np.meshgrid(EXTREMES, [0.0, 1e-6, 0.5, 1 - 1e-6, 1.0])
    return u.ravel(), p.ravel()


@pytest.mark.parametrize("name", SCALAR)
@pytest.mark.parametrize("target", ["numpy", "jax"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_finite_for_magnitudes_up_to_1e4(name, target, dtype):
    emitted = emit(derivations.get(name), target)
    args = [g.astype(dtype) for g in _grid(name)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow inside would raise here
        for function in (emitted.function, emitted.definition):
            values = np.asarray(function(*args))
            assert values.dtype == dtype
            assert np.all(np.isfinite(values))


def test_numpy_bce_is_exact_where_the_textbook_form_cancels():
    emitted = emit(derivations.get("bce_logit_gradient"), "numpy")
    # u = 100, p = 1 - 1e-6: L = 1e-6·100 + log1p(e^-100) = 1.0000000000000037e-4 to 17 digits;
    # max(u, 0) - p·u + log1p(e^-|u|) loses 5 digits here.
    u, p = np.float64(100.0), np.float64(1 - 1e-6)
    exact = (1 - p) * 100.0 + np.exp(-100.0)
    assert emitted.definition(u, p) == pytest.approx(exact, rel=2e-16)


def test_written_module_runs_in_a_fresh_interpreter(tmp_path):
    path = tmp_path / "bce_grad.py"
    write(emit(derivations.get("bce_logit_gradient"), "numpy"), path)
    code = (
        f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import bce_grad; "
        "print(bce_grad.bce_logit_gradient(0.0, 0.25), "
        "bce_grad.bce_logit_gradient_definition(0.0, 0.5))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["0.25", str(np.log(2.0))]


def test_analytic_definition_exists_for_smooth_forms_only():
    assert analytic_definition(derivations.get("bce_logit_gradient")) is not None
    d1 = derivations.get("sigmoid_derivative")
    kinked = derivations.Derivation(
        "kink",
        "|z|",
        "test",
        d1.domains,
        (derivations.Step(abs(Symbol("z", real=True)), lhs=Symbol("f"), rule="definition"),),
    )
    assert analytic_definition(kinked) is None


def test_unknown_target_and_unwritable_path_are_clear_errors(tmp_path):
    d2 = derivations.get("bce_logit_gradient")
    with pytest.raises(BceCheckError, match="unknown target 'torch'; allowed: numpy, jax"):
        emit(d2, "torch")
    with pytest.raises(BceCheckError, match="cannot write"):
        write(emit(d2, "numpy"), tmp_path / "missing" / "dir" / "x.py")


def test_numpy_module_takes_lists_tuples_and_numbers_like_numpy():
    d2 = emit(derivations.get("bce_logit_gradient"), "numpy")
    arrays = d2.function(np.array([-2.0, 0.0, 3.0]), np.array([0.0, 0.25, 1.0]))
    np.testing.assert_array_equal(d2.function([-2.0, 0.0, 3.0], (0.0, 0.25, 1.0)), arrays)
    assert d2.function(0, 0) == 0.5 and isinstance(d2.function(0, 0), np.float64)  # ints: float64
    assert d2.definition(0.0, [0.5, 0.5]).shape == (2,)
    batch = emit(derivations.get("batch_gradient"), "numpy")
    X, theta, y = [[1.0, 2.0], [3.0, -4.0], [0.5, 0.0]], (0.1, -0.2), [0, 1, 1]
    expected = batch.function(np.array(X), np.array(theta), np.array(y, dtype=float))
    np.testing.assert_array_equal(batch.function(X, theta, y), expected)
    softmax_ce = emit(derivations.get("softmax_cross_entropy"), "numpy")
    assert softmax_ce.definition([0.0, 0.0], [1.0, 0.0]) == pytest.approx(np.log(2.0), rel=1e-15)


@pytest.mark.parametrize("name", ["bce_logit_gradient", "softmax_cross_entropy"])
def test_jax_module_warns_once_that_float64_input_runs_in_float32(name):
    import jax
    emitted = emit(derivations.get(name), "jax")
    args = [np.array([0.5, -0.5]), np.array([1.0, 0.0])]
    with jax.enable_x64(False), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # count every warning, not the first per location
        emitted.function(*(a.astype(np.float32) for a in args))  # float32: nothing to say
        assert not caught
        values = [emitted.function(*args), emitted.definition(*args)]
    assert all(np.asarray(v).dtype == np.float32 for v in values)
    assert len(caught) == 1  # once per emitted module, however many calls
    assert "jax_enable_x64" in str(caught[0].message) and caught[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # with x64 on (this module's enable_x64): no warning
        assert np.asarray(emitted.function(*args)).dtype == np.float64


def _sigma_minus_p(u: float, p: float) -> mpmath.mpf:
    x = mpmath.mpf(u)
    return 1 / (1 + mpmath.exp(-x)) - mpmath.mpf(p)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_emitted_jax_gradient_is_within_2_spacings(dtype):
    # σ from one exp of −|u| and one division is within about 1.5 ulp of σ (exp ~1 ulp, scaled
    # by e/(1 + e) ≤ 1, and two roundings of 1/2 ulp); σ(u) − p adds one rounding, ≤ 1/2
    # spacing of max(|σ(u)|, |p|): 2 spacings in all, the target of bench/accuracy.py.
    emitted = emit(derivations.get("bce_logit_gradient"), "jax")
    magnitudes = np.logspace(-8, 3, 40)
    u, p = np.meshgrid(np.r_[-magnitudes, 0.0, magnitudes], [0.0, 1e-6, 0.5, 1 - 1e-6, 1.0])
    u, p = u.ravel().astype(dtype), p.ravel().astype(dtype)
    got = np.asarray(emitted.function(u, p))
    with mpmath.workdps(40):
        exact = [_sigma_minus_p(float(a), float(b)) for a, b in zip(u, p, strict=True)]
        sigma = np.array([float(e + mpmath.mpf(float(b))) for e, b in zip(exact, p, strict=True)])
        errors = [abs(mpmath.mpf(float(g)) - e) for g, e in zip(got, exact, strict=True)]
    scale = np.maximum(np.abs(sigma), np.abs(p)).astype(dtype)
    spacings = np.array([float(e) for e in errors]) / np.spacing(scale).astype(float)
    normal = scale >= np.finfo(dtype).tiny  # XLA on CPU flushes subnormals
    assert got.dtype == dtype and spacings[normal].max() <= 2.0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_jax_grad_of_the_emitted_forms_is_finite_and_right(dtype):
    import jax
    emitted = emit(derivations.get("bce_logit_gradient"), "jax")
    u = np.array([-1e4, -800.0, -40.0, -1.0, 0.0, 1.0, 40.0, 800.0, 1e4], dtype=dtype)
    p = np.full_like(u, 0.25)
    d_gradient = np.asarray(jax.vmap(jax.grad(emitted.function))(u, p))  # σ'(u) = σ(1 − σ)
    d_loss = np.asarray(jax.vmap(jax.grad(emitted.definition))(u, p))  # L'(u) = σ(u) − p
    e = np.exp(-np.abs(u.astype(np.float64)))  # σ(u) and σ'(u) = e/(1 + e)², no overflow
    sigma, slope = np.where(u >= 0, 1, e) / (1 + e), e / (1 + e) ** 2
    assert np.all(np.isfinite(d_gradient)) and np.all(np.isfinite(d_loss))
    assert d_gradient[4] == 0.25 and d_loss[4] == 0.25  # u = 0, where the branches meet
    assert d_gradient[0] == d_gradient[-1] == 0.0 and d_loss[0] == -0.25 and d_loss[-1] == 0.75
    # a few roundings of each: σ'(u) and σ(u) − p to 8 ε relative (of σ' and of max(σ, p))
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(d_gradient, slope, rtol=8 * eps, atol=0)
    np.testing.assert_allclose(d_loss, sigma - 0.25, rtol=0, atol=8 * eps)
    d1 = emit(derivations.get("sigmoid_derivative"), "jax")
    second = np.asarray(jax.vmap(jax.grad(d1.function))(u))  # σ'' = σ'(1 − 2σ)
    assert np.all(np.isfinite(second)) and second[4] == 0.0


# Losses whose gradients hold σ(±u)^q: each is derived here, emitted, and compared with its
# closed form evaluated in mpmath.  name: (loss, where, the grid of its parameter after p).
POWER_LOSSES = {
    "gce": (
        "p·(1 - σ(u)^q)/q + (1 - p)·(1 - σ(-u)^q)/q",
        ["p in [0, 1]", "q in (0, 1]"],
        (1e-3, 0.5, 1.0),
    ),
    "alpha_loss": (  # Sypherd et al. 2019: α/(α − 1)·(1 − σ^{1 − 1/α}) per class
        "a/(a - 1)·(p·(1 - σ(u)^(1 - 1/a)) + (1 - p)·(1 - σ(-u)^(1 - 1/a)))",
        ["p in [0, 1]", "a in (1, 1000]"],
        (1.001, 2.0, 1000.0),
    ),
    "focal": (  # Lin et al. 2017, γ symbolic: every power goes through exp
        "-p·(1 - σ(u))^γ·log(σ(u)) - (1 - p)·σ(u)^γ·log(1 - σ(u))",
        ["p in [0, 1]", "γ in [0, 5]"],
        (0.5, 1.0, 2.0, 2.5),
    ),
    "focal_2": (  # γ = 2: σ^2 and σ^3 stay products (PRODUCT_POWERS)
        "-p·(1 - σ(u))^2·log(σ(u)) - (1 - p)·σ(u)^2·log(1 - σ(u))",
        ["p in [0, 1]"],
        (),
    ),
}
POWER_U = (-1e4, -800.0, -100.0, -30.0, 0.0, 30.0, 100.0, 800.0, 1e4)
POWER_P = (0.0, 0.4, 1.0)
# 64 ulps of the scale Σ|term| (the terms of the emitted sum, in mpmath): each term is a
# product of e^{y}, y = −q·softplus(∓u), within (|y|/2 + 1) ulp (the rounding of y scaled by
# e^{y}; |y| ≤ 100 here wherever e^{y} is normal and y is not exact), and a few σ's and
# roundings more; a sum is no better than its terms (α-loss at u = −100, α = 1000: two terms
# of 2e-44 cancel to 6e-45: 70 ulps of the result, 26 of the scale).  Plus the smallest
# normal, absolutely: XLA on CPU flushes subnormals, and a value below it is 0 or subnormal.
POWER_ULPS = 64


@functools.cache
def _power_loss(name: str):
    text_, where, _ = POWER_LOSSES[name]
    return derivations.derive(text_, wrt="u", where=where)


def _power_grid(name: str, dtype) -> list[np.ndarray]:
    """(u, p[, parameter]) over the grid, as ``dtype`` arrays in the derivation's order."""
    parameters = POWER_LOSSES[name][2] or (None,)
    rows = [(u, p, c) for u in POWER_U for p in POWER_P for c in parameters]
    values = {"u": [r[0] for r in rows], "p": [r[1] for r in rows]}
    symbols = [str(s) for s in _power_loss(name).arguments]
    (other,) = [s for s in symbols if s not in values] or [None]
    if other:
        values[other] = [r[2] for r in rows]
    return [np.array(values[s], dtype=dtype) for s in symbols]


@functools.cache
def _power_truth(name: str, dtype) -> tuple[np.ndarray, np.ndarray]:
    """The closed form at the grid's (rounded) points in mpmath, and the scale Σ|term| of its
    stable form's terms: 60 digits plus 0.45·|u|, so that 1 − σ(u) keeps 60 digits where
    σ(u) = 1 − e^{−u} (e^{−1e4} needs 4343 more)."""
    d = _power_loss(name)
    form = lambdify(d.arguments, to_exp_form(d.closed_forms[0].rhs), "mpmath")
    terms = Add.make_args(stable_form(d.closed_forms[0].rhs))
    scale = lambdify(d.arguments, Add(*(abs(to_exp_form(t)) for t in terms)), "mpmath")
    columns = [[float(v) for v in c] for c in _power_grid(name, dtype)]
    exact, scales = [], []
    for point in zip(*columns, strict=True):
        with mpmath.workdps(60 + int(0.45 * abs(point[0]))):
            exact.append(float(form(*(mpmath.mpf(v) for v in point))))
            scales.append(float(scale(*(mpmath.mpf(v) for v in point))))
    return np.array(exact), np.array(scales)


@pytest.mark.parametrize("name", POWER_LOSSES)
@pytest.mark.parametrize("target", ["numpy", "jax"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gradients_with_powers_of_sigmoid_are_accurate_up_to_1e4(name, target, dtype):
    emitted = emit(_power_loss(name), target)
    args = _power_grid(name, dtype)
    got = np.asarray(emitted.function(*args))
    exact, scale = _power_truth(name, dtype)
    finfo = np.finfo(dtype)
    error = np.abs(got.astype(np.float64) - exact)
    allowed = POWER_ULPS * float(finfo.eps) * scale + float(finfo.tiny)
    worst = int(np.argmax(error / allowed))
    at = ", ".join(f"{s}={a[worst]:g}" for s, a in zip(emitted.arguments, args, strict=True))
    assert got.dtype == dtype and np.all(np.isfinite(got))
    assert np.all(np.isfinite(np.asarray(emitted.definition(*args))))
    assert error[worst] <= allowed[worst], f"{name} at {at}: {got[worst]!r}, not {exact[worst]!r}"
