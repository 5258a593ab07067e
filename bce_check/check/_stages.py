"""The harness's jitted stages, and the statistics they reduce each chunk to.

Three jitted stages.  XLA on CPU drops optimisation barriers before it fuses, so one
jit would fuse the references into every reduction and recompute them (measured 5x
slower); separate calls make each stage run once.  The stages are cached apart, so
checking another candidate against the same f compiles only the small candidate stage.
The statistics (counts, maxima, the worst point, a histogram for the median) are
merged on the host, so memory does not grow with the number of samples.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np

from bce_check.check._references import reference_functions, reference_programs
from bce_check.check._rounding import running_error
from bce_check.check.tolerance import MIN_COMPARED, REFERENCE_DTYPE, compare, reference_verdict
from bce_check.report import HIST_BINS, HIST_LOW, Result, Verdict, histogram_median

CHUNK = 1 << 17  # points per jitted call: bounded memory; measured fastest here (2^15..2^18)
MIN_CHUNK = 1 << 10  # small runs use the next power of two above their size
# A run of one small chunk is compile-bound: its candidate is evaluated op by op, each
# primitive compiled once per shape and shared by every candidate (an acceptance set of
# a hundred gradients compiles a handful of kernels instead of a hundred programs).
EAGER_CHUNK = MIN_CHUNK


def chunk_size(samples: int) -> int:
    """CHUNK, or for a small run the next power of two above it (at least MIN_CHUNK)."""
    return min(CHUNK, max(MIN_CHUNK, 1 << (samples - 1).bit_length()))


def _histogram(err, weight):
    """Counts of errors by the top 16 bits of their float64 form: a log scale, 4.4 % bins."""
    import jax
    import jax.numpy as jnp
    top = jax.lax.bitcast_convert_type(err.astype(jnp.float64), jnp.uint64) >> 48
    bins = jnp.clip(top.astype(jnp.int32) - HIST_LOW + 1, 1, HIST_BINS - 2)
    bins = jnp.where(err == 0, 0, jnp.where(jnp.isfinite(err), bins, HIST_BINS - 1))
    return jnp.bincount(bins, weights=weight.astype(jnp.float32), length=HIST_BINS)


def _flat(x, chunk: int, width: int, fill: float):
    """Per-point values as (chunk, width): flattened, padded with ``fill`` to the width."""
    import jax.numpy as jnp
    x = x.reshape(chunk, -1)
    return jnp.pad(x, ((0, 0), (0, width - x.shape[1])), constant_values=fill)


def _width(shape: tuple) -> int:
    """Padded entries per point: a power of two, so that problems share the reduction."""
    size = int(np.prod(shape, dtype=int))
    return 1 << (size - 1).bit_length()


@lru_cache(maxsize=64)
def reference_stage(problem, dtype: str, analytic_f, scale_fn, chunk: int):
    """(reference names, jitted evaluate).

    evaluate(seed, start, scale) → (inputs, scale per entry, [(value, extra tolerance)])
    with every per-point array flattened to (chunk, width).  The inputs are drawn in
    ``dtype``; the references (and the scale) are computed from those same points in
    REFERENCE_DTYPE (float64), so a float32 candidate is judged against references about
    2^29 times more accurate than itself.
    """
    import jax
    import jax.numpy as jnp
    index = problem.arguments.index(problem.wrt)
    references = reference_functions(
        problem.f, problem.order, index, jnp.finfo(REFERENCE_DTYPE).eps, analytic_f
    )

    def evaluate(seed, start, scale):
        args = problem.draw(seed, start, chunk, dtype)
        wide = [a.astype(REFERENCE_DTYPE) for a in args]
        s = (
            jnp.full(chunk, scale, REFERENCE_DTYPE)
            if scale_fn is None
            else jax.vmap(scale_fn)(*wide).astype(REFERENCE_DTYPE)
        )
        values = [jax.vmap(ref)(s, *wide) for ref in references.values()]
        return (args, *_flatten(s, values, chunk))

    return list(references), jax.jit(evaluate)


def _spread(x, shape: tuple):
    """``x`` broadcast along the trailing axes it lacks to ``shape``."""
    import jax.numpy as jnp
    return jnp.broadcast_to(jnp.reshape(x, x.shape + (1,) * (len(shape) - x.ndim)), shape)


def _flatten(s, values: list, chunk: int):
    """(scale, [(value, extra tolerance)]), each spread to the value's shape and flattened."""
    shape = values[0][0].shape
    width = _width(shape[1:])
    s = _spread(s, shape)
    flat = [(_flat(r, chunk, width, 0.0), _flat(_spread(e, r.shape), chunk, width, 0.0))
            for r, e in values]
    return _flat(s, chunk, width, 1.0), flat


@lru_cache(maxsize=256)
def candidate_stage(grad: Callable, width: int, eager: bool = False):
    """jitted inputs → the candidate at every point, flattened and padded like the references."""
    import jax
    def candidate(args):
        c = jax.vmap(grad)(*args)
        return _flat(c, c.shape[0], width, 0.0)

    return candidate if eager else jax.jit(candidate)


@lru_cache(maxsize=64)
def reference_bound_stage(problem, width: int, names: tuple[str, ...]):
    """jitted inputs → ρ of each reference's own program (flattened; 0 for the numeric ones).

    ρ (``_rounding.running_error``) bounds the rounding of jax.grad / jax.jvp as f's
    program computes them; finite differences and complex step carry their own bounds.
    """
    import jax
    import jax.numpy as jnp
    index = problem.arguments.index(problem.wrt)
    programs = reference_programs(problem.f, problem.order, index)

    def bounds(args):
        wide = [a.astype(REFERENCE_DTYPE) for a in args]
        example = [jax.ShapeDtypeStruct(a.shape[1:], a.dtype) for a in wide]
        zero = jnp.zeros((wide[0].shape[0], width), REFERENCE_DTYPE)
        out = []
        for name in names:
            program = programs.get(name)
            rho = None if program is None else jax.vmap(_bound(program, example))(*wide)
            out.append(zero if rho is None else _flat(rho, rho.shape[0], width, 0.0))
        return out

    return jax.jit(bounds)


def _bound(program, example):
    bounded = running_error(program, example)
    return lambda *a: bounded(*a)[1]


@lru_cache(maxsize=256)
def candidate_bound_stage(grad: Callable, width: int):
    """jitted inputs → ρ of the candidate's own program, at its dtype, flattened."""
    import jax
    def bound(args):
        example = [jax.ShapeDtypeStruct(a.shape[1:], a.dtype) for a in args]
        rho = jax.vmap(_bound(grad, example))(*args)
        return _flat(rho, rho.shape[0], width, 0.0)

    return jax.jit(bound)  # jitted even for small runs: op by op, each JVP is a new kernel


def _reduce(candidate, s, values, n_valid, rho, collect: bool = True):
    """Compare the candidate with each reference and reduce to per-chunk statistics.

    Every array is (chunk, width), so problems of any shape share this compiled code, and
    the references are stacked and mapped over, so it holds one copy of the reduction.
    """
    import functools

    import jax
    import jax.numpy as jnp
    in_range = jnp.arange(candidate.shape[0]) < n_valid
    one = functools.partial(_statistics, candidate, s, rho, values[0], in_range)
    stacked = jax.vmap(one)(jnp.stack([r for r, _ in values]), jnp.stack([e for _, e in values]))
    failed_at, valid_at = stacked.pop("failed_at"), stacked.pop("valid_at")
    rows = [{key: value[k] for key, value in stacked.items() if key != "ratio_at"}
            for k in range(len(values))]
    if not collect:  # the oracle off: no per-point output to move to the host
        return rows, {}
    ratio_at = jnp.max(stacked.pop("ratio_at"), axis=0)
    return rows, _disputed(candidate, failed_at, valid_at, ratio_at, in_range)


def _statistics(candidate, s, rho, anchor, in_range, r, extra) -> dict:
    """One reference r against the candidate (tolerance widened by ``extra`` and the
    candidate's ρ, 0 until arbitration): per-point marks and the chunk's statistics."""
    import jax
    import jax.numpy as jnp
    eps = jnp.finfo(candidate.dtype).eps
    chunk = candidate.shape[0]
    per_point = jax.vmap(lambda c, r, extra, s: compare(c, r, extra, s, eps))
    anchor, anchor_extra = anchor  # jax.grad, the reference the others are checked against
    valid, failed, err, ratio = per_point(candidate, r, extra + rho, s)
    # where this reference also disagrees with jax.grad, f itself may be inaccurate
    # ... beyond both bounds (jax.grad's ρ included after arbitration): tolerance.arbitrated
    # excuses a numeric reference only where the two truly disagree
    suspect = per_point(anchor, r, extra + anchor_extra, s)[1]
    valid = valid & in_range
    ranked = jnp.where(valid, ratio, -1.0)
    # the max, then the first index reaching it: cheaper than argmax on CPU
    worst = jnp.min(jnp.where(ranked == jnp.max(ranked), jnp.arange(chunk), chunk - 1))
    return {
        "failed_at": failed & in_range,
        "ratio_at": jnp.where(valid, ratio, 0.0),
        "valid_at": valid,
        "count": jnp.sum(valid),
        "fails": jnp.sum(failed & in_range),
        "suspect": jnp.sum(failed & suspect & in_range),
        "max": jnp.max(jnp.where(valid, err, 0.0)),
        "ratio": ratio[worst],
        "worst": worst,
        "worst_candidate": candidate[worst],
        "worst_reference": r[worst],
        "hist": _histogram(err, valid),
    }


def _disputed(candidate, failed_at, valid_at, ratio_at, in_range) -> dict:
    """The per-point marks the oracle reads: disputed or not, the references that failed
    there (a bit each), and the worst ratio (inf where the candidate is not finite)."""
    import jax.numpy as jnp
    finite = jnp.all(jnp.isfinite(candidate), axis=1)
    # the points the oracle is to judge: a reference disagrees beyond its tolerance, no
    # reference compared, or the candidate is not finite (tolerance.py, "who judges")
    disputed = in_range & (jnp.any(failed_at, axis=0) | ~jnp.any(valid_at, axis=0) | ~finite)
    weights = (1 << jnp.arange(failed_at.shape[0], dtype=jnp.int32))[:, None]
    return {
        "disputed": disputed,
        "failed_by": jnp.sum(failed_at * weights, axis=0),
        "ratio": jnp.where(finite, ratio_at, jnp.inf),
    }


@lru_cache(maxsize=2)
def reduce_stage(collect: bool = False):
    """The jitted reduction; ``collect``: also the per-point marks the oracle reads."""
    import functools

    import jax
    return jax.jit(functools.partial(_reduce, collect=collect))


class Totals:
    """Statistics of one reference, merged over chunks on the host."""

    def __init__(self) -> None:
        self.count = self.fails = self.suspect = self.nonfinite = self.sampled = 0
        self.max = 0.0
        self.ratio = -np.inf
        self.worst: list = []
        self.worst_values: tuple = ()  # (candidate, reference) at the worst point
        self.hist: np.ndarray | None = None

    def add(self, stats: dict, sampled: int | None = None) -> None:
        """Merge one chunk's statistics (``sampled``: the points drawn in it), or another
        Totals' state (``vars(other)``: it carries its own sampled and non-finite counts)."""
        count = int(stats["count"])
        if sampled is None:
            self.sampled += int(stats.get("sampled", count))
            self.nonfinite += int(stats.get("nonfinite", 0))
        else:
            self.sampled += sampled
            self.nonfinite += sampled - count  # (a separate masked sum here costs 2x)
        self.count += count
        self.fails += int(stats["fails"])
        self.suspect += int(stats["suspect"])
        self.max = max(self.max, float(stats["max"]))
        ratio = float(stats["ratio"])
        if ratio > self.ratio or (np.isnan(ratio) and not self.worst):
            self.ratio, self.worst = ratio, stats["worst"]
            values = stats.get("worst_values")  # another Totals' state, merged
            if values is None:
                values = (stats.get("worst_candidate"), stats.get("worst_reference"))
                values = () if values[0] is None else values
            self.worst_values = tuple(np.asarray(v) for v in values)
        hist = np.asarray(stats["hist"], dtype=np.float64)
        self.hist = hist if self.hist is None else self.hist + hist

    def result(self, name: str, reference: str, dtype: str, arguments: list[str]) -> Result:
        """The verdict: fail at any point out of tolerance; inconclusive when fewer than
        MIN_COMPARED of the sampled points could be compared; pass otherwise."""
        worst = {a: np.asarray(v).tolist() for a, v in zip(arguments, self.worst, strict=True)}
        at = tuple(np.asarray(v, dtype=np.float64).tolist() for v in self.worst_values)
        median = histogram_median(self.hist) if self.count else np.nan
        maximum = self.max if self.count else np.nan
        verdict = reference_verdict(self.fails, self.count, self.sampled)
        note = ""
        if verdict == Verdict.FAIL:
            note = f"{self.fails:,} points out of tolerance"
            if self.suspect and reference != "jax.grad":
                note += (
                    f"; at {self.suspect:,} of them it disagrees with jax.grad too: "
                    "f may lose accuracy there, or a custom derivative rule in f is wrong"
                )
        elif verdict == Verdict.INCONCLUSIVE:
            note = (
                f"compared {self.count:,} of {self.sampled:,} points: "
                f"no finite value at the other {self.nonfinite:,} "
                f"(at least {MIN_COMPARED:.0%} needed)"
            )
        return Result(name, reference, dtype, self.count, maximum, median, worst, verdict, note,
                      sampled=self.sampled, nonfinite=self.nonfinite, worst_values=at)
