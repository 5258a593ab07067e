"""Emission: stable rewrites are identities; emitted modules are standalone and finite."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
import warnings

import numpy as np
import pytest
from sympy import Matrix, MatrixSymbol, S, Symbol, exp, log

import derivations
from bce_check._stable import REWRITES, softplus_affine, stable_form
from bce_check.emit import analytic_definition, emit, write
from bce_check.harness import enable_x64
from derivations import FAILED, BceCheckError
from derivations._equality import check_equal
from derivations.functions import sigmoid, softmax, softplus

enable_x64()
x, a = Symbol("x", real=True), Symbol("a", real=True)
Z = MatrixSymbol("z", 3, 1)
SCALAR = ("sigmoid_derivative", "bce_logit_gradient")
EXTREMES = np.array([-1e4, -800.0, -40.0, -1e-30, 0.0, 1e-30, 40.0, 800.0, 1e4])

# One expression each rule applies to: the table of rules is iterated, not sampled.
EXAMPLES = {
    "sigmoid from exp": exp(x) / (1 + exp(x)),
    "one minus sigmoid": 1 - sigmoid(x),
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
    assert imported == ({"numpy"} if target == "numpy" else {"jax", "jax.numpy"})
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
