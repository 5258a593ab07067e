"""``bce-check plot``: one figure per derivation, showing what its closed form does and how
closely it agrees with the references.

* A derivation of scalar arguments (σ', dL/du, L'', the BCE identity): the function,
  its closed form, and the closed form's error against autodiff across the sampled
  range of the variable, in panels sharing the x axis (``_plot_scalar``).
* A derivation of vector or matrix arguments (∇J(θ), ∂CE/∂z, the Hessian …): for each
  closed form, its error against each reference of the harness (jax.grad, forward
  mode, finite differences, complex step) on every sampled instance, as a fraction of
  the harness's tolerance at that instance (``_plot_instances``).

Everything is computed in float64 with the harness's own samplers, references and
tolerance model (``_tolerances``).  matplotlib (``pip install 'bce-check[plot]'``) and
JAX are imported only here, and only when a figure is drawn.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sympy import Symbol

import derivations
from derivations import BceCheckError, Derivation


def _float64(function):
    """JAX's float64 on while a figure is computed, as it was afterwards (lazy import)."""

    def wrapped(*args, **kwargs):
        from bce_check.check import float64

        with float64():
            return function(*args, **kwargs)

    wrapped.__doc__, wrapped.__name__ = function.__doc__, function.__name__
    return wrapped

INSTALL = "pip install 'bce-check[plot]'"
DPI = 120


class MissingMatplotlib(BceCheckError):
    """``bce-check plot`` was asked for, but matplotlib is not installed."""


@_float64
def plot(name: str | Derivation, path: str | Path) -> Path:
    """Draw the figure for derivation ``name`` (or a Derivation) and write it to ``path``.

    A Derivation of one's own (``derivations.load``, ``derivations.derive``) is drawn as
    a catalogue one of scalar arguments is.  The format follows the suffix (PNG when
    there is none).  Raises UnknownDerivation, DomainError (an argument domain the plot
    has no values for), MissingMatplotlib, or BceCheckError (an unwritable path, an
    unknown image format, a proof that failed).  Returns the path.
    """
    derivation = name if isinstance(name, Derivation) else derivations.get(name)
    path = Path(path)
    _require_writable(path)
    require_matplotlib()
    image_format = _format(path)
    if isinstance(name, Derivation):
        figure = _draw_own(derivation)
    elif is_scalar(derivation):
        from bce_check.render.plot._scalar import draw

        figure = draw(derivation, new_figure)
    else:
        from bce_check.render.plot._instances import draw

        figure = draw(derivation, new_figure)
    try:
        figure.savefig(path, format=image_format)
    except OSError as error:
        raise BceCheckError(f"cannot write {path}: {error.strerror}") from error
    return path


def _draw_own(derivation: Derivation) -> Any:
    """The scalar figure of a derivation outside the catalogue, on its own Problem."""
    from bce_check.render.plot._scalar import draw
    from bce_check.verify import user_code, user_problem

    if not is_scalar(derivation):
        raise BceCheckError(
            f"plot draws a derivation of your own when its arguments are scalars; "
            f"{derivation.name} has vector or matrix arguments"
        )
    if not derivation.proof.ok:
        raise BceCheckError(
            f"{derivation.name}: the proof failed ({derivation.proof.verdict}); nothing to draw "
            "(see: bce-check check or derive)"
        )
    return draw(derivation, new_figure, user_problem(user_code(derivation)))


def is_scalar(derivation: Derivation) -> bool:
    """Every argument a scalar Symbol: drawn against its variable, else per instance."""
    return all(isinstance(a, Symbol) for a in derivation.arguments)


def require_matplotlib() -> None:
    """MissingMatplotlib, naming what to install, unless matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as error:
        raise MissingMatplotlib(f"bce-check plot needs matplotlib: {INSTALL}") from error


def new_figure(width: float, height: float) -> Any:
    """An empty Figure on an Agg canvas: no pyplot, so no global state and no GUI."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _require_writable(path: Path) -> None:
    """BceCheckError now, before any computing, if ``path`` cannot be written."""
    folder = path.parent
    if path.is_dir():
        raise BceCheckError(f"cannot write {path}: it is a directory")
    if not folder.is_dir():
        raise BceCheckError(f"cannot write {path}: no directory {folder}")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise BceCheckError(f"cannot write {path}: permission denied")


def _format(path: Path) -> str:
    """The image format named by the suffix of ``path`` (png without one)."""
    from matplotlib.backend_bases import FigureCanvasBase

    image_format = path.suffix[1:].lower() or "png"
    known = FigureCanvasBase.get_supported_filetypes()
    if image_format not in known:
        raise BceCheckError(
            f"cannot write {path}: unknown image format {image_format!r}; "
            f"allowed: {', '.join(sorted(known))}"
        )
    return image_format
