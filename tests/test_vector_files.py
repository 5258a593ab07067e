"""check FILE along a vector: where: z in R^K, y in simplex(K); the first wrong line named;
the vector examples derived, checked, emitted and verified."""

from __future__ import annotations

from pathlib import Path

import pytest
from sympy import Symbol, simplify

from bce_check.cli import main
from derivations import ExpressionError, derive
from derivations.proof import Explicit
from derivations.sets import SIMPLEX
from derivations.user import first_wrong, read

ROOT = Path(__file__).parent.parent
CE = """# softmax cross-entropy
name: softmax_ce
where: z in R^K
where: y in simplex(K)
L(z) = -yᵀ·log(softmax(z))              [definition]
∇L(z) = sum(y)·softmax(z) - y           [vector rules]
      = softmax(z) - y                  [sum(y) = 1: y on the simplex]
"""
# the example, its loss and --where as derive takes them
EXAMPLES = {
    "softmax_label_smoothing": (
        "-((1 - α)·y + α/K)ᵀ·log(softmax(z))", ["z in R^K", "y in simplex(K)", "α in [0, 1]"]),
    "poly1_softmax": (
        "-yᵀ·log(softmax(z)) + ε·(1 - yᵀ·softmax(z))",
        ["z in R^K", "y in simplex(K)", "ε >= 0"]),
}  # fmt: skip


def test_a_vector_file_reads_with_its_declarations():
    derivation = read(CE)
    assert derivation.name == "softmax_ce" and derivation.lines == (5, 6, 7)
    assert [str(v) for v in derivation.wrt] == ["z"]
    assert {str(s): d for s, d in derivation.domains.items()}["y"] is SIMPLEX
    assert derivation.proof.verdict == "proved"
    assert derivation.proof.sympy_diff.verdict == "proved"


def test_a_wrong_vector_line_is_named():
    wrong = CE.replace("= softmax(z) - y  ", "= softmax(z) - 2·y")
    line, result = first_wrong(read(wrong))
    assert line == 7 and result.index == 3
    assert result.method.startswith("differs at ")
    early = CE.replace("sum(y)·softmax(z) - y", "sum(y)·softmax(z) + y")
    assert first_wrong(read(early))[0] == 6


def test_cli_check_of_vector_files(tmp_path, capsys):
    right, wrong = tmp_path / "ce.deriv", tmp_path / "wrong.deriv"
    right.write_text(CE, encoding="utf-8")
    wrong.write_text(CE.replace("= softmax(z) - y  ", "= softmax(z) - 2·y"), encoding="utf-8")
    assert main(["check", str(right)]) == 0
    assert main(["check", str(wrong)]) == 1
    assert "bce-check: line 7: step 3 is wrong (sum(y) = 1: y on the simplex)" in (
        capsys.readouterr().out
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (CE.replace("∇L(z)", "∇M(z)"), "is not the gradient of L"),
        (CE.replace("∇L(z) = sum(y)·softmax(z) - y", "= sum(y)·softmax(z) - y"), "no gradient"),
        (CE.replace("where: z in R^K\n", ""), "z is not declared a vector"),
    ],
)
def test_bad_vector_files_name_the_problem(text, message):
    with pytest.raises(ExpressionError, match=message):
        read(text)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_a_vector_example_is_derived_and_checked_alike(name, capsys):
    path = ROOT / "examples" / f"{name}.deriv"
    assert main(["check", str(path)]) == 0
    written = read(path.read_text(encoding="utf-8"))
    derived = derive(*EXAMPLES[name][:1], "z", EXAMPLES[name][1])
    assert derived.proof.verdict == "proved"
    sizes = {Symbol("K", integer=True, positive=True): 4}
    explicit = Explicit(sizes, {}, dict(derived.domains))
    difference = explicit.evaluate(
        written.closed_forms[0].rhs.xreplace(_same_symbols(written, derived))
        - derived.closed_forms[0].rhs
    )
    assert all(simplify(e.rewrite("exp")) == 0 for e in difference), name


def _same_symbols(written, derived) -> dict:
    """The file's symbols as derive's (the same names; the same assumptions may differ)."""
    by_name = {str(s): s for s in derived.domains}
    return {s: by_name[str(s)] for s in written.domains if str(s) in by_name}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_a_vector_example_is_emitted_and_verified(name, dtype, tmp_path, capsys):
    pytest.importorskip("jax")
    path, out = ROOT / "examples" / f"{name}.deriv", tmp_path / "grad.py"
    args = ["check", str(path), "--emit", "jax", "-o", str(out), "--verify"]
    assert main([*args, "--samples", "2000", "--dtype", dtype]) == 0, capsys.readouterr().out
    assert f"def {name}(z, y" in out.read_text(encoding="utf-8")


def test_the_focal_example_is_checked_and_emitted_but_fails_verify_non_finite(tmp_path, capsys):
    """examples/softmax_focal.deriv: proved, emitted; its (1 − s)^γ∘(1 − s)^(−1) computes
    0·∞ where a probability rounds to 1, so --verify fails there (the file says why)."""
    pytest.importorskip("jax")
    path, out = ROOT / "examples" / "softmax_focal.deriv", tmp_path / "focal.py"
    assert main(["check", str(path)]) == 0
    focal = "-sum(y∘(1 - softmax(z))^γ∘log(softmax(z)))"
    assert derive(focal, "z", ["z in R^K", "y in simplex(K)", "γ >= 1"]).proof.ok
    args = ["check", str(path), "--emit", "jax", "-o", str(out), "--verify", "--samples", "400"]
    assert main(args) == 1
    assert "non-finite" in capsys.readouterr().out
    assert "def softmax_focal(z, y, γ)" in out.read_text(encoding="utf-8")
