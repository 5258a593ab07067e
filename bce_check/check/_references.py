"""The references a candidate is compared with: autodiff, finite differences, complex step.

Each reference is a per-point function of (scale, *args) returning (value, extra
tolerance); the harness vmaps and jits them.  Complex step is applied only where f is
analytic, which ``analytic`` decides by tracing f with complex input.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np

from bce_check.check.tolerance import FD_SAFETY, complex_step_bound, fd_rounding
from derivations import DomainError

NOT_ANALYTIC = frozenset(
    {  # primitives that complex arithmetic does not differentiate
        "abs",
        "max",
        "min",
        "sign",
        "floor",
        "ceil",
        "round",
        "select_n",
        "clamp",
        "is_finite",
        "stop_gradient",
        "rem",
        "argmax",
        "argmin",
        "lt",
        "le",
        "gt",
        "ge",
        "eq",
        "ne",
        "sort",
        "reduce_max",
        "reduce_min",
        "real",
        "imag",
        "conj",
    }
)


HOST_CALLS = frozenset({"outside_call", "host_callback"})  # besides every *callback primitive


def _primitives(jaxpr) -> set[str]:
    """Every primitive in a jaxpr, sub-jaxprs (jit, custom_jvp, cond…) included."""
    found = set()
    for eqn in jaxpr.eqns:
        found.add(eqn.primitive.name)
        for param in eqn.params.values():
            for sub in param if isinstance(param, (list, tuple)) else (param,):
                inner = getattr(sub, "jaxpr", sub)
                if hasattr(inner, "eqns"):
                    found |= _primitives(inner)
    return found


def _to_real(jaxpr) -> bool:
    """Whether a traced function casts a complex value to a real one anywhere."""
    for eqn in jaxpr.eqns:
        if eqn.primitive.name == "convert_element_type":
            source = eqn.invars[0].aval.dtype
            if np.issubdtype(source, np.complexfloating) and not np.issubdtype(
                eqn.params["new_dtype"], np.complexfloating
            ):
                return True
        for param in eqn.params.values():
            for sub in param if isinstance(param, (list, tuple)) else (param,):
                inner = getattr(sub, "jaxpr", sub)
                if hasattr(inner, "eqns") and _to_real(inner):
                    return True
    return False


def host_calls(f: Callable, args: list) -> list[str]:
    """The host-callback primitives (pure_callback, io_callback, …) in f's traced program."""
    import jax
    try:
        found = _primitives(jax.make_jaxpr(f)(*args).jaxpr)
    except Exception:  # f's own errors are reported by the trace check
        return []
    return sorted(p for p in found if "callback" in p or p in HOST_CALLS)


def own_rules(f: Callable, args: list) -> list[str]:
    """Primitives in f's traced program whose derivative is not JAX's own: custom_jvp /
    custom_vjp rules (someone's hand-written derivative) and host callbacks."""
    import jax
    try:
        found = _primitives(jax.make_jaxpr(f)(*args).jaxpr)
    except Exception:  # f's own errors are reported by the trace check
        return ["(f could not be traced)"]
    return sorted(p for p in found if p.startswith("custom_") or "callback" in p or p in HOST_CALLS)


def analytic(f: Callable, args: list, index: int) -> tuple[bool, str]:
    """Whether complex step may differentiate f in argument ``index``.

    f must not call host code (a host function would receive complex numbers it was
    not written for), and, traced with that argument complex, no |x|, max, comparison,
    branch, real part or cast to real may appear, since complex arithmetic silently
    gives them derivative 0.
    """
    import jax
    import jax.numpy as jnp
    calls = host_calls(f, args)
    if calls:
        return False, (
            f"f calls host code ({', '.join(calls)}): complex step would pass it complex input"
        )

    complex_args = list(args)
    given = args[index]
    complex_args[index] = jax.ShapeDtypeStruct(given.shape, jnp.result_type(given.dtype, 1j))
    try:
        jaxpr = jax.make_jaxpr(f)(*complex_args).jaxpr
    except Exception as error:
        return False, f"f cannot take complex input ({type(error).__name__})"
    bad = sorted(_primitives(jaxpr) & NOT_ANALYTIC)
    if bad:
        return False, f"f is not analytic: uses {', '.join(bad)}"
    if _to_real(jaxpr):
        return False, "f is not analytic: casts to a real dtype"
    return True, ""


def _moved(args: list, index: int, flat, k, step):
    """f's arguments with component k of argument ``index`` moved by ``step``."""
    import jax.numpy as jnp
    unit = jnp.arange(flat.size) == k  # a one-hot add: a scatter here is slow under vmap
    moved = jnp.where(unit, flat + step, flat)
    return [*args[:index], moved.reshape(args[index].shape), *args[index + 1 :]], (flat + step)[k]


def central_difference(f: Callable, args: list, index: int, eps, scale):
    """Central differences D(h), and FD_SAFETY·(truncation + rounding) as its error bound."""
    import jax
    import jax.numpy as jnp
    flat = args[index].reshape(-1)

    def along(k):
        xk = flat[k]
        h = eps ** (1 / 3) * jnp.maximum(jnp.abs(xk), 1)

        def at(step):  # f one step away, and the step actually taken (exactly)
            moved, landed = _moved(args, index, flat, k, step)
            return f(*moved), landed - xk

        # one f in the traced graph, mapped over the six steps: a sixth of the compile
        values, taken = jax.vmap(at)(jnp.stack([h, -h, 2 * h, -2 * h, 4 * h, -4 * h]))
        d1, d2, d4 = ((values[i] - values[i + 1]) / (taken[i] - taken[i + 1]) for i in (0, 2, 4))
        truncation = jnp.abs(d2 - d1) / 3  # Richardson: D(2h) − D(h) ≈ 3·h²·f‴/6
        # f is computed from terms of size up to |f| + s·‖x‖₁ (its slope is bounded by s)
        reach = jnp.maximum(jnp.sum(jnp.abs(flat)), 1)  # terms are at least s in size
        # the slope: the gradient's scale, or where none is given (s = 0) |D(h)| at this
        # point, so the rounding term is the point's own (tolerance.fd_rounding)
        slope = jnp.maximum(jnp.max(scale), jnp.max(jnp.abs(d1)))
        rounding = fd_rounding(values, taken, eps, slope, reach)
        # The estimate holds only where D(h) ≈ f' + c·h² (the Taylor regime): there
        # D(4h) − D(2h) = 4·(D(2h) − D(h)).  Where f changes on a scale below h (two
        # softmax logits 4 apart at |z| ≈ 8600 in float32, h ≈ 42), it does not, and the
        # point is not compared (NaN: not counted in the reference's points).
        # (ratio (D(4h) − D(2h))/(D(2h) − D(h)) within 4 ± 1/2: the h⁴ term is under 1/120
        # of the h² term; or both differences down at the rounding level).
        e1, e2 = d2 - d1, d4 - d2
        taylor = jnp.abs(e2 - 4 * e1) <= jnp.abs(e1) / 2
        asymptotic = taylor | ((jnp.abs(e1) <= rounding) & (jnp.abs(e2) <= rounding))
        return jnp.where(asymptotic, d1, jnp.nan), FD_SAFETY * (truncation + rounding)

    d, bound = jax.vmap(along)(jnp.arange(flat.size))
    return _jacobian_layout(d, args[index]), _jacobian_layout(bound, args[index])


def complex_step(f: Callable, args: list, index: int, eps):
    """Im f(x + ih e_k)/h for each component k, with h = ε² (no subtraction, no cancellation).

    Returns the values and an absolute floor: Im f is h·f', which flushes to zero below
    the dtype's smallest normal number, so derivatives under tiny/h (8e-25 in float32,
    5e-277 in float64) cannot be resolved.
    """
    import jax
    import jax.numpy as jnp
    h = eps**2
    flat = args[index].reshape(-1).astype(jnp.result_type(args[index].dtype, jnp.complex64))

    def along(k):
        moved, _ = _moved(args, index, flat, k, 1j * h)
        return jnp.imag(f(*moved)) / h

    values = _jacobian_layout(jax.vmap(along)(jnp.arange(flat.size)), args[index])
    return values, complex_step_bound(jnp.finfo(args[index].dtype).tiny, h)


def _jacobian_layout(per_component, x):
    """(components, *out) → (*out, *x.shape), the layout of jax.jacrev."""
    import jax.numpy as jnp
    return jnp.moveaxis(per_component, 0, -1).reshape(per_component.shape[1:] + x.shape)


def autodiff(f: Callable, order: int, index: int) -> Callable:
    """What the candidate is compared with, by autodiff: f, its gradient or its Hessian."""
    import jax
    if order == 0:
        return f
    if order == 2:
        return jax.hessian(f, argnums=index)
    return jax.jacrev(f, argnums=index)


def reference_programs(f: Callable, order: int, index: int) -> dict:
    """name → the program of each autodiff reference (whose own rounding ρ can be bounded)."""
    import jax
    if order == 1:
        return {
            "jax.grad": jax.jacrev(f, argnums=index),
            "jax.jvp": jax.jacfwd(f, argnums=index),
        }
    if order == 2:
        gradient = jax.jacrev(f, argnums=index)
        return {
            "jax.hessian": jax.hessian(f, argnums=index),
            "jax.jacrev(jax.jacrev)": jax.jacrev(gradient, argnums=index),
        }
    return {"definition": f}


def reference_functions(f: Callable, order: int, index: int, eps, analytic_f) -> dict:
    """name → per-point function of (scale, *args) returning (value, extra tolerance).

    Order 1: the derivative of f along argument ``index``; order 2: the second
    derivative (finite differences of jax.grad f; no complex step); order 0: f itself.
    """
    import jax
    if order not in (0, 1, 2):
        raise DomainError(f"order must be 0, 1 or 2, got {order!r}")
    if order == 0:
        return {"definition": lambda s, *a: (f(*a), 0.0)}
    if order == 2:
        gradient = jax.jacrev(f, argnums=index)
        return {
            "jax.hessian": lambda s, *a: (jax.hessian(f, argnums=index)(*a), 0.0),
            "jax.jacrev(jax.jacrev)": lambda s, *a: (jax.jacrev(gradient, argnums=index)(*a), 0.0),
            "finite-difference": lambda s, *a: central_difference(gradient, list(a), index, eps, s),
        }
    references = {
        "jax.grad": lambda s, *a: (jax.jacrev(f, argnums=index)(*a), 0.0),
        "jax.jvp": lambda s, *a: (jax.jacfwd(f, argnums=index)(*a), 0.0),
        "finite-difference": lambda s, *a: central_difference(f, list(a), index, eps, s),
    }
    if analytic_f is not None:
        references["complex-step"] = lambda s, *a: complex_step(analytic_f, list(a), index, eps)
    return references


@lru_cache(maxsize=256)
def autodiff_is_jax_own(problem) -> bool:
    """Is jax.grad of f JAX's own derivative of f's primitives (no custom rule, no host
    call)?  Then it is the exact derivative of f's formula, up to its bounded rounding."""
    import jax
    wide = [jax.ShapeDtypeStruct(s.shape, "float64") for _, s in problem.samplers]
    return problem.order == 1 and not own_rules(problem.f, wide)
