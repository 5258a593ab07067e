"""Throughput of the oracle on the D2 loss f(u, p) = softplus(u) − p·u (jaxpr and SymPy).

Run: PYTHONPATH=. python bench/oracle.py [n]
"""

from __future__ import annotations

import sys
import time

import numpy as np


def _points(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    u = rng.normal(0.0, 10.0, n)
    u[: max(1, n // 1000)] = rng.uniform(-1e4, 1e4, max(1, n // 1000))  # a few huge |u|
    return u, rng.uniform(0.0, 1.0, n)


def _candidate(u: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """σ(u) − p in float64 and its rounding bound (the caller's ``absolute``)."""
    e = np.exp(-np.abs(u))
    s = np.where(u >= 0, 1 / (1 + e), e / (1 + e))
    eps = np.finfo(np.float64).eps
    return s - p, 2 * eps * (np.abs(s) + np.abs(p))


def _report(name: str, oracle, u, p) -> None:
    cand, absolute = _candidate(u, p)
    rel = 16 * np.finfo(np.float64).eps
    t = time.perf_counter()
    j = oracle.judge([u, p], cand, rel, absolute)
    dt = time.perf_counter() - t
    print(f"{name}: {len(u)} points in {dt:.3f} s = {len(u) / dt:,.0f} points/s")
    verdicts = dict(zip(*np.unique(j.verdict, return_counts=True), strict=True))
    print(f"  verdicts (0 pass, 1 fail, 2 unresolved): {verdicts}")
    digits = dict(zip(*np.unique(j.digits, return_counts=True), strict=True))
    print(f"  digits used: {digits}  (beyond the float tier: {int(np.sum(j.digits > 16))})")
    _tiers(oracle, u, p)


def _tiers(oracle, u, p) -> None:
    from bce_check.check.oracle._floatk import FloatKernel
    from bce_check.check.oracle._mpk import MpKernel

    idx = np.arange(len(u))
    for k, m in ((FloatKernel(), len(u)), (MpKernel(30), 200), (MpKernel(500), 50)):
        t = time.perf_counter()
        oracle._sided(k, [u, p], idx[:m])
        dt = time.perf_counter() - t
        print(f"  tier {k.digits:>4} digits: {1e6 * dt / m:9.1f} µs per point")


def main(n: int = 20000) -> None:
    import jax
    import jax.numpy as jnp
    import sympy as sp

    from bce_check.check.oracle import jaxpr_oracle, sympy_oracle

    def d2(u, p):
        return jnp.logaddexp(0.0, u) - p * u

    with jax.enable_x64(True):
        print(jax.make_jaxpr(d2)(1.0, 0.5))
    u, p = _points(n)
    _report("jaxpr front-end", jaxpr_oracle(d2, [(), ()], 0), u, p)
    su, sp_ = sp.symbols("u p")
    expr = sp.Function("softplus")(su) - sp_ * su
    _report("SymPy front-end", sympy_oracle(expr, [su, sp_], su), u, p)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000)
