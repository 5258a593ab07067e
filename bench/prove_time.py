"""Wall time of `bce-check prove` in fresh processes, against a bare `import sympy`.

Run:  python bench/prove_time.py [--repeat 7]
Target (issue 2): `bce-check prove sigmoid_derivative` under 1.0 s and under 3x a bare
SymPy import on the 2-core development machine.  Each command runs `repeat` times in a
fresh interpreter; the median is reported (the first run also warms the disk cache).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "python -c 'import sympy'": [sys.executable, "-c", "import sympy"],
    "bce-check prove sigmoid_derivative": [
        sys.executable,
        "-m",
        "bce_check.cli",
        "prove",
        "sigmoid_derivative",
    ],
    "bce-check prove --all": [sys.executable, "-m", "bce_check.cli", "prove", "--all"],
}


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    medians = {}
    for label, command in COMMANDS.items():
        wall(command)  # warm-up: .pyc files and the page cache
        medians[label] = statistics.median(wall(command) for _ in range(args.repeat))
    base = medians["python -c 'import sympy'"]
    print(f"{'command':<40} {'median wall':>12} {'x import sympy':>15}")
    for label, seconds in medians.items():
        print(f"{label:<40} {seconds:>10.3f} s {seconds / base:>14.2f}x")


if __name__ == "__main__":
    main()
