"""The jaxpr front-end: trace f under float64 and interpret its jaxpr on germs.

Calls (``jit``/``pjit``/``closed_call``/``remat``) are followed.  ``custom_jvp_call`` and
``custom_vjp_call`` evaluate their PRIMAL jaxpr and ignore the rule: the oracle differentiates
the formula's value.  For the same reason ``stop_gradient`` is the identity (its value flows,
and the truth is the derivative of the value the program computes).  Every primitive of the
jaxpr, nested ones included, is checked when the oracle is built.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import _germ as g
from . import _structural as s
from ._errors import OracleUnavailable
from ._germ import Ctx, Germ, Plain
from ._handlers import HANDLERS

_CALLS = ("jaxpr", "call_jaxpr", "fun_jaxpr")


def sub_jaxpr(eqn: Any) -> tuple[Any, list[Any]] | None:
    """The primal jaxpr of a call-like equation and its constants."""
    for key in _CALLS:
        j = eqn.params.get(key)
        if j is not None and hasattr(j, "eqns"):
            return j, []
        if j is not None and hasattr(j, "jaxpr") and hasattr(j, "consts"):
            return j.jaxpr, list(j.consts)
    return None


def check_supported(jaxpr: Any) -> None:
    """Raise OracleUnavailable naming the first primitive the oracle cannot evaluate."""
    for eqn in jaxpr.eqns:
        name = eqn.primitive.name
        sub = sub_jaxpr(eqn)
        if "callback" in name or (sub is None and name not in HANDLERS):
            raise OracleUnavailable(f"the oracle cannot evaluate primitive {name!r}")
        if name == "convert_element_type":
            src = eqn.invars[0].aval.dtype
            dst = np.dtype(eqn.params["new_dtype"])
            if np.issubdtype(src, np.floating) and not np.issubdtype(dst, np.floating):
                raise OracleUnavailable(
                    f"the oracle cannot evaluate primitive {name!r} from {src} to {dst}")
        if sub is not None:
            check_supported(sub[0])


def _literal(ctx: Ctx, val: Any) -> Germ | Plain:
    arr = np.asarray(val)
    if np.issubdtype(arr.dtype, np.floating):
        return g.constant(ctx, arr[None].astype(float))
    return Plain(arr[None], np.zeros((1, *arr.shape), bool))


def evaluate(ctx: Ctx, jaxpr: Any, consts: Sequence[Any], args: Sequence[Any]) -> list[Any]:
    """Interpret ``jaxpr`` on germ values."""
    env: dict[Any, Any] = {}

    def read(v: Any) -> Any:
        if type(v).__name__ == "Literal":
            return _literal(ctx, v.val)
        return env[v]

    for var, c in zip(jaxpr.constvars, consts, strict=True):
        env[var] = _literal(ctx, c)
    for var, a in zip(jaxpr.invars, args, strict=True):
        env[var] = a
    for eqn in jaxpr.eqns:
        ins = [read(v) for v in eqn.invars]
        sub = sub_jaxpr(eqn)
        if sub is not None:
            outs = evaluate(ctx, sub[0], sub[1], ins)
        else:
            out = HANDLERS[eqn.primitive.name](ctx, eqn, *ins)
            outs = out if eqn.primitive.multiple_results else [out]
        for var, o in zip(eqn.outvars, outs, strict=True):
            if type(var).__name__ != "DropVar":
                env[var] = o
    return [read(v) for v in jaxpr.outvars]


class JaxprProgram:
    """f traced to a jaxpr under float64, ready to be evaluated on germs."""

    def __init__(self, f: Callable[..., Any], shapes: Sequence[tuple[int, ...]]) -> None:
        import jax
        import jax.numpy as jnp

        with jax.enable_x64(True):
            specs = [jax.ShapeDtypeStruct(tuple(sh), jnp.float64) for sh in shapes]
            self.closed = jax.make_jaxpr(f)(*specs)
        jaxpr = self.closed.jaxpr
        if len(jaxpr.outvars) != 1:
            raise ValueError("f must return a single array")
        aval = jaxpr.outvars[0].aval
        if not np.issubdtype(aval.dtype, np.floating):
            raise ValueError("f must return a floating-point array")
        self.out_shape = tuple(aval.shape)
        check_supported(jaxpr)

    def __call__(self, ctx: Ctx, inputs: Sequence[Germ]) -> Germ:
        (out,) = evaluate(ctx, self.closed.jaxpr, self.closed.consts, inputs)
        return s.full_batch(out, int(np.shape(inputs[0].bad)[0]))
