"""Wall time of `bce-check verify --all`, cold and warm, and the float32 sweep over seeds.

Run:  python bench/verify_all.py [--seeds 10] [--samples 1000000]

1. `bce-check verify --all` (1,000,000 samples per derivation) with the XLA compilation
   cache off (BCE_CHECK_CACHE=off: every stage compiles), then twice with a fresh cache
   directory (the second run finds the first's compiled code);
2. `bce-check verify --all --dtype float32 --seed S` for S = 0 … seeds − 1 (issue 8: a right
   closed form passes on every seed): the exit code of each.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - started, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--samples", type=int, default=1_000_000)
    options = parser.parse_args()
    command = ["bce-check", "verify", "--all", "--samples", str(options.samples)]
    with tempfile.TemporaryDirectory() as cache:
        runs = [
            ("cache off", {**os.environ, "BCE_CHECK_CACHE": "off"}),
            ("cache empty", {**os.environ, "BCE_CHECK_CACHE": cache}),
            ("cache warm", {**os.environ, "BCE_CHECK_CACHE": cache}),
        ]
        print(f"bce-check verify --all, {options.samples:,} samples per derivation")
        for label, env in runs:
            seconds, code = timed(command, env)
            print(f"  {label:<12} {seconds:6.1f} s wall   exit {code}")
    print(f"bce-check verify --all --dtype float32, seeds 0 … {options.seeds - 1}")
    codes = []
    for seed in range(options.seeds):
        argv = [*command, "--dtype", "float32", "--seed", str(seed)]
        seconds, code = timed(argv, dict(os.environ))
        codes.append(code)
        print(f"  seed {seed}: exit {code} ({seconds:.1f} s)")
    print(f"  {codes.count(0)} of {len(codes)} seeds pass (target: all)")


if __name__ == "__main__":
    main()
