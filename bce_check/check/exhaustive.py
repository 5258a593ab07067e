"""Every float32 input: a closed form of scalar arguments checked at all values in [LO, HI].

The float32 values are enumerated by bit pattern.  ``ordered`` maps a float32 to an
integer that grows with its value (+0 → 0, the next float up → 1, −0 → −1, and so
on down), so the values in [LO, HI] are the integers ordered(LO) … ordered(HI),
counted exactly: all finite float32 are 2³² − 2²⁴ = 4,278,190,080 values (both
zeros included), [1, 2] is 2²³ + 1.  Point k of a run is the float32 numbered
ordered(LO) + k, so a run splits over devices and processes like the sampled one
(``_devices``, ``_distributed``).  The argument the closed form differentiates along
(u, z) is enumerated; any other scalar argument takes each value of a stated grid
(``GRIDS``: p ∈ {0, 0.1, 0.5, 0.9, 1}), every u at each p.

Two rows per closed form, as careful maths libraries test their float32 functions
(against a higher-precision evaluation at every input):

* ``float64 (ulps)``: c, the emitted closed form in float32, against r, the same form
  evaluated in float64 at the same (exactly representable) inputs.  The error shown
  is |c − r| / ulp₃₂(r), with ulp₃₂(r) = 2^(max(e, −126) − 23) for 2^e ≤ |r| < 2^(e+1)
  (Muller's ulp; subnormal results have ulp 2⁻¹⁴⁹).  A point fails the harness's
  tolerance model, |c − r| > ULP_BUDGET·ε₃₂·(|r| + s) (see ``harness``).
* ``jax.grad (float64)``: r against autodiff of the definition in float64, with the
  same model at ε₆₄: the float64 reference is itself checked at every input.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

import numpy as np

from bce_check.check._references import autodiff
from bce_check.check._stages import Totals, _histogram
from bce_check.check._x64 import in_float64
from bce_check.check.tolerance import CONSTANTS, ULP_BUDGET, tolerance
from bce_check.report import Report
from derivations import DomainError

CHUNK = 1 << 18  # points per device and step
FLOAT32_MAX = float(np.finfo(np.float32).max)
GRIDS = {"Interval(0, 1)": (0.0, 0.1, 0.5, 0.9, 1.0), "{0, 1}": (0.0, 1.0)}
ROWS = ("float64 (ulps)", "jax.grad (float64)")
ROW_DTYPES = {"float64 (ulps)": "float32", "jax.grad (float64)": "float64"}  # what is judged


def ordered(x: float) -> int:
    """The float32 nearest x (x must be one) as an integer that increases with its value."""
    bits = int(np.array(x, dtype=np.float32).view(np.int32))
    return bits if bits >= 0 else -(bits & 0x7FFFFFFF) - 1


def bounds(lo: float = -FLOAT32_MAX, hi: float = FLOAT32_MAX) -> tuple[int, int]:
    """(ordered(first), number of float32 values) in the closed interval [lo, hi]."""
    for v in (lo, hi):
        if not isinstance(v, int | float) or not math.isfinite(v) or abs(v) > FLOAT32_MAX:
            raise DomainError(f"range ends must be finite float32 values, got {v!r}")
    if lo > hi:
        raise DomainError(f"range must have LO ≤ HI, got [{lo!r}, {hi!r}]")
    first, last = np.float32(lo), np.float32(hi)
    if float(first) < lo:  # rounding moved the end outside: step inward (compared in float64)
        first = np.nextafter(first, np.float32(np.inf))
    if float(last) > hi:
        last = np.nextafter(last, np.float32(-np.inf))
    if first > last:
        raise DomainError(f"no float32 value lies in [{lo!r}, {hi!r}]")
    return ordered(first), ordered(last) - ordered(first) + 1


def _floats(o):
    """float32 values from their ordered integers (int64 array)."""
    import jax
    import jax.numpy as jnp
    bits = jnp.where(o >= 0, o, (-o - 1) | 0x80000000).astype(jnp.uint32)
    return jax.lax.bitcast_convert_type(bits, jnp.float32)


def ulp32(r):
    """Muller's ulp of float64 r in float32: 2^(max(e, −126) − 23), 2^e ≤ |r| < 2^(e+1)."""
    import jax.numpy as jnp
    _, e = jnp.frexp(jnp.abs(r))  # |r| = m·2^e, m in [1/2, 1)
    e = jnp.where(r == 0, -126, e - 1)
    return jnp.ldexp(jnp.ones_like(r), jnp.maximum(e, -126) - 23)


def _scale(problem, args):
    import jax
    if callable(problem.scale):
        return jax.vmap(problem.scale)(*args)
    return problem.scale


def _values(problem, index: int, grid_index: int | None):
    """Per device: (first ordered int, count, other argument) → inputs and the two rows."""
    import jax
    import jax.numpy as jnp
    reference = autodiff(problem.f, problem.order, index)

    def values(first, valid, other):
        o = first + jnp.arange(CHUNK, dtype=jnp.int64)
        u = _floats(jnp.where(jnp.arange(CHUNK) < valid, o, first))
        args32 = [u, jnp.full(CHUNK, other, jnp.float32)][: 1 if grid_index is None else 2]
        if grid_index is not None and grid_index < index:
            args32.reverse()
        args64 = [a.astype(jnp.float64) for a in args32]
        c = jax.vmap(problem.grad)(*args32).astype(jnp.float64)
        r = jax.vmap(problem.grad)(*args64)
        a = jax.vmap(reference)(*args64)
        return args32, c, r, a, _scale(problem, args64) * jnp.ones_like(r)

    return values


def _row(err, failed, ratio, valid, args):
    import jax.numpy as jnp
    ranked = jnp.where(valid, ratio, -1.0)
    worst = jnp.argmax(ranked)
    return {
        "count": jnp.sum(valid),
        "fails": jnp.sum(failed & valid),
        "suspect": jnp.zeros((), jnp.int32),  # no third witness here
        "max": jnp.max(jnp.where(valid, err, 0.0)),
        "ratio": ratio[worst],
        "worst": [x[worst] for x in args],
        "hist": _histogram(err, valid),
    }


def _reduce(args, c, r, a, s, valid):
    """The two rows' statistics for one device's chunk (see the module docstring)."""
    import jax.numpy as jnp
    in_range = jnp.arange(c.shape[0]) < valid
    diff = jnp.abs(c - r)
    ulps = jnp.where(diff == 0, 0.0, jnp.where(jnp.isfinite(diff), diff / ulp32(r), jnp.inf))
    # the model's float32 tolerance, its underflow term included (tolerance.py)
    f32 = CONSTANTS["float32"]
    ok = diff <= tolerance(r, s, f32["eps"], ULP_BUDGET * f32["tiny"])
    first = _row(ulps, ~ok, ulps, in_range & jnp.isfinite(r), args)
    diff64 = jnp.abs(r - a)
    tol64 = tolerance(a, s, CONSTANTS["float64"]["eps"])
    err64 = jnp.where(jnp.isfinite(diff64), diff64 / (jnp.abs(a) + s), jnp.inf)
    ratio64 = jnp.where(diff64 == 0, 0.0, diff64 / tol64)
    second = _row(err64, ~(diff64 <= tol64), ratio64, in_range & jnp.isfinite(a), args)
    return [first, second]


@lru_cache(maxsize=16)
def _stages(problem, index: int, grid_index: int | None, devices: tuple) -> tuple:
    """(values, reduce): jitted, shard_map'd over a one-axis mesh of ``devices``."""
    import jax
    import jax.numpy as jnp
    from jax.sharding import PartitionSpec as P

    from bce_check.check._devices import AXIS, mesh

    values = jax.jit(_values(problem, index, grid_index))
    reduce = jax.jit(_reduce)

    def draw(first, count, other):
        d = jax.lax.axis_index(AXIS)
        return values(first + d * CHUNK, jnp.clip(count - d * CHUNK, 0, CHUNK), other)

    def stats(args, c, r, a, s, count):
        d = jax.lax.axis_index(AXIS)
        rows = reduce(args, c, r, a, s, jnp.clip(count - d * CHUNK, 0, CHUNK))
        return jax.tree.map(lambda x: x[None], rows)

    def sharded(fn, in_specs):
        spec = jax.shard_map(fn, mesh=mesh(devices), in_specs=in_specs, out_specs=P(AXIS))
        return jax.jit(spec)

    return sharded(draw, (P(), P(), P())), sharded(stats, (P(AXIS),) * 5 + (P(),))


def _sweep(stages, n: int, first: int, start: int, stop: int, other: float, progress):
    """Points start … stop − 1 (float32 numbered first + k): Totals per row."""
    import jax
    import jax.numpy as jnp
    draw, stats = stages
    totals = {row: Totals() for row in ROWS}
    for k in range(start, stop, n * CHUNK):
        count = min(n * CHUNK, stop - k)
        args, c, r, a, s = draw(jnp.int64(first + k), count, other)
        rows = jax.device_get(stats(args, c, r, a, s, count))
        for d in range(n):
            for row, values in zip(ROWS, rows, strict=True):
                drawn = min(max(count - d * CHUNK, 0), CHUNK)
                totals[row].add(jax.tree.map(lambda x, d=d: x[d], values), drawn)
        if progress is not None:
            progress(count)
    return totals


def _layout(problem, domains: dict[str, str]) -> tuple[int, int | None, tuple]:
    """(index of the enumerated argument, index of the gridded one or None, its grid).

    ``domains``: each argument's domain as SymPy prints it ("Reals", "Interval(0, 1)").
    """
    index = problem.arguments.index(problem.wrt)
    others = [k for k in range(len(problem.arguments)) if k != index]
    shaped = [a for a, s in problem.samplers if s.shape]
    if shaped or len(others) > 1 or domains[problem.wrt] != "Reals":
        raise DomainError(
            f"--exhaustive takes closed forms of one real scalar argument (and at most one "
            f"other scalar on a grid); {problem.name} has arguments "
            + ", ".join(
                f"{a} in {domains[a]}" + (" (a vector or matrix)" if a in shaped else "")
                for a in problem.arguments
            )
        )
    if not others:
        return index, None, (0.0,)
    other = problem.arguments[others[0]]
    if domains[other] not in GRIDS:
        raise DomainError(f"no grid for {other} in {domains[other]}; grids: {', '.join(GRIDS)}")
    return index, others[0], GRIDS[domains[other]]


def values(problem, domains: dict[str, str], lo: float, hi: float) -> int:
    """How many points ``check`` visits: float32 values in [lo, hi] × grid values."""
    return bounds(lo, hi)[1] * len(_layout(problem, domains)[2])


@in_float64
def check(
    problem,
    lo: float = -FLOAT32_MAX,
    hi: float = FLOAT32_MAX,
    devices: list | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    domains: dict[str, str],
) -> Report:
    """Every float32 value of ``problem.wrt`` in [lo, hi] (at each grid value of the other).

    ``domains``: each argument's domain as SymPy prints it (see ``_layout``).
    """
    import time

    import jax

    from bce_check.check import _distributed
    started = time.perf_counter()
    first, n = bounds(lo, hi)
    index, grid_index, grid = _layout(problem, domains)
    devices = tuple(devices or jax.local_devices()[:1])
    stages = _stages(problem, index, grid_index, devices)
    totals = {row: Totals() for row in ROWS}
    part = _distributed.process_index(), _distributed.processes()
    for other in grid:  # merged value by value: counter order across processes
        start, stop = _distributed.share(0, n, *part)
        share = _sweep(stages, len(devices), first, start, stop, other, progress)
        share = _distributed.merge(share) if part[1] > 1 else share
        for row in ROWS:
            if share[row].hist is not None:
                totals[row].add(vars(share[row]))
    arguments = problem.arguments
    results = tuple(t.result(problem.name, r, ROW_DTYPES[r], arguments) for r, t in totals.items())
    shown = f"[{float(_floats_host(first))!r}, {float(_floats_host(first + n - 1))!r}]"
    note = f"{problem.name}: every float32 {problem.wrt} in {shown} ({n:,} values)"
    if grid_index is not None:
        note += f" at each {problem.arguments[grid_index]} in {{{', '.join(map(str, grid))}}}"
    notes = (note + "; float64 (ulps): errors in float32 ulps of the float64 value",)
    return Report(results, n * len(grid), 0, time.perf_counter() - started, notes)


def _floats_host(o: int) -> np.float32:
    bits = o if o >= 0 else (-o - 1) | 0x80000000
    return np.array(bits, dtype=np.uint32).view(np.float32)[()]
