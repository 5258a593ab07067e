"""The golden closed forms: every registered closed form as it was last reviewed, in
``derivations/golden/closed_forms.txt``; ``compare`` checks one against its line.

``bce-check golden`` (or ``python -m bce_check.golden``) reports the closed forms that no
longer match; ``--write`` regenerates the file after a reviewed change.
"""

from ._golden import (
    GOLDEN,
    HEADER,
    UPDATE,
    GoldenFileError,
    GoldenLine,
    closed_forms,
    compare,
    differences,
    emitted_name,
    file_text,
    line_of,
    read,
    report,
    symbol_table,
)

__all__ = [
    "GOLDEN",
    "HEADER",
    "UPDATE",
    "GoldenFileError",
    "GoldenLine",
    "closed_forms",
    "compare",
    "differences",
    "emitted_name",
    "file_text",
    "line_of",
    "read",
    "report",
    "symbol_table",
]
