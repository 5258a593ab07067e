"""What is traced once per check: f's and grad's shapes, and (the oracle off) the pilot scale."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache

import numpy as np

from bce_check.check._references import autodiff
from bce_check.check.tolerance import REFERENCE_DTYPE
from derivations import DomainError


def _trace_check(problem, dtype: str, index: int) -> None:
    """Trace f and grad abstractly once, so a user's mistake is a clear error, not a jit trace."""
    import jax.numpy as jnp
    expected = _derivative_shape(replace(problem, grad=None, name=""), index)
    got = _output(problem.grad, tuple(s.shape for _, s in problem.samplers), dtype)
    if not jnp.issubdtype(got.dtype, jnp.floating):
        raise DomainError(
            f"grad returns {got.dtype} values; a gradient must be floating point "
            f"({dtype}, like its inputs)"
        )
    if got.shape != expected:
        raise DomainError(
            f"grad returns shape {got.shape}, but the derivative of f with respect to "
            f"{problem.wrt} has shape {expected}"
        )


@lru_cache(maxsize=256)  # traced once per f: a run of many candidates does not retrace it
def _derivative_shape(problem, index: int) -> tuple:
    import jax
    wide = [jax.ShapeDtypeStruct(s.shape, REFERENCE_DTYPE) for _, s in problem.samplers]
    try:
        return jax.eval_shape(autodiff(problem.f, problem.order, index), *wide).shape
    except Exception as error:
        raise DomainError(f"jax.grad of f failed on a sample input: {error}") from error


@lru_cache(maxsize=256)
def _output(grad: Callable, shapes: tuple, dtype: str):
    import jax
    try:
        return jax.eval_shape(grad, *[jax.ShapeDtypeStruct(shape, dtype) for shape in shapes])
    except Exception as error:
        raise DomainError(f"grad failed on a sample input: {error}") from error


def _pilot_scale(problem, index: int, seed: int, dtype: str, chunk: int) -> float:
    """The largest finite |jax.grad f| over the first chunk: the default gradient scale."""
    import jax.numpy as jnp
    largest = _pilot_stage(replace(problem, grad=None, name=""), index, dtype, chunk)
    return max(float(largest(jnp.uint32(seed))), float(np.finfo(dtype).tiny))


@lru_cache(maxsize=64)
def _pilot_stage(problem, index: int, dtype: str, chunk: int) -> Callable:
    import jax
    import jax.numpy as jnp
    @jax.jit
    def largest(seed):
        args = [a.astype(REFERENCE_DTYPE) for a in problem.draw(seed, 0, chunk, dtype)]
        g = jax.vmap(autodiff(problem.f, problem.order, index))(*args)
        keep = jnp.isfinite(g)
        return jnp.max(jnp.where(keep, jnp.abs(g), 0.0))

    return largest
