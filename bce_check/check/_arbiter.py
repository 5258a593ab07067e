"""Arbitration of a numeric reference by autodiff: when f, not the candidate, is to blame.

Finite differences and complex step differentiate f as computed in floating point;
``jax.grad`` differentiates f's formula (its rounding bounded by ρ_r, see harness.py).
Where f loses accuracy (a cancellation, an overflow inside it), a numeric reference
disagrees with both the candidate and ``jax.grad``: the report's "suspect" points.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from bce_check.check._references import own_rules
from bce_check.check.tolerance import REFERENCE_DTYPE
from bce_check.report import FAIL, INCONCLUSIVE, PASS, Result

NUMERIC = ("finite-difference", "complex-step")


@lru_cache(maxsize=256)
def autodiff_is_jax_own(problem) -> bool:
    """Is jax.grad of f JAX's own derivative of f's primitives (no custom rule, no host
    call)?  Then it is the exact derivative of f's formula, up to its bounded rounding."""
    import jax
    wide = [jax.ShapeDtypeStruct(s.shape, REFERENCE_DTYPE) for _, s in problem.samplers]
    return problem.order == 1 and not own_rules(problem.f, wide)


def arbitrated(results: list[Result], totals: dict, trusted: bool) -> list[Result]:
    """A numeric reference that fails only where it also disagrees with jax.grad, while
    jax.grad agrees with the candidate everywhere, is inconclusive, not failed.

    There f as computed in floating point is not the function its formula means (it loses
    accuracy: a cancellation, an overflow inside), and finite differences and complex step
    differentiate what f computes; jax.grad differentiates the formula, with its rounding
    bounded (ρ_r).  Only when jax.grad is JAX's own (``trusted``): a custom_jvp rule
    or a host callback in f could be the very thing that is wrong, and then a numeric
    reference is the only witness against it, so its failure stands.
    """
    by_name = {r.reference: r for r in results}
    anchor = by_name.get("jax.grad")
    if not trusted or anchor is None or anchor.verdict != PASS:
        return results
    out = []
    for r in results:
        t = totals[r.reference]
        if r.reference in NUMERIC and r.verdict == FAIL and t.fails == t.suspect:
            r = replace(
                r,
                verdict=INCONCLUSIVE,
                note=(
                    f"{t.fails:,} points out of tolerance, at each of which it also "
                    "disagrees with jax.grad (JAX's own derivative of f, which agrees with "
                    "the candidate): f loses accuracy there, so this reference cannot judge"
                ),
            )
        out.append(r)
    return out
