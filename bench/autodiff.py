"""check_autodiff over jax.nn and optax: a verdict per function × order × mode × dtype.

Run: PYTHONPATH=. python bench/autodiff.py [samples] [oracle_points]
Prints the verdict table and the points judged per second (oracle included).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_autodiff import LIBRARY

from bce_check import check_autodiff

FUNCTIONS = LIBRARY  # the test suite's functions (tests/test_autodiff.py), more samples


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
