"""The JAX checker: a closed-form gradient against autodiff, finite differences and complex step.

For every sampled point x the candidate c(x) is compared with four references r(x):

* ``jax.grad``: reverse-mode autodiff of f (``jax.jacrev``);
* ``jax.jvp``: forward-mode autodiff of f (``jax.jacfwd``);
* ``finite-difference``: central differences with a step chosen per dtype and point;
* ``complex-step``: Im f(x + ih)/h, only where f is analytic and calls no host code
  (Squire & Trapp, SIAM Review 40, 1998; see ``_witnesses.analytic``).

The tolerance model: the one statement of it (``docs/verdicts.md`` explains it for users).
The points x are drawn in the check's dtype; every reference is computed from those same
points in float64.  ε is the candidate's machine epsilon and s the gradient's *scale*:
the size of the terms the gradient is computed from (1/4 for σ', the bound of σ(1 − σ);
1 for σ(u) − p; for a user's function, the largest |jax.grad| seen on the first chunk
unless given).  Per point and component, c passes against r when

    |c − r| ≤ 16·ε·(|r| + s) + E_r + ρ_r + ρ_c

* 16·ε·(|r| + s) (ULP_BUDGET): a correct c and a correct r made of a handful of
  operations on quantities no larger than |r| + s, each within about an ulp of its
  inputs' size, differ by a few ε·(|r| + s); 8 ulp for each side, hence 16.  The
  absolute part ε·s lets a right answer with a rounding-level absolute error pass:
  σ(z)(1 − σ(z)) returns 0 at z = 40 where the truth is 4.2e-18, an error of 2e-17·s,
  far below 16ε·s = 8.9e-16.
* ρ_r, ρ_c: the reference's and the candidate's own rounding, bounded at that point from
  their programs (``_rounding.running_error``: each operation's inherited error plus 2 ulp
  of its result, to first order).  This is what keeps a right candidate from failing
  because a reference is less accurate than it: ``jax.grad`` of logaddexp(0, u) − p·u is
  exp(u − logaddexp(0, u)), whose argument carries the rounding of a number of size u
  (ρ_r = 1.7e-14 at u = 32 against a tight term of 3.6e-15); a program that forms no
  such term has ρ of a few ulp of |r| + s, so sensitivity is kept where the references
  can vouch for it.  In float32 the references are float64, so ρ_r and E_r are ~2^-29
  of the float32 terms and the candidate is judged against the truth at its own points;
  ρ_c then covers a float32 candidate computed from large terms (z − max z at |z| ≈ 8e3).
  ρ is computed only for chunks where some point fails without it (a point within the
  smaller tolerance is within the larger one), so a passing run does not pay for it.
* E_r, finite differences: D(h) = (f(x + h) − f(x − h))/2h has a truncation error
  h²·f‴/6, estimated by Richardson as |D(2h) − D(h)|/3, and a rounding error of at most
  16·ε·T/2h from evaluating f, where T = |f(x + h)| + |f(x − h)| + 2·s·max(‖x‖₁, 1) is
  the size of the terms f is computed from (a function whose slope is bounded by s sums
  terms up to about |f| + s·|x|).  E_r = FD_SAFETY·(truncation + rounding);
  h = ε^{1/3}·max(|x|, 1) balances them (the step is made exact: h = (x + h) − x).
  Points outside the Taylor regime (D(4h) − D(2h) ≠ 4·(D(2h) − D(h))) are not compared.
  E_r, complex step: 2·tiny/h, below which Im f(x + ih) underflows.
* A candidate that is NaN or infinite where the reference is finite fails.  A float32
  candidate is judged within its range: a point whose float64 reference exceeds float32's
  largest number is not compared, and 16·tiny₃₂ is added to the tolerance (tiny: the
  smallest normal number, below which XLA flushes to 0; ρ charges it per operation too).

Smallest error detected: at a point where neither program forms a term larger than
|r| + s, an error above about 16·ε·(|r| + s) plus a few ulp (3.6e-15·(|r| + s) in float64,
1.9e-6·(|r| + s) in float32); where a program forms larger terms, above its ρ there.

Verdicts (``report.Verdict``): a reference fails if any point fails; it is inconclusive
when it compared fewer than MIN_COMPARED (half) of the sampled points (the others not
finite, counted as ``nonfinite``); a numeric reference is also inconclusive when it fails
only where it disagrees with JAX's own jax.grad as well (``_arbiter.py``: f loses accuracy
there); a check passes only if no reference failed and one passed.  Everything runs as
jitted, vmapped stages per chunk of up to CHUNK points (``_stages.py``); statistics are
merged on the host, so memory does not grow with samples.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from bce_check.check._arbiter import arbitrated, autodiff_is_jax_own
from bce_check.check._arguments import (
    DTYPES,
    MAX_SAMPLES,
    in_order,
    match,
    scale_value,
    validate,
    whole_number,
)
from bce_check.check._references import analytic, autodiff
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
from bce_check.check.tolerance import FD_SAFETY, REFERENCE_DTYPE, ULP_BUDGET
from bce_check.domains import Sampler
from bce_check.report import SKIPPED, Report, Result
from derivations import DomainError

REFERENCES = ("jax.grad", "jax.jvp", "finite-difference", "complex-step")
__all__ = [
    "CHUNK",
    "DTYPES",
    "FD_SAFETY",
    "MAX_SAMPLES",
    "ULP_BUDGET",
    "Problem",
    "check_gradient",
    "enable_x64",
    "run",
]


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


def _trace_check(problem: Problem, dtype: str, index: int) -> None:
    """Trace f and grad abstractly once, so a user's mistake is a clear error, not a jit trace."""
    import jax.numpy as jnp
    expected = _derivative_shape(replace(problem, grad=None, name=""), index)
    got = _output(problem.grad, tuple(s.shape for _, s in problem.samplers), dtype)
    if not jnp.issubdtype(got.dtype, jnp.floating):
        raise DomainError(
            f"grad returns {got.dtype} values; a gradient must be floating point "
            f"({dtype}, like its inputs)"
        )
    if got.shape != expected:
        raise DomainError(
            f"grad returns shape {got.shape}, but the derivative of f with respect to "
            f"{problem.wrt} has shape {expected}"
        )


@lru_cache(maxsize=256)  # traced once per f: a run of many candidates does not retrace it
def _derivative_shape(problem: Problem, index: int) -> tuple:
    import jax
    wide = [jax.ShapeDtypeStruct(s.shape, REFERENCE_DTYPE) for _, s in problem.samplers]
    try:
        return jax.eval_shape(autodiff(problem.f, problem.order, index), *wide).shape
    except Exception as error:
        raise DomainError(f"jax.grad of f failed on a sample input: {error}") from error


@lru_cache(maxsize=256)
def _output(grad: Callable, shapes: tuple, dtype: str):
    import jax
    try:
        return jax.eval_shape(grad, *[jax.ShapeDtypeStruct(shape, dtype) for shape in shapes])
    except Exception as error:
        raise DomainError(f"grad failed on a sample input: {error}") from error


def _pilot_scale(problem: Problem, index: int, seed: int, dtype: str, chunk: int) -> float:
    """The largest finite |jax.grad f| over the first chunk: the default gradient scale."""
    import jax.numpy as jnp
    largest = _pilot_stage(replace(problem, grad=None, name=""), index, dtype, chunk)
    return max(float(largest(jnp.uint32(seed))), float(np.finfo(dtype).tiny))


@lru_cache(maxsize=64)
def _pilot_stage(problem: Problem, index: int, dtype: str, chunk: int) -> Callable:
    import jax
    import jax.numpy as jnp
    @jax.jit
    def largest(seed):
        args = [a.astype(REFERENCE_DTYPE) for a in problem.draw(seed, 0, chunk, dtype)]
        g = jax.vmap(autodiff(problem.f, problem.order, index))(*args)
        keep = jnp.isfinite(g)
        return jnp.max(jnp.where(keep, jnp.abs(g), 0.0))

    return largest


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


def local_sweep(job: Sweep, start: int, stop: int, progress=None) -> dict[str, Totals]:
    """Points start … stop − 1 chunk by chunk on the default device: Totals per reference.

    A chunk where some point fails the tight test is compared again with each program's
    own rounding bound added (ρ_r + ρ_c, see the module docstring): passing runs never
    pay for ρ.
    """
    import jax
    import jax.numpy as jnp
    problem = job.problem
    references, evaluate = reference_stage(
        job.key, job.dtype, job.analytic_f, job.scale_fn, job.chunk
    )
    reduce = reduce_stage()
    totals = {r: Totals() for r in references}
    for first in range(start, stop, job.chunk):
        count = min(job.chunk, stop - first)
        args, s, values = evaluate(jnp.uint32(job.seed), jnp.uint32(first), job.scale)
        width, eager = s.shape[1], job.chunk <= EAGER_CHUNK
        candidate = candidate_stage(problem.grad, width, eager)(args)
        stats = jax.device_get(reduce(candidate, s, values, count, jnp.zeros_like(candidate)))
        if any(int(st["fails"]) for st in stats):
            rho_r = reference_bound_stage(job.key, width, tuple(references))(args)
            rho_c = candidate_bound_stage(problem.grad, width)(args)
            values = [(r, e + b) for (r, e), b in zip(values, rho_r, strict=True)]
            stats = jax.device_get(reduce(candidate, s, values, count, rho_c))
        inputs = [np.asarray(a) for a in args]  # on the CPU backend: host memory already
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
) -> Report:
    """Check ``problem`` on ``samples`` seeded points; the same seed gives the same report.

    ``sweep`` runs the points' counter range and returns each reference's Totals
    (default: ``local_sweep``, chunk by chunk on the default device; see
    ``bce_check.check._devices`` for several devices and ``_distributed`` for processes).
    """
    samples = validate(problem.samplers, problem.wrt, problem.f, problem.grad, samples, dtype)
    seed = whole_number(seed, "seed", 0, 2**32 - 1)
    scale = scale_value(problem.scale)
    enable_x64()
    started = time.perf_counter()
    index = problem.arguments.index(problem.wrt)
    _trace_check(problem, dtype, index)
    analytic_f, skipped = _complex_step_plan(replace(problem, grad=None, name=""), index)
    notes = [f"{problem.name}: {problem.note}"] if problem.note else []
    scale_fn = scale if callable(scale) else None
    if callable(scale):
        scale = 0.0
    elif scale is None:
        scale = _pilot_scale(problem, index, seed, dtype, chunk_size(samples))
        notes.append(f"{problem.name}: gradient scale s = {scale:.3g} (largest |jax.grad| seen)")
    # the reference stage depends on f, not on the candidate: key it without grad
    key = replace(problem, grad=None, name="")
    job = Sweep(problem, key, dtype, analytic_f, scale_fn, chunk_size(samples), seed, scale)
    totals = (sweep or local_sweep)(job, 0, samples, progress)
    results = [t.result(problem.name, r, dtype, problem.arguments) for r, t in totals.items()]
    results = arbitrated(results, totals, autodiff_is_jax_own(key))
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
    scale: float | Callable | None = None,
    name: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Check that ``grad`` is the derivative of ``f`` with respect to ``wrt``.

    ``f(*args)`` and ``grad(*args)`` are JAX-traceable functions of one point;
    ``domains`` maps each of f's parameters, by name, to its sampler
    (``bce_check.domains``): a function without usable parameter names (``*args``)
    takes them in the order given, and the report says so.  ``grad`` returns ∂f/∂wrt
    (the shape of ``jax.jacrev(f)``).  It is compared with jax.grad, forward mode,
    central differences and (where f is analytic and calls no host code) complex step,
    under the tolerance model of this module; ``scale`` (finite, > 0) is the size of
    the gradient's terms (default: the largest |jax.grad f| on the first chunk).
    Returns a Report; ``report.ok`` is True only when no reference disagrees anywhere
    and at least one reference compared enough points and agreed.
    """
    samplers, by_order = match(f, domains)
    arguments = [n for n, _ in samplers]
    problem = Problem(
        name or getattr(f, "__name__", "f"),
        f,
        in_order(grad, arguments) if callable(grad) else grad,
        samplers,
        wrt,
        scale_value(scale),
        note=f"{by_order} ({', '.join(arguments)})" if by_order else "",
    )
    return run(problem, samples, seed, dtype, progress)
