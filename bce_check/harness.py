"""The JAX checker: a closed-form gradient against autodiff, finite differences and complex step.

For every sampled point x the candidate c(x) is compared with four references r(x):

* ``jax.grad``: reverse-mode autodiff of f (``jax.jacrev``);
* ``jax.jvp``: forward-mode autodiff of f (``jax.jacfwd``);
* ``finite-difference``: central differences with a step chosen per dtype and point;
* ``complex-step``: Im f(x + ih)/h, only where f is analytic (see ``_analytic``).

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
  2·s·‖x‖₁ is the size of the terms f is computed from (a function whose slope is
  bounded by s sums terms up to about |f| + s·|x|: log(1 + e^u) − p·u at u = 5,
  p = 1 is 0.0067 made of terms of size 5).  The tolerance is the autodiff one plus
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
from functools import lru_cache

import numpy as np

from derivations import DomainError

from .domains import Sampler
from .report import FAIL, PASS, SKIPPED, Report, Result

ULP_BUDGET = 16  # ε·(|r| + s) units a correct candidate and a correct reference may differ by
FD_SAFETY = 2.0  # multiplies the finite-difference error estimate (Richardson is an estimate)
CHUNK = 1 << 17  # points per jitted call: bounded memory; measured fastest here (2^15..2^18)
MIN_CHUNK = 1 << 10  # small runs use the next power of two above their size
MAX_SAMPLES = 1 << 32  # sample indices are 32-bit counters
DTYPES = ("float32", "float64")
REFERENCES = ("jax.grad", "jax.jvp", "finite-difference", "complex-step")
NOT_ANALYTIC = frozenset(
    {  # primitives that complex arithmetic does not differentiate
        "abs",
        "max",
        "min",
        "sign",
        "floor",
        "ceil",
        "round",
        "select_n",
        "clamp",
        "is_finite",
        "stop_gradient",
        "rem",
        "argmax",
        "argmin",
        "lt",
        "le",
        "gt",
        "ge",
        "eq",
        "ne",
        "sort",
        "reduce_max",
        "reduce_min",
        "real",
        "imag",
        "conj",
    }
)


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


def _primitives(jaxpr) -> set[str]:
    """Every primitive in a jaxpr, sub-jaxprs (jit, custom_jvp, cond…) included."""
    found = set()
    for eqn in jaxpr.eqns:
        found.add(eqn.primitive.name)
        for param in eqn.params.values():
            for sub in param if isinstance(param, (list, tuple)) else (param,):
                inner = getattr(sub, "jaxpr", sub)
                if hasattr(inner, "eqns"):
                    found |= _primitives(inner)
    return found


def _to_real(jaxpr) -> bool:
    """Whether a traced function casts a complex value to a real one anywhere."""
    for eqn in jaxpr.eqns:
        if eqn.primitive.name == "convert_element_type":
            source = eqn.invars[0].aval.dtype
            if np.issubdtype(source, np.complexfloating) and not np.issubdtype(
                eqn.params["new_dtype"], np.complexfloating
            ):
                return True
        for param in eqn.params.values():
            for sub in param if isinstance(param, (list, tuple)) else (param,):
                inner = getattr(sub, "jaxpr", sub)
                if hasattr(inner, "eqns") and _to_real(inner):
                    return True
    return False


def _analytic(f: Callable, args: list, index: int) -> tuple[bool, str]:
    """Whether complex step may differentiate f in argument ``index``.

    f is traced with that argument complex: no |x|, max, comparison, branch, real part or
    cast to real may appear, since complex arithmetic silently gives them derivative 0.
    """
    import jax
    import jax.numpy as jnp

    complex_args = list(args)
    given = args[index]
    complex_args[index] = jax.ShapeDtypeStruct(given.shape, jnp.result_type(given.dtype, 1j))
    try:
        jaxpr = jax.make_jaxpr(f)(*complex_args).jaxpr
    except Exception as error:
        return False, f"f cannot take complex input ({type(error).__name__})"
    bad = sorted(_primitives(jaxpr) & NOT_ANALYTIC)
    if bad:
        return False, f"f is not analytic: uses {', '.join(bad)}"
    if _to_real(jaxpr):
        return False, "f is not analytic: casts to a real dtype"
    return True, ""


def _moved(args: list, index: int, flat, k, step):
    """f's arguments with component k of argument ``index`` moved by ``step``."""
    import jax.numpy as jnp

    unit = jnp.arange(flat.size) == k  # a one-hot add: a scatter here is slow under vmap
    moved = jnp.where(unit, flat + step, flat)
    return [*args[:index], moved.reshape(args[index].shape), *args[index + 1 :]], (flat + step)[k]


def _central_difference(f: Callable, args: list, index: int, eps, scale):
    """Central differences D(h), and FD_SAFETY·(truncation + rounding) as its error bound."""
    import jax
    import jax.numpy as jnp

    flat = args[index].reshape(-1)

    def along(k):
        xk = flat[k]
        h = eps ** (1 / 3) * jnp.maximum(jnp.abs(xk), 1)
        values = []
        for step in (h, -h, 2 * h, -2 * h):
            moved, landed = _moved(args, index, flat, k, step)
            values.append((f(*moved), landed - xk))  # the step actually taken, exactly
        (fp, hp), (fm, hm), (fp2, hp2), (fm2, hm2) = values
        d1 = (fp - fm) / (hp - hm)
        d2 = (fp2 - fm2) / (hp2 - hm2)
        truncation = jnp.abs(d2 - d1) / 3  # Richardson: D(2h) − D(h) ≈ 3·h²f'''/6
        # f is computed from terms of size up to |f| + s·‖x‖₁ (its slope is bounded by s)
        terms = jnp.abs(fp) + jnp.abs(fm) + 2 * scale * jnp.sum(jnp.abs(flat))
        rounding = ULP_BUDGET * eps * terms / (hp - hm)
        return d1, FD_SAFETY * (truncation + rounding)

    d, bound = jax.vmap(along)(jnp.arange(flat.size))
    return _jacobian_layout(d, args[index]), _jacobian_layout(bound, args[index])


def _complex_step(f: Callable, args: list, index: int, eps):
    """Im f(x + ih e_k)/h for each component k, with h = ε² (no subtraction, no cancellation)."""
    import jax
    import jax.numpy as jnp

    h = eps**2
    flat = args[index].reshape(-1).astype(jnp.result_type(args[index].dtype, jnp.complex64))

    def along(k):
        moved, _ = _moved(args, index, flat, k, 1j * h)
        return jnp.imag(f(*moved)) / h

    return _jacobian_layout(jax.vmap(along)(jnp.arange(flat.size)), args[index])


def _jacobian_layout(per_component, x):
    """(components, *out) → (*out, *x.shape), the layout of jax.jacrev."""
    import jax.numpy as jnp

    return jnp.moveaxis(per_component, 0, -1).reshape(per_component.shape[1:] + x.shape)


def _compare(c, r, extra, s, eps):
    """(valid, failed, error, error/tolerance) of candidate c against reference r at a point."""
    import jax.numpy as jnp

    diff = jnp.abs(c - r)
    tol = ULP_BUDGET * eps * (jnp.abs(r) + s) + extra
    finite = jnp.isfinite(diff)
    err = jnp.where(diff == 0, 0.0, jnp.where(finite, diff / (jnp.abs(r) + s), jnp.inf))
    ratio = jnp.where(diff == 0, 0.0, jnp.where(finite, diff / tol, jnp.inf))
    valid = jnp.all(jnp.isfinite(r))
    return valid, valid & ~jnp.all(diff <= tol), jnp.max(err), jnp.max(ratio)


def _top_bits(x: float) -> int:
    """The sign, exponent and 4 leading mantissa bits of a float64: 16 bins per octave."""
    return int(np.float64(x).view(np.uint64)) >> 48


HIST_LOW, HIST_HIGH = _top_bits(1e-40), _top_bits(1e10)  # errors outside go to the end bins
HIST_BINS = HIST_HIGH - HIST_LOW + 3  # [0] exact zero, [1..] the range, [-1] non-finite


def _histogram(err, weight):
    """Counts of errors by the top 16 bits of their float64 form: a log scale, 4.4 % bins."""
    import jax
    import jax.numpy as jnp

    top = jax.lax.bitcast_convert_type(err.astype(jnp.float64), jnp.uint64) >> 48
    bins = jnp.clip(top.astype(jnp.int32) - HIST_LOW + 1, 1, HIST_BINS - 2)
    bins = jnp.where(err == 0, 0, jnp.where(jnp.isfinite(err), bins, HIST_BINS - 1))
    return jnp.bincount(bins, weights=weight.astype(jnp.float32), length=HIST_BINS)


def _median(hist: np.ndarray) -> float:
    """The median error: the middle of the histogram bin that holds it (within 2.2 %)."""
    total = hist.sum()
    if total == 0:
        return float("nan")
    k = int(np.searchsorted(np.cumsum(hist), total / 2))
    if k == 0:
        return 0.0
    if k == HIST_BINS - 1:
        return float("inf")
    middle = ((k - 1 + HIST_LOW) << 48) | (1 << 47)
    return float(np.uint64(middle).view(np.float64))


def _reference_functions(problem: Problem, index: int, eps, analytic_f) -> dict[str, Callable]:
    """name → per-point function of (scale, *args) returning (value, extra tolerance)."""
    import jax

    f = problem.f
    references = {
        "jax.grad": lambda s, *a: (jax.jacrev(f, argnums=index)(*a), 0.0),
        "jax.jvp": lambda s, *a: (jax.jacfwd(f, argnums=index)(*a), 0.0),
        "finite-difference": lambda s, *a: _central_difference(f, list(a), index, eps, s),
    }
    if analytic_f is not None:
        references["complex-step"] = lambda s, *a: (
            _complex_step(analytic_f, list(a), index, eps),
            0.0,
        )
    return references


# Three jitted stages.  XLA on CPU drops optimisation barriers before it fuses, so one
# jit would fuse the references into every reduction and recompute them (measured 5x
# slower); separate calls make each stage run once.  The stages are cached apart, so
# checking another candidate against the same f compiles only the small candidate stage.


@lru_cache(maxsize=64)
def _reference_stage(problem: Problem, dtype: str, analytic_f, scale_fn, chunk: int):
    """(reference names, jitted (seed, start, scale) → (inputs, scale per point, values))."""
    import jax
    import jax.numpy as jnp

    index = problem.arguments.index(problem.wrt)
    references = _reference_functions(problem, index, jnp.finfo(dtype).eps, analytic_f)

    def evaluate(seed, start, scale):
        args = problem.draw(seed, start, chunk, dtype)
        s = jnp.full(chunk, scale, dtype) if scale_fn is None else jax.vmap(scale_fn)(*args)
        return args, s, [jax.vmap(ref)(s, *args) for ref in references.values()]

    return list(references), jax.jit(evaluate)


@lru_cache(maxsize=256)
def _candidate_stage(grad: Callable):
    import jax

    return jax.jit(lambda args: jax.vmap(grad)(*args))


def _reduce(args, candidate, s, values, n_valid):
    """Compare the candidate with each reference and reduce to per-chunk statistics."""
    import jax
    import jax.numpy as jnp

    eps = jnp.finfo(candidate.dtype).eps
    chunk = candidate.shape[0]
    compare = jax.vmap(lambda c, r, extra, s: _compare(c, r, extra, s, eps))
    in_range = jnp.arange(chunk) < n_valid
    stats = []
    anchor = values[0][0]  # jax.grad: the reference the others are checked against too
    for r, extra in values:
        extra = jnp.broadcast_to(extra, r.shape)
        valid, failed, err, ratio = compare(candidate, r, extra, s)
        # where this reference also disagrees with jax.grad, f itself may be inaccurate
        suspect = compare(anchor, r, extra, s)[1]
        valid = valid & in_range
        ranked = jnp.where(valid, ratio, -1.0)
        # the max, then the first index reaching it: cheaper than argmax on CPU
        worst = jnp.min(jnp.where(ranked == jnp.max(ranked), jnp.arange(chunk), chunk - 1))
        stats.append(
            {
                "count": jnp.sum(valid),
                "fails": jnp.sum(failed & in_range),
                "suspect": jnp.sum(failed & suspect & in_range),
                "max": jnp.max(jnp.where(valid, err, 0.0)),
                "ratio": ratio[worst],
                "worst": [a[worst] for a in args],
                "hist": _histogram(err, valid),
            }
        )
    return stats


@lru_cache(maxsize=1)
def _reduce_stage():
    import jax

    return jax.jit(_reduce)


class _Totals:
    """Statistics of one reference, merged over chunks on the host."""

    def __init__(self) -> None:
        self.count = self.fails = self.suspect = 0
        self.max = 0.0
        self.ratio = -np.inf
        self.worst: list = []
        self.hist: np.ndarray | None = None

    def add(self, stats: dict) -> None:
        self.count += int(stats["count"])
        self.fails += int(stats["fails"])
        self.suspect += int(stats["suspect"])
        self.max = max(self.max, float(stats["max"]))
        ratio = float(stats["ratio"])
        if ratio > self.ratio or (np.isnan(ratio) and not self.worst):
            self.ratio, self.worst = ratio, stats["worst"]
        hist = np.asarray(stats["hist"], dtype=np.float64)
        self.hist = hist if self.hist is None else self.hist + hist

    def result(self, name: str, reference: str, dtype: str, arguments: list[str]) -> Result:
        worst = {a: np.asarray(v).tolist() for a, v in zip(arguments, self.worst, strict=True)}
        if self.count == 0:
            return Result(
                name,
                reference,
                dtype,
                0,
                np.nan,
                np.nan,
                worst,
                SKIPPED,
                "the reference was finite at no point",
            )
        verdict = FAIL if self.fails else PASS
        note = f"{self.fails:,} points out of tolerance" if self.fails else ""
        if self.suspect and reference != "jax.grad":
            note += (
                f"; at {self.suspect:,} of them it disagrees with jax.grad too: "
                "f may lose accuracy there"
            )
        return Result(
            name, reference, dtype, self.count, self.max, _median(self.hist), worst, verdict, note
        )


def _trace_check(problem: Problem, example: list, index: int) -> None:
    """Trace f and grad abstractly once, so a user's mistake is a clear error, not a jit trace."""
    import jax

    try:
        expected = jax.eval_shape(jax.jacrev(problem.f, argnums=index), *example).shape
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


def _chunk_size(samples: int) -> int:
    """CHUNK, or for a small run the next power of two above it (at least MIN_CHUNK)."""
    return min(CHUNK, max(MIN_CHUNK, 1 << (samples - 1).bit_length()))


def _pilot_scale(problem: Problem, index: int, seed: int, dtype: str, chunk: int) -> float:
    """The largest finite |jax.grad f| over the first chunk: the default gradient scale."""
    import jax
    import jax.numpy as jnp

    @jax.jit
    def largest(seed):
        args = problem.draw(seed, 0, chunk, dtype)
        g = jax.vmap(jax.jacrev(problem.f, argnums=index))(*args)
        keep = jnp.isfinite(g)
        return jnp.max(jnp.where(keep, jnp.abs(g), 0.0))

    return max(float(largest(jnp.uint32(seed))), float(np.finfo(dtype).tiny))


def run(
    problem: Problem,
    samples: int = 1_000_000,
    seed: int = 0,
    dtype: str = "float64",
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Check ``problem`` on ``samples`` seeded points; the same seed gives the same report."""
    _validate(problem, samples, dtype)
    if not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise DomainError(f"seed must be a whole number from 0 to 2**32 - 1, got {seed!r}")
    enable_x64()
    import jax
    import jax.numpy as jnp

    started = time.perf_counter()
    arguments = problem.arguments
    index = arguments.index(problem.wrt)
    example = [jax.ShapeDtypeStruct(sampler.shape, dtype) for _, sampler in problem.samplers]
    _trace_check(problem, example, index)
    analytic_f, skipped = problem.analytic_f, ""
    if analytic_f is None:
        applicable, skipped = _analytic(problem.f, example, index)
        analytic_f = problem.f if applicable else None
    notes = []
    chunk = _chunk_size(samples)
    scale, scale_fn = problem.scale, None
    if callable(scale):
        scale, scale_fn = 0.0, scale
    elif scale is None:
        scale = _pilot_scale(problem, index, seed, dtype, chunk)
        notes.append(f"{problem.name}: gradient scale s = {scale:.3g} (largest |jax.grad| seen)")
    # the reference stage depends on f, not on the candidate: key it without grad
    key = replace(problem, grad=None, name="")
    references, evaluate = _reference_stage(key, dtype, analytic_f, scale_fn, chunk)
    candidate_of, reduce = _candidate_stage(problem.grad), _reduce_stage()
    totals = {r: _Totals() for r in references}
    for start in range(0, samples, chunk):
        count = min(chunk, samples - start)
        args, s, values = evaluate(jnp.uint32(seed), jnp.uint32(start), scale)
        stats = jax.device_get(reduce(args, candidate_of(args), s, values, count))
        for reference, chunk_stats in zip(references, stats, strict=True):
            totals[reference].add(chunk_stats)
        if progress is not None:
            progress(count)
    results = [totals[r].result(problem.name, r, dtype, arguments) for r in references]
    if analytic_f is None:
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
