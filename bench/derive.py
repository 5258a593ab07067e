"""Wall time of `bce-check derive` and `bce-check check`, run as a user runs them.

Run:  python bench/derive.py
Targets (issue 10), on the 2-core development machine:
  derive of the focal loss, proof only ..................... under 3 s
  derive of the focal loss with --verify (default samples),
    cold (no compilation cache) ............................ under 20 s
  check of examples/pos_weight.deriv ....................... under 2 s
  derive of the softmax cross-entropy (z ∈ ℝ^K, y on the simplex), proof only ... under 5 s
  derive of the softmax cross-entropy with --verify (default samples, one Problem
    per K = 2, 3, 5, 16), cold ............................... under 20 s
Each figure is the wall time of the whole command (interpreter start included), the
best of REPEATS runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

REPEATS = 3
ROOT = Path(__file__).resolve().parent.parent
FOCAL = "-p·(1 - σ(u))^γ·log(σ(u)) - (1 - p)·σ(u)^γ·log(1 - σ(u))"
FOCAL_ARGS = ["derive", FOCAL, "--wrt", "u", "--where", "p in [0, 1]", "--where", "γ >= 0"]
CE_ARGS = ["derive", "-yᵀ·log(softmax(z))", "--wrt", "z", "--where", "z in R^K",
           "--where", "y in simplex(K)"]  # fmt: skip
CASES = {
    "derive focal (proof only)": (FOCAL_ARGS, 3.0),
    "derive focal --verify, cold": ([*FOCAL_ARGS, "--verify"], 20.0),
    "check examples/pos_weight.deriv": (["check", str(ROOT / "examples/pos_weight.deriv")], 2.0),
    "derive softmax CE (proof only)": (CE_ARGS, 5.0),
    "derive softmax CE --verify, cold": ([*CE_ARGS, "--verify"], 20.0),
}


def _run(args: list[str]) -> float:
    environment = {**os.environ, "BCE_CHECK_CACHE": "off"}  # cold: XLA compiles afresh
    command = [sys.executable, "-c", "from bce_check.cli import run; run()", *args]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, env=environment, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:2])} exited {done.returncode}: {done.stderr[-500:]}")
    return elapsed


def main() -> None:
    print(f"{'command':<36} {'best wall':>10} {'target':>8}")
    for label, (args, target) in CASES.items():
        best = min(_run(args) for _ in range(REPEATS))
        mark = "ok" if best < target else "SLOW"
        print(f"{label:<36} {best:>9.2f}s {target:>7.0f}s  {mark}")


if __name__ == "__main__":
    main()
