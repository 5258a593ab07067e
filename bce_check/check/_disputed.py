"""The points the oracle is to judge, collected on the host under a budget, in any order.

The sweep screens every point with the float references and hands over the points they
cannot settle: a reference disagrees with the candidate beyond that reference's tolerance,
no reference is finite there, or the candidate is not finite; plus a seeded audit
(``audit_indices``).  Beyond the budget the oracle judges, per reference, the worst half of
PER_REFERENCE of its failures and a seeded sample of the others, then the worst disputed
points and a seeded sample of the rest.

"Worst" orders by the error/tolerance ratio, ties by point number; "a seeded sample" takes
the lowest priorities, a hash of the point number.  Both are orders on the points alone, so
the choice does not depend on the order the points arrived in: one device, several devices
or several processes (each collecting its share, merged with ``absorb``) choose the same
points.  Collection keeps memory bounded by pruning to a superset of anything the final
choice can take (``_keep``): every rule is "the first k of a set in a fixed order", and a
point not among the first k of a part is not among the first k of the whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

AUDIT_SALT = 0x0A0D17  # the audit's random stream differs from the samplers' for one seed
PER_REFERENCE = 512  # failures of each reference judged at least (all, if fewer)
FIELDS = ("index", "cand", "failed_by", "ranked", "audited")


def audit_indices(seed: int, samples: int, audit: int) -> np.ndarray:
    """``audit`` distinct seeded point indices in [0, samples), sorted."""
    if audit <= 0:
        return np.zeros(0, dtype=np.int64)
    rng = np.random.default_rng([seed, AUDIT_SALT])
    count = min(audit, samples)
    return np.sort(rng.choice(samples, size=count, replace=False))


def priority(index: np.ndarray) -> np.ndarray:
    """A seeded pseudo-random rank per point number (splitmix64's finaliser)."""
    z = np.asarray(index, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15 ^ AUDIT_SALT)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@dataclass
class Disputed:
    """Host-side collection of the points the oracle is to judge, bounded by a budget.

    Per point: its number, arguments, the candidate (float64), which references failed
    there (a bit per reference) and how far out of tolerance (for "the worst first").
    """

    budget: int
    audit: np.ndarray
    seen: int = 0
    rows: list = field(default_factory=list)

    def add(self, first: int, args: list, candidate, points: dict, count: int, size: int) -> None:
        """One chunk's per-point marks (``points``) for points first … first + count − 1."""
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
        failed_by = np.asarray(points["failed_by"])[:count][keep]
        self._append(index[keep], [np.asarray(a)[keep] for a in args], cand, failed_by,
                     ranked, audited[keep])

    def _append(self, *row) -> None:
        self.rows.append(row)
        if sum(len(r[0]) for r in self.rows) > 4 * max(self.budget, 1) + len(self.audit):
            self.rows = [_take(_joined(self.rows), self._keep(_joined(self.rows)))]

    def absorb(self, other: Disputed) -> None:
        """Another collection of other points of the same run (a device's, a process's)."""
        self.seen += other.seen
        for row in other.rows:
            self._append(*row)

    def _keep(self, rows: tuple) -> np.ndarray:
        """A superset of what ``_choose`` can take from any superset of these rows."""
        index, failed_by, ranked, audited = rows[0], rows[3], rows[4], rows[5]
        worst, sample = _orders(index, ranked)
        keep = audited.copy()
        for mine in _failures(failed_by):
            keep[worst[mine[worst]][: PER_REFERENCE // 2]] = True
            keep[sample[mine[sample]][:PER_REFERENCE]] = True
        keep[worst[: self.budget]] = True
        keep[sample[: self.budget]] = True
        return keep

    def _choose(self, rows: tuple) -> np.ndarray:
        """The audit points; for each reference, up to PER_REFERENCE of its failures (the
        worst half, then a seeded sample); then the worst disputed points and a seeded
        sample of the others, up to the budget."""
        index, failed_by, ranked, audited = rows[0], rows[3], rows[4], rows[5]
        worst, sample = _orders(index, ranked)
        take = audited.copy()
        half = PER_REFERENCE // 2
        for mine in _failures(failed_by):
            top = worst[mine[worst]][:half]
            take[top] = True
            others = sample[mine[sample] & ~np.isin(sample, top)]
            take[others[: PER_REFERENCE - half]] = True
        room = max(self.budget - int(take.sum()), 0)
        rest = worst[~take[worst]]
        take[rest[: room // 2]] = True
        rest = sample[~take[sample]]
        take[rest[: room - room // 2]] = True
        return take

    def chosen(self):
        """(index, args, candidate, failed_by, ranked, audited) of the chosen points, in
        point order; None if nothing was collected."""
        if not self.rows:
            return None
        rows = _joined(self.rows)
        rows = _take(rows, self._choose(rows))
        return _take(rows, np.argsort(rows[0], kind="stable"))


def _orders(index: np.ndarray, ranked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions worst first (ratio down, then point number) and in sample order."""
    return np.lexsort((index, -ranked)), np.lexsort((index, priority(index)))


def _failures(failed_by: np.ndarray):
    """Per reference bit: the mask of the points where that reference failed."""
    for bit in range(int(failed_by.max()).bit_length() if len(failed_by) else 0):
        yield (failed_by >> bit) & 1 == 1


def _joined(rows: list) -> tuple:
    index = np.concatenate([r[0] for r in rows])
    args = [np.concatenate([r[1][k] for r in rows]) for k in range(len(rows[0][1]))]
    return (index, args, *(np.concatenate([r[k] for r in rows]) for k in (2, 3, 4, 5)))


def _take(rows: tuple, mask: np.ndarray) -> tuple:
    index, args, *rest = rows
    return (index[mask], [a[mask] for a in args], *(x[mask] for x in rest))
