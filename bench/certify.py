"""Wall time of `bce-check certify --all`, and each derivation's coqc time.

Run:  python bench/certify.py
Target (issue 11): `bce-check certify --all` under 60 s on the development machine, coqc
included.  The command runs once in a fresh interpreter (SymPy's proofs of the scalar
steps, writing the files, and the coqc runs, as many at once as there are CPUs); its
JSON gives each derivation's coqc time in that run.  Then each derivation is certified
alone, one coqc run at a time, which gives its coqc time on an otherwise idle machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time

import derivations
from bce_check.certify import certify, coqc_path


def main() -> None:
    coqc_path()
    with tempfile.TemporaryDirectory() as directory:
        command = [sys.executable, "-m", "bce_check.cli", "certify", "--all", "-o", directory]
        started = time.perf_counter()
        done = subprocess.run([*command, "--json"], capture_output=True, text=True, check=False)
        total = time.perf_counter() - started
        in_run = {c["name"]: c for c in json.loads(done.stdout)["certificates"]}
        print(f"bce-check certify --all: {total:.1f} s wall, exit {done.returncode}")
        print(f"{'derivation':<32} {'verdict':<12} {'lemmas':>6} {'coqc in run':>12} {'alone':>8}")
        for name in derivations.names():
            alone = certify(name, directory)
            print(
                f"{name:<32} {alone.verdict:<12} {len(alone.lemmas):>6} "
                f"{in_run[name]['coqc_seconds']:>10.1f} s {alone.seconds:>6.1f} s"
            )


if __name__ == "__main__":
    main()
