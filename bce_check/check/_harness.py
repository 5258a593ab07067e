"""The JAX checker: a closed-form gradient against autodiff, finite differences and complex step.

For every sampled point x the candidate c(x) is compared with four references r(x):

* ``jax.grad``: reverse-mode autodiff of f (``jax.jacrev``);
* ``jax.jvp``: forward-mode autodiff of f (``jax.jacfwd``);
* ``finite-difference``: central differences with a step chosen per dtype and point;
* ``complex-step``: Im f(x + ih)/h, only where f is analytic and calls no host code
  (Squire & Trapp, SIAM Review 40, 1998; see ``_witnesses.analytic``).

The tolerance model, the verdict rule and the oracle's rule are stated once, in
``bce_check.check.tolerance``.  Everything runs as jitted, vmapped stages per chunk of up
to CHUNK points (``_stages.py``); statistics are merged on the host, so memory does not
grow with samples.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from bce_check.check._arguments import (
    DTYPES,
    MAX_SAMPLES,
    in_order,
    match,
    scale_value,
    validate,
    whole_number,
)
from bce_check.check._disputed import Disputed, audit_indices
from bce_check.check._judge import build, judge
from bce_check.check._references import analytic, autodiff_is_jax_own
from bce_check.check._stages import (
    CHUNK,
    EAGER_CHUNK,
    Totals,
    candidate_bound_stage,
    candidate_stage,
    chunk_size,
    reduce_stage,
    reference_bound_stage,
    reference_stage,
)
from bce_check.check._traced import (
    _bound,
    _derivative_shape,
    _opaque,
    _pilot_scale,
    _trace_check,
    _trimmed,
)
from bce_check.check._verdicts import oracle_result, overruled
from bce_check.check._x64 import enable_x64, float64, in_float64
from bce_check.check.tolerance import (
    AUDIT,
    DEFAULT_ORACLE_POINTS,
    FD_SAFETY,
    REFERENCE_DTYPE,
    ULP_BUDGET,
    arbitrated,
)
from bce_check.domains import Sampler
from bce_check.report import Report, Result, Verdict

REFERENCES = ("jax.grad", "jax.jvp", "finite-difference", "complex-step")
__all__ = ["CHUNK", "DTYPES", "FD_SAFETY", "MAX_SAMPLES", "ULP_BUDGET", "Problem"]
__all__ += ["check_gradient", "enable_x64", "float64", "in_float64", "run"]


@dataclass(frozen=True)
class Problem:
    """What to check: f, its claimed derivative ``grad`` w.r.t. ``wrt``, and input samplers."""

    name: str
    f: Callable
    grad: Callable
    samplers: tuple[tuple[str, Sampler], ...]  # a mapping is accepted and stored as pairs
    wrt: str
    scale: float | Callable | None = None
    analytic_f: Callable | None = None  # a complex-safe f for complex step; None: try f
    order: int = 1  # 1: grad is ∂f/∂wrt; 2: the second derivative; 0: grad equals f
    note: str = ""  # said in the report (how the inputs were chosen, for instance)

    def __post_init__(self) -> None:
        if isinstance(self.samplers, Mapping):
            object.__setattr__(self, "samplers", tuple(self.samplers.items()))

    @property
    def arguments(self) -> list[str]:
        return [name for name, _ in self.samplers]

    def draw(self, seed, start, count: int, dtype) -> list:
        """The arguments of points start … start + count − 1, one stream per argument."""
        return [s.draw(seed, k, start, count, dtype) for k, (_, s) in enumerate(self.samplers)]


@lru_cache(maxsize=256)
def _complex_step_plan(problem: Problem, index: int) -> tuple[Callable | None, str]:
    """(the f complex step differentiates, or None; why it is skipped)."""
    import jax
    if problem.order == 2:
        return None, "complex step of jax.grad needs holomorphic autodiff"
    if problem.analytic_f is not None or problem.order != 1:
        return problem.analytic_f, ""
    wide = [jax.ShapeDtypeStruct(s.shape, REFERENCE_DTYPE) for _, s in problem.samplers]
    applicable, skipped = analytic(problem.f, wide, index)
    return (problem.f if applicable else None), skipped


@dataclass(frozen=True)
class Sweep:
    """What a sweep over a counter range needs: the stages' keys, the seed and the scale."""

    problem: Problem  # its grad is the candidate, its draw the inputs
    key: Problem  # the reference stage's cache key (the problem without its candidate)
    dtype: str
    analytic_f: Callable | None
    scale_fn: Callable | None
    chunk: int
    seed: int
    scale: float
    disputed: Disputed | None = None  # where the points the oracle judges are collected
    size: int = 1  # entries of the derivative at one point


def local_sweep(job: Sweep, start: int, stop: int, progress=None) -> dict[str, Totals]:
    """Points start … stop − 1 chunk by chunk on the default device: Totals per reference.

    A chunk where some point fails the tight test is compared again with ρ_r + ρ_c added
    (``tolerance.py``): passing runs never pay for ρ.
    """
    import jax
    import jax.numpy as jnp
    problem = job.problem
    references, evaluate = reference_stage(
        job.key, job.dtype, job.analytic_f, job.scale_fn, job.chunk
    )
    reduce = reduce_stage(job.disputed is not None)
    totals = {r: Totals() for r in references}
    for first in range(start, stop, job.chunk):
        count = min(job.chunk, stop - first)
        args, s, values = evaluate(jnp.uint32(job.seed), jnp.uint32(first), job.scale)
        width, eager = s.shape[1], job.chunk <= EAGER_CHUNK
        candidate = candidate_stage(problem.grad, width, eager)(args)
        stats, points = jax.device_get(
            reduce(candidate, s, values, count, jnp.zeros_like(candidate))
        )
        if any(int(st["fails"]) for st in stats):
            rho_r = reference_bound_stage(job.key, width, tuple(references))(args)
            rho_c = candidate_bound_stage(problem.grad, width)(args)
            values = [(r, e + b) for (r, e), b in zip(values, rho_r, strict=True)]
            stats, points = jax.device_get(reduce(candidate, s, values, count, rho_c))
        inputs = [np.asarray(a) for a in args]  # on the CPU backend: host memory already
        if job.disputed is not None:
            job.disputed.add(first, inputs, np.asarray(candidate), points, count, job.size)
        for reference, chunk_stats in zip(references, stats, strict=True):
            chunk_stats["worst"] = [a[int(chunk_stats["worst"])] for a in inputs]
            totals[reference].add(chunk_stats, count)
        if progress is not None:
            progress(count)
    return totals


def run(
    problem: Problem,
    samples: int = 1_000_000,
    seed: int = 0,
    dtype: str = "float64",
    progress: Callable[[int], None] | None = None,
    sweep: Callable | None = None,
    *,
    oracle_points: int = DEFAULT_ORACLE_POINTS,
    audit: int = AUDIT,
) -> Report:
    """Check ``problem`` on ``samples`` seeded points; the same seed gives the same report.

    ``sweep`` runs the points' counter range and returns each reference's Totals
    (default: ``local_sweep``, chunk by chunk on the default device; see
    ``bce_check.check._devices`` for several devices and ``_distributed`` for processes).
    The oracle judges the disputed points and ``audit`` seeded ones, ``oracle_points`` at
    most (0: off; ``tolerance.py``).  float64 is on for this computation only.
    """

    samples = validate(problem.samplers, problem.wrt, problem.f, problem.grad, samples, dtype)
    seed = whole_number(seed, "seed", 0, 2**32 - 1)
    oracle_points = whole_number(oracle_points, "oracle_points", 0, MAX_SAMPLES)
    audit = whole_number(audit, "audit", 0, MAX_SAMPLES)
    with float64():
        return _run(problem, samples, seed, dtype, progress, sweep, oracle_points, audit)


def _run(problem, samples, seed, dtype, progress, sweep, oracle_points, audit) -> Report:
    scale = scale_value(problem.scale)
    started = time.perf_counter()
    index = problem.arguments.index(problem.wrt)
    _trace_check(problem, dtype, index)
    key = replace(problem, grad=None, name="")  # the references depend on f, not on grad
    analytic_f, skipped = _complex_step_plan(key, index)
    notes = [f"{problem.name}: {problem.note}"] if problem.note else []
    scale_fn = scale if callable(scale) else None
    oracle, reason = build(problem, index) if oracle_points else (None, "oracle_points=0")
    scale = _screen_scale(problem, scale, oracle, index, seed, dtype, samples, notes)
    shape = _derivative_shape(key, index)
    disputed = Disputed(oracle_points, audit_indices(seed, samples, audit)) if oracle else None
    size = int(np.prod(shape, dtype=int))
    job = Sweep(problem, key, dtype, analytic_f, scale_fn, chunk_size(samples), seed, scale,
                disputed, size)
    totals = (sweep or local_sweep)(job, 0, samples, progress)
    results = [t.result(problem.name, r, dtype, problem.arguments) for r, t in totals.items()]
    results = [_trimmed(r, size) for r in results]
    if oracle is None:
        results = arbitrated(results, totals, autodiff_is_jax_own(key))
        summary = {"available": False, "unavailable_reason": reason}
    else:
        verdicts = judge(oracle, problem, dtype, disputed, shape, _bound(problem, size),
                         scale_fn if scale_fn is not None else scale)
        results, summary = overruled(results, totals, verdicts), verdicts.summary
        results.append(oracle_result(problem, dtype, verdicts))
    if analytic_f is None and problem.order != 0:
        results.append(
            Result(
                problem.name, "complex-step", dtype, 0, np.nan, np.nan, {}, Verdict.SKIPPED,
                skipped,
            )
        )  # fmt: skip
    seconds = time.perf_counter() - started
    summary = {"name": problem.name, **summary}
    return Report(tuple(results), samples, seed, seconds, tuple(notes), (summary,))


def _screen_scale(problem, scale, oracle, index, seed, dtype, samples, notes) -> float:
    """The screen's number s: 0 for a scale function (applied per point) and, with the
    oracle, per point from the candidate's own rounding ρ_c; without the oracle, or for a
    candidate whose rounding ρ_c cannot see (host code), the largest gradient seen."""
    if callable(scale):
        return 0.0
    if scale is not None:
        return scale
    if oracle is not None and not _opaque(problem, dtype):
        return 0.0
    scale = _pilot_scale(problem, index, seed, dtype, chunk_size(samples))
    notes.append(f"{problem.name}: gradient scale s = {scale:.3g} (largest |jax.grad| seen)")
    return scale


def check_gradient(
    f: Callable,
    grad: Callable,
    domains: Mapping[str, Sampler],
    wrt: str,
    samples: int = 1_000_000,
    seed: int = 0,
    dtype: str = "float64",
    *,
    scale: float | Callable | None = None,
    name: str | None = None,
    progress: Callable[[int], None] | None = None,
    oracle_points: int = DEFAULT_ORACLE_POINTS,
    audit: int = AUDIT,
) -> Report:
    """Check that ``grad`` is the derivative of ``f`` with respect to ``wrt``.

    ``f(*args)`` and ``grad(*args)`` are JAX-traceable functions of one point;
    ``domains`` maps each of f's parameters, by name, to its sampler
    (``bce_check.domains``): a function without usable parameter names (``*args``)
    takes them in the order given, and the report says so.  ``grad`` returns ∂f/∂wrt
    (the shape of ``jax.jacrev(f)``).  It is compared with jax.grad, forward mode,
    central differences and (where f is analytic and calls no host code) complex step,
    under the tolerance model (``bce_check.check.tolerance``); ``scale`` (finite, > 0)
    is the size of the gradient's terms (default: per point, from the candidate's own
    rounding).  The oracle (f's formula at high precision) judges every disputed point
    and ``audit`` seeded ones, ``oracle_points`` at most (0: off).  Returns a Report;
    ``report.ok`` is True only when no reference and no oracle judgement disagrees,
    and at least one reference compared enough points and agreed.
    """
    samplers, by_order = match(f, domains)
    arguments = [n for n, _ in samplers]
    note = f"{by_order} ({', '.join(arguments)})" if by_order else ""
    candidate = in_order(grad, arguments) if callable(grad) else grad
    problem = Problem(name or getattr(f, "__name__", "f"), f, candidate, samplers, wrt,
                      scale_value(scale), note=note)
    return run(problem, samples, seed, dtype, progress,
               oracle_points=oracle_points, audit=audit)
