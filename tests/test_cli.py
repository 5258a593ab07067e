"""The `bce-check` CLI: exit codes, messages, and that `prove` never imports JAX."""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
import time

import pytest
from sympy import Symbol, exp

import derivations
from bce_check.cli import main
from bce_check.report import Report, Result, Verdict
from bce_check.report._table import markdown, table
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
    assert out.startswith("  reference") and "\nbce_logit_gradient\n" in out
    for reference in ("jax.grad", "jax.jvp", "finite-difference", "complex-step"):
        assert re.search(rf"^  {re.escape(reference)} +5,000 ", out, re.M)
    assert "verdict: pass" in out


def test_verify_json_contract(capsys):
    assert main(["verify", "sigmoid_derivative", "--samples", "2000", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["verdict"] == "pass"
    references = [r["reference"] for r in report["results"]]
    assert references == ["jax.grad", "jax.jvp", "finite-difference", "complex-step", "oracle"]
    assert set(report["oracle"]) >= {"available", "unavailable_reason", "judged", "disputed",
                                     "audited", "failed", "kinks", "unresolved", "max_digits"}
    assert report["oracle"]["available"] and report["oracle"]["audited"] == 256
    for result in report["results"]:
        other = "worst_truth" if result["reference"] == "oracle" else "worst_reference"
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
            "worst_candidate",  # the candidate and the reference (truth) at the worst input
            other,
        }
        assert isinstance(result["worst_candidate"], float)
        assert isinstance(result[other], float)
        points = 256 if result["reference"] == "oracle" else 2000  # the oracle: the audit
        assert result["dtype"] == "float64" and result["points"] == points
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


# --- manners: Ctrl-C, a closed pipe, a table that fits -------------------------------------


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:  # gone meanwhile
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="finds the worker processes in /proc")
def test_ctrl_c_during_verify_with_workers_exits_130_saying_interrupted():
    # a run far too long to finish: it is interrupted while its two workers compute
    argv = ["-m", "bce_check.cli", "verify", "--all", "--samples", "100000000"]
    child = subprocess.Popen(
        [sys.executable, *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's job is
    )
    deadline = time.monotonic() + 120
    # the resource tracker and the two pool workers
    while len(_children(child.pid)) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    workers = _children(child.pid)
    assert len(workers) >= 3, "the pool did not start"
    time.sleep(1.0)  # the workers are importing: a Ctrl-C there once printed their tracebacks
    os.killpg(child.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground group
    out, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    assert err.strip() == "bce-check: interrupted" and out == ""
    deadline = time.monotonic() + 30  # the resource tracker leaves when it sees the parent go
    while [pid for pid in workers if _alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in workers if _alive(pid)]


def test_ctrl_c_in_any_command_exits_130(monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(derivations, "names", interrupted)
    assert main(["list"]) == 130
    assert capsys.readouterr().err.strip() == "bce-check: interrupted"


@pytest.mark.parametrize(
    "argv",
    [
        ["list"],
        ["prove", "sigmoid_derivative"],
        ["emit", "sigmoid_derivative", "--target", "numpy"],
        ["verify", "sigmoid_derivative", "--samples", "100"],
    ],
)
def test_a_closed_pipe_exits_0_with_nothing_on_stderr(argv):
    # the reader closes before reading anything: every write of the command breaks
    child = subprocess.Popen(
        [sys.executable, "-m", "bce_check.cli", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    child.stdout.close()
    with child.stderr:
        err = child.stderr.read().decode()
    assert child.wait(timeout=120) == 0, err
    assert err == ""


def test_list_piped_to_head_exits_0():
    done = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {sys.executable} -m bce_check.cli list | head -1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.startswith("sigmoid_derivative")


def test_verify_table_fits_120_columns_for_the_whole_catalogue(capsys):
    assert main(["verify", "--all", "--samples", "200"]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 120
    for name in derivations.names():  # every derivation has its heading line
        assert any(line.startswith(name) for line in out.splitlines())
    # a matrix worst input is summarised by its shape and range
    assert re.search(r"X=\[\d+×\d+ in \S+ … \S+\]", out)
    # complex step is skipped for the Hessian: dashes, not "non-finite"
    skipped = [line for line in out.splitlines() if "skipped" in line]
    assert skipped and all(line.split()[2:4] == ["—", "—"] for line in skipped)
    assert "non-finite" not in out


def test_verify_wide_prints_every_value_of_a_matrix_input(capsys):
    assert main(["verify", "batch_gradient", "--samples", "200", "--wide"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.lstrip().startswith("jax.grad"))
    m, n = map(int, re.search(r"\(m=(\d+), n=(\d+)\)", out).groups())
    numbers = re.findall(r"-?\d+\.?\d*(?:e[-+]\d+)?", row.split("pass", 1)[1])
    assert len(numbers) == m * n + n + m  # X, theta and y in full
    assert len(row) > 120


def _result(**changes) -> Result:
    fields = dict(
        name="f",
        reference="jax.grad",
        dtype="float64",
        points=10,
        max_error=1e-16,
        median_error=1e-17,
        worst_input={"z": 0.5},
        verdict=Verdict.PASS,
    )
    return Result(**{**fields, **changes})


def _row(result: Result) -> list[str]:
    text = table(Report((result,), 10))
    return next(line for line in text.splitlines() if "jax.grad" in line).split()


def test_a_median_below_the_histogram_floor_prints_as_such():
    assert _row(_result(median_error=1.02e-40))[3] == "<1e-40"
    assert _row(_result(median_error=0.0))[3] == "0"


def test_a_median_never_exceeds_the_maximum():
    # the harness's median is a histogram bin's middle: 2 % above the max here
    assert _row(_result(max_error=1.0e-16, median_error=1.02e-16))[2:4] == [
        "1.00e-16",
        "1.00e-16",
    ]
    assert _row(_result(max_error=3e-16, median_error=1e-16))[2:4] == ["3.00e-16", "1.00e-16"]


def test_a_skipped_reference_shows_dashes_and_its_note():
    skipped = _result(
        points=0,
        max_error=math.nan,
        median_error=math.nan,
        worst_input={},
        verdict=Verdict.SKIPPED,
        note="f is not analytic",
    )
    text = table(Report((skipped,), 10))
    assert _row(skipped)[1:] == ["0", "—", "—", "skipped", "—"]
    assert "non-finite" not in text and "f is not analytic" in text
    assert "| — | — | — | skipped (f is not analytic) |" in markdown(Report((skipped,), 10))
