"""`bce-check plot`: a PNG per scalar derivation, one-line errors, matplotlib only on demand."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import pytest
from sympy import MatrixSymbol, Symbol

import derivations
from bce_check.cli import main

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _is_scalar(derivation: derivations.Derivation) -> bool:
    """What `plot` draws: scalar arguments, one first derivative."""
    return all(isinstance(a, Symbol) for a in derivation.arguments) and len(derivation.wrt) == 1


def _fails_with(argv: list[str], capsys, *parts: str) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1, err
    for part in parts:
        assert part in err


@pytest.mark.parametrize("name", derivations.names())
def test_plot_writes_a_png_for_each_scalar_derivation_and_exits_2_otherwise(name, tmp_path, capsys):
    path = tmp_path / f"{name}.png"
    if not _is_scalar(derivations.get(name)):
        _fails_with(["plot", name, "-o", str(path)], capsys, "plot")
        assert not path.exists()
        return
    assert main(["plot", name, "-o", str(path)]) == 0
    assert capsys.readouterr().out.strip() == str(path)
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 50_000  # three panels of curves at 960×1080 pixels: ~150 kB here


def test_plot_defaults_to_name_png_in_the_current_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["plot", "sigmoid_derivative"]) == 0
    assert capsys.readouterr().out.strip() == "sigmoid_derivative.png"
    assert (tmp_path / "sigmoid_derivative.png").read_bytes().startswith(PNG_SIGNATURE)


def test_unknown_name_exits_2(tmp_path, capsys):
    _fails_with(["plot", "nonsense", "-o", str(tmp_path / "x.png")], capsys, "unknown derivation")


def test_unwritable_path_exits_2(tmp_path, capsys):
    path = tmp_path / "no such directory" / "x.png"
    _fails_with(["plot", "sigmoid_derivative", "-o", str(path)], capsys, "cannot write")
    _fails_with(["plot", "sigmoid_derivative", "-o", str(tmp_path)], capsys, "cannot write")


def test_unknown_image_format_exits_2(tmp_path, capsys):
    path = tmp_path / "x.docx"
    _fails_with(["plot", "sigmoid_derivative", "-o", str(path)], capsys, "'docx'", "png")


def test_matrix_arguments_exit_2(tmp_path, monkeypatch, capsys):
    matrix = SimpleNamespace(
        name="logistic_regression",
        arguments=(MatrixSymbol("X", 3, 2), MatrixSymbol("theta", 2, 1), Symbol("b")),
        wrt=(MatrixSymbol("theta", 2, 1),),
    )
    monkeypatch.setattr(derivations, "get", lambda name: matrix)
    message = (
        "plot supports derivations of scalar arguments; "
        "logistic_regression has matrix arguments X, theta"
    )
    _fails_with(["plot", "logistic_regression", "-o", str(tmp_path / "x.png")], capsys, message)


def test_missing_matplotlib_exits_2_saying_what_to_install(tmp_path, monkeypatch, capsys):
    for module in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib → ImportError
    path = tmp_path / "x.png"
    _fails_with(["plot", "sigmoid_derivative", "-o", str(path)], capsys, "pip install matplotlib")
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
