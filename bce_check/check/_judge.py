"""The oracle at the disputed points and on a seeded audit: who is right, decided by the truth.

The sweep screens every point with the float references and hands over the points they
cannot settle (``Disputed``): a reference disagrees with the candidate beyond that
reference's tolerance, no reference is finite there, or the candidate is not finite.  An
audit of seeded random points is added (``audit_indices``).  ``judge`` asks the oracle
(``bce_check.check.oracle``: f's own formula at high precision) about each, under the rule
of ``tolerance.py``, and says per reference which of its failures the truth overrules.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from bce_check.check.oracle import FAIL, PASS, UNRESOLVED, OracleUnavailable, jaxpr_oracle
from bce_check.check.tolerance import ORACLE_DIGITS, oracle_tolerance

AUDIT_SALT = 0x0A0D17  # the audit's random stream differs from the samplers' for one seed
PER_REFERENCE = 512  # failures of each reference judged at least (all, if fewer)


def audit_indices(seed: int, samples: int, audit: int) -> np.ndarray:
    """``audit`` distinct seeded point indices in [0, samples), sorted."""
    if audit <= 0:
        return np.zeros(0, dtype=np.int64)
    rng = np.random.default_rng([seed, AUDIT_SALT])
    count = min(audit, samples)
    return np.sort(rng.choice(samples, size=count, replace=False))


@dataclass
class Disputed:
    """Host-side collection of the points the oracle is to judge, bounded by a budget.

    Per point: its index, arguments, the candidate (float64), which references failed
    there (a bit per reference) and how far out of tolerance (for "the worst first").
    """

    budget: int
    audit: np.ndarray
    seen: int = 0
    rows: list = field(default_factory=list)

    def add(self, first: int, args: list, candidate, points: dict, count: int, size: int) -> None:
        disputed = np.asarray(points["disputed"])[:count]
        index = first + np.arange(count)
        audited = np.isin(index, self.audit)
        self.seen += int(disputed.sum())
        keep = np.flatnonzero(disputed | audited)
        if keep.size == 0:
            return
        ranked = np.asarray(points["ratio"])[:count][keep]
        ranked = np.where(np.isfinite(ranked), ranked, np.inf)
        ranked = np.where(disputed[keep], ranked, -1.0)  # audit-only points last
        cand = np.asarray(candidate)[keep, :size].astype(np.float64)
        self.rows.append(
            (index[keep], [np.asarray(a)[keep] for a in args], cand,
             np.asarray(points["failed_by"])[:count][keep], ranked, audited[keep])
        )
        if sum(len(r[0]) for r in self.rows) > 4 * max(self.budget, 1):
            self.rows = [self._chosen()]

    def _chosen(self) -> tuple:
        """The audit points; for each reference, up to PER_REFERENCE of its failures (its
        worst half and a seeded sample); then the worst disputed points and a seeded sample
        of the others, up to the budget."""
        index, args, cand, failed_by, ranked, audited = _joined(self.rows)
        rng = np.random.default_rng([int(index.sum()) & 0xFFFFFFFF, AUDIT_SALT])
        order = np.argsort(-ranked, kind="stable")
        take = audited.copy()
        for bit in range(int(failed_by.max()).bit_length() if len(failed_by) else 0):
            mine = order[((failed_by[order] >> bit) & 1 == 1)]
            half = PER_REFERENCE // 2
            take[mine[:half]] = True
            take[rng.permutation(mine[half:])[: PER_REFERENCE - half]] = True
        room = max(self.budget - int(take.sum()), 0)
        rest = order[~take[order]]
        take[rest[: room // 2]] = True
        rest = rest[room // 2 :]
        take[rng.permutation(rest)[: max(room - room // 2, 0)]] = True
        chosen = np.flatnonzero(take)
        return (index[chosen], [a[chosen] for a in args], cand[chosen], failed_by[chosen],
                ranked[chosen], audited[chosen])

    def chosen(self):
        return None if not self.rows else self._chosen()


def _joined(rows: list) -> tuple:
    index = np.concatenate([r[0] for r in rows])
    args = [np.concatenate([r[1][k] for r in rows]) for k in range(len(rows[0][1]))]
    return (index, args, *(np.concatenate([r[k] for r in rows]) for k in (2, 3, 4, 5)))


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
               "kinks": 0, "kink_example": None, "unresolved": 0, "max_digits": 0,
               "budget": collected.budget}
    if chosen is None:
        return Verdicts(summary, {}, {}, {}, None)
    index, args, cand, failed_by, _, _ = chosen
    cand = cand.reshape((len(index), *shape))
    rel, absolute = oracle_tolerance(dtype, len(index))
    wide = [np.asarray(a, dtype=np.float64) for a in args]
    absolute = absolute + rel * _scale_at(scale, wide)  # 16·ε·s: a stated scale counts
    verdict = _decide(oracle, wide, cand, rel, absolute, bound, args)
    j, failing = verdict
    summary.update(
        judged=len(index), failed=int(np.sum(j.verdict == FAIL)),
        unresolved=int(np.sum(j.verdict == UNRESOLVED)), kinks=int(np.sum(j.kink)),
        max_digits=int(np.max(j.digits)) if len(index) else 0,
    )
    names = [n for n, _ in problem.samplers]
    if summary["kinks"]:
        k = int(np.flatnonzero(j.kink)[0])
        example = zip(names, wide, strict=True)
        summary["kink_example"] = {n: np.asarray(a[k]).tolist() for n, a in example}
    overruled, confirmed, judged = {}, {}, {}
    for bit in range(int(failed_by.max()).bit_length() if len(failed_by) else 0):
        mine = (failed_by >> bit) & 1 == 1
        judged[bit] = int(mine.sum())
        overruled[bit] = int(np.sum(mine & (j.verdict == PASS)))
        confirmed[bit] = int(np.sum(mine & (j.verdict == FAIL)))
    # the error relative to the size the tolerance allows for (as ``compare`` measures it)
    truth = j.truth().reshape(len(index), -1)
    scale = np.abs(truth) + (absolute / rel)[:, None]
    errors = (np.abs(cand.reshape(len(index), -1) - truth) / scale).max(axis=1)
    errors = np.where(np.isfinite(errors), errors, np.inf)
    pool = failing if failing.size else np.arange(len(index))
    k = int(pool[np.argmax(errors[pool])])
    worst = {"input": {n: np.asarray(a[k]).tolist() for n, a in zip(names, wide, strict=True)},
             "candidate": np.asarray(cand[k]).tolist(), "truth": np.asarray(j.truth()[k]).tolist(),
             "error": float(errors[k]), "failed": bool(failing.size),
             "median": float(np.median(errors))}
    return Verdicts(summary, overruled, confirmed, judged, worst)


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
    """Judge with the underflow term alone; where that fails, again with ρ_c added: first
    from the enclosure already found (outward-rounded, so still rigorous), and only the
    points that leaves undecided by the oracle once more."""
    j = oracle.judge(wide, cand, rel, absolute, max_digits=ORACLE_DIGITS)
    failing = np.flatnonzero(j.verdict == FAIL)
    if not failing.size or bound is None:
        return j, failing
    rho = np.asarray(bound([np.asarray(a)[failing] for a in args]), dtype=np.float64)
    wider = absolute[failing] + rho.reshape(len(failing), -1).max(axis=1)
    verdict = j.verdict.copy()
    verdict[failing] = _redecide(cand[failing], j.lo[failing], j.hi[failing], rel, wider)
    again = failing[verdict[failing] == UNRESOLVED]
    if again.size:
        k = oracle.judge([w[again] for w in wide], cand[again], rel,
                         absolute[again] + rho.reshape(len(failing), -1).max(axis=1)[
                             np.searchsorted(failing, again)], max_digits=ORACLE_DIGITS)
        verdict[again] = k.verdict
    j = dataclasses.replace(j, verdict=verdict)
    return j, np.flatnonzero(verdict == FAIL)


def _redecide(cand, lo, hi, rel, absolute):
    """PASS / FAIL / UNRESOLVED of each point from an enclosure [lo, hi] already found."""
    n = len(cand)
    c, lo, hi = (x.reshape(n, -1) for x in (cand, lo, hi))
    gap = np.maximum(np.maximum(lo - c, c - hi), 0.0)
    small = np.where(lo * hi > 0, np.minimum(np.abs(lo), np.abs(hi)), 0.0)
    large = np.maximum(np.abs(lo), np.abs(hi))
    passed = np.isfinite(c) & (gap <= rel * small + absolute[:, None] * (1 - 1e-15))
    failed = ~np.isfinite(c) | (gap > rel * large + absolute[:, None] * (1 + 1e-15))
    out = np.full(n, UNRESOLVED, np.int8)
    out[np.all(passed, axis=1)] = PASS
    out[np.any(failed & np.isfinite(lo) & np.isfinite(hi), axis=1)] = FAIL
    return out
