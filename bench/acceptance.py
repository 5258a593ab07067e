"""The acceptance set's confusion table: right and wrong gradients, accepted or rejected.

Run:  python bench/acceptance.py [--samples 10000] [--seeds 10]

Every case of tests/acceptance_cases.py (the catalogue and common losses), every right
and wrong form, on each seed in float64 and float32, with more samples than the test
suite uses.  Prints the counts (cases × forms × seeds × dtypes) and lists any false
verdict.  Target (issue 8): 0 right rejected, 0 wrong accepted.  ``--oracle-points N`` sets the
oracle's budget for every case (default: the checker's, and on for the cases only the
truth settles: kinks, magnitudes, naive jax.nn losses, the generalized cross-entropy).
Prints the seconds per check too.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from acceptance_cases import CASES, ORACLE_CASES, ORACLE_PAIRS, PAIRS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--oracle-points", type=int, default=None,
                        help="the oracle's budget per check (default: the checker's)")
    args = parser.parse_args()
    oracle = {} if args.oracle_points is None else {"oracle_points": args.oracle_points}
    kinds = ("right accepted", "right rejected", "wrong accepted", "wrong rejected")
    counts = dict.fromkeys(kinds, 0)
    false = []
    started = time.perf_counter()
    for case in (*CASES, *ORACLE_CASES):
        for dtype in ("float64", "float32"):
            for seed in range(args.seeds):
                for kind, forms in (("right", case.right), ("wrong", case.wrong)):
                    for form, grad in forms.items():
                        ok = case.check(grad, args.samples, seed, dtype, **oracle).ok
                        verdict = "accepted" if ok else "rejected"
                        counts[f"{kind} {verdict}"] += 1
                        if ok != (kind == "right"):
                            false.append(f"{case.name}, {kind} form '{form}', {dtype}, seed {seed}")
    seconds = time.perf_counter() - started
    forms = sum(len(c.right) + len(c.wrong) for c in (*CASES, *ORACLE_CASES))
    print(
        f"acceptance set: {len(CASES)} + {len(ORACLE_CASES)} cases (the oracle "
        f"{'off' if args.oracle_points == 0 else 'on'}), {PAIRS} + {ORACLE_PAIRS} right/wrong "
        f"pairs ({forms} forms), "
        f"{args.seeds} seeds, float64 and float32, {args.samples:,} samples per check"
    )
    checks = sum(counts.values())
    print(f"  {checks:,} checks in {seconds:.0f} s ({seconds / max(checks, 1):.2f} s per check)")
    width = max(len(k) for k in counts)
    for key, value in counts.items():
        print(f"  {key:<{width}}  {value:>6,}")
    print(f"  false verdicts  {len(false)}   ({seconds:.0f} s)")
    for line in false:
        print(f"    {line}")


if __name__ == "__main__":
    main()
