"""`bce-check plot`: a figure for every derivation, one-line errors, matplotlib on demand."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import derivations
from bce_check.cli import main
from bce_check.render.plot import (
    _axes as _plot_axes,
)
from bce_check.render.plot import (
    _instances as _plot_instances,
)
from bce_check.render.plot import (
    _scalar as _plot_scalar,
)
from bce_check.render.plot import is_scalar, new_figure

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SCALAR = [n for n in derivations.names() if is_scalar(derivations.get(n))]
# one of vector arguments with two closed forms (a gradient and a Jacobian): the
# others take the same path, and each costs seconds of compiling (see the report)
MATRIX = ["softmax_cross_entropy"]


@pytest.fixture(autouse=True)
def _small(monkeypatch):
    """Fewer grid points and instances: the figures' structure, not their resolution."""
    monkeypatch.setattr(_plot_axes, "POINTS", 200)
    monkeypatch.setattr(_plot_instances, "INSTANCES", 16)


def _fails_with(argv: list[str], capsys, *parts: str) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1, err
    for part in parts:
        assert part in err


def test_the_catalogue_has_scalar_and_matrix_derivations():
    assert set(SCALAR) == {
        "sigmoid_derivative",
        "bce_logit_gradient",
        "bce_from_likelihood",
        "bce_second_derivative",
    }
    assert not set(MATRIX) & set(SCALAR)


@pytest.mark.parametrize("name", SCALAR)
def test_scalar_figure_function_closed_form_and_error(name):
    derivation = derivations.get(name)
    figure = _plot_scalar.draw(derivation, new_figure)
    panels = figure.axes
    identity = not derivation.wrt
    assert len(panels) == (2 if identity else 3)
    for ax in panels[:-1]:  # the function (and closed form): linear near 0, no staircase
        assert ax.get_xscale() == "linear"
        assert ax.get_xlim()[0] >= -_plot_axes.LINEAR - 1 and ax.get_xlim()[1] <= 10 + 1
    error = panels[-1]
    if name != "bce_from_likelihood":  # logits: the whole sampled range, ±10⁴
        assert error.get_xscale() == "symlog" and error.get_xlim() == (-1e4, 1e4)
    dots = [line for line in error.get_lines() if line.get_marker() == "."]
    values = np.concatenate([line.get_ydata() for line in dots])
    tolerance = next(line for line in error.get_lines() if "tolerance" in line.get_label())
    assert values.size and (values < tolerance.get_ydata()[0]).all()  # a correct closed form


def test_loss_panel_reads_around_its_minima():
    figure = _plot_scalar.draw(derivations.get("bce_logit_gradient"), new_figure)
    loss = figure.axes[0]
    assert loss.get_yscale() == "linear"  # no symlog kink at 1
    bottom = loss.get_ylim()[0]
    below_one = [t for t in loss.yaxis.get_minorticklocs() if bottom < t < 1]
    assert below_one  # ticks between 0 and the minima log 2, H(0.1) = 0.325
    labels = [t for t in figure.axes[1].get_legend_handles_labels()[1] if "minimum" in t]
    assert any("u = 0: minimum L(u) = 0.6931" in t for t in labels)  # p = 1/2: log 2
    assert sum("L(u) = 0.3251" in t for t in labels) == 2  # p = 0.1 and 0.9: H(0.1)


@pytest.mark.parametrize("name", MATRIX)
def test_matrix_figure_error_per_instance_and_reference(name, tmp_path, monkeypatch, capsys):
    drawn = []  # the figure the CLI draws, to read what it shows
    draw = _plot_instances.draw
    monkeypatch.setattr(_plot_instances, "draw", lambda *a: drawn.append(draw(*a)) or drawn[-1])
    path = tmp_path / f"{name}.png"
    assert main(["plot", name, "-o", str(path)]) == 0
    assert capsys.readouterr().out.strip() == str(path)
    assert path.read_bytes().startswith(PNG_SIGNATURE)
    derivation, (figure,) = derivations.get(name), drawn
    assert len(figure.axes) == len(derivation.closed_forms)
    for ax in figure.axes:
        labels = ax.get_legend_handles_labels()[1]
        for reference in ("jax.grad", "jax.jvp", "finite-difference", "complex-step"):
            assert any(label.startswith(f"{reference}: max error") for label in labels)
        points = [line for line in ax.get_lines() if line.get_marker() in "os^D"]
        assert len(points) == 4
        for line in points:  # one per instance, each within the tolerance (drawn at 1)
            assert len(line.get_ydata()) == _plot_instances.INSTANCES
            assert (line.get_ydata() < 1).all()


def test_plot_defaults_to_name_png_in_the_current_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["plot", "sigmoid_derivative"]) == 0
    assert capsys.readouterr().out.strip() == "sigmoid_derivative.png"
    data = (tmp_path / "sigmoid_derivative.png").read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 20_000  # three panels of curves


def test_unknown_name_exits_2(tmp_path, capsys):
    _fails_with(["plot", "nonsense", "-o", str(tmp_path / "x.png")], capsys, "unknown derivation")


def test_unwritable_path_exits_2(tmp_path, capsys):
    path = tmp_path / "no such directory" / "x.png"
    _fails_with(["plot", "sigmoid_derivative", "-o", str(path)], capsys, "cannot write")
    _fails_with(["plot", "sigmoid_derivative", "-o", str(tmp_path)], capsys, "cannot write")


def test_unknown_image_format_exits_2(tmp_path, capsys):
    path = tmp_path / "x.docx"
    _fails_with(["plot", "sigmoid_derivative", "-o", str(path)], capsys, "'docx'", "png")


def test_an_argument_without_levels_exits_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(_plot_scalar, "LEVELS", {})
    path = tmp_path / "x.png"
    message = "plot has no values to draw for p ∈ Interval(0, 1)"
    _fails_with(["plot", "bce_logit_gradient", "-o", str(path)], capsys, message)
    assert not path.exists()


def test_missing_matplotlib_exits_2_saying_what_to_install(tmp_path):
    # a fresh interpreter in which `import matplotlib` fails, as where it is not installed
    path = tmp_path / "x.png"
    code = (
        "import sys\n"
        "sys.modules['matplotlib'] = None\n"
        "from bce_check.cli import run\n"
        f"sys.argv = ['bce-check', 'plot', 'sigmoid_derivative', '-o', {str(path)!r}]\n"
        "run()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert done.stderr == (
        "bce-check: error: bce-check plot needs matplotlib: pip install 'bce-check[plot]'\n"
    )
    assert not path.exists()


def test_prove_does_not_import_matplotlib():
    code = (  # one derivation: the import path is the same for all, and this stays fast
        "import sys, io, contextlib\n"
        "from bce_check.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['prove', 'sigmoid_derivative']) == 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'jax')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


EXAMPLES = __import__("pathlib").Path(__file__).parent.parent / "examples"
POS_WEIGHT = ["--expr", "-w·p·log(σ(u)) - (1 - p)·log(1 - σ(u))", "--wrt", "u",
              "--where", "p in [0, 1]", "--where", "w > 0"]  # fmt: skip


@pytest.mark.parametrize(
    "source", [["--file", str(EXAMPLES / "focal.deriv")], POS_WEIGHT], ids=["file", "expr"]
)
def test_plot_draws_a_derivation_file_or_an_expression(source, tmp_path, capsys):
    out = tmp_path / "own.png"
    assert main(["plot", *source, "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert out.read_bytes().startswith(PNG_SIGNATURE)


@pytest.mark.parametrize(
    ("argv", "part"),
    [
        (["plot", "--expr", "u^2"], "--wrt"),  # --expr without --wrt
        (["plot", "bce_logit_gradient", "--expr", "u^2", "--wrt", "u"], "one of NAME"),
        (["plot", "--expr", "u^2 +", "--wrt", "u"], "unexpected end of input"),
        (["plot", "--file", "no-such.deriv"], "cannot read"),
    ],
)
def test_plot_of_bad_input_exits_2(argv, part, tmp_path, capsys):
    assert main([*argv, "-o", str(tmp_path / "x.png")]) == 2
    assert part in capsys.readouterr().err and not (tmp_path / "x.png").exists()
