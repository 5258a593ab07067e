"""Closed-form gradients derived step by step in SymPy, every step checked.

The registry maps each derivation's name to the module whose ``derive()`` builds
it (or to ``module:function`` where one module holds several, as the three
regularised gradients do); ``get(name)`` returns a fresh :class:`Derivation`.
Pure SymPy: nothing in this package imports NumPy or JAX.

The checking API, for expressions of one's own: ``parse(text, symbols)`` reads maths
text into SymPy through a whitelist grammar (never ``eval``), and
``check_equal(a, b, domains)`` says whether two expressions are equal on their
domains (a ``Check``: a ``Verdict`` and how it was reached), matrices written out.
"""

from __future__ import annotations

from importlib import import_module

from derivations.errors import (
    BceCheckError,
    DomainError,
    ExpressionError,
    LimitExceeded,
    UnknownDerivation,
)
from derivations.proof import (
    FAILED,
    INCONCLUSIVE,
    NUMERIC_ONLY,
    PROVED,
    Check,
    ClosedForm,
    Derivation,
    Explicit,
    Proof,
    Step,
    StepResult,
    Verdict,
    check_equal,
    is_structured,
    worst,
)
from derivations.text import parse
from derivations.user import FileDerivation, Limits, derive, first_wrong, load, run_limited
from derivations.user import read as read_derivation

# name -> "module" (its derive()) or "module:function"
_REGISTRY: dict[str, str] = {
    "sigmoid_derivative": "sigmoid",
    "bce_logit_gradient": "bce",
    "bce_from_likelihood": "likelihood",
    "logistic_regression_gradient": "logistic",
    "batch_gradient": "batch",
    "softmax_cross_entropy": "softmax",
    "bce_second_derivative": "curvature",
    "batch_hessian": "hessian",
    "l2_regularised_gradient": "regularised:derive_l2",
    "l1_regularised_gradient": "regularised:derive_l1",
    "elastic_net_gradient": "regularised:derive_elastic_net",
}

__all__ = [
    "FAILED",
    "INCONCLUSIVE",
    "NUMERIC_ONLY",
    "PROVED",
    "BceCheckError",
    "Check",
    "ClosedForm",
    "Derivation",
    "DomainError",
    "Explicit",
    "ExpressionError",
    "FileDerivation",
    "LimitExceeded",
    "Limits",
    "Proof",
    "Step",
    "StepResult",
    "UnknownDerivation",
    "Verdict",
    "check_equal",
    "derive",
    "first_wrong",
    "get",
    "is_structured",
    "load",
    "names",
    "parse",
    "read_derivation",
    "run_limited",
    "worst",
]


def names() -> list[str]:
    """The registered derivation names, in catalogue order."""
    return list(_REGISTRY)


def get(name: str) -> Derivation:
    """Build the derivation called ``name``; UnknownDerivation lists the known names."""
    if name not in _REGISTRY:
        raise UnknownDerivation(name, names())
    module, _, function = _REGISTRY[name].partition(":")
    return getattr(import_module(f"{__name__}.catalogue.{module}"), function or "derive")()
