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

from ._tolerances import compare
from ._witnesses import reference_functions
from .report import FAIL, PASS, SKIPPED, Result

CHUNK = 1 << 17  # points per jitted call: bounded memory; measured fastest here (2^15..2^18)
MIN_CHUNK = 1 << 10  # small runs use the next power of two above their size


def chunk_size(samples: int) -> int:
    """CHUNK, or for a small run the next power of two above it (at least MIN_CHUNK)."""
    return min(CHUNK, max(MIN_CHUNK, 1 << (samples - 1).bit_length()))


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
    with every per-point array flattened to (chunk, width).
    """
    import jax
    import jax.numpy as jnp

    index = problem.arguments.index(problem.wrt)
    references = reference_functions(
        problem.f, problem.order, index, jnp.finfo(dtype).eps, analytic_f
    )

    def evaluate(seed, start, scale):
        args = problem.draw(seed, start, chunk, dtype)
        s = jnp.full(chunk, scale, dtype) if scale_fn is None else jax.vmap(scale_fn)(*args)
        values = [jax.vmap(ref)(s, *args) for ref in references.values()]
        shape = values[0][0].shape
        width = _width(shape[1:])
        s = jnp.broadcast_to(jnp.reshape(s, s.shape + (1,) * (len(shape) - s.ndim)), shape)
        flat = [
            (
                _flat(r, chunk, width, 0.0),
                _flat(
                    jnp.broadcast_to(jnp.reshape(e, e.shape + (1,) * (r.ndim - e.ndim)), r.shape),
                    chunk,
                    width,
                    0.0,
                ),
            )
            for r, e in values
        ]
        return args, _flat(s, chunk, width, 1.0), flat

    return list(references), jax.jit(evaluate)


@lru_cache(maxsize=256)
def candidate_stage(grad: Callable, width: int):
    """jitted inputs → the candidate at every point, flattened and padded like the references."""
    import jax

    def candidate(args):
        c = jax.vmap(grad)(*args)
        return _flat(c, c.shape[0], width, 0.0)

    return jax.jit(candidate)


def _reduce(candidate, s, values, n_valid):
    """Compare the candidate with each reference and reduce to per-chunk statistics.

    Every array is (chunk, width), so problems of any shape share this compiled code, and
    the references are stacked and mapped over, so it holds one copy of the reduction.
    """
    import jax
    import jax.numpy as jnp

    eps = jnp.finfo(candidate.dtype).eps
    chunk = candidate.shape[0]
    per_point = jax.vmap(lambda c, r, extra, s: compare(c, r, extra, s, eps))
    in_range = jnp.arange(chunk) < n_valid
    anchor = values[0][0]  # jax.grad: the reference the others are checked against too

    def one(r, extra):
        valid, failed, err, ratio = per_point(candidate, r, extra, s)
        # where this reference also disagrees with jax.grad, f itself may be inaccurate
        suspect = per_point(anchor, r, extra, s)[1]
        valid = valid & in_range
        ranked = jnp.where(valid, ratio, -1.0)
        # the max, then the first index reaching it: cheaper than argmax on CPU
        worst = jnp.min(jnp.where(ranked == jnp.max(ranked), jnp.arange(chunk), chunk - 1))
        return {
            "count": jnp.sum(valid),
            "fails": jnp.sum(failed & in_range),
            "suspect": jnp.sum(failed & suspect & in_range),
            "max": jnp.max(jnp.where(valid, err, 0.0)),
            "ratio": ratio[worst],
            "worst": worst,
            "hist": _histogram(err, valid),
        }

    stacked = jax.vmap(one)(jnp.stack([r for r, _ in values]), jnp.stack([e for _, e in values]))
    return [{key: value[k] for key, value in stacked.items()} for k in range(len(values))]


@lru_cache(maxsize=1)
def reduce_stage():
    import jax

    return jax.jit(_reduce)


class Totals:
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
