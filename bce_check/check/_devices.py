"""A harness sweep over several local JAX devices: one counter range, one chunk per device.

The points of a run are numbered 0 … samples − 1 and every input is a function of
(seed, point number) alone (``domains``), so where a point is computed does not
change it.  A step of this sweep covers ``devices × chunk`` consecutive points: on a
one-axis ``jax.sharding.Mesh`` (axis ``"d"``) the harness's three jitted stages run
under ``jax.shard_map``, device d drawing points ``first + d·chunk …``; each device
reduces its chunk to statistics (the worst point's inputs gathered on the device), and
the rows come back to the host in device order.  Merging them in counter order with
the harness's ``Totals`` gives the single-device report exactly: counts and histogram
bins are sums of integers, maxima are maxima, and the worst point is the first point
(lowest number) reaching the largest error/tolerance ratio, whatever the chunking.  A
step in which some point fails the tight test is run again through
``harness.local_sweep``, chunk by chunk as on one device, which adds each program's own
rounding bound (ρ) there, and collects that step's disputed points for the oracle; the
other steps hand theirs over from the sharded marks.  ``Disputed`` chooses by orders on
the points alone, so the oracle judges the same points on any number of devices.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np

from bce_check.check._harness import Sweep, local_sweep
from bce_check.check._stages import Totals, candidate_stage, reduce_stage, reference_stage
from derivations import DomainError

AXIS = "d"


def local_devices(devices: int | str) -> list:
    """The first N of ``jax.local_devices()``, or all of them for ``"all"``."""
    import jax
    available = jax.local_devices()
    if devices == "all":
        return available
    if isinstance(devices, str) and devices.isdigit():
        devices = int(devices)
    if not isinstance(devices, int) or not 1 <= devices <= len(available):
        raise DomainError(
            f"devices must be 'all' or a whole number from 1 to {len(available)} "
            f"(this process sees {len(available)} {available[0].platform} devices), "
            f"got {devices!r}"
        )
    return available[:devices]


@lru_cache(maxsize=8)
def mesh(devices: tuple):
    """A one-axis mesh over these devices."""
    from jax.sharding import Mesh

    return Mesh(np.array(devices, dtype=object), (AXIS,))


@lru_cache(maxsize=64)
def _stages(job_key: tuple, grad: Callable, width: int, the_mesh, collect: bool) -> tuple:
    """(references, evaluate, candidate, reduce) as shard_map'd jitted functions;
    ``collect``: the reduction also returns the per-point marks the oracle reads."""
    import jax
    import jax.numpy as jnp
    from jax.sharding import PartitionSpec as P

    key, dtype, analytic_f, scale_fn, chunk = job_key
    references, evaluate = reference_stage(key, dtype, analytic_f, scale_fn, chunk)
    reduce, candidate = reduce_stage(collect), candidate_stage(grad, width)

    def offset():
        return jax.lax.axis_index(AXIS).astype(jnp.uint32) * jnp.uint32(chunk)

    def draw(seed, first, scale):
        return evaluate(seed, first + offset(), scale)

    def stats(args, c, s, values, count):
        d = jax.lax.axis_index(AXIS)
        valid = jnp.clip(count - d * chunk, 0, chunk)
        rows, points = reduce(c, s, values, valid, jnp.zeros_like(c))
        for row in rows:
            row["worst"] = [a[row["worst"]] for a in args]
        return jax.tree.map(lambda x: x[None], rows), points  # points: one per point

    def sharded(fn, in_specs, out_specs):
        return jax.jit(jax.shard_map(fn, mesh=the_mesh, in_specs=in_specs, out_specs=out_specs))

    return (
        references,
        sharded(draw, (P(), P(), P()), P(AXIS)),
        sharded(candidate, P(AXIS), P(AXIS)),
        sharded(stats, (P(AXIS), P(AXIS), P(AXIS), P(AXIS), P()), P(AXIS)),
    )


def _width(job: Sweep) -> int:
    """The padded entries per point the reference stage produces (its s is (chunk, width))."""
    import jax
    import jax.numpy as jnp
    evaluate = reference_stage(job.key, job.dtype, job.analytic_f, job.scale_fn, job.chunk)[1]
    shapes = jax.eval_shape(evaluate, jnp.uint32(0), jnp.uint32(0), job.scale)
    return shapes[1].shape[1]


def sharded_sweep(devices: list) -> Callable:
    """A harness ``sweep`` over these local devices (see the module docstring)."""
    the_mesh = mesh(tuple(devices))
    n = len(devices)

    def sweep(job: Sweep, start: int, stop: int, progress=None) -> dict[str, Totals]:
        import jax
        import jax.numpy as jnp
        job_key = (job.key, job.dtype, job.analytic_f, job.scale_fn, job.chunk)
        references, draw, candidate, stats = _stages(
            job_key, job.problem.grad, _width(job), the_mesh, job.disputed is not None
        )
        totals = {r: Totals() for r in references}
        step = n * job.chunk
        for first in range(start, stop, step):
            count = min(step, stop - first)
            args, s, values = draw(jnp.uint32(job.seed), jnp.uint32(first & 0xFFFFFFFF), job.scale)
            c = candidate(args)
            rows, points = jax.device_get(stats(args, c, s, values, count))
            if any(int(np.sum(row["fails"])) for row in rows):
                # a point fails the tight test: this step again, chunk by chunk as on one
                # device, with each program's rounding bound (harness.local_sweep)
                again = local_sweep(job, first, first + count)
                for reference in references:
                    totals[reference].add(vars(again[reference]))
            else:
                if job.disputed is not None:  # device order is counter order
                    inputs = [np.asarray(a) for a in args]
                    job.disputed.add(first, inputs, np.asarray(c), points, count, job.size)
                for d in range(n):
                    drawn = min(max(count - d * job.chunk, 0), job.chunk)
                    for reference, row in zip(references, rows, strict=True):
                        totals[reference].add(jax.tree.map(lambda x, d=d: x[d], row), drawn)
            if progress is not None:
                progress(count)
        return totals

    return sweep
