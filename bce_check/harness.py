"""The JAX checker: a closed-form gradient against autodiff, finite differences and complex step.

For every sampled point x the candidate c(x) is compared with four references r(x):

* ``jax.grad``: reverse-mode autodiff of f (``jax.jacrev``);
* ``jax.jvp``: forward-mode autodiff of f (``jax.jacfwd``);
* ``finite-difference``: central differences with a step chosen per dtype and point;
* ``complex-step``: Im f(x + ih)/h, only where f is analytic (see ``_witnesses.analytic``).

The tolerance model (per point, per component of the gradient).  ε is the dtype's
machine epsilon and s the gradient's *scale*: the size of the terms the gradient is
computed from (1/4 for σ', the bound of σ(1 − σ); 1 for σ(u) − p; for a user's
function, the largest |jax.grad| seen on the first chunk unless given).

* Autodiff and complex step: ``|c − r| ≤ ULP_BUDGET·ε·(|r| + s)``.  A correct c and a
  correct r are each a handful of operations on quantities no larger than |r| + s,
  each operation within about an ulp of its inputs' size; 8 ulp for each side is
  generous for the short forms here, hence 16.  The absolute part ε·s is what makes
  a right answer with a rounding-level absolute error pass: σ(z)(1 − σ(z)) returns 0
  at z = 40 where the truth is 4.2e-18, an error of 2e-17·s, far below 16ε·s = 8.9e-16.
  Smallest relative error detected where |r| ≥ s: 2·ULP_BUDGET·ε = 7.1e-15 (float64).
* Finite differences: D(h) = (f(x + h) − f(x − h))/2h has a truncation error
  h²·f‴/6, estimated by Richardson as |D(2h) − D(h)|/3, and a rounding error of at
  most ULP_BUDGET·ε·T/2h from evaluating f, where T = |f(x + h)| + |f(x − h)| +
  2·s·max(‖x‖₁, 1) is the size of the terms f is computed from (a function whose
  slope is bounded by s sums terms up to about |f| + s·|x|: log(1 + e^u) − p·u at
  u = 5, p = 1 is 0.0067 made of terms of size 5; and near 0 the terms are still of
  size s: σ(u) − p at u = 0, p = 1/2).  The tolerance is the autodiff one plus
  FD_SAFETY times the sum of the two.  h = ε^{1/3}·max(|x|, 1) balances them (the
  step is then made exact: h = (x + h) − x).
* A candidate that is NaN or infinite where the reference is finite fails.  Points
  where a reference is not finite are not compared (and not counted in ``points``).

Everything runs as jitted, vmapped functions per chunk of up to CHUNK points; the
per-chunk statistics (counts, maxima, the worst point, a log histogram for the
median) are merged on the host, so memory does not grow with the number of samples.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import numpy as np

from derivations import DomainError

from ._stages import CHUNK, Totals, candidate_stage, chunk_size, reduce_stage, reference_stage
from ._tolerances import FD_SAFETY, ULP_BUDGET
from ._witnesses import analytic, autodiff
from .domains import Sampler
from .report import SKIPPED, Report, Result

MAX_SAMPLES = 1 << 32  # sample indices are 32-bit counters
DTYPES = ("float32", "float64")
REFERENCES = ("jax.grad", "jax.jvp", "finite-difference", "complex-step")
__all__ = ["CHUNK", "FD_SAFETY", "ULP_BUDGET", "Problem", "check_gradient", "enable_x64", "run"]


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


def enable_x64() -> None:
    """Switch JAX to allow float64: the one place bce-check does it, at the harness's entry."""
    import jax

    if not jax.config.jax_enable_x64:
        jax.config.update("jax_enable_x64", True)


def _validate(problem: Problem, samples: int, dtype: str) -> None:
    if dtype not in DTYPES:
        raise DomainError(f"dtype {dtype!r} is not supported; allowed: {', '.join(DTYPES)}")
    if not isinstance(samples, int) or not 1 <= samples < MAX_SAMPLES:
        raise DomainError(
            f"samples must be a whole number from 1 to {MAX_SAMPLES - 1:,}, got {samples!r}"
        )
    if not problem.samplers:
        raise DomainError("domains is empty: give a sampler for each argument of f")
    if problem.wrt not in problem.arguments:
        raise DomainError(
            f"wrt={problem.wrt!r} is not one of the arguments {', '.join(problem.arguments)}"
        )
    bad = [k for k, v in problem.samplers if not isinstance(v, Sampler)]
    if bad:
        raise DomainError(
            f"domains[{bad[0]!r}] is not a sampler; use bce_check.domains "
            "(logits(), labels(), hard_labels(), features())"
        )
    for label, fn in (("f", problem.f), ("grad", problem.grad)):
        if not callable(fn):
            raise DomainError(f"{label} must be a function of {', '.join(problem.arguments)}")


def _trace_check(problem: Problem, example: list, index: int) -> None:
    """Trace f and grad abstractly once, so a user's mistake is a clear error, not a jit trace."""
    import jax

    try:
        expected = jax.eval_shape(autodiff(problem.f, problem.order, index), *example).shape
    except Exception as error:
        raise DomainError(f"jax.grad of f failed on a sample input: {error}") from error
    try:
        got = jax.eval_shape(problem.grad, *example).shape
    except Exception as error:
        raise DomainError(f"grad failed on a sample input: {error}") from error
    if got != expected:
        raise DomainError(
            f"grad returns shape {got}, but the derivative of f with respect to "
            f"{problem.wrt} has shape {expected}"
        )


def _pilot_scale(problem: Problem, index: int, seed: int, dtype: str, chunk: int) -> float:
    """The largest finite |jax.grad f| over the first chunk: the default gradient scale."""
    import jax
    import jax.numpy as jnp

    @jax.jit
    def largest(seed):
        args = problem.draw(seed, 0, chunk, dtype)
        g = jax.vmap(autodiff(problem.f, problem.order, index))(*args)
        keep = jnp.isfinite(g)
        return jnp.max(jnp.where(keep, jnp.abs(g), 0.0))

    return max(float(largest(jnp.uint32(seed))), float(np.finfo(dtype).tiny))


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


def local_sweep(job: Sweep, start: int, stop: int, progress=None) -> dict[str, Totals]:
    """Points start … stop − 1 chunk by chunk on the default device: Totals per reference."""
    import jax
    import jax.numpy as jnp

    references, evaluate = reference_stage(
        job.key, job.dtype, job.analytic_f, job.scale_fn, job.chunk
    )
    reduce = reduce_stage()
    totals = {r: Totals() for r in references}
    for first in range(start, stop, job.chunk):
        count = min(job.chunk, stop - first)
        args, s, values = evaluate(jnp.uint32(job.seed), jnp.uint32(first), job.scale)
        candidate = candidate_stage(job.problem.grad, s.shape[1])(args)
        stats = jax.device_get(reduce(candidate, s, values, count))
        inputs = [np.asarray(a) for a in args]  # on the CPU backend: host memory already
        for reference, chunk_stats in zip(references, stats, strict=True):
            chunk_stats["worst"] = [a[int(chunk_stats["worst"])] for a in inputs]
            totals[reference].add(chunk_stats)
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
) -> Report:
    """Check ``problem`` on ``samples`` seeded points; the same seed gives the same report.

    ``sweep`` runs the points' counter range and returns each reference's Totals
    (default: ``local_sweep``, chunk by chunk on the default device; see
    ``bce_check._devices`` for several devices and processes).
    """
    _validate(problem, samples, dtype)
    if not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise DomainError(f"seed must be a whole number from 0 to 2**32 - 1, got {seed!r}")
    enable_x64()
    import jax

    started = time.perf_counter()
    arguments = problem.arguments
    index = arguments.index(problem.wrt)
    example = [jax.ShapeDtypeStruct(sampler.shape, dtype) for _, sampler in problem.samplers]
    _trace_check(problem, example, index)
    analytic_f, skipped = problem.analytic_f, ""
    if problem.order == 2:
        analytic_f, skipped = None, "complex step of jax.grad needs holomorphic autodiff"
    elif analytic_f is None and problem.order == 1:
        applicable, skipped = analytic(problem.f, example, index)
        analytic_f = problem.f if applicable else None
    notes = [f"{problem.name}: {problem.note}"] if problem.note else []
    chunk = chunk_size(samples)
    scale, scale_fn = problem.scale, None
    if callable(scale):
        scale, scale_fn = 0.0, scale
    elif scale is None:
        scale = _pilot_scale(problem, index, seed, dtype, chunk)
        notes.append(f"{problem.name}: gradient scale s = {scale:.3g} (largest |jax.grad| seen)")
    # the reference stage depends on f, not on the candidate: key it without grad
    key = replace(problem, grad=None, name="")
    job = Sweep(problem, key, dtype, analytic_f, scale_fn, chunk, seed, scale)
    totals = (sweep or local_sweep)(job, 0, samples, progress)
    results = [t.result(problem.name, r, dtype, arguments) for r, t in totals.items()]
    if analytic_f is None and problem.order != 0:
        results.append(
            Result(problem.name, "complex-step", dtype, 0, np.nan, np.nan, {}, SKIPPED, skipped)
        )
    return Report(tuple(results), samples, seed, time.perf_counter() - started, tuple(notes))


def check_gradient(
    f: Callable,
    grad: Callable,
    domains: Mapping[str, Sampler],
    wrt: str,
    samples: int = 1_000_000,
    seed: int = 0,
    dtype: str = "float64",
    *,
    scale: float | None = None,
    name: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Check that ``grad`` is the derivative of ``f`` with respect to ``wrt``.

    ``f(*args)`` and ``grad(*args)`` are JAX-traceable functions of one point, taking
    the arguments named in ``domains`` in that order; ``grad`` returns ∂f/∂wrt (the
    shape of ``jax.jacrev(f)``).  Each argument is drawn from its sampler
    (``bce_check.domains``).  ``grad`` is compared with jax.grad, forward mode,
    central differences and (where f is analytic) complex step, with the tolerances
    of this module; ``scale`` is the size of the gradient's terms (default: the
    largest |jax.grad f| on the first chunk).  Returns a Report; ``report.ok`` is
    False when any reference disagrees anywhere.
    """
    problem = Problem(name or getattr(f, "__name__", "f"), f, grad, dict(domains), wrt, scale)
    return run(problem, samples, seed, dtype, progress)
