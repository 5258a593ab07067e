"""Wall time of `bce-check certify`: the catalogue, the example files, derive's focal loss.

Run:  python bench/certify.py
Target (issue 11): `bce-check certify --all` under 60 s on the development machine, coqc
included.  The command runs once in a fresh interpreter (SymPy's proofs of the scalar
steps, writing the files, and the coqc runs, as many at once as there are CPUs); its
JSON gives each derivation's coqc time in that run.  Then each derivation is certified
alone, one coqc run at a time, which gives its coqc time on an otherwise idle machine.
Last, `certify --file` on each examples/*.deriv and `certify --expr` on the focal loss,
each in a fresh interpreter (the SymPy work runs in a worker process, as for `check`).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import derivations
from bce_check.certify import certify, coqc_path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FOCAL = "-p·(1 - σ(u))^γ·log(σ(u)) - (1 - p)·σ(u)^γ·log(1 - σ(u))"
USER = [[f"--file={path}"] for path in sorted(EXAMPLES.glob("*.deriv"))]
USER.append([f"--expr={FOCAL}", "--wrt=u", "--where=p in [0, 1]", "--where=γ >= 0"])


def _run(arguments: list[str], directory: str) -> tuple[float, int, dict]:
    command = [sys.executable, "-m", "bce_check.cli", "certify", *arguments, "-o", directory]
    started = time.perf_counter()
    done = subprocess.run([*command, "--json"], capture_output=True, text=True, check=False)
    return time.perf_counter() - started, done.returncode, json.loads(done.stdout or "{}")


def main() -> None:
    coqc_path()
    with tempfile.TemporaryDirectory() as directory:
        total, code, report = _run(["--all"], directory)
        in_run = {c["name"]: c for c in report["certificates"]}
        print(f"bce-check certify --all: {total:.1f} s wall, exit {code}")
        print(f"{'derivation':<32} {'verdict':<12} {'lemmas':>6} {'coqc in run':>12} {'alone':>8}")
        for name in derivations.names():
            alone = certify(name, directory)
            print(
                f"{name:<32} {alone.verdict:<12} {len(alone.lemmas):>6} "
                f"{in_run[name]['coqc_seconds']:>10.1f} s {alone.seconds:>6.1f} s"
            )
        print(f"\n{'your own':<32} {'verdict':<12} {'lemmas':>6} {'coqc':>8} {'wall':>8}")
        for arguments in USER:
            wall, code, report = _run(arguments, directory)
            (one,) = report["certificates"]
            print(
                f"{one['name']:<32} {one['verdict']:<12} {len(one['lemmas']):>6} "
                f"{one['coqc_seconds']:>6.1f} s {wall:>6.1f} s"
            )


if __name__ == "__main__":
    main()
