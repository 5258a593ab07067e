"""What is traced once per check: f's and grad's shapes, (the oracle off) the pilot scale,
whether the candidate calls host code, and its rounding bound at chosen points."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache

import numpy as np

from bce_check.check._references import autodiff, host_calls
from bce_check.check._stages import candidate_bound_stage
from bce_check.check.tolerance import REFERENCE_DTYPE
from bce_check.report import Result
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


def _trimmed(result: Result, size: int) -> Result:
    """The worst point's values without the padding the stages add (``size`` entries)."""
    values = tuple(np.asarray(v).reshape(-1)[:size].tolist() for v in result.worst_values)
    return replace(result, worst_values=values)


def _opaque(problem, dtype: str) -> bool:
    """Does the candidate call host code, whose own rounding no running bound can see?"""
    import jax

    example = [jax.ShapeDtypeStruct(s.shape, dtype) for _, s in problem.samplers]
    return bool(host_calls(problem.grad, example))


def _bound(problem, size: int) -> Callable:
    """args → ρ_c at those points, one row of ``size`` entries per point."""
    import jax.numpy as jnp

    width = 1 << (size - 1).bit_length()

    def bound(args):
        rho = candidate_bound_stage(problem.grad, width)([jnp.asarray(a) for a in args])
        return np.asarray(rho)[:, :size]

    return bound
