"""The `bce-check` CLI: exit codes, messages, and that `prove` never imports JAX."""

from __future__ import annotations

import json
import subprocess
import sys

from sympy import Symbol, exp

import derivations
from bce_check.cli import main
from derivations import Derivation, Step
from derivations.functions import sigmoid


def test_list_shows_every_name_and_title(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in derivations.names():
        assert name in out
    assert "σ'(z) = σ(z)(1 − σ(z))" in out


def test_prove_all_json_parses_and_every_step_is_proved(capsys):
    assert main(["prove", "--all", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [d["name"] for d in out] == derivations.names()
    assert all(step["verdict"] == "proved" for d in out for step in d["steps"])


def test_unknown_name_exits_2_with_the_known_names(capsys):
    assert main(["prove", "nonsense"]) == 2
    err = capsys.readouterr().err
    assert "unknown derivation 'nonsense'" in err and "sigmoid_derivative" in err
    assert "Traceback" not in err


def test_name_and_all_together_or_neither_exit_2(capsys):
    assert main(["prove"]) == 2
    assert main(["prove", "sigmoid_derivative", "--all"]) == 2
    assert main(["prove", "sigmoid_derivative", "--format", "yaml"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_a_failed_step_exits_1(monkeypatch, capsys):
    z = Symbol("z", real=True)
    broken = Derivation(
        name="broken",
        title="a wrong step",
        source="test",
        domains=dict.fromkeys([z], None),
        steps=(
            Step(1 / (1 + exp(-z)), lhs=sigmoid(z), rule="definition"),
            Step(exp(-z) / (1 + exp(z)), rule="a slip"),
        ),
    )
    object.__setattr__(broken, "domains", derivations.get("sigmoid_derivative").domains)
    monkeypatch.setattr(derivations, "get", lambda name: broken)
    assert main(["prove", "broken"]) == 1
    out = capsys.readouterr().out
    assert "✗" in out and "verdict: failed" in out


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, check=False)


def test_console_script_exit_code_and_no_traceback():
    done = _run("-m", "bce_check.cli", "prove", "nonsense")
    assert done.returncode == 2
    assert "known derivations" in done.stderr and "Traceback" not in done.stderr


def test_prove_does_not_import_jax():
    code = (
        "import sys, io, contextlib\n"
        "from bce_check.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['prove', '--all']) == 0\n"
        "    assert main(['list']) == 0\n"
        "print(sorted(m for m in sys.modules if m == 'jax' or m.startswith('jax.')))\n"
    )
    done = _run("-c", code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_verify_passes_with_a_table_and_exit_0(capsys):
    assert main(["verify", "bce_logit_gradient", "--samples", "5000", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    for reference in ("jax.grad", "jax.jvp", "finite-difference", "complex-step"):
        assert f"bce_logit_gradient  {reference}" in out
    assert "verdict: pass" in out


def test_verify_json_contract(capsys):
    assert main(["verify", "sigmoid_derivative", "--samples", "2000", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["verdict"] == "pass"
    assert len(report["results"]) == 4
    for result in report["results"]:
        assert set(result) == {
            "name",
            "reference",
            "dtype",
            "points",
            "max_error",
            "median_error",
            "worst_input",
            "verdict",
            "sampled",
            "nonfinite",
            "note",
        }
        assert result["dtype"] == "float64" and result["points"] == 2000
        assert set(result["worst_input"]) == {"z"}


def test_verify_bad_input_exits_2(capsys):
    assert main(["verify", "bce_logit_gradient", "--samples", "0"]) == 2
    assert main(["verify", "bce_logit_gradient", "--dtype", "float16"]) == 2
    assert main(["verify", "nonsense"]) == 2
    assert main(["verify"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_emit_prints_a_module_or_writes_it(capsys, tmp_path):
    assert main(["emit", "bce_logit_gradient", "--target", "jax"]) == 0
    source = capsys.readouterr().out
    assert "def bce_logit_gradient(u, p):" in source and "import jax" in source
    path = tmp_path / "grad.py"
    assert main(["emit", "sigmoid_derivative", "--target", "numpy", "-o", str(path)]) == 0
    assert "def sigmoid_derivative_definition(z):" in path.read_text()


def test_emit_bad_input_exits_2(capsys, tmp_path):
    assert main(["emit", "bce_logit_gradient"]) == 2  # --target is required
    assert main(["emit", "bce_logit_gradient", "--target", "torch"]) == 2
    assert (
        main(
            [
                "emit",
                "bce_logit_gradient",
                "--target",
                "numpy",
                "-o",
                str(tmp_path / "no" / "such" / "dir.py"),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "Traceback" not in err and "cannot write" in err
