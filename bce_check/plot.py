"""``bce-check plot``: a scalar derivation's function, closed form and error, in one figure.

Three panels share the x axis, the variable the derivation differentiates by, across
the range its sampler draws from (a symmetric log scale when that range spans both
signs, as the logits' ±10⁴ does):

1. the function, as emitted (the stable JAX definition), one curve per value of the
   other arguments (p ∈ [0, 1]: 0.1, 0.5, 0.9; a label in {0, 1}: 0 and 1);
2. the emitted closed form, with its zeros (stationary points of the function, marked
   on both panels) and an interior largest or smallest value marked (σ'(0) = 1/4);
3. the harness's error of the closed form c against r = ``jax.grad`` of the definition,
   |c − r| / (|r| + s) with s the derivation's scale, beside the tolerance ULP_BUDGET·ε.

Everything is computed by one jitted, vmapped JAX function in float64.  matplotlib and
JAX are imported only here, and only when a figure is drawn.
"""

from __future__ import annotations

import itertools
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sympy import Derivative, FiniteSet, Interval, S, Symbol

import derivations
from derivations import BceCheckError, Derivation, DomainError

from .domains import Sampler
from .harness import ULP_BUDGET, Problem, enable_x64

LEVELS = {  # the values of a non-plotted argument, one curve each, by its domain
    Interval(0, 1): (0.1, 0.5, 0.9),  # soft labels: near either end and the middle
    FiniteSet(0, 1): (0.0, 1.0),  # hard labels
    S.Reals: (-2.0, 0.0, 2.0),  # a real parameter: either sign and zero
}
SMALLEST = 1e-8  # smallest |x| drawn on a symlog axis: below it every curve here is flat
POINTS = 2000  # grid points per sign (log-spaced), or in all (linear axis)
FLOOR = 1e-3  # an error of exactly 0 is drawn at FLOOR·ε, below any rounding error
FIGSIZE, DPI = (8.0, 9.0), 120
INSTALL = "pip install matplotlib (or pip install -e '.[dev]')"


@dataclass(frozen=True)
class Curve:
    """One setting of the other arguments: its label and the values on the grid."""

    label: str
    function: np.ndarray
    closed_form: np.ndarray
    error: np.ndarray  # inf where the closed form is not finite, nan where jax.grad is not


def plot(name: str, path: str | Path) -> Path:
    """Draw the figure for the scalar derivation ``name`` and write it to ``path``.

    Panels: the emitted definition f, the emitted closed form c = ∂f/∂x, and
    |c − r| / (|r| + s) against r = jax.grad(f), with the harness tolerance
    ULP_BUDGET·ε (harness.py).  The format follows the suffix (PNG when there is none).
    Raises UnknownDerivation, DomainError (matrix arguments, not one first derivative)
    or BceCheckError (an unwritable path, matplotlib missing).  Returns the path written.
    """
    from .verify import problem as problem_for

    derivation = derivations.get(name)
    _require_scalar(derivation)
    path = Path(path)
    _require_writable(path)
    figure = _new_figure()
    image_format = _format(path)
    problem = problem_for(name)
    x, symlog = _grid(_extent(dict(problem.samplers)[problem.wrt]))
    curves = _evaluate(problem, x, _settings(derivation))
    _draw(figure, derivation, float(problem.scale), x, symlog, curves)
    try:
        figure.savefig(path, format=image_format)
    except OSError as error:
        raise BceCheckError(f"cannot write {path}: {error.strerror}") from error
    return path


def _require_scalar(derivation: Derivation) -> None:
    """DomainError unless every argument is a scalar Symbol and there is one variable."""
    matrices = [str(a) for a in derivation.arguments if not isinstance(a, Symbol)]
    if matrices:
        raise DomainError(
            f"plot supports derivations of scalar arguments; {derivation.name} has matrix "
            f"arguments {', '.join(matrices)}"
        )
    if len(derivation.wrt) != 1:
        by = ", ".join(map(str, derivation.wrt)) or "nothing (it is an identity)"
        raise DomainError(
            f"plot draws a first derivative in one variable; {derivation.name} differentiates "
            f"by {by}"
        )


def _require_writable(path: Path) -> None:
    """BceCheckError now, before any computing, if ``path`` cannot be written."""
    folder = path.parent
    if path.is_dir():
        raise BceCheckError(f"cannot write {path}: it is a directory")
    if not folder.is_dir():
        raise BceCheckError(f"cannot write {path}: no directory {folder}")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise BceCheckError(f"cannot write {path}: permission denied")


def _new_figure() -> Any:
    """An empty matplotlib Figure on an Agg canvas: no pyplot, so no global state, no GUI."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as error:
        raise BceCheckError(f"bce-check plot needs matplotlib: {INSTALL}") from error
    figure = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


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


def _extent(sampler: Sampler) -> tuple[float, float]:
    """The smallest and largest value ``sampler`` can draw (offset ± magnitude, per component)."""
    values = []
    for c in sampler.components:
        if c.kind == "constant":
            magnitudes = (c.lo,)
        elif c.kind == "log-uniform":
            magnitudes = (10.0**c.lo, 10.0**c.hi)
        else:
            magnitudes = (c.lo, c.hi)
        signs = (-1, 1) if c.sign == 0 else (c.sign,)
        values += [c.offset + sign * m for sign in signs for m in magnitudes]
    return min(values), max(values)


def _grid(extent: tuple[float, float]) -> tuple[np.ndarray, bool]:
    """Points covering ``extent``: 0 and ±log-spaced when it spans both signs, else linear."""
    lo, hi = extent
    if lo < 0 < hi:
        left = -np.logspace(math.log10(-lo), math.log10(SMALLEST), POINTS)
        right = np.logspace(math.log10(SMALLEST), math.log10(hi), POINTS)
        return np.concatenate([left, [0.0], right]), True
    return np.linspace(lo, hi, 2 * POINTS + 1), False


def _settings(derivation: Derivation) -> list[dict[str, float]]:
    """Every combination of LEVELS for the arguments other than the variable."""
    (variable,) = derivation.wrt
    others = [a for a in derivation.arguments if a != variable]
    levels = []
    for a in others:
        domain = derivation.domains[a]
        if domain not in LEVELS:
            known = ", ".join(str(d) for d in LEVELS)
            raise DomainError(f"plot has no values to draw for {a} ∈ {domain}; known: {known}")
        levels.append(LEVELS[domain])
    return [
        {str(a): v for a, v in zip(others, values, strict=True)}
        for values in itertools.product(*levels)
    ]


def _evaluate(problem: Problem, x: np.ndarray, settings: list[dict[str, float]]) -> list[Curve]:
    """f, the closed form and its error against jax.grad at every grid point, per setting."""
    enable_x64()
    import jax
    import jax.numpy as jnp

    reference = jax.grad(problem.f, argnums=problem.arguments.index(problem.wrt))
    scale = float(problem.scale)

    def at(*args):
        r, c = reference(*args), problem.grad(*args)
        diff = jnp.abs(c - r)
        error = jnp.where(diff == 0, 0.0, jnp.where(jnp.isfinite(diff), diff, jnp.inf))
        error = jnp.where(jnp.isfinite(r), error / (jnp.abs(r) + scale), jnp.nan)
        return problem.f(*args), c, error

    evaluate = jax.jit(jax.vmap(at))
    grid = jnp.asarray(x, jnp.float64)
    curves = []
    for setting in settings:
        args = [
            grid if a == problem.wrt else jnp.full_like(grid, setting[a]) for a in problem.arguments
        ]
        values = [np.asarray(v) for v in evaluate(*args)]
        label = ", ".join(f"{a} = {v:g}" for a, v in setting.items())
        curves.append(Curve(label, *values))
    return curves


def _names(derivation: Derivation) -> tuple[str, str, str, str]:
    """The function's name, the derivative's name, and the formulas of both, as text."""
    from .notation import text

    closed = next((c for c in derivation.closed_forms if not c.suffix), derivation.closed_forms[0])
    function = closed.lhs.expr if isinstance(closed.lhs, Derivative) else Symbol("f")
    return text(function), text(closed.lhs), text(closed.function), text(closed.rhs)


def _number(value: float) -> str:
    return f"{value:.4g}".replace("-", "−")


def _zeros(x: np.ndarray, d: np.ndarray) -> list[tuple[float, float]]:
    """Where ``d`` changes sign: (x, +1) from − to + (a minimum of f), (x, −1) from + to −."""
    sign = np.sign(d)
    found = []
    for i in np.flatnonzero(sign[:-1] * sign[1:] < 0):  # strictly between two grid points
        found.append((x[i] - d[i] * (x[i + 1] - x[i]) / (d[i + 1] - d[i]), sign[i + 1]))
    for i in np.flatnonzero(sign[1:-1] == 0) + 1:  # exactly on a grid point
        if sign[i - 1] * sign[i + 1] < 0:
            found.append((x[i], sign[i + 1]))
    return sorted(found)


def _interior_extreme(x: np.ndarray, d: np.ndarray, largest: bool, scale: float) -> int | None:
    """Where ``d`` is largest (smallest), unless at an end of the grid.

    Values within the harness tolerance of the best count as equal (σ' is 1/4 to rounding
    for |z| < 1.5e-8, a few ulps above it at some points): of that plateau, the grid
    point nearest its middle (z = 0).
    """
    values = d if largest else -d
    best = np.nanmax(values)
    tolerance = ULP_BUDGET * np.finfo(np.float64).eps * (abs(best) + scale)
    if not (best > values[0] + tolerance and best > values[-1] + tolerance):
        return None
    near = values >= best - tolerance
    first = last = int(np.nanargmax(values))
    while near[first - 1]:  # the ends are not near: these stop inside the grid
        first -= 1
    while near[last + 1]:
        last += 1
    middle = (x[first] + x[last]) / 2
    return first + int(np.argmin(np.abs(x[first : last + 1] - middle)))


def _fit_y(ax: Any, values: list[np.ndarray]) -> None:
    """A symlog y axis when the values reach beyond ±100 (a loss at |u| = 10⁴), else linear."""
    if max(np.nanmax(np.abs(v)) for v in values) > 100:
        ax.set_yscale("symlog", linthresh=1.0)


def _draw(figure: Any, derivation: Derivation, scale: float, x, symlog: bool, curves) -> None:
    """The three panels, the shared x axis and the title."""
    f_name, d_name, f_text, d_text = _names(derivation)
    variable = str(derivation.wrt[0])
    top, middle, bottom = figure.subplots(3, 1, sharex=True)
    for k, curve in enumerate(curves):
        top.plot(x, curve.function, color=f"C{k}", label=curve.label or f_name)
        middle.plot(x, curve.closed_form, color=f"C{k}")  # the legend above says which
    top.set(title=f"{f_name} = {f_text}   (emitted definition)", ylabel=f_name)
    middle.set(title=f"{d_name} = {d_text}   (emitted closed form)", ylabel=d_name)
    _fit_y(top, [c.function for c in curves])
    _fit_y(middle, [c.closed_form for c in curves])
    _mark(top, middle, x, curves, (f_name, d_name, variable), scale)
    _draw_error(bottom, x, curves, scale)
    for ax in (top, middle, bottom):
        ax.grid(True, which="major", alpha=0.3)
    if curves[0].label:  # one curve per setting of the other arguments: say which
        top.legend(fontsize="small")
    if middle.get_legend_handles_labels()[0]:
        middle.legend(fontsize="small")
    scale_note = _symlog_x(bottom, x) if symlog else "linear scale"
    bottom.set_xlabel(f"{variable}   ({scale_note})")
    figure.suptitle(f"{derivation.name}: {derivation.title}", fontsize="large")


def _mark(
    top: Any, middle: Any, x, curves: list[Curve], names: tuple[str, str, str], scale: float
) -> None:
    """Zeros of the closed form (on both panels) and its interior largest/smallest value."""
    f_name, d_name, variable = names
    stationary: dict[float, list[float]] = {1.0: [], -1.0: []}
    for curve in curves:
        for x0, direction in _zeros(x, curve.closed_form):
            stationary[direction].append(x0)
            top.plot(x0, np.interp(x0, x, curve.function), "o", mfc="white", mec="black", zorder=3)
            middle.plot(x0, 0.0, "o", mfc="white", mec="black", zorder=3)
    for direction, kind in ((1.0, "minimum"), (-1.0, "maximum")):
        if stationary[direction]:
            where = ", ".join(_number(v) for v in sorted(stationary[direction]))
            label = f"{d_name} = 0 at {variable} = {where}: {kind} of {f_name}"
            middle.plot([], [], "o", mfc="white", mec="black", label=label)
    for curve in curves:
        for largest, marker, word in ((True, "^", "largest"), (False, "v", "smallest")):
            i = _interior_extreme(x, curve.closed_form, largest, scale)
            if i is not None:
                value = _number(curve.closed_form[i])
                label = f"{word} {d_name}: {value} at {variable} = {_number(x[i])}"
                label += f" ({curve.label})" if curve.label else ""
                middle.plot(x[i], curve.closed_form[i], marker, color="black", label=label)


def _draw_error(ax: Any, x, curves: list[Curve], scale: float) -> None:
    """Errors on a log axis: exact zeros at a floor, non-finite closed forms at the top,
    the harness tolerance ULP_BUDGET·ε as a line."""
    eps = float(np.finfo(np.float64).eps)
    tolerance, floor = ULP_BUDGET * eps, FLOOR * eps
    finite = [c.error[np.isfinite(c.error)] for c in curves]
    ceiling = max(100 * tolerance, 10 * max((e.max() for e in finite if e.size), default=0.0))
    for k, curve in enumerate(curves):
        e, color = curve.error, f"C{k}"
        positive, exact = np.isfinite(e) & (e > 0), e == 0
        ax.plot(x[positive], e[positive], ".", ms=2, color=color, label=curve.label or "error")
        ax.plot(x[exact], np.full(exact.sum(), floor), ".", ms=2, color=color)
    label = "closed form not finite (drawn at the top)"
    for k, curve in enumerate(curves):
        broken = np.isinf(curve.error)
        if broken.any():
            ax.plot(
                x[broken], np.full(broken.sum(), ceiling), "x", ms=3, color=f"C{k}", label=label
            )
            label = "_nolegend_"  # one entry for all curves
    ax.axhline(
        tolerance,
        color="C3",
        ls="--",
        lw=1.2,
        label=f"harness tolerance {ULP_BUDGET}·ε = {tolerance:.2g}",
    )
    ax.axhline(
        floor, color="0.4", ls=":", lw=1, label=f"error exactly 0 (drawn at ε/{1 / FLOOR:g})"
    )
    ax.set_yscale("log")
    ax.set_ylim(floor / 5, ceiling * 30)  # headroom above the top markers for the legend
    ax.set(
        title=f"error of the closed form c against r = jax.grad of the definition (s = {scale:g})",
        ylabel="|c − r| / (|r| + s)",
    )
    legend = ax.legend(fontsize="small", ncols=2)
    for handle in legend.legend_handles:  # the 2-point dots would be too small to read
        if hasattr(handle, "set_markersize"):
            handle.set_markersize(6)


def _power_of_ten(value: float) -> str:
    """±10^k as mathtext, 1 for 10⁰, 0 for 0."""
    if value == 0:
        return "0"
    k = round(math.log10(abs(value)))
    sign = "−" if value < 0 else ""
    return f"{sign}1" if k == 0 else f"{sign}$10^{{{k}}}$"


def _symlog_x(ax: Any, x: np.ndarray) -> str:
    """Symmetric log x axis, linear within ±SMALLEST, a labelled tick every few decades.

    Returns a note for the axis label.
    """
    from matplotlib.ticker import FixedLocator

    ax.set_xscale("symlog", linthresh=SMALLEST, linscale=0.5)
    low, high = round(math.log10(SMALLEST)), round(math.log10(np.abs(x).max()))
    step = 2 if high - low > 6 else 1
    decades = [10.0**e for e in range(high, low, -step)]  # none at ±SMALLEST: 0 stands alone
    ticks = [-d for d in decades] + [0.0] + decades[::-1]
    ax.set_xticks(ticks, [_power_of_ten(t) for t in ticks])
    every = [10.0**e for e in range(low, high + 1)]
    ax.xaxis.set_minor_locator(FixedLocator([-d for d in every] + every))
    ax.set_xlim(x[0], x[-1])
    return f"symmetric log scale, linear within ±{_power_of_ten(SMALLEST)}"
