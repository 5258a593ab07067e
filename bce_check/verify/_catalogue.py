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
import signal
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache

import numpy as np
from sympy import Abs, Basic

import derivations
from bce_check import domains
from bce_check.check import Problem, in_float64, run
from bce_check.emit import Emitted, analytic_definitions, emit, jax_function
from bce_check.printing import python_name
from bce_check.report import Report
from derivations import ClosedForm, Derivation, DomainError

DEFAULT_SAMPLES = 1_000_000
SIZES = (2, 32)  # the range sizes (m, n, K) are drawn from, per closed form and run
MIN_INSTANCES = 64  # a matrix problem is checked on at least this many instances
WORKERS = 2  # processes the CLI shares a run's problems among (at most one per core)


@cache
def compiled(name: str) -> tuple[Derivation, Emitted, dict]:
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
    symbols = _shape_symbols(compiled(name)[0])
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
    derivation, emitted, analytic = compiled(name)
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


@dataclass(frozen=True)
class Job:
    """One planned problem of a run: closed form ``form`` of ``name`` at ``sizes``, on ``count``
    points.  Plain data (picklable): a worker process builds the Problem from it by name."""

    name: str
    form: int
    sizes: tuple
    count: int

    @property
    def problem(self) -> Problem:
        return _problem(self.name, self.form, self.sizes)


def jobs(names: list[str], samples: int, seed: int, shapes: int = 1) -> list[Job]:
    """The problems a run of ``names`` checks, in report order: the run's plan, made once.

    A closed form of vector or matrix arguments is checked at ``shapes`` shapes drawn for
    this run, its samples shared among them (each shape compiles its own code).
    """
    planned = []
    for name in names:
        derivation = compiled(name)[0]
        draws = shapes if _shape_symbols(derivation) else 1
        for index in range(len(derivation.closed_forms)):
            for draw in range(draws):
                sizes = tuple(shape(name, index, seed, draw).items())
                count = samples
                if sizes:
                    samplers = _problem(name, index, sizes).samplers
                    entries = sum(int(np.prod(s.shape)) for _, s in samplers)
                    count = max(MIN_INSTANCES, samples // (entries * draws))
                planned.append(Job(name, index, sizes, count))
    return planned


def plan(name: str, samples: int, seed: int, shapes: int = 1) -> list[tuple[Problem, int]]:
    """The problems a run of ``name`` checks, each with its number of points (see ``jobs``)."""
    return [(job.problem, job.count) for job in jobs([name], samples, seed, shapes)]


def problem(name: str) -> Problem:
    """The main closed form's problem, for a derivation of scalar arguments."""
    if _shape_symbols(compiled(name)[0]):
        raise DomainError(f"{name} has vector or matrix arguments: use plan(name, samples, seed)")
    return _problem(name, 0, ())


@in_float64
def verify(
    name: str | Derivation,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    dtype: str = "float64",
    progress: Callable[[int], None] | None = None,
    shapes: int = 1,
    devices: int | str | None = None,
    **oracle: int,
) -> Report:
    """Check every emitted closed form of ``name`` (at this run's shapes).

    ``oracle``: ``oracle_points=`` and ``audit=`` as ``bce_check.check.run`` takes them.
    ``devices``: None or 1 for the default device, N or ``"all"`` to share each chunk
    of points among that many local JAX devices (``bce_check.check._devices``); the report
    is the same.  Under ``jax.distributed`` each process checks its share of the
    points and every process gets the merged report (``bce_check.check._distributed``).
    ``name`` may also be a Derivation object (``derivations.derive``/``load``): its main
    closed form is checked with samplers built from its domains (``_user_verify``).
    """
    if isinstance(name, Derivation):
        from bce_check.verify._user import verify_derivation

        return verify_derivation(name, samples, seed, dtype, **oracle)
    return verify_many(
        [name], samples, seed, dtype, progress, shapes=shapes, devices=devices, **oracle
    )


def sweep_for(devices: int | str | None) -> Callable | None:
    """The harness sweep for these local devices and this process count (None: the default)."""
    from bce_check.check import distributed_sweep, local_devices, processes, sharded_sweep

    chosen = local_devices(devices) if devices not in (None, 1, "1") else []
    sweep = sharded_sweep(chosen) if len(chosen) > 1 else None
    return distributed_sweep(sweep) if processes() > 1 else sweep


def _run_planned(item: tuple) -> tuple[int, Report]:
    """Run one planned job: (index in the plan, Job, seed, dtype, the oracle's options);
    the sweep stays default."""
    index, job, seed, dtype, oracle = item
    return index, run(job.problem, job.count, seed, dtype, **oracle)


@in_float64
def verify_many(
    names: list[str],
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    dtype: str = "float64",
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
    shapes: int = 1,
    *,
    planned: list[Job] | None = None,
    devices: int | str | None = None,
    **oracle: int,
) -> Report:
    """Check several derivations; the report lists their problems in plan order.

    ``planned``: the run's ``jobs(names, samples, seed, shapes)`` when the caller has
    made them already.  Most of a run is XLA compiling each problem's jitted stages.
    With ``workers`` > 1 (and the default device) the problems are shared out among
    that many fresh (spawned) processes, each building its problems by name from its
    Job; as with any spawned process, a script that calls this must guard its entry
    point with ``if __name__ == "__main__":``.  With ``devices`` (see ``verify``) the
    problems run one after another, each spread over the devices.
    """
    planned = jobs(names, samples, seed, shapes) if planned is None else planned
    sweep = sweep_for(devices)
    items = [(i, job, seed, dtype, oracle) for i, job in enumerate(planned)]
    workers = 1 if sweep is not None else min(workers or 1, len(items))
    if workers <= 1:
        reports = _run_in_turn(items, sweep, progress)
    else:
        reports = _run_shared(items, workers, progress)
    total = reports[0]
    for report in reports[1:]:
        total = total + report
    return replace(total, samples=samples)  # per derivation, not a matrix problem's instances


def _run_in_turn(items: list[tuple], sweep: Callable | None, progress) -> list[Report]:
    """The planned jobs' reports, run one after another in this process, with ``sweep``."""
    reports = []
    for _, job, seed, dtype, oracle in items:
        reports.append(run(job.problem, job.count, seed, dtype, sweep=sweep, **oracle))
        if progress is not None:
            progress(job.count)
    return reports


def _run_shared(items: list[tuple], workers: int, progress) -> list[Report]:
    """The planned jobs' reports in plan order, run shared among ``workers`` processes."""
    reports: list = [None] * len(items)
    context = multiprocessing.get_context("spawn")  # JAX's threads do not survive a fork
    with _pool(context, workers) as pool:
        for index, report in pool.imap_unordered(_run_planned, items):
            reports[index] = report
            if progress is not None:
                progress(items[index][1].count)
    return reports


def _pool(context, workers: int):
    """A pool of ``workers`` processes that ignore Ctrl-C from their first instruction.

    SIGINT reaches the terminal's whole process group; the parent turns it into exit 130
    and its pool stops the workers, which would otherwise each print a traceback.  An
    ignored signal is inherited through exec (and kept by Python), so the parent ignores
    it while it starts them; signal handlers can be set in the main thread only.
    """
    if threading.current_thread() is not threading.main_thread():
        return context.Pool(workers)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return context.Pool(workers)
    finally:
        signal.signal(signal.SIGINT, previous)

