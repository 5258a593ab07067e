"""THE tolerance model: its statement and derivation, the per-dtype constants, the comparison,
the finite-difference and complex-step error bounds, the verdict rule, the oracle's rule,
and the arbitration rule used when the oracle is off.  Nothing else in the tree restates it;
``docs/verdicts.md`` explains it for users.

The points x are drawn in the check's dtype; every reference is computed from those same
points in float64.  ε is the candidate's machine epsilon and s the gradient's *scale*
at the point: the size of the terms the gradient is computed from (1/4 for σ', the
bound of σ(1 − σ); 1 for σ(u) − p; a derivation states its own).  For a user's
function s = 0 unless given: the absolute part of the tolerance then comes from the
candidate's own operations at that point, ρ_c (the size of the terms it forms, carried
by its running error bound), never from a global size such as the largest gradient seen
(which hid every error below 0.03 of a gradient spanning e^(−30) … e^30).  Per point
and component, c passes against r when

    |c − r| ≤ 16·ε·(|r| + s) + E_r + ρ_r + ρ_c

* 16·ε·(|r| + s) (ULP_BUDGET): a correct c and a correct r made of a handful of
  operations on quantities no larger than |r| + s, each within about an ulp of its
  inputs' size, differ by a few ε·(|r| + s); 8 ulp for each side, hence 16.  The
  absolute part ε·s lets a right answer with a rounding-level absolute error pass:
  σ(z)(1 − σ(z)) returns 0 at z = 40 where the truth is 4.2e-18, an error of 2e-17·s,
  far below 16ε·s = 8.9e-16.
* ρ_r, ρ_c: the reference's and the candidate's own rounding, bounded at that point from
  their programs (``_rounding.running_error``: each operation's inherited error plus 2 ulp
  of its result, to first order).  This is what keeps a right candidate from failing
  because a reference is less accurate than it: ``jax.grad`` of logaddexp(0, u) − p·u is
  exp(u − logaddexp(0, u)), whose argument carries the rounding of a number of size u
  (ρ_r = 1.7e-14 at u = 32 against a tight term of 3.6e-15); a program that forms no
  such term has ρ of a few ulp of |r| + s, so sensitivity is kept where the references
  can vouch for it.  In float32 the references are float64, so ρ_r and E_r are ~2^-29
  of the float32 terms and the candidate is judged against the truth at its own points;
  ρ_c then covers a float32 candidate computed from large terms (z − max z at |z| ≈ 8e3).
  ρ is computed only for chunks where some point fails without it (a point within the
  smaller tolerance is within the larger one), so a passing run does not pay for it.
* E_r, finite differences: D(h) = (f(x + h) − f(x − h))/2h has a truncation error
  h²·f‴/6, estimated by Richardson as |D(2h) − D(h)|/3, and a rounding error of at most
  16·ε·T/2h from evaluating f, where T = |f(x + h)| + |f(x − h)| + 2·s·max(‖x‖₁, 1) is
  the size of the terms f is computed from (a function whose slope is bounded by s sums
  terms up to about |f| + s·|x|).  E_r = FD_SAFETY·(truncation + rounding);
  h = ε^{1/3}·max(|x|, 1) balances them (the step is made exact: h = (x + h) − x).
  Points outside the Taylor regime (D(4h) − D(2h) ≠ 4·(D(2h) − D(h))) are not compared.
  E_r, complex step: 2·tiny/h, below which Im f(x + ih) underflows.
* A candidate that is NaN or infinite where the reference is finite fails.  A float32
  candidate is judged within its range: a point whose float64 reference exceeds float32's
  largest number is not compared, and 16·tiny₃₂ is added to the tolerance (tiny: the
  smallest normal number, below which XLA flushes to 0; ρ charges it per operation too).

Smallest error detected: at a point where neither program forms a term larger than
|r| + s, an error above about 16·ε·(|r| + s) plus a few ulp (3.6e-15·(|r| + s) in float64,
1.9e-6·(|r| + s) in float32); where a program forms larger terms, above its ρ there.

The per-dtype constants are a table (``CONSTANTS``), as JAX's ``public_test_util`` keeps
its tolerances: ε, the smallest normal number (tiny) and the largest finite number.

Who judges (the oracle, ``bce_check.check.oracle``).  All four references and the
candidate are floating-point programs; when they disagree, only the truth settles it.
The oracle evaluates f's own formula at high precision (its jaxpr, custom rules ignored;
or a derivation's SymPy definition) as a rigorous enclosure of the derivative, refining
the precision until the point is decided (to ORACLE_DIGITS).  It judges every point
where a reference disagrees with the candidate beyond that reference's tolerance, where no
reference is finite, or where the candidate is not finite, plus a seeded audit of AUDIT
random points (a bias touching 2 % of the domain is caught with probability
1 − 0.98^256 > 99 %); beyond ORACLE_POINTS it judges the worst half and a seeded sample of
the rest, and says how many of how many.  A point fails when

    dist(c, [truth_lo, truth_hi]) > 16·ε·|truth| + ρ_c + 16·tiny

([truth_lo, truth_hi] is the interval between the one-sided derivatives at a kink: a
subgradient passes).  Any failure the oracle judges fails the check; a reference whose
every failure the oracle overruled (it sided with the candidate) is inconclusive, with the
count.  ``oracle_points=0`` turns the oracle off (audit included): then the arbitration
rule below decides instead.

Verdicts: a reference fails if any point fails (and the oracle did not overrule it); it is
inconclusive when it compared fewer than MIN_COMPARED (half) of the sampled points (the
others not finite, counted as ``nonfinite``); a check passes only if no reference failed,
the oracle found no failure, and one reference passed.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from bce_check.report import Result, Verdict

ULP_BUDGET = 16  # ε·(|r| + s) units two short, correct computations of the same value may differ
FD_SAFETY = 2.0  # multiplies the finite-difference error estimate (Richardson is an estimate)
REFERENCE_DTYPE = "float64"  # references are computed in float64 whatever the candidate's dtype
MIN_COMPARED = 0.5  # a reference vouches for a gradient only if it compared half the points
ORACLE_POINTS = 4096  # points the oracle judges per check at most (worst half + a sample)
DEFAULT_ORACLE_POINTS = ORACLE_POINTS  # on by default; oracle_points=0 is the screen alone
AUDIT = 256  # seeded random points the oracle judges in every check
ORACLE_DIGITS = 2000  # the precision cap: a point still undecided there is "unresolved"

# per dtype: machine epsilon, smallest normal number, largest finite number
CONSTANTS = {
    name: {"eps": float(info.eps), "tiny": float(info.tiny), "max": float(info.max)}
    for name, info in (("float32", np.finfo(np.float32)), ("float64", np.finfo(np.float64)))
}


def oracle_tolerance(dtype: str, n: int) -> tuple[float, np.ndarray]:
    """(relative, absolute per point) for the oracle: 16·ε and the underflow term 16·tiny
    (ρ_c is added where a point fails without it)."""
    c = CONSTANTS[dtype]
    return ULP_BUDGET * c["eps"], np.full(n, ULP_BUDGET * c["tiny"])


def complex_step_bound(tiny, h):
    """Below 2·tiny/h, Im f(x + ih)/h underflows: complex step's absolute error bound."""
    return 2 * tiny / h


def fd_rounding(values, taken, eps, slope, reach):
    """The rounding error of D(h) from evaluating f: 16·(ε·T + tiny)/2h, with
    T = |f(x + h)| + |f(x − h)| + 2·slope·max(‖x‖₁, 1), the size of the terms f is
    computed from (a function of slope s sums terms up to about |f| + s·|x|)."""
    import jax.numpy as jnp

    terms = jnp.abs(values[0]) + jnp.abs(values[1]) + 2 * slope * reach
    tiny = jnp.finfo(values.dtype).tiny
    return ULP_BUDGET * (eps * terms + tiny) / (taken[0] - taken[1])


def reference_verdict(fails: int, count: int, sampled: int) -> Verdict:
    """fail at any point out of tolerance; inconclusive when fewer than MIN_COMPARED
    of the sampled points could be compared; pass otherwise."""
    if fails:
        return Verdict.FAIL
    return Verdict.INCONCLUSIVE if count < MIN_COMPARED * sampled else Verdict.PASS


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
    error: relative to |r| + s + extra/(16·ε), the size the tolerance allows for, so the
    point of the largest error is the point furthest out of tolerance (one point).
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
    err = jnp.where(diff == 0, 0.0, jnp.where(finite, ULP_BUDGET * eps * diff / tol, jnp.inf))
    ratio = jnp.where(diff == 0, 0.0, jnp.where(finite, diff / tol, jnp.inf))
    valid = jnp.all(valid)
    return valid, valid & ~jnp.all(diff <= tol), jnp.max(err), jnp.max(ratio)


NUMERIC = ("finite-difference", "complex-step")


def arbitrated(results: list[Result], totals: dict, trusted: bool) -> list[Result]:
    """(The arbitration rule, used only when the oracle is off or unavailable.)  A numeric
    reference that fails only where it also disagrees with jax.grad, while
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
    if not trusted or anchor is None or anchor.verdict != Verdict.PASS:
        return results
    out = []
    for r in results:
        t = totals[r.reference]
        if r.reference in NUMERIC and r.verdict == Verdict.FAIL and t.fails == t.suspect:
            r = replace(
                r,
                verdict=Verdict.INCONCLUSIVE,
                note=(
                    f"{t.fails:,} points out of tolerance, at each of which it also "
                    "disagrees with jax.grad (JAX's own derivative of f, which agrees with "
                    "the candidate): f loses accuracy there, so this reference cannot judge"
                ),
            )
        out.append(r)
    return out
