"""bce-check: emit proved closed-form gradients as NumPy/JAX and check them numerically.

Importing this package does not import JAX; the numeric parts load it when used.
"""

from __future__ import annotations

from derivations import BceCheckError, DomainError, ExpressionError, UnknownDerivation

__all__ = ["BceCheckError", "DomainError", "ExpressionError", "UnknownDerivation"]
