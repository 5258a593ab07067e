"""What a verification run found: Result, Report, the check verdict, tables and JSON."""

from ._histogram import (
    HIST_BINS,
    HIST_LOW,
)
from ._histogram import median as histogram_median
from ._report import (
    FAIL,
    INCONCLUSIVE,
    PASS,
    SKIPPED,
    Report,
    Result,
    Verdict,
    oracle_summary,
)
from ._table import (
    table,
)

__all__ = [
    "FAIL",
    "HIST_BINS",
    "HIST_LOW",
    "INCONCLUSIVE",
    "PASS",
    "SKIPPED",
    "Report",
    "Result",
    "Verdict",
    "histogram_median",
    "oracle_summary",
    "table",
]
