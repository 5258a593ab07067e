"""What a verification run found: one Result per (function, reference), gathered in a Report.

Errors are relative to |reference| + s, where s is the gradient's scale (the size of
the terms it is made of, see harness.py): for values well above s this is the usual
relative error, and below it an absolute error measured against s.
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


class Verdict(enum.StrEnum):
    """A reference's verdict on a gradient; a str, so JSON and ``== "pass"`` stay as they were.

    ``inconclusive``: the reference compared too few points to vouch for the gradient
    (fewer than ``MIN_COMPARED`` of those sampled: it was not finite, or finite
    differences were outside their Taylor regime, at the others).
    """

    PASS = "pass"
    FAIL = "fail"
    SKIPPED = "skipped"
    INCONCLUSIVE = "inconclusive"

    @classmethod
    def worst(cls, verdicts: Iterable[Verdict]) -> Verdict:
        """fail over inconclusive over pass; skipped alone, or nothing, is inconclusive."""
        given = set(verdicts)
        for verdict in (cls.FAIL, cls.INCONCLUSIVE, cls.PASS):
            if verdict in given:
                return verdict
        return cls.INCONCLUSIVE


PASS, FAIL = Verdict.PASS, Verdict.FAIL
SKIPPED, INCONCLUSIVE = Verdict.SKIPPED, Verdict.INCONCLUSIVE
MIN_COMPARED = 0.5  # a reference vouches for a gradient only if it compared half the points


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
        }


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

    @property
    def ok(self) -> bool:
        return self.verdict == PASS

    @property
    def verdict(self) -> Verdict:
        """fail if any reference failed; else inconclusive if some function has no
        reference that passed; else pass."""
        by_name: dict[str, list[Verdict]] = {}
        for r in self.results:
            by_name.setdefault(r.name, []).append(r.verdict)
        return Verdict.worst(
            FAIL if FAIL in v else PASS if PASS in v else INCONCLUSIVE for v in by_name.values()
        )

    def failures(self) -> list[Result]:
        return [r for r in self.results if r.verdict == FAIL]

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": str(self.verdict), "results": [r.to_dict() for r in self.results]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def __str__(self) -> str:
        return table(self)

    def _repr_markdown_(self) -> str:
        return markdown(self)

    def __add__(self, other: Report) -> Report:
        return Report(
            self.results + other.results,
            max(self.samples, other.samples),
            self.seed,
            self.seconds + other.seconds,
            tuple(dict.fromkeys(self.notes + other.notes)),
        )


def _input_text(worst: dict[str, Any]) -> str:
    def show(v: Any) -> str:
        if isinstance(v, list):
            return f"[{len(v)} values]" if len(v) > 4 else "[" + ", ".join(show(x) for x in v) + "]"
        return f"{v:.6g}" if isinstance(v, float) else str(v)

    return ", ".join(f"{k}={show(v)}" for k, v in worst.items())


HISTOGRAM_FLOOR = 1e-40  # medians below it fall in the histogram's lowest bin (harness.py)


def _error_text(x: float) -> str:
    if not math.isfinite(x):
        return "non-finite"
    if x == 0:
        return "0"
    return f"<{HISTOGRAM_FLOOR:.0e}" if x <= HISTOGRAM_FLOOR else f"{x:.2e}"


COLUMNS = ("name", "reference", "dtype", "points", "max error", "median", "worst input", "verdict")


def _rows(report: Report) -> list[tuple[str, ...]]:
    return [
        (
            r.name,
            r.reference,
            r.dtype,
            f"{r.points:,}" + (f" ({r.nonfinite:,} non-finite)" if r.nonfinite else ""),
            _error_text(r.max_error),
            _error_text(r.median_error),
            _input_text(r.worst_input),
            r.verdict + (f" ({r.note})" if r.note else ""),
        )
        for r in report.results
    ]


def table(report: Report) -> str:
    """A plain-text table, one row per result, and the overall verdict."""
    rows = [COLUMNS, *_rows(report)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS) - 1)]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1]
        for row in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    lines.append(
        f"verdict: {report.verdict}  ({report.samples:,} samples per function, "
        f"seed {report.seed}, {report.seconds:.1f} s)"
    )
    lines += [f"note: {n}" for n in report.notes]
    return "\n".join(lines)


def markdown(report: Report) -> str:
    """The same table in Markdown, for Jupyter."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += [
        "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in _rows(report)
    ]
    lines.append(
        f"\n**verdict: {report.verdict}** ({report.samples:,} samples, seed {report.seed})"
    )
    return "\n".join(lines)
