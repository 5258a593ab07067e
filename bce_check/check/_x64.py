"""JAX's float64 switch: on for a check's own computation only, never left changed."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable


def enable_x64() -> None:
    """Switch JAX to float64 for the whole process (notebooks, tests); checks use ``float64``."""
    import jax

    if not jax.config.jax_enable_x64:
        jax.config.update("jax_enable_x64", True)


def in_float64(function: Callable) -> Callable:
    """``function`` run with float64 on (see ``float64``), as a decorator."""

    @functools.wraps(function)
    def wrapped(*args, **kwargs):
        with float64():
            return function(*args, **kwargs)

    return wrapped


@contextlib.contextmanager
def float64():
    """float64 on for this computation only; JAX's setting as it was on return or raise.

    Process-wide, not ``jax.enable_x64``'s thread-local context: a host callback in f or
    grad runs on one of XLA's threads, where a thread-local setting is off (its float64
    arguments would arrive as float32)."""
    import jax

    before = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    try:
        yield
    finally:
        jax.config.update("jax_enable_x64", before)
