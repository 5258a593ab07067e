"""SymPy printer classes: text, LaTeX, NumPy/JAX code."""

from ._code import (
    PRINTERS,
    python_name,
)

__all__ = [
    "PRINTERS",
    "python_name",
]
