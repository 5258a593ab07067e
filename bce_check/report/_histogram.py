"""The error histogram's bins: the top 16 bits of an error's float64 form, 4.4 % wide.

The checker counts each chunk's errors into these bins (on the device, in
``bce_check.check``); the report reads medians and the floor edge from them.
"""

from __future__ import annotations

import numpy as np


def top_bits(x: float) -> int:
    """The sign, exponent and 4 leading mantissa bits of a float64: 16 bins per octave."""
    return int(np.float64(x).view(np.uint64)) >> 48


HIST_LOW, HIST_HIGH = top_bits(1e-40), top_bits(1e10)  # errors outside go to the end bins
HIST_BINS = HIST_HIGH - HIST_LOW + 3  # [0] exact zero, [1..] the range, [-1] non-finite


def median(hist: np.ndarray) -> float:
    """The median error: the middle of the histogram bin that holds it (within 2.2 %)."""
    total = hist.sum()
    if total == 0:
        return float("nan")
    k = int(np.searchsorted(np.cumsum(hist), total / 2))
    if k == 0:
        return 0.0
    if k == HIST_BINS - 1:
        return float("inf")
    middle = ((k - 1 + HIST_LOW) << 48) | (1 << 47)
    return float(np.uint64(middle).view(np.float64))


