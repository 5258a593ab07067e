"""The catalogue's derivations through the harness: emitted JAX code against autodiff & co.

For a derivation, the candidate is its emitted closed form, f is its emitted (stable)
definition, complex step uses the analytic printing of the definition, the inputs come
from the samplers for the symbols' domains, and the gradient scale is the derivation's.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import derivations
from derivations import DomainError

from . import domains
from .emit import analytic_definition, emit
from .harness import Problem, run
from .report import Report

DEFAULT_SAMPLES = 1_000_000


@cache  # one Problem per name, so the harness's compiled code is reused
def problem(name: str) -> Problem:
    """The harness problem for the derivation called ``name``."""
    derivation = derivations.get(name)
    if len(derivation.wrt) != 1:
        raise DomainError(f"{name}: only first derivatives in one variable are verified yet")
    emitted = emit(derivation, "jax")
    samplers = {str(s): domains.for_domain(derivation.domains[s]) for s in derivation.arguments}
    return Problem(
        name=name,
        f=emitted.definition,
        grad=emitted.function,
        samplers=samplers,
        wrt=str(derivation.wrt[0]),
        scale=float(derivation.scale),
        analytic_f=analytic_definition(derivation),
    )


def verify(
    name: str,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    dtype: str = "float64",
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Check the emitted closed form of ``name`` on ``samples`` points."""
    return run(problem(name), samples, seed, dtype, progress)
