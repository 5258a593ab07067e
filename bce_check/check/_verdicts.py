"""The oracle's word in the report: its own row, and the references it overrules.

The rule is ``tolerance.py``'s: any failure the oracle judges fails the check; a reference
whose every failure the oracle judged and sided with the candidate on is inconclusive.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from bce_check.check._disputed import PER_REFERENCE
from bce_check.check.oracle import SETTLED
from bce_check.check.tolerance import MIN_COMPARED
from bce_check.report import Result, Verdict


def overruled(results: list[Result], totals: dict, verdicts) -> list[Result]:
    """The references' results, each failure the truth overruled made inconclusive."""
    out = []
    for bit, r in enumerate(results):
        t = totals[r.reference]
        sided = verdicts.overruled.get(bit, 0)
        judged = verdicts.judged_failures.get(bit, 0)
        # every failure judged, or (beyond the budget) at least PER_REFERENCE of them, the worst
        # first and a seeded sample of the rest, and the truth sided with c at each one: a
        # wrong c at 1 % of them would show in 512 with probability 1 − 0.99^512 > 99 %
        enough = judged == t.fails or judged >= PER_REFERENCE
        if r.verdict == Verdict.FAIL and judged and sided == judged and enough:
            r = replace(
                r,
                verdict=Verdict.INCONCLUSIVE,
                note=(
                    f"{t.fails:,} points out of tolerance; the oracle (f's formula at high "
                    f"precision) judged {judged:,} of them and sided with the candidate at "
                    "each: this reference is the inaccurate one there"
                ),
            )
        out.append(r)
    return out


def oracle_result(problem, dtype: str, verdicts) -> Result:
    """The oracle as one more row: fail at any point it judged out of tolerance."""
    s = verdicts.summary
    judged, failed = s["judged"], s["failed"]
    parts = _parts(s)
    # like a reference (MIN_COMPARED), the truth vouches only where it decided half the points
    decided = judged - s["unresolved"] - s["undefined"]
    verdict = Verdict.PASS if decided > 0 and decided >= MIN_COMPARED * judged else (
        Verdict.INCONCLUSIVE if judged else Verdict.SKIPPED)
    if judged and verdict == Verdict.INCONCLUSIVE:
        parts.insert(0, f"decided {decided:,} of {judged:,} points (at least "
                        f"{MIN_COMPARED:.0%} needed)")
    worst, error, median = {}, np.nan, np.nan
    if verdicts.worst is not None:
        w = verdicts.worst
        worst, error, median = w["input"], w["error"], w["median"]
        at = f"candidate {w['candidate']!r}, truth {w['truth']!r} at the worst input"
        if w["failed"]:
            verdict = Verdict.FAIL
            parts.insert(0, f"{failed:,} points out of tolerance; {at}")
        else:
            parts.append(at)
        values = tuple(np.ravel(v).astype(float).tolist() for v in (w["candidate"], w["truth"]))
    else:
        values = ()
    return Result(problem.name, "oracle", dtype, judged, error, median, worst, verdict,
                  "; ".join(parts), sampled=judged, nonfinite=s["unresolved"] + s["undefined"],
                  worst_values=values)


def _parts(s: dict) -> list[str]:
    """The oracle row's note: what it judged, how far it went, what it could not decide."""
    parts = [
        f"judged {s['judged']:,} points ({s['disputed']:,} disputed, {s['audited']:,} audited)",
        f"up to {s['max_digits']} digits",
    ]
    if s["kinks"]:
        parts.append(f"{s['kinks']:,} kinks (one-sided derivatives differ), e.g. "
                     + ", ".join(f"{k}={v!r}" for k, v in s["kink_example"].items()))
    if s["unresolved"] - s["stopped"]:
        parts.append(f"{s['unresolved'] - s['stopped']:,} unresolved at the precision cap")
    if s["stopped"]:
        parts.append(f"{s['stopped']:,} unresolved: not refined past {SETTLED} digits once a "
                     "failure was confirmed")
    if s["undefined"]:
        parts.append(f"f has no finite derivative at {s['undefined']:,} (not judged)")
    return parts
