"""Axes for the plots: the x grid over a sampler's range, its scale and ticks, the y scales.

A range spanning both signs (the logits' ±10⁴) is drawn linear within ±LINEAR and
logarithmic beyond: σ keeps its S shape and a loss its minimum (log-spaced points near
0 would draw σ as a staircase, flat for decades then a step), and the tails still
show what happens at |u| = 10⁴.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from bce_check.domains import Sampler

LINEAR = 10.0  # |x| below which the x axis is linear (σ(±10) is within 5e-5 of 0 or 1)
LINSCALE = 2.0  # the linear part is as wide as this many decades of the log part
POINTS = 2000  # grid points in the linear part, and in each logarithmic tail


def extent(sampler: Sampler) -> tuple[float, float]:
    """The smallest and largest value ``sampler`` can draw (offset ± magnitude, per component)."""
    values = []
    for c in sampler.components:
        if c.kind == "constant":
            magnitudes = (c.lo,)
        elif c.kind == "log-uniform":
            magnitudes = (10.0**c.lo, 10.0**c.hi)
        else:
            magnitudes = (c.lo, c.hi)
        signs = (-1, 1) if c.sign == 0 else (c.sign,)
        values += [c.offset + sign * m for sign in signs for m in magnitudes]
    return min(values), max(values)


def grid(span: tuple[float, float]) -> tuple[np.ndarray, bool]:
    """Points covering ``span``, and whether it spans both signs beyond ±LINEAR.

    Evenly spaced within ±LINEAR (0 included), log-spaced beyond; evenly spaced
    throughout for a range of one sign or within ±LINEAR.
    """
    lo, hi = span
    if not (lo < -LINEAR and hi > LINEAR):
        return np.linspace(lo, hi, 2 * POINTS + 1), False
    middle = np.linspace(-LINEAR, LINEAR, POINTS + 1)
    left = -np.logspace(math.log10(-lo), math.log10(LINEAR), POINTS, endpoint=False)
    right = np.logspace(math.log10(LINEAR), math.log10(hi), POINTS)[1:]
    return np.concatenate([left, middle, right]), True


def _power_of_ten(value: float) -> str:
    """±10^k as mathtext."""
    k = round(math.log10(abs(value)))
    return f"{'−' if value < 0 else ''}$10^{{{k}}}$"


def two_signed_x(ax: Any, x: np.ndarray) -> str:
    """Linear within ±LINEAR, logarithmic beyond; returns a note for the axis label."""
    from matplotlib.ticker import FixedLocator

    ax.set_xscale("symlog", linthresh=LINEAR, linscale=LINSCALE)
    top = round(math.log10(np.abs(x).max()))
    decades = [10.0**e for e in range(2, top + 1)]
    linear = [-LINEAR, -LINEAR / 2, 0.0, LINEAR / 2, LINEAR]
    ticks = [-d for d in decades[::-1]] + linear + decades
    labels = [_power_of_ten(t) if abs(t) > LINEAR else f"{t:g}".replace("-", "−") for t in ticks]
    ax.set_xticks(ticks, labels)
    minor = [m * 10.0**e for e in range(1, top) for m in range(2, 10)]
    ax.xaxis.set_minor_locator(
        FixedLocator([-v for v in minor] + list(np.arange(-LINEAR + 1, LINEAR)) + minor)
    )
    ax.set_xlim(x[0], x[-1])
    return f"linear within ±{LINEAR:g}, logarithmic beyond"


def fit_y(ax: Any, values: list[np.ndarray]) -> None:
    """Linear unless the values reach beyond ±100 (a loss at |u| = 10⁴).

    Then, for values of one sign (a loss), a log axis whose lowest decade lies below
    the smallest value, so a minimum such as log 2 sits between labelled ticks
    (0.1 and 1) rather than at a kink; symmetric log only for values of both signs.
    """
    from matplotlib.ticker import AutoMinorLocator

    finite = np.concatenate([v[np.isfinite(v)] for v in values])
    if not finite.size or np.abs(finite).max() <= 100:
        ax.yaxis.set_minor_locator(AutoMinorLocator())  # ticks between the labels
        return
    if finite.min() < 0:
        ax.set_yscale("symlog", linthresh=1.0)
        return
    positive = finite[finite > 0]
    smallest = max(positive.min(), positive.max() * 1e-8)  # underflowed tails: not the floor
    ax.set_yscale("log")
    ax.set_ylim(10.0 ** math.floor(math.log10(smallest)), positive.max() * 2)


def legend_with_big_markers(ax: Any, **options: Any) -> None:
    """A legend whose point markers are drawn large enough to read."""
    legend = ax.legend(fontsize="small", **options)
    for handle in legend.legend_handles:  # 2-point dots would be too small to read
        if hasattr(handle, "set_markersize"):
            handle.set_markersize(6)
