"""Throughput of the harness against a Python loop of jax.test_util.check_grads; peak memory.

Run:  python bench/throughput.py [--samples 1000000] [--loop 300] [--memory-samples 100000000]

1. The full harness (all four references, the statistics and the report) on D2,
   bce_logit_gradient, float64: cold (first call, compilation included) and warm
   (the median of three further calls with other seeds: compiled code is reused).
2. The usual way to check a closed-form gradient in JAX: give f a custom_jvp whose
   rule is the closed form and call ``jax.test_util.check_grads`` on it, point by point
   in a Python loop, on the same inputs (the first ``--loop`` points of seed 0).
3. Peak resident memory of a separate ``bce-check verify`` process at
   ``--memory-samples`` points (the harness works in fixed-size chunks).

4. The same warm run with the oracle on (its default 256-point audit): the seconds it
   adds to a passing run.
5. The same warm harness in float32 (float32 candidate, float64 references): its cost
   per point against float64's.

Targets (issue 3): warm harness >= 5,000,000 points/s and >= 10,000x the check_grads
loop; peak memory at 100,000,000 samples under 1.5 GB; (issue 8) float32 costs at
most 2x float64 per point.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
from jax.test_util import check_grads

from bce_check.check import enable_x64, run
from bce_check.check.tolerance import AUDIT, ORACLE_POINTS
from bce_check.verify import problem


def harness_rates(samples: int, dtype: str = "float64", **oracle) -> tuple[float, float]:
    """(cold, warm) points/s; ``oracle``: the checker's oracle_points=/audit= (0: off, the screen alone)."""
    d2 = problem("bce_logit_gradient")
    start = time.perf_counter()
    assert run(d2, samples, seed=0, dtype=dtype, **oracle).ok
    cold = samples / (time.perf_counter() - start)
    warm = []
    for seed in (1, 2, 3):
        start = time.perf_counter()
        assert run(d2, samples, seed=seed, dtype=dtype, **oracle).ok
        warm.append(samples / (time.perf_counter() - start))
    return cold, statistics.median(warm)


def check_grads_rate(points: int) -> tuple[float, int]:
    d2 = problem("bce_logit_gradient")
    u, p = (np.asarray(a) for a in d2.draw(np.uint32(0), np.uint32(0), points, "float64"))

    @jax.custom_jvp
    def loss(u, p):
        return d2.f(u, p)

    @loss.defjvp
    def loss_jvp(primals, tangents):
        u, p = primals
        du, _ = tangents
        return loss(u, p), d2.grad(u, p) * du  # the closed form under test

    failures = 0
    start = time.perf_counter()
    for ui, pi in zip(u, p, strict=True):
        try:
            check_grads(lambda v, pi=pi: loss(v, pi), (jnp.float64(ui),), order=1, modes=["rev"])
        except AssertionError:
            failures += 1  # check_grads' fixed step fails at some extreme inputs
    return points / (time.perf_counter() - start), failures


def peak_memory(samples: int) -> tuple[float, float]:
    command = [
        sys.executable,
        "-m",
        "bce_check.cli",
        "verify",
        "bce_logit_gradient",
        "--samples",
        str(samples),
        "--json",
    ]
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20, seconds  # KiB → GiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--loop", type=int, default=300)
    parser.add_argument("--memory-samples", type=int, default=100_000_000)
    args = parser.parse_args()
    enable_x64()
    cold, warm = harness_rates(args.samples, oracle_points=0)
    loop, failures = check_grads_rate(args.loop)
    print(f"harness, D2, {args.samples:,} samples, float64, 4 references + report")
    print(f"  cold (compilation included)   {cold:>14,.0f} points/s")
    print(f"  warm (median of 3 seeds)      {warm:>14,.0f} points/s   target >= 5,000,000")
    print(
        f"check_grads loop, {args.loop} points      {loop:>14,.1f} points/s   "
        f"({failures} raised at extreme inputs)"
    )
    print(f"ratio warm harness / loop       {warm / loop:>14,.0f}x          target >= 10,000x")
    _, audited = harness_rates(args.samples, oracle_points=ORACLE_POINTS, audit=AUDIT)
    added = args.samples / audited - args.samples / warm
    print(
        f"warm with the oracle's audit    {audited:>14,.0f} points/s   "
        f"+{added:.3f} s per run ({AUDIT} points), target <= 0.25 s"
    )
    _, warm32 = harness_rates(args.samples, "float32", oracle_points=0)
    print(
        f"float32 warm (median of 3)      {warm32:>14,.0f} points/s   "
        f"cost per point {warm / warm32:.2f}x float64, target <= 2x"
    )
    if args.memory_samples:
        gib, seconds = peak_memory(args.memory_samples)
        print(
            f"bce-check verify, {args.memory_samples:,} samples: peak RSS {gib:.2f} GiB, "
            f"{seconds:.1f} s wall ({args.memory_samples / seconds:,.0f} points/s incl. "
            "start-up)   target < 1.5 GB"
        )


if __name__ == "__main__":
    main()
