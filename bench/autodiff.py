"""check_autodiff over jax.nn and optax: a verdict per function × order × mode × dtype.

Run: PYTHONPATH=. python bench/autodiff.py [samples] [oracle_points]
Prints the verdict table and the points judged per second (oracle included).
"""

from __future__ import annotations

import sys
import time

import jax
import optax

from bce_check import check_autodiff, domains

L = domains.logits()
FUNCTIONS = {
    "softplus": (jax.nn.softplus, {"x": L}),
    "log_sigmoid": (jax.nn.log_sigmoid, {"x": L}),
    "sigmoid": (jax.nn.sigmoid, {"x": L}),
    "silu": (jax.nn.silu, {"x": L}),
    "gelu": (jax.nn.gelu, {"x": L}),
    "bce": (optax.sigmoid_binary_cross_entropy, {"logits": L, "labels": domains.labels()}),
    "focal": (optax.sigmoid_focal_loss, {"logits": L, "labels": domains.labels()}),
}


def main(samples: int = 4000, oracle_points: int = 384) -> None:
    print(f"{'function':<12} {'order':>5} {'dtype':<8} {'mode':<13} {'verdict':<8} "
          f"{'judged':>7} {'points/s':>9}")  # fmt: skip
    for name, (f, dom) in FUNCTIONS.items():
        for order in (1, 2):
            for dtype in ("float64", "float32"):
                started = time.perf_counter()
                report = check_autodiff(f, dom, order=order, samples=samples, dtype=dtype,
                                        oracle_points=oracle_points)  # fmt: skip
                seconds = time.perf_counter() - started
                judged = sum(r.points for r in report.results if r.reference != "vmap")
                for r in report.results:
                    print(f"{name:<12} {order:>5} {dtype:<8} {r.reference:<13} "
                          f"{r.verdict!s:<8} {r.points:>7} {judged / seconds:>9.0f}")  # fmt: skip


if __name__ == "__main__":
    main(*map(int, sys.argv[1:3]))
