"""pytest helpers: fail a test, with a readable report, when a gradient does not match."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .domains import Sampler
from .harness import check_gradient
from .report import Report


def assert_gradient_matches(
    f: Callable,
    grad: Callable,
    domains: Mapping[str, Sampler],
    wrt: str,
    samples: int = 100_000,
    seed: int = 0,
    dtype: str = "float64",
    **options,
) -> Report:
    """Run ``check_gradient`` and raise AssertionError with the report if any check fails.

    Same arguments as :func:`bce_check.check_gradient` (fewer samples by default, to keep
    a test suite quick); returns the report when everything holds.
    """
    report = check_gradient(f, grad, domains, wrt, samples, seed, dtype, **options)
    if not report.ok:
        failed = ", ".join(f"{r.reference} ({r.note})" for r in report.failures())
        raise AssertionError(f"grad does not match the derivative of f: {failed}\n\n{report}")
    return report
