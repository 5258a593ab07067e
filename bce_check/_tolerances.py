"""The tolerance model, as named constants, and the comparison that applies it.

See ``bce_check/harness.py`` for the derivation of each term.
"""

from __future__ import annotations

ULP_BUDGET = 16  # ε·(|r| + s) units a correct candidate and a correct reference may differ by
FD_SAFETY = 2.0  # multiplies the finite-difference error estimate (Richardson is an estimate)


def compare(c, r, extra, s, eps):
    """(valid, failed, error, error/tolerance) of candidate c against reference r at a point."""
    import jax.numpy as jnp

    diff = jnp.abs(c - r)
    tol = ULP_BUDGET * eps * (jnp.abs(r) + s) + extra
    finite = jnp.isfinite(diff)
    err = jnp.where(diff == 0, 0.0, jnp.where(finite, diff / (jnp.abs(r) + s), jnp.inf))
    ratio = jnp.where(diff == 0, 0.0, jnp.where(finite, diff / tol, jnp.inf))
    valid = jnp.all(jnp.isfinite(r))
    return valid, valid & ~jnp.all(diff <= tol), jnp.max(err), jnp.max(ratio)


def tolerance(r, s, eps, extra=0.0):
    """ULP_BUDGET·ε·(|r| + s) + extra: how far a correct candidate may lie from reference r.

    Works on floats, NumPy and JAX arrays alike.
    """
    return ULP_BUDGET * eps * (abs(r) + s) + extra
