"""pytest helpers: fail a test, with a readable report, when a gradient does not match."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from bce_check.check import check_autodiff, check_gradient
from bce_check.domains import Sampler
from bce_check.report import Report, Verdict


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
    """Run ``check_gradient`` and raise AssertionError with the report unless it passes.

    Same arguments as :func:`bce_check.check_gradient` (fewer samples by default, to keep
    a test suite quick); returns the report when everything holds.  An inconclusive
    check (no reference compared enough points) raises too: it proves nothing.
    ``__tracebackhide__``: pytest shows the report, not this helper's source or arguments.
    """
    __tracebackhide__ = True
    report = check_gradient(f, grad, domains, wrt, samples, seed, dtype, **options)
    if report.ok:
        return report
    if report.verdict == Verdict.INCONCLUSIVE:
        why = ", ".join(f"{r.reference} ({r.note})" for r in report.results if r.note)
        raise AssertionError(f"the check is inconclusive: {why}\n\n{report}")
    failed = ", ".join(f"{r.reference} ({r.note})" for r in report.failures())
    raise AssertionError(f"grad does not match the derivative of f: {failed}\n\n{report}")


def assert_autodiff_matches(f: Callable, domains: Mapping[str, Sampler], **options) -> Report:
    """Run ``check_autodiff`` and raise AssertionError, its message the report, unless it passes.

    Same keyword arguments as :func:`bce_check.check_autodiff` (wrt, order, modes, samples,
    seed, dtype, oracle_points); returns the report when every mode holds.  Hidden from
    pytest's traceback (``__tracebackhide__``), as ``assert_gradient_matches``.
    """
    __tracebackhide__ = True
    report = check_autodiff(f, domains, **options)
    if report.ok:
        return report
    failed = ", ".join(sorted({r.reference for r in report.failures()})) or "none judged"
    raise AssertionError(f"JAX's derivative of f does not match the truth ({failed})\n\n{report}")
