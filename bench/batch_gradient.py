"""Speed of the emitted batch gradient (1/m)·Xᵀ(σ(Xθ) − y) against jax.grad and NumPy.

Run:  python bench/batch_gradient.py [--repeat 15]

For X of shape (1,000,000 × 32) and (100,000 × 256), float64, the median wall time
(the JAX calls timed round-robin, so that machine drift hits them alike; NumPy apart) of:

* ``X @ v`` (jitted): one pass over X, the memory-bandwidth roofline; the gradient
  needs two passes (Xθ, then Xᵀr), so twice this time is the floor without blocking;
* ``jax.grad`` of the mean BCE, jitted (the loss written with jax.nn.softplus);
* the emitted JAX closed form (``bce-check emit batch_gradient --target jax``), jitted;
* the emitted NumPy closed form, and a plain NumPy closed form ``X.T @ (σ(Xθ) − y)/m``.

Targets (issue 4): the emitted JAX gradient >= 1.5x faster than jax.grad, and within 2x
of one ``X @ v`` pass.
"""

from __future__ import annotations

import argparse
import statistics
import time

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

import derivations  # noqa: E402
from bce_check.emit import emit  # noqa: E402

SHAPES = ((1_000_000, 32), (100_000, 256))


def median_seconds(calls: dict, repeat: int) -> dict:
    """Median wall time of each call, timed round-robin so that drift hits all alike."""
    for fn, args in calls.values():
        jax.block_until_ready(fn(*args))  # compile and warm up
    times: dict = {label: [] for label in calls}
    for _ in range(repeat):
        for label, (fn, args) in calls.items():
            start = time.perf_counter()
            jax.block_until_ready(fn(*args))
            times[label].append(time.perf_counter() - start)
    return {label: statistics.median(t) for label, t in times.items()}


def mean_bce(theta, X, y):
    z = X @ theta
    return jnp.mean(y * jax.nn.softplus(-z) + (1 - y) * jax.nn.softplus(z))


def numpy_closed_form(X, theta, y):
    z = X @ theta
    return X.T @ (np.exp(np.minimum(z, 0)) / (1 + np.exp(-np.abs(z))) - y) / X.shape[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    derivation = derivations.get("batch_gradient")
    emitted_jax = emit(derivation, "jax").function
    emitted_numpy = emit(derivation, "numpy").function
    rng = np.random.default_rng(0)
    for m, n in SHAPES:
        X = rng.standard_normal((m, n))
        theta = 0.1 * rng.standard_normal(n)
        y = (rng.random(m) < 0.5).astype(np.float64)
        Xj, thj, yj = jnp.asarray(X), jnp.asarray(theta), jnp.asarray(y)
        rows = median_seconds(  # the JAX calls together, round-robin
            {
                "X @ v (one pass)": (jax.jit(lambda X, v: X @ v), (Xj, thj)),
                "jax.grad(mean BCE)": (jax.jit(jax.grad(mean_bce)), (thj, Xj, yj)),
                "emitted jax": (jax.jit(emitted_jax), (Xj, thj, yj)),
            },
            args.repeat,
        )
        rows |= median_seconds(  # NumPy apart: its temporaries would disturb the JAX timings
            {
                "emitted numpy": (emitted_numpy, (X, theta, y)),
                "numpy X.T @ r": (numpy_closed_form, (X, theta, y)),
            },
            args.repeat,
        )
        check = np.asarray(jax.jit(emitted_jax)(Xj, thj, yj))
        reference = np.asarray(jax.jit(jax.grad(mean_bce))(thj, Xj, yj))
        agree = np.max(np.abs(check - reference)) / np.max(np.abs(reference))
        one_pass, autodiff = rows["X @ v (one pass)"], rows["jax.grad(mean BCE)"]
        print(
            f"X: {m:,} x {n}, float64, {X.nbytes / 1e6:.0f} MB "
            f"(emitted vs jax.grad: max relative difference {agree:.1e})"
        )
        print(f"  {'':24s} {'median':>10s} {'x one pass':>11s} {'jax.grad / this':>16s}")
        for label, seconds in rows.items():
            print(
                f"  {label:24s} {seconds * 1e3:8.2f} ms {seconds / one_pass:10.2f}x "
                f"{autodiff / seconds:15.2f}x"
            )
        emitted = rows["emitted jax"]
        print(
            f"  targets: emitted jax >= 1.5x faster than jax.grad: {autodiff / emitted:.2f}x "
            f"({'met' if autodiff / emitted >= 1.5 else 'NOT met'}); within 2x of one pass: "
            f"{emitted / one_pass:.2f}x ({'met' if emitted / one_pass <= 2 else 'NOT met'})"
        )


if __name__ == "__main__":
    main()
