"""Directions, one-sided derivatives, the tiers and the decision of each point."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _germ as g
from ._decide import Sided, decide_points, narrow, one_sided
from ._floatk import FloatKernel
from ._mpk import MpKernel

PASS, FAIL, UNRESOLVED = 0, 1, 2
SCHEDULE = (30, 120, 500, 2000)  # ×4: each failed tier is cheap beside the next
SETTLED = 16  # once a failure is confirmed, no point is refined past this tier (float64)
Program = Callable[[g.Ctx, Sequence[g.Germ]], g.Germ]


@dataclass(frozen=True)
class Enclosure:
    """The truth at each point: [lo, hi] (the kink hull at a kink), rounded outward."""

    lo: np.ndarray
    hi: np.ndarray
    kink: np.ndarray
    digits: np.ndarray
    truth_finite: np.ndarray

    def truth(self) -> np.ndarray:
        """The midpoint of the enclosure (at a kink: of the hull of the one-sided values)."""
        return self.lo / 2 + self.hi / 2


@dataclass(frozen=True)
class Judgement(Enclosure):
    """Per point: PASS / FAIL / UNRESOLVED, and the enclosure the verdict rests on."""

    verdict: np.ndarray
    stopped: np.ndarray  # left unresolved: the check had already failed (SETTLED)


def directions(shape: tuple[int, ...], order: int) -> np.ndarray:
    """±e_i for every component i; for order 2 also ±(e_i + e_j), i < j."""
    m = int(np.prod(shape, dtype=int))
    eye = np.eye(m)
    dirs = [s * eye[i] for i in range(m) for s in (1.0, -1.0)]
    if order == 2:
        dirs += [s * (eye[i] + eye[j]) for i in range(m) for j in range(i + 1, m)
                 for s in (1.0, -1.0)]
    return np.asarray(dirs).reshape(len(dirs), *shape)


def kernels(max_digits: int) -> list[Any]:
    """The float tier, then mpmath at increasing precision up to max_digits."""
    steps = [d for d in SCHEDULE if d < max_digits] + [max_digits]
    return [FloatKernel()] + [MpKernel(d) for d in steps]


class Oracle:
    """The true derivative of a program's formula, judged against a candidate."""

    def __init__(self, program: Program, shapes: Sequence[tuple[int, ...]], wrt: int,
                 order: int, out_shape: tuple[int, ...]) -> None:
        if order not in (1, 2):
            raise ValueError("order must be 1 or 2")
        if order == 2 and out_shape != ():
            raise ValueError("order 2 needs a scalar function")
        self.program = program
        self.shapes = [tuple(sh) for sh in shapes]
        self.wrt, self.order, self.out_shape = int(wrt), order, tuple(out_shape)
        arg = self.shapes[self.wrt]
        self.derivative_shape = arg + arg if order == 2 else self.out_shape + arg
        self._dirs = directions(arg, order)

    def _sided(self, k: Any, args: Sequence[np.ndarray], idx: np.ndarray) -> Sided:
        ctx = g.Ctx(k, self.order)
        nd = len(self._dirs)
        inputs = []
        for i, a in enumerate(args):
            x = np.repeat(np.asarray(a, float)[idx], nd, axis=0)
            if i == self.wrt:
                d = np.tile(self._dirs, (len(idx),) + (1,) * len(self.shapes[i]))
                inputs.append(g.variable(ctx, x, d))
            else:
                inputs.append(g.constant(ctx, x))
        with np.errstate(all="ignore"):
            out = self.program(ctx, inputs)
            return one_sided(k, out, len(idx), nd, self.order, self.shapes[self.wrt],
                             self.out_shape)

    def _check_args(self, args: Sequence[np.ndarray]) -> int:
        if len(args) != len(self.shapes):
            raise ValueError(f"expected {len(self.shapes)} arguments, got {len(args)}")
        n = len(args[0])
        for a, sh in zip(args, self.shapes, strict=True):
            if np.shape(a) != (n, *sh):
                raise ValueError(f"argument of shape {np.shape(a)}, expected {(n, *sh)}")
        return n

    def _refine(self, args, max_digits, settle,
                settled: int | None = None) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Refine each point's enclosure tier by tier until ``settle`` says it is done; with
        ``settled``, a failure confirmed by then stops the climb past that many digits."""
        n = self._check_args(args)
        dshape = (n, *self.derivative_shape)
        rec = {"lo": np.full(dshape, np.nan), "hi": np.full(dshape, np.nan),
               "kink": np.zeros(n, bool), "digits": np.zeros(n, int),
               "truth_finite": np.zeros(n, bool), "stopped": np.zeros(n, bool)}
        verdict = np.full(n, UNRESOLVED, np.int8)
        pending = np.arange(n)
        with np.errstate(all="ignore"):  # overflow widens an enclosure (to inf), never lies
            for k in kernels(max_digits):
                sided = self._sided(k, args, pending)
                done, v = settle(k, sided, pending)
                rec["lo"][pending], rec["hi"][pending] = sided.hull_float(k)
                rec["kink"][pending] = sided.kink_point()
                rec["digits"][pending] = k.digits
                rec["truth_finite"][pending] = sided.finite_point()
                verdict[pending] = v
                pending = pending[~done]
                if len(pending) == 0:
                    break
                if settled is not None and k.digits >= settled and np.any(verdict == FAIL):
                    rec["stopped"][pending] = True  # the check fails whatever these say
                    break
        return rec, verdict

    def judge(self, args: Sequence[np.ndarray], candidate: np.ndarray, rel: float,
              absolute: np.ndarray, max_digits: int = 2000) -> Judgement:
        """PASS where the candidate is within τ(t) = rel·|t| + absolute of every possible
        truth, FAIL where it is farther than that from all of them, else UNRESOLVED."""
        n = self._check_args(args)
        cand = np.asarray(candidate, float).reshape(n, *self.derivative_shape)
        absolute = np.broadcast_to(np.asarray(absolute, float), (n,)).copy()

        def settle(k, sided, idx):
            return decide_points(k, sided, cand[idx], float(rel), absolute[idx])
        rec, verdict = self._refine(args, max_digits, settle, SETTLED)
        return Judgement(verdict=verdict, **rec)

    def derivative(self, args: Sequence[np.ndarray], max_digits: int = 2000) -> Enclosure:
        """The truth enclosure at each point, refined until each one-sided enclosure has
        relative width below 1e-20 (or the truth is not finite, or at the cap)."""
        def settle(k, sided, idx):
            done = narrow(k, sided, 1e-20)
            return done, np.full(len(idx), UNRESOLVED, np.int8)
        rec, _ = self._refine(args, max_digits, settle)
        rec.pop("stopped")
        return Enclosure(**rec)
