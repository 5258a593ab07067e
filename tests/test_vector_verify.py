"""--verify of vector closed forms: one Problem per K (2, 3, 5, 16), float64 and float32."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest
from test_vector import ROWS

from bce_check.cli import main
from bce_check.verify import run_user, user_code
from bce_check.verify._user import problem
from bce_check.verify._vector import SIZES
from derivations import derive

pytest.importorskip("jax")
CE = ("-yᵀ·log(softmax(z))", "z", ["z in R^K", "y in simplex(K)"])


@pytest.fixture(scope="module", params=sorted(ROWS))
def code(request):
    loss, wrt, where, _ = ROWS[request.param]
    return request.param, user_code(derive(loss, wrt, where))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_five_losses_verify_at_every_size(code, dtype):
    name, code_ = code
    report = run_user(code_, 2000, 0, dtype)
    assert report.ok, (name, str(report))
    sizes = {re.search(r"K=(\d+)", r.name).group(1) for r in report.results}
    assert sizes == {str(k) for k in SIZES}, name
    assert {r.dtype for r in report.results} == {dtype}


def test_the_samples_reach_large_logits_and_the_simplex_corners():
    code_ = user_code(derive(*CE))
    p = problem(code_, {"K": 16})
    jax = pytest.importorskip("jax")
    with jax.enable_x64(True):
        z, y = (np.asarray(a) for a in p.draw(0, 0, 4000, "float64"))
    assert z.shape == (4000, 16) and y.shape == (4000, 16)
    assert 5e3 < np.abs(z).max() <= 1e4  # logits up to |z| = 10⁴
    np.testing.assert_allclose(y.sum(axis=1), 1, atol=1e-12)
    corners = np.isclose(y.max(axis=1), 1)
    assert 0.3 < corners.mean() < 0.7  # one-hot half of the time


def test_a_wrong_vector_closed_form_fails():
    code_ = user_code(derive(*CE))
    assert "-y + jax.nn.softmax(z, axis=-1)" in code_.jax_source
    wrong = code_.jax_source.replace(
        "-y + jax.nn.softmax(z, axis=-1)", "-y + jax.nn.softmax(z[..., ::-1], axis=-1)"
    )
    report = run_user(replace(code_, jax_source=wrong), 2000, 0, "float64")
    assert not report.ok


def test_cli_derive_verify_exits_0(tmp_path, capsys):
    out = tmp_path / "ce.py"
    args = ["derive", CE[0], "--wrt", "z", "--where", CE[2][0], "--where", CE[2][1]]
    assert main([*args, "--emit", "jax", "-o", str(out), "--verify", "--samples", "2000"]) == 0
    assert "def derived(z, y)" in out.read_text()
    assert "derived (K=16)" in capsys.readouterr().out
