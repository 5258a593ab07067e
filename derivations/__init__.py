"""Closed-form gradients derived step by step in SymPy, every step checked.

The registry maps each derivation's name to the module whose ``derive()`` builds
it; ``get(name)`` returns a fresh :class:`Derivation`.  Pure SymPy: nothing in
this package imports NumPy or JAX.
"""

from __future__ import annotations

from importlib import import_module

from ._equality import FAILED, NUMERIC_ONLY, PROVED
from ._proof import ClosedForm, Derivation, Proof, Step, StepResult
from .errors import BceCheckError, DomainError, ExpressionError, UnknownDerivation

_REGISTRY: dict[str, str] = {
    "sigmoid_derivative": "sigmoid",
    "bce_logit_gradient": "bce",
}

__all__ = [
    "FAILED",
    "NUMERIC_ONLY",
    "PROVED",
    "BceCheckError",
    "ClosedForm",
    "Derivation",
    "DomainError",
    "ExpressionError",
    "Proof",
    "Step",
    "StepResult",
    "UnknownDerivation",
    "get",
    "names",
]


def names() -> list[str]:
    """The registered derivation names, in catalogue order."""
    return list(_REGISTRY)


def get(name: str) -> Derivation:
    """Build the derivation called ``name``; UnknownDerivation lists the known names."""
    if name not in _REGISTRY:
        raise UnknownDerivation(name, names())
    return import_module(f"{__name__}.{_REGISTRY[name]}").derive()
