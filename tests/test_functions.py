"""σ and softplus: exp forms, printing as σ, and stable NumPy/JAX code."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sympy import Rational, Symbol, exp, lambdify, latex, log

from derivations.functions import sigmoid, softplus, to_exp_form

u = Symbol("u", real=True)
EXTREMES = np.array([-1e4, -800.0, -40.0, 0.0, 40.0, 800.0, 1e4])


def test_exp_forms():
    assert to_exp_form(sigmoid(u)) == 1 / (1 + exp(-u))
    assert to_exp_form(softplus(u)) == log(1 + exp(u))
    assert sigmoid(0) == Rational(1, 2) and sigmoid(u).is_positive


def test_printing_as_sigma():
    assert str(sigmoid(u)) == "σ(u)"
    assert latex(sigmoid(u)) == r"\sigma\left(u\right)"
    assert latex(softplus(u)) == r"\operatorname{softplus}\left(u\right)"


def test_numpy_code_is_stable_and_warning_free():
    f = lambdify(u, sigmoid(u), modules="numpy")
    g = lambdify(u, softplus(u), modules="numpy")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow in exp would raise here
        s, sp = f(EXTREMES), g(EXTREMES)
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(sp))
    assert s[3] == 0.5 and s[-1] == 1.0 and s[0] == 0.0
    # σ(−40) = e^{−40}/(1 + e^{−40}) to 1e-15 relative: the relative accuracy tiny values need.
    assert s[2] == pytest.approx(np.exp(-40.0) / (1 + np.exp(-40.0)), rel=1e-15)
    assert sp[-1] == 1e4 and sp[0] == 0.0  # softplus(x) = x + log1p(e^{-x}) rounds to x here


def test_jax_code_uses_jax_primitives():
    jnp = pytest.importorskip("jax.numpy")
    source = lambdify(u, sigmoid(u) + softplus(u), modules="jax")
    text = source.__doc__ or ""
    assert "sigmoid" in text and "softplus" in text
    values = np.asarray(source(jnp.asarray(EXTREMES)))
    assert np.all(np.isfinite(values))
