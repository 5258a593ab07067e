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

PASS, FAIL, SKIPPED = "pass", "fail", "skipped"


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
    verdict: str
    note: str = ""

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
            "verdict": self.verdict,
        }


@dataclass(frozen=True)
class Report:
    """All results of a run; ``ok`` when no reference failed."""

    results: tuple[Result, ...]
    samples: int = 0
    seed: int = 0
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return all(r.verdict != FAIL for r in self.results)

    @property
    def verdict(self) -> str:
        return PASS if self.ok else FAIL

    def failures(self) -> list[Result]:
        return [r for r in self.results if r.verdict == FAIL]

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "results": [r.to_dict() for r in self.results]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def __str__(self) -> str:
        from ._table import table  # late: _table reads the harness's histogram constants

        return table(self)

    def _repr_markdown_(self) -> str:
        from ._table import markdown

        return markdown(self)

    def __add__(self, other: Report) -> Report:
        return Report(
            self.results + other.results,
            max(self.samples, other.samples),
            self.seed,
            self.seconds + other.seconds,
            tuple(dict.fromkeys(self.notes + other.notes)),
        )

