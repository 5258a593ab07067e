"""σ, softplus, softmax, log-softmax: pure SymPy objects, printed by the printers only."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sympy import Matrix, MatrixSymbol, Rational, Symbol, exp, log, simplify

from bce_check.printing import PRINTERS
from bce_check.printing.notation import tex, text
from derivations.functions import (
    ColumnFunction,
    log_softmax,
    sigmoid,
    softmax,
    softplus,
    to_exp_form,
)

u = Symbol("u", real=True)
EXTREMES = np.array([-1e4, -800.0, -40.0, 0.0, 40.0, 800.0, 1e4])
PRINTING = ("_sympystr", "_latex", "_numpycode", "_jaxcode", "_pythoncode", "_mpmathcode")


def test_exp_forms():
    assert to_exp_form(sigmoid(u)) == 1 / (1 + exp(-u))
    assert to_exp_form(softplus(u)) == log(1 + exp(u))
    assert sigmoid(0) == Rational(1, 2) and sigmoid(u).is_positive


@pytest.mark.parametrize("cls", [sigmoid, softplus, softmax, log_softmax, ColumnFunction])
def test_the_maths_objects_carry_no_printing(cls):
    assert not [name for name in PRINTING if name in vars(cls)]


def test_softmax_and_log_softmax_share_one_base_and_agree():
    assert issubclass(softmax, ColumnFunction) and issubclass(log_softmax, ColumnFunction)
    z = Matrix([Symbol(n, real=True) for n in "abc"])
    for i in range(3):
        assert simplify(log_softmax(z)[i, 0] - log(softmax(z)[i, 0])).expand(force=True) == 0
    with pytest.raises(TypeError, match="log_softmax needs a column vector"):
        log_softmax(MatrixSymbol("W", 2, 2))


def test_printing_as_sigma():
    z = MatrixSymbol("z", 3, 1)
    assert text(sigmoid(u)) == "σ(u)" and text(softplus(u)) == "softplus(u)"
    assert tex(sigmoid(u)) == r"\sigma\left(u\right)"
    assert tex(sigmoid(u) ** 2) == r"\sigma^{2}\left(u\right)"
    assert tex(softplus(u)) == r"\operatorname{softplus}\left(u\right)"
    assert text(softmax(z)) == "softmax(z)"
    assert tex(log_softmax(z)) == r"\operatorname{log\_softmax}\left(z\right)"


def _compiled(expr, target: str):
    """``expr`` in u as a function printed by the target's printer, its helpers included."""
    printer = PRINTERS[target]()
    body = printer.doprint(expr)
    source = "\n\n".join(
        [
            "import numpy\nimport jax\nimport jax.numpy",
            *printer.helper_sources(),
            f"def f(u):\n    return {body}",
        ]
    )
    namespace: dict = {}
    exec(source, namespace)  # our own printer's output
    return namespace["f"]


def test_numpy_code_is_stable_and_warning_free():
    f, g = _compiled(sigmoid(u), "numpy"), _compiled(softplus(u), "numpy")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow in exp would raise here
        s, sp = f(EXTREMES), g(EXTREMES)
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(sp))
    assert s[3] == 0.5 and s[-1] == 1.0 and s[0] == 0.0
    # σ(−40) = e^{−40}/(1 + e^{−40}) to 1e-15 relative: the relative accuracy tiny values need.
    assert s[2] == pytest.approx(np.exp(-40.0) / (1 + np.exp(-40.0)), rel=1e-15)
    assert sp[-1] == 1e4 and sp[0] == 0.0  # softplus(x) = x + log1p(e^{-x}) rounds to x here


@pytest.mark.parametrize("target", ["jax", "analytic"])
def test_jax_code_is_finite_at_the_extremes(target):
    jnp = pytest.importorskip("jax.numpy")
    values = np.asarray(_compiled(sigmoid(u) + softplus(u), target)(jnp.asarray(EXTREMES)))
    assert np.all(np.isfinite(values))
    assert values[3] == pytest.approx(0.5 + np.log(2.0), rel=1e-6)  # float32 without x64


def test_each_target_prints_softplus_its_own_way():
    assert PRINTERS["numpy"]().doprint(softplus(u)) == "numpy.logaddexp(0, u)"
    assert PRINTERS["jax"]().doprint(softplus(u)) == "jax.nn.softplus(u)"
    assert PRINTERS["analytic"]().doprint(softplus(u)) == "_softplus(u)"
    printer = PRINTERS["analytic"]()
    printer.doprint(softplus(u))
    assert "nonneg = jax.numpy.real(x) >= 0" in printer.helper_sources()[0]
