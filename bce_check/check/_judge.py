"""The oracle at the disputed points and on a seeded audit: who is right, decided by the truth.

The sweep hands over the points the float references cannot settle and a seeded audit
(``_disputed.Disputed``).  ``judge`` asks the oracle
(``bce_check.check.oracle``: f's own formula at high precision) about each, under the rule
of ``tolerance.py``, and says per reference which of its failures the truth overrules.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from bce_check.check._disputed import Disputed
from bce_check.check.oracle import FAIL, PASS, UNRESOLVED, OracleUnavailable, jaxpr_oracle
from bce_check.check.tolerance import CONSTANTS, ORACLE_DIGITS, oracle_tolerance


@dataclass(frozen=True)
class Verdicts:
    """What the oracle found: the summary for the report and per-reference overrulings."""

    summary: dict
    overruled: dict  # reference bit -> failures at points where the truth sided with c
    failed_at: dict  # reference bit -> failures at points the truth confirmed
    judged_failures: dict  # reference bit -> failures the oracle judged at all
    worst: dict | None  # the worst failing point: inputs, candidate, truth


def build(problem, index: int):
    """The oracle of ``problem`` (its own ``truth``, or the jaxpr oracle of f), or the
    reason there is none."""
    if problem.order == 0:
        return None, "an identity (order 0) has no derivative to judge"
    truth = getattr(problem, "truth", None)
    if truth is not None:
        return truth, ""
    try:
        shapes = [tuple(s.shape) for _, s in problem.samplers]
        return jaxpr_oracle(problem.f, shapes, index, order=problem.order), ""
    except OracleUnavailable as error:
        return None, str(error)


def judge(oracle, problem, dtype: str, collected: Disputed, shape: tuple,
          bound=None, scale=None) -> Verdicts:
    """Judge the collected points (see the module docstring); ``bound(args)`` → ρ_c;
    ``scale``: the check's gradient scale s (a number, a function of the point, or None)."""
    chosen = collected.chosen()
    summary = {"available": True, "unavailable_reason": "", "judged": 0,
               "disputed": collected.seen, "audited": len(collected.audit), "failed": 0,
               "kinks": 0, "kink_example": None, "unresolved": 0, "undefined": 0, "stopped": 0,
               "max_digits": 0, "budget": collected.budget}
    if chosen is None:
        return Verdicts(summary, {}, {}, {}, None)
    index, args, cand, failed_by, _, _ = chosen
    cand = cand.reshape((len(index), *shape))
    rel, absolute = oracle_tolerance(dtype, len(index))
    wide = [np.asarray(a, dtype=np.float64) for a in args]
    absolute = absolute + rel * _scale_at(scale, wide)  # 16·ε·s: a stated scale counts
    j, failing, absolute = _decide(oracle, wide, cand, rel, absolute, bound, args)
    j, failing = _overflowed(j, failing, cand, rel, absolute, CONSTANTS[dtype]["max"])
    names = [n for n, _ in problem.samplers]
    summary.update(_counts(j, names, wide))
    overruled, confirmed, judged = _per_reference(failed_by, j.verdict)
    worst = _worst(j, failing, cand, rel, absolute, names, wide)
    return Verdicts(summary, overruled, confirmed, judged, worst)


def _counts(j, names: list, wide: list) -> dict:
    """The summary's counts of a judgement, and the first kink's inputs."""
    unresolved = j.verdict == UNRESOLVED
    counts = {
        "judged": len(j.verdict), "failed": int(np.sum(j.verdict == FAIL)),
        "unresolved": int(np.sum(unresolved & (j.truth_finite | j.stopped))),
        "undefined": int(np.sum(unresolved & ~j.truth_finite & ~j.stopped)),
        "stopped": int(np.sum(unresolved & j.stopped)), "kinks": int(np.sum(j.kink)),
        "max_digits": int(np.max(j.digits)) if len(j.verdict) else 0,
    }
    if counts["kinks"]:
        k = int(np.flatnonzero(j.kink)[0])
        counts["kink_example"] = {n: np.asarray(a[k]).tolist()
                                  for n, a in zip(names, wide, strict=True)}
    return counts


def _per_reference(failed_by: np.ndarray, verdict: np.ndarray) -> tuple[dict, dict, dict]:
    """Per reference bit: its failures the truth overruled, confirmed, and judged at all."""
    overruled, confirmed, judged = {}, {}, {}
    for bit in range(int(failed_by.max()).bit_length() if len(failed_by) else 0):
        mine = (failed_by >> bit) & 1 == 1
        judged[bit] = int(mine.sum())
        overruled[bit] = int(np.sum(mine & (verdict == PASS)))
        confirmed[bit] = int(np.sum(mine & (verdict == FAIL)))
    return overruled, confirmed, judged


def _worst(j, failing, cand, rel, absolute, names: list, wide: list) -> dict:
    """The worst point (failing if any, else decided): its error relative to the size its
    tolerance allows for (as ``compare`` measures it), the candidate and the truth there."""
    n = len(j.verdict)
    truth = j.truth().reshape(n, -1)
    scale = np.abs(truth) + (absolute / rel)[:, None]
    with np.errstate(invalid="ignore", over="ignore"):
        errors = (np.abs(cand.reshape(n, -1) - truth) / scale).max(axis=1)
    errors = np.where(np.isfinite(errors), errors, np.inf)
    errors[(j.verdict == PASS) & np.isinf(errors)] = 0.0  # ±inf: the truth's rounding
    decided = np.flatnonzero(j.verdict != UNRESOLVED)
    pool = failing if failing.size else decided if decided.size else np.arange(n)
    k = int(pool[np.argmax(errors[pool])])
    return {"input": {m: np.asarray(a[k]).tolist() for m, a in zip(names, wide, strict=True)},
            "candidate": np.asarray(cand[k]).tolist(), "truth": np.asarray(j.truth()[k]).tolist(),
            "error": float(errors[k]), "failed": bool(failing.size),
            "median": float(np.median(errors[pool]))}


def _scale_at(scale, wide: list) -> np.ndarray:
    """The gradient scale s at each point (0 where there is none)."""
    if scale is None:
        return np.zeros(len(wide[0]))
    if not callable(scale):
        return np.full(len(wide[0]), float(scale))
    import jax

    values = np.asarray(jax.vmap(scale)(*wide), dtype=np.float64)
    return np.abs(values.reshape(len(wide[0]), -1)).max(axis=1)


def _decide(oracle, wide, cand, rel, absolute, bound, args):
    """Judge each point under 16·ε·|t| + ρ_c + the underflow term (``tolerance.py``).

    ρ_c, the candidate's own rounding bound at the point, is computed for every judged
    point up front: the wider tolerance lets the float64 tier decide most points, where
    the tight one would send them to mpmath.  A non-finite ρ_c (an intermediate overflowed)
    allows nothing.  Returns the judgement, the failing points and the absolute tolerance
    each point was judged under."""
    if bound is not None:
        rho = np.asarray(bound(args), dtype=np.float64).reshape(len(cand), -1)
        rho = np.where(np.isfinite(rho), rho, 0.0).max(axis=1)
        absolute = absolute + rho
    j = oracle.judge(wide, cand, rel, absolute, max_digits=ORACLE_DIGITS)
    return j, np.flatnonzero(j.verdict == FAIL), absolute


def _overflowed(j, failing, cand, rel, absolute, largest: float):
    """An infinite candidate component where the truth is at least the dtype's largest float
    in magnitude, of the same sign, is that truth correctly rounded (to ±inf): it is judged
    as the truth's bound, so the point fails only for its other components."""
    if not failing.size:
        return j, failing
    n = len(failing)
    c, lo, hi = (x[failing].reshape(n, -1) for x in (cand, j.lo, j.hi))
    up, down = (c == np.inf) & (lo >= largest), (c == -np.inf) & (hi <= -largest)
    rounded = np.any(up | down, axis=1)
    if not rounded.any():
        return j, failing
    c = np.where(up, lo, np.where(down, hi, c))
    again = _redecide(c[rounded], lo[rounded], hi[rounded], rel, absolute[failing][rounded])
    verdict = j.verdict.copy()
    verdict[failing[rounded]] = again
    return dataclasses.replace(j, verdict=verdict), np.flatnonzero(verdict == FAIL)


def _redecide(cand, lo, hi, rel, absolute):
    """PASS / FAIL / UNRESOLVED of each point from an enclosure [lo, hi] already found."""
    n = len(cand)
    c, lo, hi = (x.reshape(n, -1) for x in (cand, lo, hi))
    with np.errstate(invalid="ignore", over="ignore"):  # inf − inf: NaN, neither branch
        return _redecided(n, c, lo, hi, rel, absolute)


def _redecided(n, c, lo, hi, rel, absolute):
    gap = np.maximum(np.maximum(lo - c, c - hi), 0.0)
    small = np.where(lo * hi > 0, np.minimum(np.abs(lo), np.abs(hi)), 0.0)
    large = np.maximum(np.abs(lo), np.abs(hi))
    passed = np.isfinite(c) & (gap <= rel * small + absolute[:, None] * (1 - 1e-15))
    failed = ~np.isfinite(c) | (gap > rel * large + absolute[:, None] * (1 + 1e-15))
    out = np.full(n, UNRESOLVED, np.int8)
    out[np.all(passed, axis=1)] = PASS
    out[np.any(failed & np.isfinite(lo) & np.isfinite(hi), axis=1)] = FAIL
    return out
