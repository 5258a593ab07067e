"""A running bound on a traced program's own rounding error, per point.

ρ(x) bounds |computed − exact| of a JAX program at x to first order: the program is
traced once to a jaxpr, then evaluated with, beside each value v, a bound e(v) on its
accumulated error (Wilkinson's running error analysis; Higham, *Accuracy and
Stability of Numerical Algorithms*, 2nd ed., 2002, §3.3; done by automatic
differentiation as in Linnainmaa, "Taylor expansion of the accumulated rounding
error", BIT 16, 1976).  For each operation y = op(a, b, …):

    e(y) = Σᵢ |∂op/∂aᵢ · e(aᵢ)|  +  ROUNDING_ULPS·ε·|y|

the first term is the inherited error (one JVP per input; for the bilinear ``mul`` and
``dot_general``, a JVP at |a|, |b| so that no cancellation hides a term), the second the
operation's own rounding (none for exact operations: negation, |x|, selection, copies,
max/min).  A sum or dot product of K terms adds K·ε·Σ|terms|.  Inputs and constants are
exact.  ``jnp.where`` propagates only the chosen branch's error, so a branch that
overflows and is discarded costs nothing.  Control flow (cond, while, scan) and host
callbacks are treated as one operation: inherited errors pass through by JVP, but the
rounding inside them is charged as 2 ulp of their result (a lower bound there).

This is what makes the checker fair to a right candidate: ``jax.grad`` of
logaddexp(0, u) − p·u computes exp(u − logaddexp(0, u)), whose argument carries the
rounding of a number of size |u| (3.5e-15 at u = 32); ρ of that program says so, and
the tolerance takes it in, while a program that never forms such a term (the stable
emitted f) gets a ρ of a few ulp, and a wrong candidate still fails there.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import numpy as np

ROUNDING_ULPS = 2.0  # per rounded operation: ½ ulp for IEEE +−×÷√, ~1-2 for XLA's exp/log
# where XLA's CPU kernels err more (measured against mpmath at 40 digits on 5,000 points of
# [−80, 80], float32 and float64; tests/test_rounding_ulps.py keeps them true): tanh 6.9,
# expm1 4.3, log1p 2.3, cosh and sinh 24 ulp (their large-|x| path)
PRIMITIVE_ULPS = {"tanh": 8.0, "expm1": 5.0, "log1p": 3.0, "cosh": 32.0, "sinh": 32.0}
# plus, per operation, the dtype's smallest normal number: the underflow term of the standard
# model fl(x op y) = (x op y)(1 + δ) + η (Higham, Accuracy and Stability, §2.1), |η| ≤ tiny
# where results below tiny are flushed to zero (XLA on CPU)
EXACT = frozenset(
    {  # operations whose result is exactly representable: no rounding of their own
        "neg", "abs", "select_n", "broadcast_in_dim", "reshape", "squeeze", "expand_dims",
        "transpose", "slice", "dynamic_slice", "dynamic_update_slice", "concatenate",
        "gather", "copy", "copy_p", "max", "min", "sign", "floor", "ceil", "round",
        "stop_gradient", "pad", "rev", "reduce_max", "reduce_min", "clamp", "split",
        "iota", "sort", "real", "imag", "conj",
    }
)  # fmt: skip
BILINEAR = frozenset({"mul", "dot_general"})
CALLS = frozenset(
    {"pjit", "jit", "closed_call", "core_call", "custom_jvp_call", "custom_vjp_call", "remat"}
)


def _sub_jaxpr(eqn):
    """(jaxpr, consts) of a call-like equation whose body can be followed, else None."""
    if eqn.primitive.name not in CALLS:
        return None
    for key in ("jaxpr", "call_jaxpr", "fun_jaxpr"):
        body = eqn.params.get(key)
        if body is None:
            continue
        if hasattr(body, "consts"):
            return body.jaxpr, body.consts
        if hasattr(body, "eqns"):
            return body, ()
    return None


def _is_float(x) -> bool:
    return np.issubdtype(np.dtype(getattr(x, "dtype", np.float64)), np.floating)


def _contraction(name: str, eqn, inputs) -> int:
    """K: terms summed into each result of a sum or a dot product (1 otherwise)."""
    if name == "reduce_sum":
        return int(np.prod([inputs[0].shape[a] for a in eqn.params["axes"]], dtype=int))
    if name == "dot_general":
        (contract, _), _ = eqn.params["dimension_numbers"]
        return int(np.prod([inputs[0].shape[a] for a in contract], dtype=int))
    return 1


def _inherited(name: str, tracked: list, partial: Callable, inputs: list, zero: list,
               errors: list) -> list:
    """Σᵢ |∂op/∂aᵢ · e(aᵢ)| for each output (at |a|, |b| for a bilinear operation).

    A product also carries the product of its inputs' errors, e(a)·e(b), and a whole power
    xⁿ the exact (|x| + e)ⁿ − |x|ⁿ: second-order terms that are smaller than the first-order
    ones except where a factor rounded to 0 (1 − σ(40) is 0, not e^(−40): (1 − σ)² then
    errs by e^(−80), within e² but not within a first-order 2·|x|·e = 0)."""
    import jax.numpy as jnp
    if tracked and name in BILINEAR:
        first = partial(tracked, [jnp.abs(x) if _is_float(x) else x for x in inputs])
        if name == "mul" and tracked == [0, 1]:
            return [first[0] + jnp.abs(errors[0]) * jnp.abs(errors[1])]
        return first
    inherited = zero
    for i in tracked:
        inherited = [a + t for a, t in zip(inherited, partial([i], inputs), strict=True)]
    return inherited


def _partial(eqn, bind: Callable, errors: list) -> Callable:
    """partial(positions, primals): |JVP| of the operation's outputs along the errors of the
    inputs at ``positions``, with the other inputs held at ``primals``."""
    import jax
    import jax.numpy as jnp

    def partial(positions, primals):
        def g(*moved):
            args = list(primals)
            for i, m in zip(positions, moved, strict=True):
                args[i] = m
            out = bind(*args)
            return out if eqn.primitive.multiple_results else [out]

        given = [primals[i] for i in positions]
        tangents = jax.jvp(g, given, [errors[i].astype(primals[i].dtype) for i in positions])[1]
        return [jnp.abs(t) if _is_float(t) else 0.0 for t in tangents]

    return partial


def _exact_forms(name: str, eqn, tracked: list, inputs: list, errors: list, outputs: list,
                 inherited: list) -> list:
    """The inherited error of a quotient and a whole power, where JAX's JVP falls short.

    a/b: |e_a|/|b| + |a/b|·|e_b|/|b|, not JAX's a·e_b/b², whose b² overflows in float32
    (1/(4·cosh²(33)) lost its error); xⁿ: at least the exact (|x| + e)ⁿ − |x|ⁿ."""
    import jax.numpy as jnp
    if name == "div" and _is_float(outputs[0]):
        e_a, e_b = (jnp.abs(errors[i]) if i in tracked else 0.0 for i in (0, 1))
        b = jnp.abs(inputs[1])
        inherited = [(e_a + jnp.abs(outputs[0]) * e_b) / b]
    if name == "integer_pow" and tracked == [0] and eqn.params.get("y", 1) >= 2:
        x, e = jnp.abs(inputs[0]), jnp.abs(errors[0]).astype(inputs[0].dtype)
        n = eqn.params["y"]
        inherited = [jnp.maximum(inherited[0], (x + e) ** n - x**n)]
    return inherited


def _own(name: str, eqn, bind: Callable, inputs: list, outputs: list) -> list:
    """The operation's own rounding, per output: none for an exact one, K·(ε·Σ|terms| + tiny)
    for a sum or dot product of K terms, else PRIMITIVE_ULPS (or ROUNDING_ULPS) ulp of the
    result plus the underflow term (XLA flushes results below tiny to 0)."""
    import jax.numpy as jnp
    if name in EXACT:
        return [0.0] * len(outputs)
    if name in ("reduce_sum", "dot_general") and _is_float(outputs[0]):
        k = _contraction(name, eqn, inputs)
        size = bind(*[jnp.abs(x) if _is_float(x) else x for x in inputs])
        info = jnp.finfo(size.dtype)
        return [k * (info.eps * size + info.tiny)]
    return [
        PRIMITIVE_ULPS.get(name, ROUNDING_ULPS) * jnp.finfo(y.dtype).eps * jnp.abs(y)
        + jnp.finfo(y.dtype).tiny
        if _is_float(y)
        else 0.0
        for y in outputs
    ]


def _step(eqn, bind: Callable, inputs: list, errors: list, outputs: list) -> list:
    """The error bounds of one operation's outputs (None for non-float outputs): the
    inherited error plus the operation's own rounding."""
    name = eqn.primitive.name
    tracked = [i for i, e in enumerate(errors) if e is not None and _is_float(inputs[i])]
    inherited = [0.0] * len(outputs)
    if "callback" in name:  # host code has no JVP: charge its own rounding only
        tracked = []
    partial = _partial(eqn, bind, errors)
    with contextlib.suppress(NotImplementedError):  # a primitive without a JVP rule: likewise
        inherited = _inherited(name, tracked, partial, inputs, inherited, errors)
    inherited = _exact_forms(name, eqn, tracked, inputs, errors, outputs, inherited)
    own = _own(name, eqn, bind, inputs, outputs)
    return [
        (a + o).astype(y.dtype) if _is_float(y) and hasattr(a + o, "shape") else None
        for a, o, y in zip(inherited, own, outputs, strict=True)
    ]


def _evaluate(jaxpr, consts, values, errors):
    """Evaluate ``jaxpr`` with an error bound beside each value."""
    from jax.extend.core import Literal

    env: dict = {}

    def read(v):
        return (v.val, None) if isinstance(v, Literal) else env[v]

    for var, value in zip(jaxpr.constvars, consts, strict=True):
        env[var] = (value, None)
    for var, value, error in zip(jaxpr.invars, values, errors, strict=True):
        env[var] = (value, error)
    for eqn in jaxpr.eqns:
        pairs = [read(v) for v in eqn.invars]
        inputs, errs = [v for v, _ in pairs], [e for _, e in pairs]
        body = _sub_jaxpr(eqn)
        if body is not None:
            outs, out_errs = _evaluate(body[0], body[1], inputs, errs)
        else:
            params = eqn.primitive.get_bind_params(eqn.params)

            def bind(*args, _eqn=eqn, _params=params):
                return _eqn.primitive.bind(*args, **_params)

            outs = bind(*inputs)
            outs = list(outs) if eqn.primitive.multiple_results else [outs]
            out_errs = _step(eqn, bind, inputs, errs, outs)
        for var, value, error in zip(eqn.outvars, outs, out_errs, strict=True):
            env[var] = (value, error)
    results = [read(v) for v in jaxpr.outvars]
    return [v for v, _ in results], [e for _, e in results]


def running_error(fn: Callable, example: list) -> Callable:
    """A per-point function (*args) → (fn(*args), ρ), ρ ≥ 0 shaped like the value.

    ``example``: ShapeDtypeStructs of one point's arguments.  A non-finite bound (an
    overflow inside a kept branch) becomes 0: no allowance, never a free pass.
    """
    import jax
    import jax.numpy as jnp
    closed = jax.make_jaxpr(fn)(*example)

    def bounded(*args):
        exact = [None] * len(args)
        (value,), (error,) = _evaluate(closed.jaxpr, closed.consts, list(args), exact)
        error = jnp.zeros_like(value) if error is None else jnp.abs(error)
        return value, jnp.where(jnp.isfinite(error), error, 0.0)

    return bounded
