"""Golden regression: every closed form still means what the reviewed golden file says.

Each registered closed form is re-derived and checked equal to its golden line
(``derivations/golden/closed_forms.txt``) with the proof's own equality check, matrix
results written out at the derivation's shapes.  A closed form that changes meaning
fails with both texts and the check's finding; one that only prints differently passes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from sympy import MatMul, MatrixSymbol, Transpose

import derivations
from bce_check.cli import main
from bce_check.golden import (
    GOLDEN,
    UPDATE,
    GoldenFileError,
    GoldenLine,
    closed_forms,
    compare,
    emitted_name,
    read,
    report,
    symbol_table,
)
from bce_check.render import text
from derivations import FAILED, PROVED, ClosedForm, Derivation
from derivations.functions import sigmoid

GOLDEN_LINES = read()


def mismatches(derivation: Derivation, golden: dict[str, GoldenLine]) -> list[str]:
    """A report for each closed form of ``derivation`` that its golden line does not match."""
    found = []
    for closed in derivation.closed_forms:
        name = emitted_name(derivation, closed)
        if name not in golden:
            found.append(f"{name}: no golden line; add it with {UPDATE} (after review)")
        elif (check := compare(derivation, closed, golden[name].rhs)).verdict == FAILED:
            found.append(report(golden[name], derivation, closed, check))
    return found


@pytest.mark.parametrize("name", derivations.names())
def test_closed_forms_mean_what_the_golden_file_says(
    name: str, catalogue: dict[str, Derivation]
) -> None:
    problems = mismatches(catalogue[name], GOLDEN_LINES)
    assert not problems, "\n\n".join(problems)


def test_every_golden_line_names_a_registered_closed_form(
    catalogue: dict[str, Derivation],
) -> None:
    current = closed_forms(list(catalogue.values()))
    stale = [f"{g.name} ({g.where})" for g in GOLDEN_LINES.values() if g.name not in current]
    assert not stale, f"golden lines that name no closed form: {', '.join(stale)}; {UPDATE}"


def test_every_golden_line_is_proved_equal_today(catalogue: dict[str, Derivation]) -> None:
    """Today's file was written from today's closed forms: each line is proved, not only
    numerically equal (a numeric-only match would pass the test above).
    """
    for name, (derivation, closed) in closed_forms(list(catalogue.values())).items():
        check = compare(derivation, closed, GOLDEN_LINES[name].rhs)
        assert check.verdict == PROVED, (name, check)


def _with_rhs(derivation: Derivation, suffix: str, rhs) -> tuple[Derivation, ClosedForm]:
    """A copy of ``derivation`` whose closed form ``suffix`` has another right-hand side."""
    changed = tuple(
        replace(c, rhs=rhs) if c.suffix == suffix else c for c in derivation.closed_forms
    )
    copy = replace(derivation, closed_forms=changed)
    return copy, next(c for c in changed if c.suffix == suffix)


def _changed_forms(catalogue: dict[str, Derivation]) -> list[tuple[Derivation, str, str]]:
    """(changed derivation, golden text, new text): a sign flipped, a 1/m dropped, Wᵀx lost."""
    logit = catalogue["bce_logit_gradient"]
    u, p = logit.arguments
    batch = catalogue["batch_gradient"]
    X = batch.arguments[0]
    residual = batch.closed_forms[0].rhs.args[-1]  # σ(X·θ) - y
    logistic = catalogue["logistic_regression_gradient"]
    _, b, _, y = logistic.arguments
    changes = [
        (logit, "", p - sigmoid(u), "σ(u) - p"),
        (batch, "", MatMul(Transpose(X), residual), "(1/m)·Xᵀ·(σ(X·θ) - y)"),
        (logistic, "b", sigmoid(b) - y, "σ(Wᵀ·x + b) - y"),
    ]
    return [(_with_rhs(d, suffix, rhs)[0], was, text(rhs)) for d, suffix, rhs, was in changes]


def test_a_changed_closed_form_is_reported_with_both_texts(
    catalogue: dict[str, Derivation],
) -> None:
    """p - σ(u) for σ(u) - p, Xᵀ·(σ(X·θ) - y) without 1/m, σ(b) - y for σ(Wᵀ·x + b) - y."""
    for derivation, golden_text, new_text in _changed_forms(catalogue):
        problems = mismatches(derivation, GOLDEN_LINES)
        assert len(problems) == 1, (derivation.name, problems)
        message = problems[0]
        assert "changed meaning" in message
        assert "golden: " in message and golden_text in message
        assert "new:    " in message and new_text in message
        assert "check:  failed: differs at " in message
        assert UPDATE in message


def test_a_matrix_difference_names_the_entries_as_printed(
    catalogue: dict[str, Derivation],
) -> None:
    batch = next(d for d, _, _ in _changed_forms(catalogue) if d.name == "batch_gradient")
    message = mismatches(batch, GOLDEN_LINES)[0]
    assert "differs at X[0,0]=" in message and "θ[0,0]=" in message
    assert "at m = 3, n = 2" in message  # the first explicit shape already tells them apart


# Equivalent reprints of today's golden right-hand sides: other orders, other algebra.
REPRINTED = [
    ("bce_logit_gradient", "-p + σ(u)"),
    ("sigmoid_derivative", "σ(z)·σ(-z)"),
    ("sigmoid_derivative", "e^(-z)/(1 + e^(-z))^2"),
    ("bce_from_likelihood", "-y·log(ŷ) - log(1 - ŷ) + y·log(1 - ŷ)"),
    ("batch_gradient", "(Xᵀ·(σ(X·θ) - y))/m"),
    ("batch_gradient", "Xᵀ·σ(X·θ)/m - (Xᵀ·y)/m"),
    ("logistic_regression_gradient", "σ(xᵀ·W + b)·x - y·x"),
    ("logistic_regression_gradient_b", "-y + σ(b + Wᵀ·x)"),
    ("softmax_cross_entropy", "-y + softmax(z)"),
    ("softmax_cross_entropy_jacobian", "diag(softmax(z)) - softmax(z)·(softmax(z))ᵀ"),
    ("batch_hessian", "Xᵀ·diag(σ(X·θ)∘σ(-X·θ))·X/m"),
    ("l2_regularised_gradient", "λ·θ + (1/m)·Xᵀ·(-y + σ(X·θ))"),
    ("elastic_net_gradient", "(1/m)·Xᵀ·(σ(X·θ) - y) + λ·α·sign(θ) + λ·θ - λ·α·θ"),
]


@pytest.mark.parametrize(("name", "reprint"), REPRINTED)
def test_a_reprinted_golden_line_still_matches(
    name: str, reprint: str, catalogue: dict[str, Derivation]
) -> None:
    derivation, closed = closed_forms(list(catalogue.values()))[name]
    golden = {**GOLDEN_LINES, name: replace(GOLDEN_LINES[name], rhs=reprint)}
    assert reprint != GOLDEN_LINES[name].rhs
    assert compare(derivation, closed, reprint).verdict == PROVED
    assert mismatches(derivation, golden) == []


def test_a_missing_golden_line_is_reported(catalogue: dict[str, Derivation]) -> None:
    logistic = catalogue["logistic_regression_gradient"]
    golden = {k: v for k, v in GOLDEN_LINES.items() if k != "logistic_regression_gradient_b"}
    (problem,) = mismatches(logistic, golden)
    assert problem.startswith("logistic_regression_gradient_b: no golden line")


def test_a_golden_line_that_does_not_parse_is_reported(
    catalogue: dict[str, Derivation],
) -> None:
    derivation, closed = closed_forms([catalogue["batch_gradient"]])["batch_gradient"]
    check = compare(derivation, closed, "(1/m)·Xᵀ·(σ(X·w) - y)")
    assert check.verdict == FAILED
    assert "the golden text does not parse: unknown name 'w' at column 15" in check.method


def test_symbols_are_named_as_printed(catalogue: dict[str, Derivation]) -> None:
    table = symbol_table(catalogue["elastic_net_gradient"])
    assert set(table) == {"X", "θ", "y", "λ", "α", "m", "n"}
    assert all(text(symbol) == shown for shown, symbol in table.items())
    assert isinstance(table["θ"], MatrixSymbol)
    assert "ŷ" in symbol_table(catalogue["bce_from_likelihood"])


def test_the_golden_file_is_regenerated_only_on_request(tmp_path: Path, capsys) -> None:
    written = tmp_path / "closed_forms.txt"
    assert main(["golden", "--write", "--path", str(written)]) == 0
    assert capsys.readouterr().out == f"wrote {len(GOLDEN_LINES)} closed forms to {written}\n"
    lines = read(written)
    assert lines.keys() == GOLDEN_LINES.keys()
    assert written.read_text(encoding="utf-8").startswith("# Golden closed forms")
    assert main(["golden", "--path", str(written)]) == 0  # a fresh file matches itself
    assert capsys.readouterr().out == "all match\n"
    assert GOLDEN.is_file()


def test_a_changed_golden_line_exits_1_with_its_report(tmp_path: Path, capsys) -> None:
    changed = tmp_path / "closed_forms.txt"
    today = GOLDEN.read_text(encoding="utf-8")
    line = f"bce_logit_gradient: {GOLDEN_LINES['bce_logit_gradient'].lhs} = "
    assert f"{line}σ(u) - p\n" in today
    changed.write_text(today.replace(f"{line}σ(u) - p\n", f"{line}p - σ(u)\n"), "utf-8")
    assert main(["golden", "--path", str(changed)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("bce_logit_gradient: the closed form changed meaning")
    assert out.endswith(f"1 closed form(s) differ from {changed}\n")


def test_a_malformed_golden_line_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "closed_forms.txt"
    broken.write_text("# header\nsigmoid_derivative σ(z)\n", encoding="utf-8")
    with pytest.raises(GoldenFileError, match=r"closed_forms\.txt:2: expected 'name: lhs = rhs'"):
        read(broken)


def test_a_repeated_golden_line_is_refused(tmp_path: Path) -> None:
    twice = tmp_path / "closed_forms.txt"
    twice.write_text("a: x = 1\nb: y = 2\na: x = 3\n", encoding="utf-8")
    with pytest.raises(GoldenFileError, match=r"closed_forms\.txt:3: 'a' repeats line 1"):
        read(twice)


def test_a_missing_golden_file_exits_2_naming_it(tmp_path: Path, capsys) -> None:
    assert main(["golden", "--path", str(tmp_path / "nowhere.txt")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("bce-check: error: ") and "nowhere.txt: No such file" in err


ROOT = Path(__file__).parent.parent
GOLDEN_IN_WHEEL = "derivations/golden/closed_forms.txt"


def test_the_golden_file_ships_in_the_wheel_and_is_read_from_it(tmp_path: Path) -> None:
    """Build the wheel (from a copy: the build writes build/ and *.egg-info next to the
    sources), find the golden file in it, and run ``python -m bce_check.golden`` (which
    is ``bce-check golden``) from the unpacked wheel, outside any source checkout.
    """
    source = tmp_path / "source"
    source.mkdir()
    shutil.copy(ROOT / "pyproject.toml", source)
    shutil.copy(ROOT / "README.md", source)
    for package in ("derivations", "bce_check"):
        shutil.copytree(
            ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    subprocess.run([*pip, "-w", str(tmp_path / "dist"), str(source)], check=True, timeout=120)
    (wheel,) = (tmp_path / "dist").glob("bce_check-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = archive.read(GOLDEN_IN_WHEEL).decode("utf-8")
        archive.extractall(tmp_path / "installed")
        in_wheel = set(archive.namelist())
    assert shipped == (ROOT / GOLDEN_IN_WHEEL).read_text(encoding="utf-8")
    sources = {
        p.relative_to(source).as_posix()
        for package in ("derivations", "bce_check")
        for p in (source / package).rglob("*.py")
    }
    assert "bce_check/render/plot/__init__.py" in sources  # a subpackage two deep
    assert sources <= in_wheel, sorted(sources - in_wheel)  # packages.find: every subpackage
    where = tmp_path / "elsewhere"
    where.mkdir()
    environment = {**os.environ, "PYTHONPATH": str(tmp_path / "installed")}
    where_from = subprocess.run(
        [sys.executable, "-c", "import bce_check.golden as g; print(g.__file__)"],
        cwd=where,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert where_from.stdout.startswith(str(tmp_path / "installed"))  # not the checkout
    run = subprocess.run(
        [sys.executable, "-m", "bce_check.golden"],
        cwd=where,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == "all match"
