"""check_autodiff: JAX's own derivatives of f (through its custom rules) against the truth.

For each argument x checked and each mode (``_modes``: rev, fwd; fwd-over-rev,
rev-over-rev, hvp) the candidate c is JAX's derivative of f.  The truth t is the oracle's
derivative of f's primal formula (``bce_check.check.oracle``: custom_jvp/custom_vjp rules
ignored, an enclosure refined to 1e-20 relative width; at a kink, the hull of the
one-sided derivatives, so any subgradient is true).  Plan, per (x, mode):

1. screen: on ``samples`` seeded points (the check's dtype) c is compared with central
   differences of f (of jax.grad f at order 2) in float64; score = |c − r|/(|r| + s),
   ∞ where c or r is not finite;
2. judge: the ``oracle_points`` highest scores, less an audit of AUDIT seeded random
   points, go to the oracle.  c passes at a point when every possible truth is within
   τ(t) = 16·ε·(|t| + s) + 16·tiny + ρ_c (the harness's tolerance model, ``tolerance.py``,
   with the truth exact: ε, tiny of the dtype; s the gradient's scale, the largest finite
   |r| screened; ρ_c the candidate's own rounding bound, ``_rounding.py``, computed only
   where the point fails without it) and fails when none is (NaN or ∞ where t is finite);
3. vmap: jax.vmap(c) over VMAP_POINTS of those points must equal c point by point to
   within VMAP_ULPS units in the last place (NaN where NaN).

One Result per (x, mode), its ``reference`` the mode; a Report adds them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from bce_check.check._arguments import DTYPES, MAX_SAMPLES, match, whole_number
from bce_check.check._harness import Problem
from bce_check.check._modes import (
    FIRST,
    SECOND,
    candidate,
    direction,
    modes_for,
    screen,
    ulps,
)
from bce_check.check._stages import candidate_bound_stage
from bce_check.check._x64 import in_float64
from bce_check.check.tolerance import ULP_BUDGET
from bce_check.domains import Sampler
from bce_check.report import Report, Result, Verdict
from derivations import DomainError

AUDIT = 256  # seeded random points the oracle judges whatever the screen says
VMAP_POINTS = 256  # points where the batched rule is compared with the per-point one
VMAP_ULPS = 16  # the batched and per-point programs may round differently, by a few ulp
SCREEN_CHUNK = 8192  # points per screened batch: memory stays bounded


def _wrt_names(wrt: str | Sequence[str] | None, arguments: list[str]) -> list[str]:
    names = [arguments[0]] if wrt is None else [wrt] if isinstance(wrt, str) else list(wrt)
    bad = [w for w in names if w not in arguments]
    if bad or not names:
        raise DomainError(f"wrt={wrt!r}: name one or more of the arguments {', '.join(arguments)}")
    return names


def _validated(order, modes, samples, seed, dtype, oracle_points) -> tuple:
    if order not in (1, 2) or isinstance(order, bool):
        raise DomainError(f"order must be 1 or 2, got {order!r}")
    if dtype not in DTYPES:
        raise DomainError(f"dtype {dtype!r} is not supported; allowed: {', '.join(DTYPES)}")
    chosen = modes_for(order, tuple([modes] if isinstance(modes, str) else modes))
    if not chosen:
        allowed = FIRST if order == 1 else ("rev", "fwd", *SECOND)
        raise DomainError(f"modes={modes!r} at order {order}; allowed: {', '.join(allowed)}")
    return (chosen, whole_number(samples, "samples", 1, MAX_SAMPLES - 1),
            whole_number(seed, "seed", 0, 2**32 - 1),
            whole_number(oracle_points, "oracle_points", 1, 1 << 20))  # fmt: skip


def _screened(problem: Problem, index: int, mode: str, v, samples: int, seed: int,
              dtype: str) -> tuple[list[np.ndarray], np.ndarray, float]:
    """(the points, each point's screen score, the scale s): step 1 of the module docstring."""
    import jax
    import jax.numpy as jnp

    cand = jax.jit(jax.vmap(candidate(problem.f, index, mode, v)))
    ref = jax.jit(jax.vmap(screen(problem.f, index, 1 if mode in FIRST else 2, v)))
    points, cands, refs = [], [], []
    for start in range(0, samples, SCREEN_CHUNK):
        args = problem.draw(jnp.uint32(seed), jnp.uint32(start),
                            min(SCREEN_CHUNK, samples - start), dtype)  # fmt: skip
        points.append([np.asarray(a) for a in args])
        cands.append(np.asarray(cand(*args), np.float64))
        refs.append(np.asarray(ref(*[a.astype(jnp.float64) for a in args])))
    args = [np.concatenate(a) for a in zip(*points, strict=True)]
    c, r = np.concatenate(cands), np.concatenate(refs)
    finite = np.isfinite(r)
    s = float(np.max(np.abs(r[finite]), initial=0.0)) or float(np.finfo(dtype).tiny)
    with np.errstate(all="ignore"):
        err = np.abs(c - r) / (np.abs(r) + s)
    err = np.where(np.isfinite(c) & finite, err, np.inf).reshape(samples, -1)
    return args, np.max(err, axis=1, initial=0.0), s


def _chosen(score: np.ndarray, budget: int, seed: int) -> tuple[np.ndarray, int]:
    """(the points the oracle judges, worst screen scores first; how many were disputed)."""
    budget = min(budget, len(score))
    audit = min(AUDIT, budget // 2)
    worst = np.argsort(-score, kind="stable")[: budget - audit]
    rest = np.setdiff1d(np.arange(len(score)), worst)
    rng = np.random.default_rng([seed, 0x4155])
    sample = np.sort(rng.choice(rest, size=min(audit, len(rest)), replace=False))
    return np.concatenate([worst, sample]).astype(int), len(worst)


def _truth(oracle, args: list[np.ndarray], v) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """(lo, hi, kink, facts) of the truth at the points; for hvp the enclosure of H·v."""
    enclosure = oracle.derivative([np.asarray(a, np.float64) for a in args])
    lo, hi = enclosure.lo, enclosure.hi
    if v is not None:  # interval H·v: centre·v ± radius·|v|
        axes = tuple(range(-v.ndim, 0))
        centre, radius = lo / 2 + hi / 2, hi / 2 - lo / 2
        mid = np.tensordot(centre, v, axes=(axes, tuple(range(v.ndim))))
        rad = np.tensordot(radius, np.abs(v), axes=(axes, tuple(range(v.ndim))))
        lo, hi = mid - rad, mid + rad
    facts = {"finite": enclosure.truth_finite, "kink": enclosure.kink,
             "digits": int(np.max(enclosure.digits, initial=0))}
    return lo, hi, enclosure.kink, facts


def _decide(c: np.ndarray, lo: np.ndarray, hi: np.ndarray, kink: np.ndarray, s: float,
            dtype: str, rho=0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per point (pass, fail, error): τ(t) = 16·ε·(|t| + s) + 16·tiny + ρ_c (docstring).

    Smooth point: pass when max(hi − c, c − lo) ≤ τ; at a kink (truth = the hull [lo, hi])
    when dist(c, [lo, hi]) ≤ τ; fail when dist(c, [lo, hi]) > τ or c is not finite."""
    info = np.finfo(dtype)
    n = len(c)
    t = lo / 2 + hi / 2
    tau = ULP_BUDGET * float(info.eps) * (np.abs(t) + s) + ULP_BUDGET * float(info.tiny) + rho
    with np.errstate(all="ignore"):
        dist = np.maximum(np.maximum(lo - c, c - hi), 0.0)
        spread = np.maximum(hi - c, c - lo)
        k = np.reshape(kink, (n,) + (1,) * (c.ndim - 1))
        worst = np.where(k, dist, spread)
        bad = ~np.isfinite(c) | (dist > tau)
        good = np.isfinite(c) & (worst <= tau)
        error = np.where(np.isfinite(c), np.abs(c - t) / (np.abs(t) + s), np.inf)
    flat = lambda x, red: red(np.reshape(x, (n, -1)), axis=1)  # noqa: E731
    return flat(good, np.all), flat(bad, np.any), flat(error, np.max)


def _listed(x: np.ndarray) -> float | list:
    return float(x) if np.ndim(x) == 0 else np.asarray(x, float).tolist()


def _rounding(fn: Callable, args: list[np.ndarray], shape: tuple) -> np.ndarray:
    """ρ_c: the candidate's own rounding bound at each point (``_rounding.running_error``)."""
    width = int(np.prod(shape[1:], dtype=int))
    return np.asarray(candidate_bound_stage(fn, width)(args), np.float64).reshape(shape)


def _judged(name: str, mode: str, dtype: str, args, chosen, disputed, c, truth, s,
            names: list[str], samples: int, fn: Callable) -> Result:
    """The Result of one mode: the oracle's verdict on the chosen points (step 2)."""
    lo, hi, kink, facts = truth
    good, bad, error = _decide(c, lo, hi, kink, s, dtype)
    if np.any(bad & facts["finite"]):  # the candidate's own rounding, only where needed
        rho = _rounding(fn, [a[chosen] for a in args], c.shape)
        good, bad, error = _decide(c, lo, hi, kink, s, dtype, rho)
    finite = facts["finite"]
    bad, good = bad & finite, good & finite
    unresolved = finite & ~good & ~bad
    judged = int(np.sum(finite))
    at = int(np.argmax(np.where(bad, error, -1.0) if bad.any() else np.where(finite, error, -1.0)))
    worst = {n: _listed(a[chosen[at]]) for n, a in zip(names, args, strict=True)}
    worst |= {"candidate": _listed(c[at]), "truth": _listed(lo[at] / 2 + hi[at] / 2)}
    verdict = Verdict.FAIL if bad.any() else Verdict.PASS if judged else Verdict.INCONCLUSIVE
    note = (f"oracle judged {judged:,} of {samples:,} points ({disputed:,} worst by finite "
            f"differences, {len(chosen) - disputed:,} audited); {int(np.sum(bad)):,} failed, "
            f"{int(np.sum(unresolved)):,} unresolved, {int(np.sum(kink & finite)):,} at a "
            f"kink, up to {facts['digits']} digits")  # fmt: skip
    errors = error[finite]
    return Result(name, mode, dtype, judged, float(np.max(errors, initial=0.0)),
                  float(np.median(errors)) if judged else np.nan, worst if judged else {},
                  verdict, note, samples, int(np.sum(~finite)))  # fmt: skip


def _vmapped(name: str, mode: str, fn: Callable, args: list[np.ndarray], dtype: str,
             names: list[str]) -> Result:
    """Step 3: jax.vmap(c) over the points against c applied point by point."""
    import jax

    batched = np.asarray(jax.jit(jax.vmap(fn))(*args))
    single = jax.jit(fn)
    one = np.stack([np.asarray(single(*[a[i] for a in args])) for i in range(len(args[0]))])
    same_nan = np.isnan(batched) == np.isnan(one)
    apart = ulps(batched, one)
    apart = np.where(np.isnan(batched) & np.isnan(one), 0.0, np.where(same_nan, apart, np.inf))
    per = np.max(apart.reshape(len(apart), -1), axis=1)
    at = int(np.argmax(per))
    worst = {n: _listed(a[at]) for n, a in zip(names, args, strict=True)}
    worst |= {"vmap": _listed(batched[at]), "per-point": _listed(one[at])}
    failed = int(np.sum(per > VMAP_ULPS))
    note = (f"jax.vmap({mode}) against {mode} point by point: {failed:,} of {len(per):,} "
            f"points differ by more than {VMAP_ULPS} ulp (max error in ulp)")
    return Result(name, "vmap", dtype, len(per), float(per[at]), float(np.median(per)), worst,
                  Verdict.FAIL if failed else Verdict.PASS, note, len(per))  # fmt: skip


def _one_argument(problem: Problem, index: int, modes, samples, seed, dtype, budget,
                  names) -> list[Result]:
    """Every mode's Results for the argument ``index`` (steps 1–3)."""
    from bce_check.check.oracle import OracleUnavailable, jaxpr_oracle

    shapes = [s.shape for _, s in problem.samplers]
    order = 1 if modes[0] in FIRST else 2
    try:
        oracle = jaxpr_oracle(problem.f, shapes, index, order)
    except (OracleUnavailable, ValueError, TypeError) as error:
        raise DomainError(f"no truth for {problem.name}: {error}") from error
    hessian = {}
    results = []
    for mode in modes:
        v = direction(shapes[index], seed) if mode == "hvp" else None
        try:
            args, score, s = _screened(problem, index, mode, v, samples, seed, dtype)
        except Exception as error:
            results.append(_unavailable(problem.name, mode, dtype, samples, error))
            continue
        chosen, disputed = _chosen(score, budget, seed)
        picked = [a[chosen] for a in args]
        fn = candidate(problem.f, index, mode, v)
        try:
            c = np.asarray(_batched(fn, picked), np.float64)
        except Exception as error:
            results.append(_unavailable(problem.name, mode, dtype, samples, error))
            continue
        key = tuple(chosen.tolist())
        if key not in hessian:  # the truth, once per point set (rev and fwd share it)
            hessian[key] = _truth(oracle, picked, None)
        truth = hessian[key] if v is None else _truth(oracle, picked, v)
        results.append(_judged(problem.name, mode, dtype, args, chosen, disputed, c, truth, s,
                               names, samples, fn))  # fmt: skip
        results.append(_vmapped(problem.name, mode, fn, [a[:VMAP_POINTS] for a in picked],
                                dtype, names))  # fmt: skip
    return results


def _unavailable(name: str, mode: str, dtype: str, samples: int, error: Exception) -> Result:
    """A mode JAX cannot compute for f (jacfwd of a custom_vjp function): skipped, and why."""
    why = str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
    return Result(name, mode, dtype, 0, np.nan, np.nan, {}, Verdict.SKIPPED,
                  f"JAX cannot compute {mode} for f: {why}", samples)  # fmt: skip


def _batched(fn: Callable, args: list[np.ndarray]) -> np.ndarray:
    import jax

    return np.asarray(jax.jit(jax.vmap(fn))(*args))


@in_float64
def check_autodiff(
    f: Callable,
    domains: Mapping[str, Sampler],
    wrt: str | Sequence[str] | None = None,
    order: int = 1,
    modes: Sequence[str] = ("rev", "fwd"),
    samples: int = 100_000,
    seed: int = 0,
    dtype: str = "float64",
    oracle_points: int = 4096,
) -> Report:
    """Check JAX's derivatives of ``f`` (through its custom rules) against the truth.

    ``domains`` maps f's parameters, by name, to samplers (as in ``check_gradient``);
    ``wrt``: None (f's first argument), a name, or a tuple of names (each checked).
    Order 1: ∂f/∂x by ``rev`` (jax.jacrev) and ``fwd`` (jax.jacfwd); order 2 (scalar f):
    ∂²f/∂x² by ``fwd-over-rev`` and ``rev-over-rev`` (``modes`` ("rev", "fwd") name them)
    and the product H·v (``hvp``) along a seeded direction v.  The truth is the oracle's
    derivative of f's primal formula; every candidate is also checked under ``vmap``.
    Returns a Report: one Result per (argument, mode), its reference the mode's name.
    """
    chosen, samples, seed, budget = _validated(order, modes, samples, seed, dtype,
                                               oracle_points)  # fmt: skip
    samplers, by_order = match(f, domains)
    names = [n for n, _ in samplers]
    bad = [n for n, s in samplers if not isinstance(s, Sampler)]
    if bad:
        raise DomainError(f"domains[{bad[0]!r}] is not a sampler; use bce_check.domains")
    started = time.perf_counter()
    base = getattr(f, "__name__", "f")
    results, notes = [], [f"{base}: {by_order}"] if by_order else []
    for w in _wrt_names(wrt, names):
        label = f"{base} ∂/∂{w}" if order == 1 else f"{base} ∂²/∂{w}²"
        problem = Problem(label, f, None, samplers, w, order=order)
        results += _one_argument(problem, names.index(w), chosen, samples, seed, dtype,
                                 budget, names)  # fmt: skip
    notes.append("truth: the oracle's derivative of f's formula (custom rules ignored); "
                 "pass: within 16·ε·(|t| + s) + 16·tiny + ρ_c (s: the largest |finite difference|)")
    return Report(tuple(results), samples, seed, time.perf_counter() - started, tuple(notes))
