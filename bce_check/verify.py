"""The catalogue's derivations through the harness: emitted JAX code against autodiff & co.

For each closed form of a derivation: the candidate is its emitted code, f the emitted
(stable) function it is the derivative of (or, for an identity, equal to), complex step
uses the analytic printing of f, the inputs come from the samplers for the symbols'
domains, and the scale is the closed form's (or the derivation's).

Vector and matrix arguments are checked at shapes drawn at random for each run from
the seed, one per closed form (sizes 2…32, all different within a shape), so a
transposition or a broadcasting mistake cannot hide behind one fixed shape and a run
of the catalogue covers several m, n and K.  For them a point is one instance
(X, θ, y), and ``samples`` counts scalar inputs drawn: a run checks about
samples / (entries per instance) instances.
"""

from __future__ import annotations

import multiprocessing
import zlib
from collections.abc import Callable
from dataclasses import replace
from functools import cache

import numpy as np
from sympy import Abs, Basic

import derivations
from derivations import ClosedForm, Derivation, DomainError

from . import domains
from ._printers import python_name
from .emit import Emitted, analytic_definitions, emit, jax_function
from .harness import Problem, run
from .report import Report

DEFAULT_SAMPLES = 1_000_000
SIZES = (2, 32)  # the range sizes (m, n, K) are drawn from, per closed form and run
MIN_INSTANCES = 64  # a matrix problem is checked on at least this many instances
WORKERS = 2  # processes the CLI shares a run's problems among (at most one per core)


@cache
def _compiled(name: str) -> tuple[Derivation, Emitted, dict]:
    derivation = derivations.get(name)
    return derivation, emit(derivation, "jax"), analytic_definitions(derivation)


def _shape_symbols(derivation: Derivation) -> list[Basic]:
    sizes = {s for a in derivation.arguments for s in getattr(a, "shape", ()) if s.is_Symbol}
    return sorted(sizes, key=str)


def shape(name: str, index: int, seed: int, draw: int = 0) -> dict:
    """The sizes this run checks closed form ``index`` of ``name`` at ({} for scalars).

    Drawn from (seed, name, index), so each closed form of a run gets its own shape, and
    all different from each other's sizes (m ≠ n): a transposition cannot hide behind
    a square matrix.
    """
    symbols = _shape_symbols(_compiled(name)[0])
    rng = np.random.default_rng([seed, zlib.crc32(name.encode()), index, draw])
    sizes: dict = {}
    for symbol in symbols:
        size = int(rng.integers(SIZES[0], SIZES[1] + 1))
        while size in sizes.values():
            size = int(rng.integers(SIZES[0], SIZES[1] + 1))
        sizes[symbol] = size
    return sizes


def _sampler(argument: Basic, domain, sizes: dict) -> domains.Sampler:
    shape = tuple(int(d.xreplace(sizes)) for d in getattr(argument, "shape", ()))
    if not shape:
        return domains.for_domain(domain)
    matrix = shape[1] != 1
    sampler = domains.for_domain(domain, matrix=matrix)
    return sampler.with_shape(*shape) if matrix else sampler.with_shape(shape[0])


def _scale(derivation: Derivation, form: ClosedForm) -> float | Callable:
    """The closed form's scale: a number, or JAX code of an expression in the arguments."""
    expr = getattr(form, "scale", None)
    expr = derivation.scale if expr is None else expr
    if getattr(expr, "is_number", False):
        return float(expr)
    return jax_function(derivation, expr)


@cache  # one Problem per closed form and shape: the harness's compiled code is reused
def _problem(name: str, index: int, sizes: tuple) -> Problem:
    derivation, emitted, analytic = _compiled(name)
    form, code = derivation.closed_forms[index], emitted.forms[index]
    sizes = dict(sizes)
    samplers = {
        python_name(str(a)): _sampler(a, derivation.domains[a], sizes) for a in derivation.arguments
    }
    shown = ", ".join(f"{k}={v}" for k, v in sizes.items())
    wrt = code.wrt[0] if code.wrt else next(iter(samplers))
    note = ""
    if form.function.has(Abs) and code.wrt:  # |θ_j|: a kink at 0 (L1, elastic net)
        samplers[wrt] = domains.nonzero().with_shape(*samplers[wrt].shape)
        note = (
            f"{wrt} sampled away from the kink of |{wrt}_j| at 0 (|{wrt}_j| ≥ 0.05), "
            "where the gradient is only a subgradient"
        )
    return Problem(
        name=code.name + (f" ({shown})" if shown else ""),
        f=code.definition,
        grad=code.function,
        samplers=samplers,
        wrt=wrt,
        scale=_scale(derivation, form),
        analytic_f=analytic.get(form.suffix),
        order=len(form.wrt),
        note=note,
    )


def plan(name: str, samples: int, seed: int, shapes: int = 1) -> list[tuple[Problem, int]]:
    """The problems a run of ``name`` checks, each with its number of points.

    A closed form of vector or matrix arguments is checked at ``shapes`` shapes drawn for
    this run, its samples shared among them (each shape compiles its own code).
    """
    derivation = _compiled(name)[0]
    planned = []
    for index in range(len(derivation.closed_forms)):
        draws = shapes if _shape_symbols(derivation) else 1
        for draw in range(draws):
            sizes = shape(name, index, seed, draw)
            problem = _problem(name, index, tuple(sizes.items()))
            entries = sum(int(np.prod(s.shape)) for _, s in problem.samplers) if sizes else 1
            count = samples if not sizes else max(MIN_INSTANCES, samples // (entries * draws))
            planned.append((problem, count))
    return planned


def problem(name: str) -> Problem:
    """The main closed form's problem, for a derivation of scalar arguments."""
    if _shape_symbols(_compiled(name)[0]):
        raise DomainError(f"{name} has vector or matrix arguments: use plan(name, samples, seed)")
    return _problem(name, 0, ())


def verify(
    name: str | Derivation,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    dtype: str = "float64",
    progress: Callable[[int], None] | None = None,
    shapes: int = 1,
) -> Report:
    """Check every emitted closed form of ``name`` (at this run's shapes).

    ``name`` may also be a Derivation object (``derivations.derive``/``load``): its main
    closed form is checked with samplers built from its domains (``_user_verify``).
    """
    if isinstance(name, Derivation):
        from ._user_verify import verify_derivation

        return verify_derivation(name, samples, seed, dtype)
    return verify_many([name], samples, seed, dtype, progress, shapes=shapes)


def _run_planned(job: tuple) -> Report:
    """Run one planned problem: (name, index in its plan, samples, seed, dtype, shapes)."""
    name, index, samples, seed, dtype, shapes = job
    problem, count = plan(name, samples, seed, shapes)[index]
    return run(problem, count, seed, dtype)


def verify_many(
    names: list[str],
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    dtype: str = "float64",
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
    shapes: int = 1,
) -> Report:
    """Check several derivations; the report lists their problems in plan order.

    Most of a run is XLA compiling each problem's jitted stages.  With ``workers`` > 1
    the problems are shared out among that many fresh (spawned) processes, each
    building its problems by name from the same deterministic plan; as with any
    spawned process, a script that calls this must guard its entry point with
    ``if __name__ == "__main__":``.
    """
    planned = {name: plan(name, samples, seed, shapes) for name in names}
    jobs = [
        (name, i, samples, seed, dtype, shapes) for name in names for i in range(len(planned[name]))
    ]
    counts = [count for name in names for _, count in planned[name]]
    workers = min(workers or 1, len(jobs))
    if workers <= 1:
        reports = []
        for job, count in zip(jobs, counts, strict=True):
            reports.append(_run_planned(job))
            if progress is not None:
                progress(count)
    else:
        context = multiprocessing.get_context("spawn")  # JAX's threads do not survive a fork
        with context.Pool(workers) as pool:
            reports = [None] * len(jobs)
            for index, report in pool.imap_unordered(_indexed, enumerate(jobs)):
                reports[index] = report
                if progress is not None:
                    progress(counts[index])
    total = reports[0]
    for report in reports[1:]:
        total = total + report
    return replace(total, samples=samples)  # per derivation, not a matrix problem's instances


def _indexed(item: tuple[int, tuple]) -> tuple[int, Report]:
    index, job = item
    return index, _run_planned(job)
