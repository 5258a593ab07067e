"""The running error bound charges each primitive at least its measured error on this JAX:
a primitive that errs more than ρ allows would fail right candidates (tanh near 1)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import mpmath
import numpy as np
import pytest

from bce_check.check._rounding import PRIMITIVE_ULPS, ROUNDING_ULPS

FUNCTIONS = {
    "tanh": (jnp.tanh, mpmath.tanh),
    "exp": (jnp.exp, mpmath.exp),
    "expm1": (jnp.expm1, mpmath.expm1),
    "log1p": (jnp.log1p, mpmath.log1p),
    "cosh": (jnp.cosh, mpmath.cosh),
    "sinh": (jnp.sinh, mpmath.sinh),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_each_primitive_errs_within_the_ulps_rho_charges_it(name, dtype):
    f, exact = FUNCTIONS[name]
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-80, 80, 600), rng.uniform(15, 40, 200)]).astype(dtype)
    if name == "log1p":
        x = np.abs(x)
    with jax.enable_x64(True):
        y = np.asarray(jax.jit(jax.vmap(f))(jnp.asarray(x)))
    with mpmath.workdps(40):
        worst = max(
            abs(float(mpmath.mpf(float(v)) - exact(mpmath.mpf(float(u))))) / np.spacing(abs(v))
            for u, v in zip(x, y, strict=True)
            if v != 0 and np.isfinite(v)
        )
    assert worst <= PRIMITIVE_ULPS.get(name, ROUNDING_ULPS)
