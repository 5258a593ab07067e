"""What a verification run found: one Result per (function, reference), gathered in a Report.

Errors are relative to |reference| + s, where s is the gradient's scale (the size of
the terms it is made of, see harness.py): for values well above s this is the usual
relative error, and below it an absolute error measured against s.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from ._oracle import oracle_summary
from ._verdict import Verdict


@dataclass(frozen=True)
class Result:
    """One reference's verdict on one function's gradient."""

    name: str
    reference: str
    dtype: str
    points: int
    max_error: float
    median_error: float
    worst_input: dict[str, Any]
    verdict: Verdict
    note: str = ""
    sampled: int = 0  # points drawn; ``points`` of them were compared
    nonfinite: int = 0  # sampled points where this reference gave no finite value
    # (candidate, reference) at the worst input, flattened (padded entries trimmed by the
    # checker, which knows the derivative's size); the oracle's row: (candidate, truth)
    worst_values: tuple = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract; non-finite errors (a NaN or inf from the candidate) become null."""

        def number(x: float) -> float | None:
            return x if math.isfinite(x) else None

        return {
            "name": self.name,
            "reference": self.reference,
            "dtype": self.dtype,
            "points": self.points,
            "max_error": number(self.max_error),
            "median_error": number(self.median_error),
            "worst_input": self.worst_input,
            "verdict": str(self.verdict),
            "sampled": self.sampled,
            "nonfinite": self.nonfinite,
            "note": self.note,
            **_at_worst(self),
        }


def _at_worst(result: Result) -> dict[str, Any]:
    """The JSON keys of the values at the worst input (none when not measured)."""
    if len(result.worst_values) != 2:
        return {}
    other = "worst_truth" if result.reference == "oracle" else "worst_reference"

    def plain(v):
        v = [x if math.isfinite(x) else None for x in v]
        return v[0] if len(v) == 1 else v

    return {"worst_candidate": plain(result.worst_values[0]), other: plain(result.worst_values[1])}


@dataclass(frozen=True)
class Report:
    """All results of a run.

    ``ok`` when no reference failed and every function checked has at least one
    reference that passed (compared enough points and agreed at all of them): a check
    whose references all dropped their points, or were skipped, is not a pass.
    """

    results: tuple[Result, ...]
    samples: int = 0
    seed: int = 0
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())
    oracle: tuple[dict, ...] = field(default=())  # per function: what the oracle judged

    @property
    def ok(self) -> bool:
        return self.verdict == Verdict.PASS

    @property
    def verdict(self) -> Verdict:
        """fail if any reference failed; else inconclusive if some function has no
        reference that passed; else pass."""
        by_name: dict[str, list[Verdict]] = {}
        for r in self.results:
            by_name.setdefault(r.name, []).append(r.verdict)
        return Verdict.worst(
            Verdict.FAIL if Verdict.FAIL in v else Verdict.PASS if Verdict.PASS in v
            else Verdict.INCONCLUSIVE
            for v in by_name.values()
        )  # fmt: skip

    def failures(self) -> list[Result]:
        return [r for r in self.results if r.verdict == Verdict.FAIL]

    def to_dict(self) -> dict[str, Any]:
        out = {"verdict": str(self.verdict), "results": [r.to_dict() for r in self.results]}
        if self.oracle:
            out["oracle"] = oracle_summary(self.oracle)
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def __str__(self) -> str:
        from bce_check.report._table import table

        return table(self)

    def _repr_markdown_(self) -> str:
        from bce_check.report._table import markdown

        return markdown(self)

    def __add__(self, other: Report) -> Report:
        return Report(
            self.results + other.results,
            max(self.samples, other.samples),
            self.seed,
            self.seconds + other.seconds,
            tuple(dict.fromkeys(self.notes + other.notes)),
            self.oracle + other.oracle,
        )
