"""The candidates check_autodiff judges: JAX's derivatives of f through the user's rules.

For f(a₁, …, aₙ) and the argument x = a_i (shape S; f's output shape O):

* order 1: ``rev`` = jax.jacrev(f, i), ``fwd`` = jax.jacfwd(f, i); both ∂f/∂x, shape O + S;
* order 2 (scalar f): ``fwd-over-rev`` = jacfwd(jacrev(f, i), i) and ``rev-over-rev`` =
  jacrev(jacrev(f, i), i), the Hessian ∂²f/∂x², shape S + S; ``hvp`` = the forward
  derivative of jax.grad(f, i) along a fixed seeded direction v, H·v, shape S.

Each candidate goes through custom_jvp/custom_vjp rules; the truth (the oracle) does not.
The screen's float reference is computed from f's value only: central differences of f
(order 1) or of jax.grad f (order 2, along each e_k, or along v for ``hvp``), in float64.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

FIRST = ("rev", "fwd")
SECOND = ("fwd-over-rev", "rev-over-rev", "hvp")
ALIASES = {2: {"rev": "rev-over-rev", "fwd": "fwd-over-rev"}}  # modes=("rev", "fwd") at order 2
FD_STEP = float(np.finfo(np.float64).eps) ** (1 / 3)  # h = ε^{1/3}·max(|x|, 1) balances
# truncation h²·f‴/6 against rounding ε·|f|/h (the harness's choice, see _harness.py)


def _at(f: Callable, index: int, args: tuple) -> Callable:
    """x ↦ f(a₁, …, x, …, aₙ): f as a function of its argument ``index`` alone."""
    return lambda x: f(*args[:index], x, *args[index + 1 :])


def direction(shape: tuple[int, ...], seed: int) -> np.ndarray:
    """The hvp's fixed direction v: seeded standard normal entries, shape ``shape``."""
    return np.random.default_rng([seed, 0x4856]).standard_normal(shape)


def modes_for(order: int, modes: tuple[str, ...]) -> tuple[str, ...]:
    """The candidates of ``order`` named by ``modes`` (order 2 always adds ``hvp``)."""
    allowed = FIRST if order == 1 else SECOND
    named = tuple(dict.fromkeys(ALIASES.get(order, {}).get(m, m) for m in modes))
    unknown = [m for m in named if m not in allowed]
    if unknown or not named:
        return ()
    return named + (("hvp",) if order == 2 and "hvp" not in named else ())


def candidate(f: Callable, index: int, mode: str, v: np.ndarray | None = None) -> Callable:
    """The candidate derivative of f w.r.t. argument ``index`` by ``mode`` (module docstring)."""
    import jax

    if mode in ("rev", "fwd"):
        return (jax.jacrev if mode == "rev" else jax.jacfwd)(f, argnums=index)
    inner = jax.jacrev(f, argnums=index)
    if mode == "fwd-over-rev":
        return jax.jacfwd(inner, argnums=index)
    if mode == "rev-over-rev":
        return jax.jacrev(inner, argnums=index)

    def hvp(*args):
        x = args[index]
        tangent = jax.numpy.asarray(v, x.dtype)
        return jax.jvp(_at(jax.grad(f, argnums=index), index, args), (x,), (tangent,))[1]

    return hvp


def screen(f: Callable, index: int, order: int, v: np.ndarray | None) -> Callable:
    """One point's float64 reference for the candidate: central differences (docstring).

    Order 1: ∂f/∂x_k ≈ (f(x + h e_k) − f(x − h e_k))/2h for each component k, shape O + S;
    order 2: the same of jax.grad f, shape S + S; with ``v``: (g(x + hv) − g(x − hv))/2h.
    The step is made exact (h = (x + h) − x), so only f's rounding and truncation remain.
    """
    import jax
    import jax.numpy as jnp

    def reference(*args):
        x = args[index]
        g = _at(f if order == 1 else jax.grad(f, argnums=index), index, args)
        if v is not None:
            d = jnp.asarray(v, x.dtype)
            h = FD_STEP * jnp.maximum(jnp.max(jnp.abs(x)), 1.0)
            return (g(x + h * d) - g(x - h * d)) / (2 * h)
        flat = x.reshape(-1)
        h = ((flat + FD_STEP * jnp.maximum(jnp.abs(flat), 1.0)) - flat).reshape(x.shape)
        basis = jnp.eye(flat.size, dtype=x.dtype).reshape(flat.size, *x.shape)

        def column(e):
            step = e * h
            return (g(x + step) - g(x - step)) / (2 * jnp.sum(step))

        columns = jax.vmap(column)(basis)  # (m, *out): component k's derivative first
        out = columns.reshape(flat.size, -1).T.reshape(*columns.shape[1:], *x.shape)
        return out

    return reference


def ulps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Units in the last place between a and b: floats mapped to integers in their order."""
    kind = np.int64 if a.dtype == np.float64 else np.int32
    least = np.iinfo(kind).min

    def ordered(x):
        bits = x.view(kind).astype(np.int64)
        return np.where(bits < 0, least - bits, bits)  # −0.0 and +0.0 both map to 0

    oa, ob = ordered(a), ordered(b)
    same = (oa >= 0) == (ob >= 0)  # then oa − ob cannot overflow
    with np.errstate(over="ignore"):
        return np.where(same, np.abs(oa - ob).astype(float),
                        np.abs(oa.astype(float) - ob.astype(float)))  # fmt: skip
