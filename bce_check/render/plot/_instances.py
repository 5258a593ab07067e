"""The figure of a derivation of vector or matrix arguments: error per sampled instance.

One panel per closed form, at the shape ``verify`` draws for it (seed 0).  Each of
INSTANCES random instances (X, θ, y … drawn by the harness's samplers, extremes
included) is checked as the harness checks it: the candidate c (the emitted closed
form) against each reference r (jax.grad or jax.hessian, forward mode, finite
differences, complex step where f is analytic), entry by entry, with the tolerance
T = 16·ε·(|r| + s) + (the finite-difference error bound, for that reference)
of ``_tolerances.compare``.  A point shows, for one instance and one reference, the
largest |c − r| / T over the entries: below 1 the instance passes, and how far below
says how much room the closed form leaves.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from bce_check.check import Problem, in_float64
from bce_check.check.tolerance import ULP_BUDGET, compare
from bce_check.render.plot import _axes as axes
from derivations import Derivation

INSTANCES = 200  # per closed form: enough to see the spread, small enough to read
SEED = 0  # the seed of verify's default run, so the shapes are the ones it checks
FLOOR = 1e-8  # errors below FLOOR·T are drawn at FLOOR: so far below T, the size is noise
MARKERS = ("o", "s", "^", "D")  # one per reference, open, slightly apart along x


@dataclass(frozen=True)
class Errors:
    """Per instance, for one reference: the error and the error over the tolerance."""

    reference: str
    error: np.ndarray  # max over entries of |c − r| / (|r| + s); nan: r not finite
    ratio: np.ndarray  # max over entries of |c − r| / T; inf: c not finite


def draw(derivation: Derivation, new_figure: Callable) -> Any:
    """The figure for ``derivation``: a panel per closed form."""
    from bce_check.printing.notation import text
    from bce_check.verify import plan

    problems = [problem for problem, _ in plan(derivation.name, INSTANCES, SEED)]
    figure = new_figure(9.0, 1.0 + 3.6 * len(problems))
    panels = np.atleast_1d(figure.subplots(len(problems), 1, squeeze=False)[:, 0])
    for ax, problem, form in zip(panels, problems, derivation.closed_forms, strict=True):
        errors = _errors(problem)
        _draw(ax, errors)
        ax.set_title(f"{text(form.lhs)} at {problem.name.split(' ', 1)[-1]}", fontsize="medium")
    figure.suptitle(f"{derivation.name}: {derivation.title}", fontsize="large")
    return figure


def _analytic_f(problem: Problem) -> tuple[Callable | None, str]:
    """The complex-safe f for complex step, or None and why not (as the harness decides)."""
    import jax

    from bce_check.check import analytic

    if problem.order == 2:
        return None, "complex step of jax.grad needs holomorphic autodiff"
    if problem.analytic_f is not None or problem.order == 0:
        return problem.analytic_f, ""
    example = [jax.ShapeDtypeStruct(s.shape, "float64") for _, s in problem.samplers]
    applicable, why = analytic(problem.f, example, problem.arguments.index(problem.wrt))
    return (problem.f if applicable else None), why


@in_float64
def _errors(problem: Problem) -> list[Errors]:
    """Each reference's errors on INSTANCES instances, with the harness's own stages."""
    import jax
    import jax.numpy as jnp

    from bce_check.check import candidate_stage, reference_stage

    analytic_f, skipped = _analytic_f(problem)
    scale, scale_fn = (0.0, problem.scale) if callable(problem.scale) else (problem.scale, None)
    key = replace(problem, grad=None, name="")  # keyed as the harness keys it: shared code
    names, evaluate = reference_stage(key, "float64", analytic_f, scale_fn, INSTANCES)
    args, s, values = evaluate(jnp.uint32(SEED), jnp.uint32(0), scale)
    candidate = candidate_stage(problem.grad, s.shape[1])(args)
    eps = float(jnp.finfo(jnp.float64).eps)
    per_point = jax.jit(jax.vmap(lambda c, r, extra, s: compare(c, r, extra, s, eps)))
    errors = []
    for name, (r, extra) in zip(names, values, strict=True):
        valid, _, error, ratio = (np.asarray(v) for v in per_point(candidate, r, extra, s))
        errors.append(Errors(name, np.where(valid, error, np.nan), np.where(valid, ratio, np.nan)))
    if analytic_f is None and problem.order != 0:
        why = textwrap.fill(f"complex-step: not used ({skipped})", 50, subsequent_indent="  ")
        errors.append(Errors(why, np.array([]), np.array([])))
    return errors


def _draw(ax: Any, errors: list[Errors]) -> None:
    """Error over tolerance per instance and reference, on a log axis with the line at 1."""
    ratios = np.concatenate([e.ratio for e in errors])
    positive = ratios[np.isfinite(ratios) & (ratios > FLOOR)]
    ceiling = max(10.0, 10 * positive.max()) if positive.size else 10.0
    instance = np.arange(1, INSTANCES + 1)
    for k, e in enumerate(errors):
        if not e.ratio.size:  # a reference that does not apply: named in the legend only
            ax.plot([], [], " ", label=e.reference)
            continue
        x = instance + 0.18 * (k - 1.5)  # side by side: equal values stay visible
        color, marker = f"C{k}", MARKERS[k % len(MARKERS)]
        shown = np.where(e.ratio <= FLOOR, FLOOR, np.where(np.isinf(e.ratio), ceiling, e.ratio))
        largest = np.nanmax(e.error) if np.isfinite(e.error).any() else np.nan
        worst = np.nanmax(e.ratio) if np.isfinite(e.ratio).any() else np.nan
        label = f"{e.reference}: max error {largest:.2g}, {worst:.2g} of the tolerance"
        ax.plot(x, shown, marker, ms=3, mfc="none", mec=color, mew=0.8, ls="none", label=label)
    ax.axhline(1.0, color="C3", ls="--", lw=1.2, label="tolerance (error = T)")
    ax.axhline(FLOOR, color="0.4", ls=":", lw=1, label=f"below {FLOOR:g}·T or exactly 0")
    ax.set_yscale("log")
    ax.set_ylim(FLOOR / 3, ceiling * 3)
    ax.set_xlim(0, INSTANCES + 1)
    ax.set_xlabel(f"sampled instance (seed {SEED})")
    ax.set_ylabel(f"max |c − r| / T\nT = {ULP_BUDGET}·ε·(|r| + s) + FD bound")
    ax.grid(True, which="major", alpha=0.3)
    axes.legend_with_big_markers(ax, ncols=2, loc="upper center", bbox_to_anchor=(0.5, -0.2))
