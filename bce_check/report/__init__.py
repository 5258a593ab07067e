"""What a verification run found: Result, Report, the check verdict, tables and JSON."""

from ._histogram import (
    HIST_BINS,
    HIST_LOW,
)
from ._histogram import median as histogram_median
from ._report import (
    Report,
    Result,
    oracle_summary,
)
from ._table import (
    table,
)
from ._verdict import Verdict

__all__ = [
    "HIST_BINS",
    "HIST_LOW",
    "Report",
    "Result",
    "Verdict",
    "histogram_median",
    "oracle_summary",
    "table",
]
