"""The figure of a derivation of scalar arguments: function, closed form, error.

Panels share the x axis, the variable the derivation differentiates by, across the
range its sampler draws from.  When that range spans both signs (the logits' ±10⁴)
the axis is linear within ±LINEAR, where σ has its S shape and the losses their
minima, and logarithmic beyond (``_plot_axes``).

1. the function f, as emitted (the stable JAX definition), one curve per value of the
   other arguments (p ∈ [0, 1]: 0.1, 0.5, 0.9; a label in {0, 1}: 0 and 1);
2. the emitted closed form c (∂f/∂x, ∂²f/∂x², or for an identity nothing: c = f), its
   zeros (stationary points of f, marked on both panels) and an interior extreme;
3. the harness's error of c against r = autodiff of f (jax.grad, jax.hessian, or f
   itself for an identity): |c − r| / (|r| + s), s the closed form's scale, beside
   the tolerance ULP_BUDGET·ε (``_tolerances.compare`` and ``tolerance``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sympy import Derivative, FiniteSet, Interval, S

from bce_check.check import Problem, in_float64
from bce_check.check.tolerance import ULP_BUDGET, compare, tolerance
from bce_check.render.plot import _axes as axes
from derivations import Derivation, DomainError

LEVELS = {  # the values of a non-plotted argument, one curve each, by its domain
    Interval(0, 1): (0.1, 0.5, 0.9),  # soft labels: near either end and the middle
    FiniteSet(0, 1): (0.0, 1.0),  # hard labels
    S.Reals: (-2.0, 0.0, 2.0),  # a real parameter: either sign and zero
    Interval(0, S.Infinity): (0.0, 1.0, 2.0),  # γ >= 0: the end and two sizes past it
    Interval.open(0, S.Infinity): (0.5, 1.0, 2.0),  # w > 0: below, at and above 1
}
EPS = float(np.finfo(np.float64).eps)
FLOOR = 1e-3  # an error of exactly 0 is drawn at FLOOR·ε, below any rounding error


@dataclass(frozen=True)
class Curve:
    """One setting of the other arguments: its label and the values on the grid."""

    label: str
    function: np.ndarray
    closed_form: np.ndarray
    error: np.ndarray  # inf where the closed form is not finite, nan where r is not


def draw(derivation: Derivation, new_figure: Callable, problem: Problem | None = None) -> Any:
    """The figure for ``derivation`` (all of its arguments scalars).

    ``problem``: the harness's Problem of its closed form (default: the catalogue's, by
    name; a user's derivation brings its own, ``bce_check.verify.user_problem``).

    The function and closed-form panels show the variable within ±LINEAR on a linear
    axis (σ's S shape, a loss's minima); the error panel shows the whole sampled range.
    """
    from bce_check.printing.notation import text
    from bce_check.verify import problem as problem_for

    problem = problem or problem_for(derivation.name)
    x, two_signed = axes.grid(axes.extent(dict(problem.samplers)[problem.wrt]))
    curves = _evaluate(problem, x, _settings(derivation, problem.wrt))
    figure = new_figure(8.0, 9.0 if problem.order else 6.5)
    panels = figure.subplots(3 if problem.order else 2, 1)
    near = np.abs(x) <= axes.LINEAR if two_signed else np.ones(x.shape, bool)
    zoomed = [_zoom(c, near) for c in curves]
    names = _names(derivation)
    variable = text(next(a for a in derivation.arguments if str(a) == problem.wrt))
    _draw_function(panels[0], x[near], zoomed, names, problem.order)
    if problem.order:
        panels[1].sharex(panels[0])
        panels[0].tick_params(labelbottom=False)
        _draw_closed_form(panels[1], panels[0], x[near], zoomed, names, problem)
    panels[-2].set_xlabel(f"{variable}   (linear scale)")
    _draw_error(panels[-1], x, curves, problem)
    for ax in panels:
        ax.grid(True, which="major", alpha=0.3)
    if two_signed:
        note = axes.two_signed_x(panels[-1], x)
        panels[-1].axvspan(-axes.LINEAR, axes.LINEAR, color="0.92", zorder=0)
        panels[-1].set_xlabel(f"{variable}   ({note}; shaded: the range drawn above)")
    else:
        panels[-1].set_xlabel(f"{variable}   (linear scale)")
    figure.suptitle(f"{derivation.name}: {derivation.title}", fontsize="large")
    return figure


def _zoom(curve: Curve, near: np.ndarray) -> Curve:
    return Curve(curve.label, curve.function[near], curve.closed_form[near], curve.error[near])


def _settings(derivation: Derivation, variable: str) -> list[dict[str, float]]:
    """Every combination of LEVELS for the arguments other than the variable."""
    others = [a for a in derivation.arguments if str(a) != variable]
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


@in_float64
def _evaluate(problem: Problem, x: np.ndarray, settings: list[dict[str, float]]) -> list[Curve]:
    """f, the closed form and its error against autodiff at every grid point, per setting."""
    import jax
    import jax.numpy as jnp

    from bce_check.check import autodiff

    reference = autodiff(problem.f, problem.order, problem.arguments.index(problem.wrt))
    scale = problem.scale

    def at(*args):
        r, c = reference(*args), problem.grad(*args)
        s = scale(*args) if callable(scale) else scale
        valid, _, error, _ = compare(c, r, 0.0, s, EPS)
        return problem.f(*args), c, jnp.where(valid, error, jnp.nan)

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
    """The function's name, the closed form's name, and the formulas of both, as text."""
    from bce_check.printing.notation import text

    closed = next((c for c in derivation.closed_forms if not c.suffix), derivation.closed_forms[0])
    function = closed.lhs.expr if isinstance(closed.lhs, Derivative) else closed.lhs
    if not isinstance(closed.lhs, Derivative) and not closed.wrt:
        return text(function), text(function), text(closed.function), text(closed.rhs)
    return text(function), text(closed.lhs), text(closed.function), text(closed.rhs)


def _draw_function(ax: Any, x, curves: list[Curve], names, order: int) -> None:
    f_name, _, f_text, c_text = names
    for k, curve in enumerate(curves):
        ax.plot(x, curve.function, color=f"C{k}", label=curve.label or f_name)
    if order:
        ax.set(title=f"{f_name} = {f_text}   (emitted definition)", ylabel=f_name)
    else:  # an identity: the closed form is the same function, written another way
        ax.set(title=f"{f_name} = {f_text} = {c_text}", ylabel=f_name)
    axes.fit_y(ax, [c.function for c in curves])
    if curves[0].label:  # one curve per setting of the other arguments: say which
        ax.legend(fontsize="small")


def _draw_closed_form(ax: Any, top: Any, x, curves: list[Curve], names, problem) -> None:
    f_name, d_name, _, d_text = names
    for k, curve in enumerate(curves):
        ax.plot(x, curve.closed_form, color=f"C{k}")  # the legend above says which
    ax.set(title=f"{d_name} = {d_text}   (emitted closed form)", ylabel=d_name)
    axes.fit_y(ax, [c.closed_form for c in curves])
    scale = problem.scale if not callable(problem.scale) else 1.0
    if problem.order == 1:  # a zero of the first derivative is a stationary point of f
        _mark_zeros(top, ax, x, curves, (f_name, d_name, problem.wrt))
    _mark_extremes(ax, x, curves, (d_name, problem.wrt), float(scale))
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small")


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


def _mark_zeros(top: Any, middle: Any, x, curves: list[Curve], names) -> None:
    """Zeros of the closed form, on both panels, named in the legend once per kind."""
    f_name, d_name, variable = names
    stationary: dict[float, list[tuple[float, float]]] = {1.0: [], -1.0: []}
    for curve in curves:
        for x0, direction in _zeros(x, curve.closed_form):
            value = float(np.interp(x0, x, curve.function))
            stationary[direction].append((x0, value))
            top.plot(x0, value, "o", mfc="white", mec="black", zorder=3)
            middle.plot(x0, 0.0, "o", mfc="white", mec="black", zorder=3)
    for direction, kind in ((1.0, "minimum"), (-1.0, "maximum")):
        for x0, value in sorted(stationary[direction]):
            where = f"{variable} = {_number(x0)}"
            label = f"{d_name} = 0 at {where}: {kind} {f_name} = {_number(value)}"
            middle.plot([], [], "o", mfc="white", mec="black", label=label)


def _interior_extreme(x: np.ndarray, d: np.ndarray, largest: bool, scale: float) -> int | None:
    """Where ``d`` is largest (smallest), unless at an end of the grid.

    Values within the harness tolerance of the best count as equal (σ' is 1/4 to rounding
    for |z| < 1.5e-8, a few ulps above it at some points): of that plateau, the grid
    point nearest its middle (z = 0).
    """
    values = d if largest else -d
    best = np.nanmax(values)
    near_best = tolerance(best, scale, EPS)
    if not (best > values[0] + near_best and best > values[-1] + near_best):
        return None
    near = values >= best - near_best
    first = last = int(np.nanargmax(values))
    while near[first - 1]:  # the ends are not near: these stop inside the grid
        first -= 1
    while near[last + 1]:
        last += 1
    middle = (x[first] + x[last]) / 2
    return first + int(np.argmin(np.abs(x[first : last + 1] - middle)))


def _mark_extremes(ax: Any, x, curves: list[Curve], names, scale: float) -> None:
    """Interior largest and smallest values, one legend entry for curves that share one."""
    d_name, variable = names
    found: dict[tuple[str, str, str], list[str]] = {}
    for curve in curves:
        for largest, marker, word in ((True, "^", "largest"), (False, "v", "smallest")):
            i = _interior_extreme(x, curve.closed_form, largest, scale)
            if i is not None:
                ax.plot(x[i], curve.closed_form[i], marker, color="black")
                where = (word, _number(curve.closed_form[i]), _number(x[i]))
                found.setdefault(where, []).append(curve.label)
    for (word, value, at), labels in found.items():
        marker = "^" if word == "largest" else "v"
        label = f"{word} {d_name}: {value} at {variable} = {at}"
        if len(labels) < len(curves):  # not shared by every curve: say whose it is
            label += f" ({'; '.join(labels)})"
        ax.plot([], [], marker, color="black", label=label)


def _draw_error(ax: Any, x, curves: list[Curve], problem: Problem) -> None:
    """Errors on a log axis: exact zeros at a floor, non-finite closed forms at the top,
    the harness tolerance as a line."""
    # in units of |r| + s the tolerance of _tolerances.compare is ULP_BUDGET·ε
    relative, floor = tolerance(0.0, 1.0, EPS), FLOOR * EPS
    finite = [c.error[np.isfinite(c.error)] for c in curves]
    ceiling = max(100 * relative, 10 * max((e.max() for e in finite if e.size), default=0.0))
    for k, curve in enumerate(curves):
        e, color = curve.error, f"C{k}"
        positive, exact = np.isfinite(e) & (e > 0), e == 0
        ax.plot(x[positive], e[positive], ".", ms=2, color=color, label=curve.label or "error")
        ax.plot(x[exact], np.full(exact.sum(), floor), ".", ms=2, color=color)
    label = "closed form not finite (drawn at the top)"
    for k, curve in enumerate(curves):
        broken = np.isinf(curve.error)
        if broken.any():
            top = np.full(broken.sum(), ceiling)
            ax.plot(x[broken], top, "x", ms=3, color=f"C{k}", label=label)
            label = "_nolegend_"  # one entry for all curves
    ax.axhline(relative, color="C3", ls="--", lw=1.2, label=f"tolerance {ULP_BUDGET}·ε")
    exact = f"error exactly 0 (drawn at ε/{1 / FLOOR:g})"
    ax.axhline(floor, color="0.4", ls=":", lw=1, label=exact)
    ax.set_yscale("log")
    ax.set_ylim(floor / 5, ceiling * 30)  # headroom above the top markers for the legend
    against = {0: "the definition", 1: "jax.grad of f", 2: "jax.hessian of f"}[problem.order]
    s = "s: see the derivation" if callable(problem.scale) else f"s = {problem.scale:g}"
    ax.set(
        title=f"error of the closed form c against r = {against} ({s})",
        ylabel="|c − r| / (|r| + s)",
    )
    axes.legend_with_big_markers(ax, ncols=2)
