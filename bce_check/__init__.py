"""bce-check: emit proved closed-form gradients as NumPy/JAX and check them numerically.

Public API::

    from bce_check import check_gradient, domains
    report = check_gradient(f, grad, {"u": domains.logits(), "p": domains.labels()},
                            wrt="u", samples=100_000, seed=0, dtype="float64")
    report.ok

and ``bce_check.testing.assert_gradient_matches`` for pytest.  Importing this package
does not import JAX (the numeric parts load it when first used) and touches no IPython
display formatter: in Jupyter, ``%load_ext bce_check`` lets a Derivation show its steps as
mathematics.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from bce_check import domains
from derivations import BceCheckError, DomainError, ExpressionError, UnknownDerivation

__all__ = [
    "BceCheckError",
    "DomainError",
    "ExpressionError",
    "Report",
    "UnknownDerivation",
    "check_autodiff",
    "check_gradient",
    "domains",
    "emit",
    "load_ipython_extension",
    "testing",
    "verify",
]

_LAZY = {
    "check_autodiff": ("bce_check.check", "check_autodiff"),
    "check_gradient": ("bce_check.check._harness", "check_gradient"),
    "Report": ("bce_check.report", "Report"),
    "emit": ("bce_check.emit", "emit"),
    "verify": ("bce_check.verify", "verify"),
    "testing": ("bce_check.testing", None),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'bce_check' has no attribute {name!r}")
    module, attribute = _LAZY[name]
    loaded = import_module(module)
    return loaded if attribute is None else getattr(loaded, attribute)


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext bce_check``: a Derivation displays as Markdown with LaTeX steps."""
    from bce_check.render import register_ipython

    register_ipython(ipython)
