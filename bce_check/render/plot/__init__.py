"""``bce-check plot``: one figure per derivation."""

from ._figure import (
    DPI,
    INSTALL,
    MissingMatplotlib,
    is_scalar,
    new_figure,
    plot,
    require_matplotlib,
)

__all__ = [
    "DPI",
    "INSTALL",
    "MissingMatplotlib",
    "is_scalar",
    "new_figure",
    "plot",
    "require_matplotlib",
]
