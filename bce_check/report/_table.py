"""A verification Report as a text table (the CLI's) and as Markdown (Jupyter's).

The text table fits in WIDTH columns whatever the derivation: the results are grouped
under their function's name (a heading line), a vector or matrix worst input is
summarised by its shape and range, and a result's note is wrapped onto the lines below
it.  ``wide=True`` prints every value of the worst input and leaves notes unwrapped.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

import numpy as np

from ._histogram import HIST_LOW
from ._oracle import oracle_summary
from ._verdict import Verdict

WIDTH = 120  # columns the text table fits in (without --wide)
DASH = "—"  # a number that was not measured (a skipped reference)
# every error below this edge falls in the histogram's lowest bin (_stages.py, from 1e-40)
FLOOR_EDGE = float(np.uint64((HIST_LOW + 1) << 48).view(np.float64))
COLUMNS = ("reference", "points", "max error", "median", "verdict", "worst input")
MARKDOWN_COLUMNS = ("name", "reference", "dtype", *COLUMNS[1:4], "worst input", "verdict")


def _verdict(result: Any) -> str:
    """The verdict as text, whether it is a string or an enum member."""
    return str(getattr(result.verdict, "value", result.verdict))


def _skipped(result: Any) -> bool:
    return _verdict(result) == Verdict.SKIPPED


def _error(x: float) -> str:
    if not math.isfinite(x):
        return "non-finite"  # the candidate was NaN or infinite where the reference was not
    return "0" if x == 0 else f"{x:.2e}"


def _median(result: Any) -> str:
    """The median, within the histogram's resolution.

    The harness reports the middle of the histogram bin (±2.2 %) that holds the median,
    so when most errors share the maximum's bin that middle can lie above the exact
    maximum: a median is never larger than the maximum, so it is shown clamped to it.
    A median in the lowest bin is only known to be below that bin's upper edge.
    """
    median = result.median_error
    if math.isfinite(median) and 0 < median < FLOOR_EDGE:
        return f"<{FLOOR_EDGE:.2g}"
    if math.isfinite(median) and math.isfinite(result.max_error):
        median = min(median, result.max_error)
    return _error(median)


def _number(v: Any) -> str:
    return f"{v:.6g}" if isinstance(v, float) else str(v)


def _value(v: Any, wide: bool) -> str:
    """A scalar in full; a list in full when short (or wide), else its shape and range."""
    if not isinstance(v, list):
        return _number(v)
    array = np.asarray(v, dtype=float)
    if wide or (array.ndim == 1 and array.size <= 4):
        return str(np.vectorize(_number, otypes=[object])(array).tolist()).replace("'", "")
    shape = "×".join(map(str, array.shape))
    finite = array[np.isfinite(array)]
    if not finite.size:
        return f"[{shape}, none finite]"
    low, high = float(finite.min()), float(finite.max())
    return f"[{shape} in {low:.3g} … {high:.3g}]"


def _worst_input(result: Any, wide: bool) -> str:
    if _skipped(result) or not result.worst_input:
        return DASH
    return ", ".join(f"{k}={_value(v, wide)}" for k, v in result.worst_input.items())


def _points(result: Any) -> str:
    """Points compared, and how many a reference could not compare (non-finite there)."""
    nonfinite = getattr(result, "nonfinite", 0)
    return f"{result.points:,}" + (f" ({nonfinite:,} non-finite)" if nonfinite else "")


def _cells(result: Any, wide: bool) -> tuple[str, ...]:
    skipped = _skipped(result)
    return (
        result.reference,
        _points(result),
        DASH if skipped else _error(result.max_error),
        DASH if skipped else _median(result),
        _verdict(result),
        _worst_input(result, wide),
    )


def _fit(text: str, room: int) -> str:
    return text if len(text) <= room else text[: max(room - 1, 0)] + "…"


def _groups(report: Any, mixed_dtypes: bool) -> list[tuple[str, list]]:
    """Consecutive results of one function, under a heading (its name, and dtype if mixed)."""
    groups: list[tuple[str, list]] = []
    for r in report.results:
        heading = f"{r.name}  ({r.dtype})" if mixed_dtypes else r.name
        if not groups or groups[-1][0] != heading:
            groups.append((heading, []))
        groups[-1][1].append(r)
    return groups


def table(report: Any, wide: bool = False) -> str:
    """A plain-text table: per function a heading, one row per reference, its notes below.

    Errors are |c − r| / (|r| + s) (see report.py); "—" where a reference was skipped.
    """
    dtypes = sorted({r.dtype for r in report.results})
    rows = [_cells(r, wide) for r in report.results]
    widths = [max(len(row[i]) for row in [COLUMNS, *rows]) for i in range(len(COLUMNS) - 1)]
    indent = "  "

    def line(cells: tuple[str, ...]) -> str:
        left = indent + "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False)) + "  "
        return left + (cells[-1] if wide else _fit(cells[-1], WIDTH - len(left)))

    header = line(COLUMNS)
    lines = [header, "-" * min(len(header), WIDTH)]
    cells = iter(rows)
    for heading, results in _groups(report, len(dtypes) > 1):
        lines.append(heading if wide else _fit(heading, WIDTH))
        for r in results:
            lines.append(line(next(cells)))
            if r.note:
                lines += _wrapped(r.note, indent * 3, wide)
            if _shows_values(r):
                lines += _wrapped(_values(r), indent * 3, wide)
    run = ", ".join(dtypes)
    lines.append(
        f"verdict: {_verdict(report)}  ({report.samples:,} samples per function, {run}, "
        f"seed {report.seed}, {report.seconds:.1f} s)"
    )
    if getattr(report, "oracle", ()):
        lines += _wrapped(_oracle_line(report), "        ", wide, first="")
    for note in report.notes:
        lines += _wrapped(f"note: {note}", "      ", wide, first="")
    return "\n".join(lines)


def _wrapped(text: str, indent: str, wide: bool, first: str | None = None) -> list[str]:
    start = indent if first is None else first
    if wide:
        return [start + text]
    return textwrap.wrap(text, WIDTH, initial_indent=start, subsequent_indent=indent)


def markdown(report: Any) -> str:
    """The same results as a Markdown table, one row each, for Jupyter."""
    lines = ["| " + " | ".join(MARKDOWN_COLUMNS) + " |", "|" + "---|" * len(MARKDOWN_COLUMNS)]
    for r in report.results:
        reference, points, largest, median, verdict, worst = _cells(r, wide=False)
        verdict += f" ({r.note})" if r.note else ""
        row = (r.name, reference, r.dtype, points, largest, median, worst, verdict)
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    lines.append(
        f"\n**verdict: {_verdict(report)}** ({report.samples:,} samples, seed {report.seed})"
    )
    return "\n".join(lines)


def _oracle_line(report: Any) -> str:
    """One line under the table: what the truth (f's formula at high precision) judged."""
    o = oracle_summary(report.oracle)
    if not o["available"]:
        return f"oracle: unavailable ({o['unavailable_reason']})"
    line = (
        f"oracle: judged {o['judged']:,} points ({o['disputed']:,} disputed, "
        f"{o['audited']:,} audited): {o['failed']:,} failed, {o['kinks']:,} kinks, "
        f"{o['unresolved']:,} unresolved; up to {o['max_digits']} digits"
    )
    if o["undefined"]:
        line += f"; f has no finite derivative at {o['undefined']:,} of them"
    if o["kink_example"]:
        line += " (kink at " + ", ".join(f"{k}={v!r}" for k, v in o["kink_example"].items()) + ")"
    return line


def _shows_values(result: Any) -> bool:
    """A failed reference's row shows the candidate and the reference at its worst input."""
    values = getattr(result, "worst_values", ())
    failed = getattr(result, "verdict", None) == Verdict.FAIL
    return len(values) == 2 and result.reference != "oracle" and failed


def _values(result: Any) -> str:
    def shown(v):
        return ", ".join(f"{x:.6g}" for x in v[:4]) + (", …" if len(v) > 4 else "")

    candidate, reference = result.worst_values
    return f"at the worst input: candidate {shown(candidate)}, reference {shown(reference)}"
