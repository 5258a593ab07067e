"""check FILE: a hand-written derivation read line by line; the first wrong line is named."""

from __future__ import annotations

from pathlib import Path

import pytest

import derivations
from bce_check.cli import main
from bce_check.render._deriv import to_deriv
from derivations import BceCheckError, ExpressionError, load
from derivations.user import first_wrong, read

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.deriv"))
SCALAR = [n for n in derivations.names() if not derivations.get(n).structured]
POS_WEIGHT = (Path(__file__).parent.parent / "examples" / "pos_weight.deriv").read_text()


def test_the_examples_are_there():
    names = {p.stem for p in EXAMPLES}
    assert {"focal", "label_smoothing", "pos_weight", "poisson"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_is_proved(path):
    derivation = load(path)
    assert derivation.proof.verdict == "proved", [r.method for r in derivation.proof.steps]
    assert derivation.proof.sympy_diff.verdict == "proved"


def test_the_pos_weight_file_reads_as_written():
    derivation = read(POS_WEIGHT)
    assert derivation.name == "pos_weight_gradient"
    assert derivation.lines == (5, 6, 7, 8)
    assert [s.rule for s in derivation.steps][-1] == "collect"
    assert str(derivation.closed_forms[0].wrt) == "(u,)"


def test_a_planted_mistake_is_named_by_its_line():
    wrong = POS_WEIGHT.replace("σ(u)·(w·p + 1 - p) - w·p", "σ(u)·(w·p + 1 - p) - p")
    line, result = first_wrong(read(wrong))
    assert line == 8 and result.index == 4
    assert result.method.startswith("differs at ")  # a point where the two sides differ


def test_a_wrong_derivative_line_is_named_before_later_lines():
    wrong = POS_WEIGHT.replace("-w·p·σ(-u) + (1 - p)·σ(u)", "-w·p·σ(u) + (1 - p)·σ(u)")
    assert first_wrong(read(wrong))[0] == 7


@pytest.mark.parametrize(
    "text",
    [
        "",
        "# only a comment",
        "= u^2   [a continuation first]",
        "L'(u) = 2·u",  # the first subject must be F(x)
        "L(u) u^2",  # no '='
        "L(u) = ",
        "L(u) = __import__('os')",
        "name: not an identifier\nL(u) = u^2",
        "name: a\nname: b\nL(u) = u^2",
        "where: p in [0, 1]\nL(u) = u^2",  # p is not a symbol of the file
    ],
)
def test_bad_files_are_project_errors_naming_the_problem(text):
    with pytest.raises(BceCheckError):
        read(text)


def test_a_bad_expression_names_its_line():
    with pytest.raises(ExpressionError, match="line 3"):
        read("# c\nL(u) = u^2\n     = u^^2\n")


@pytest.mark.parametrize("name", SCALAR)
def test_prove_deriv_round_trips_with_the_same_verdicts(name):
    original = derivations.get(name)
    again = read(to_deriv(original))
    assert [r.verdict for r in again.proof.steps] == [r.verdict for r in original.proof.steps]
    assert again.proof.sympy_diff.verdict == original.proof.sympy_diff.verdict
    assert len(again.steps) == len(original.steps)


def test_cli_check_exits_1_and_names_the_line(tmp_path, capsys):
    path = tmp_path / "wrong.deriv"
    path.write_text(POS_WEIGHT.replace("- w·p                 [collect]", "- p  [collect]"))
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "line 8: step 4 is wrong (collect): differs at" in out


def test_cli_check_exits_0_on_the_example(capsys):
    assert main(["check", str(EXAMPLES[0])]) == 0


def test_cli_check_of_a_missing_file_exits_2(tmp_path, capsys):
    assert main(["check", str(tmp_path / "none.deriv")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_cli_prove_deriv_of_a_matrix_derivation_exits_2(capsys):
    assert main(["prove", "batch_gradient", "--format", "deriv"]) == 2
    assert "scalar" in capsys.readouterr().err


def test_cli_check_of_a_sign_derivative_is_inconclusive_naming_dirac_delta(tmp_path, capsys):
    # d/du of u·sign(u) holds a DiracDelta: once a NameError traceback from the witness
    path = tmp_path / "sign.deriv"
    path.write_text("L(u) = u·sign(u)\nL'(u) = sign(u)\n")
    assert main(["check", str(path)]) == 1
    captured = capsys.readouterr()
    assert "cannot evaluate DiracDelta numerically" in captured.out
    assert "verdict: inconclusive" in captured.out and "Traceback" not in captured.err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # both read as new functions and ended in a "failed" closed form with no hint
        ("L(u) = softplus(u)\nL'(x) = σ(x)\n", r"line 2: L'\(x\) is not a derivative of L\(u\)"),
        ("L(u) = softplus(u)\nM'(u) = σ(u)\n", r"write L'\(u\)"),
        # a definition free of u: its constant closed form crashed --verify (an int)
        ("L(u) = p\nL'(u) = 0\n", r"line 1: L\(u\) = p does not depend on u"),
    ],
)
def test_a_derivative_of_another_function_or_of_a_constant_is_refused(text, message):
    with pytest.raises(ExpressionError, match=message):
        read(text)


def test_cli_check_verifies_a_constant_closed_form(tmp_path, capsys):
    path = tmp_path / "linear.deriv"
    path.write_text("L(u) = 2·u\nL'(u) = 2\n")  # emitted as `return 2`: an int for the harness
    assert main(["check", str(path), "--verify", "--samples", "300"]) == 0
    assert "verdict: pass" in capsys.readouterr().out


MANY = """\
name: many
where: a in [0, 1]
where: b in [0, 1]
where: c in [0, 1]
where: d in [0, 1]
where: f in [0, 1]
where: g in [0, 1]
where: h in [0, 1]
L(u) = a·b·c·d·f·g·h·u^2 - u                                [definition]
L'(u) = 2·a·b·c·d·f·g·h·u - 1                               [differentiate]
"""


def test_cli_check_verify_table_fits_120_columns_unless_wide(tmp_path, capsys):
    path = tmp_path / "many.deriv"
    path.write_text(MANY)
    args = ["check", str(path), "--verify", "--samples", "500"]
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    table = lines[next(i for i, line in enumerate(lines) if line.lstrip().startswith("reference")):]
    assert max(len(line) for line in table) <= 120 and "verdict: pass" in table[-2]
    assert main([*args, "--wide"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if "jax.grad" in line)
    assert all(f"{s}=" in row for s in "uabcdfgh") and "…" not in row and len(row) > 120
