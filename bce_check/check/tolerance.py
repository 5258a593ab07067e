"""The tolerance model, as named constants, and the comparison that applies it.

The model and its derivation are stated once, in the docstring of ``bce_check/harness.py``;
``docs/verdicts.md`` explains it for users.  Per point x and gradient component:

    |c − r| ≤ tolerance(r, s, ε, extra) = ULP_BUDGET·ε·(|r| + s) + extra

with ε the candidate's machine epsilon, s the gradient's scale, and ``extra`` the
reference's own error bound (finite differences: FD_SAFETY·(truncation + rounding);
after arbitration, also ρ_r + ρ_c, the running rounding bounds of the reference's and
the candidate's programs, ``_rounding.py``).
"""

from __future__ import annotations

ULP_BUDGET = 16  # ε·(|r| + s) units two short, correct computations of the same value may differ
FD_SAFETY = 2.0  # multiplies the finite-difference error estimate (Richardson is an estimate)
REFERENCE_DTYPE = "float64"  # references are computed in float64 whatever the candidate's dtype


def tolerance(r, s, eps, extra=0.0):
    """ULP_BUDGET·ε·(|r| + s) + extra: how far a correct candidate may lie from reference r.

    Works on floats, NumPy and JAX arrays alike.
    """
    return ULP_BUDGET * eps * (abs(r) + s) + extra


def compare(c, r, extra, s, eps):
    """(valid, failed, error, error/tolerance) of candidate c against reference r at a point.

    valid: the reference is finite, and representable in the candidate's dtype, in every
    component (a float32 candidate cannot hold a truth above 3.4e38); failed: valid and
    some component out of tolerance (a non-finite candidate is out of any tolerance);
    error: relative to |r| + s.
    """
    import jax.numpy as jnp
    diff = jnp.abs(c - r)
    tol = tolerance(r, s, eps, extra)
    valid = jnp.isfinite(r)
    if jnp.finfo(c.dtype).bits < jnp.finfo(r.dtype).bits:  # a float32 candidate: its range
        # below its smallest normal number XLA flushes to 0 (an absolute error up to tiny),
        # and a truth beyond its largest number is not representable at all
        info = jnp.finfo(c.dtype)
        tol = tol + ULP_BUDGET * info.tiny
        valid = valid & (jnp.abs(r) <= info.max)
    finite = jnp.isfinite(diff)
    err = jnp.where(diff == 0, 0.0, jnp.where(finite, diff / (jnp.abs(r) + s), jnp.inf))
    ratio = jnp.where(diff == 0, 0.0, jnp.where(finite, diff / tol, jnp.inf))
    valid = jnp.all(valid)
    return valid, valid & ~jnp.all(diff <= tol), jnp.max(err), jnp.max(ratio)
