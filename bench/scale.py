"""Scale: two local devices against one, exhaustive float32 over [1, 2] and over everything.

Run:  python bench/scale.py [--samples 4000000] [--host-devices 2] [--fraction 256] [--full]

1. Points per second of ``verify`` on D2 (bce_logit_gradient, float64, all four
   references) on one device and shared over all local devices (``--devices all``),
   warm (median of three seeds after a compiling call), and the ratio.  On CPU the
   devices are host devices forced with XLA_FLAGS=--xla_force_host_platform_device_count
   (``--host-devices``, set before JAX starts); on a GPU machine they are its GPUs.
   Target (issue 12): ≥ 1.6× with two host devices on a 2-core machine.
2. Exhaustive float32 σ' (sigmoid_derivative) over [1, 2], 8,388,609 values, warm, on
   all local devices.  Target: under 10 s.
3. Exhaustive σ' over all 4,278,190,080 finite float32: with ``--full`` the whole run
   (its time and max ulp error); without, an estimate from 1/``--fraction`` of it, in
   16 evenly spread slices (the cost per point varies with the value: subnormal
   results, overflow of e^{-z}), scaled up; its max ulp error is over those slices only.
4. σ' over z in [80, 104], where σ'(z) = e^{-z}/(1 + e^{-z})² falls below 2^-126: the
   float32 results there are subnormal or flushed to 0, the largest errors in ulps.

Wall-clock ratios need a quiet machine: the bench also prints the process's CPU time
per point, which a loaded machine does not inflate, and CPU/wall (the cores used).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time


def _force_host_devices(count: int) -> None:
    flag = f"--xla_force_host_platform_device_count={count}"
    if "jax" in sys.modules:
        raise SystemExit("bench/scale.py must set XLA_FLAGS before JAX starts")
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " " + flag).strip()


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def device_rates(samples: int) -> dict:
    """devices → (points/s, CPU µs per point, CPU/wall), warm medians of three seeds."""
    from bce_check.verify import verify

    rates = {}
    for devices in (None, "all"):
        assert verify("bce_logit_gradient", samples, seed=0, devices=devices).ok  # compiles
        times, cpus = [], []
        for seed in (1, 2, 3):
            start, cpu = time.perf_counter(), _cpu()
            assert verify("bce_logit_gradient", samples, seed=seed, devices=devices).ok
            times.append(time.perf_counter() - start)
            cpus.append(_cpu() - cpu)
        wall, cpu = statistics.median(times), statistics.median(cpus)
        rates[devices] = (samples / wall, 1e6 * cpu / samples, cpu / wall)
    return rates


def exhaustive_unit_octave() -> tuple[float, float]:
    """(warm seconds, max ulp error) of σ' over every float32 in [1, 2]."""
    from bce_check.check.exhaustive import verify_exhaustive

    verify_exhaustive(["sigmoid_derivative"], 1.0, 2.0, devices="all")  # compiles
    start = time.perf_counter()
    report = verify_exhaustive(["sigmoid_derivative"], 1.0, 2.0, devices="all")
    assert report.results[0].points == 2**23 + 1
    return time.perf_counter() - start, report.results[0].max_error


def exhaustive_all(fraction: int) -> tuple[float, float, bool]:
    """(seconds, max ulp error, ok) over all finite float32, or estimated from 1/fraction."""
    from bce_check.check import exhaustive
    from bce_check.verify import problem

    sigma = problem("sigmoid_derivative")
    first, n = exhaustive.bounds()
    slices = 16 if fraction > 1 else 1  # evenly spread, each n/(16·fraction) values
    width = n // (fraction * slices) if fraction > 1 else n
    worst, ok, seconds = 0.0, True, 0.0
    exhaustive.check(sigma, 1.0, 1.0, devices=_all())  # compiles
    for k in range(slices):
        lo = first + (k * n) // slices
        ends = (exhaustive._floats_host(lo), exhaustive._floats_host(lo + width - 1))
        start = time.perf_counter()
        report = exhaustive.check(sigma, float(ends[0]), float(ends[1]), devices=_all())
        seconds += time.perf_counter() - start
        worst, ok = max(worst, report.results[0].max_error), ok and report.ok
    return seconds * n / (width * slices), worst, ok


def exhaustive_band() -> float:
    """Max ulp error of σ' over z in [80, 104]: float32 results below 2^-126 (subnormal)."""
    from bce_check.check.exhaustive import verify_exhaustive

    return verify_exhaustive(["sigmoid_derivative"], 80.0, 104.0, "all").results[0].max_error


def _all() -> list:
    import jax
    return jax.local_devices()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=4_000_000)
    parser.add_argument("--host-devices", type=int, default=2)
    parser.add_argument("--fraction", type=int, default=256, help="estimate from 1/FRACTION")
    parser.add_argument("--full", action="store_true", help="all finite float32, no estimate")
    args = parser.parse_args()
    _force_host_devices(args.host_devices)
    import jax
    print(f"devices: {jax.local_devices()}")
    rates = device_rates(args.samples)
    print(f"1. verify D2 float64, {args.samples:,} points, warm median of 3:")
    for devices, (rate, cpu, cores) in rates.items():
        label = "one device" if devices is None else f"{len(jax.local_devices())} devices"
        print(
            f"   {label:<11} {rate:12,.0f} points/s  {cpu:.3f} CPU µs/point  CPU/wall {cores:.2f}"
        )
    print(f"   ratio {rates['all'][0] / rates[None][0]:.2f}x")
    seconds, ulps = exhaustive_unit_octave()
    print(f"2. exhaustive σ' over [1, 2] (8,388,609 float32), warm: {seconds:.2f} s, ", end="")
    print(f"max {ulps:.2f} ulp")
    fraction = 1 if args.full else args.fraction
    seconds, ulps, ok = exhaustive_all(fraction)
    what = "measured" if args.full else f"estimated from 1/{fraction} of the values"
    where = "" if args.full else " in the slices run"
    print(
        f"3. exhaustive σ' over all 4,278,190,080 finite float32 ({what}): {seconds:,.0f} s "
        f"({seconds / 60:.1f} min), max {ulps:.4g} ulp{where}, verdict {'pass' if ok else 'FAIL'}"
    )
    if not args.full:
        print("   (the full run: python bench/scale.py --full)")
    band = exhaustive_band()
    print(
        f"4. exhaustive σ' where σ'(z) is subnormal or near it, z in [80, 104]: max {band:.4g} ulp"
    )


if __name__ == "__main__":
    main()
