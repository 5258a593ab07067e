"""g' and g'' of the elementary functions, as interval expressions in the kernel.

Each is written so that it does not cancel: σ' = σ(x)·σ(−x), σ'' = −σ'·tanh(x/2),
tanh' = 1/cosh²x, erf' = (2/√π)·e^(−x²), erfc' = −erf', (log1p)' = 1/(1 + x),
√' = 1/(2√x), √'' = −(√')²/√x, rsqrt' = −½ r³, rsqrt'' = ¾ r⁵, lgamma' = ψ, lgamma'' = ψ₁,
ψ' = ψ₁, ψ'' = ψ₂, softplus' = σ, softplus'' = σ(x)σ(−x).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._intervals import iv_abs, iv_div, iv_sqr

Iv = tuple[Any, Any]


def first(name: str, k: Any, x: Iv, y: Iv, bads: list[np.ndarray],
          c: Callable[[float], Iv]) -> Iv:
    """g'(x), given y = g(x); c(v) makes an exact constant interval."""
    if name == "exp":
        return y
    if name == "exp2":
        return k.mul(k.const("ln2"), y)
    if name == "expm1":
        return k.fn("exp", x)
    if name == "log":
        return iv_div(k, c(1.0), x, bads)
    if name == "log1p":
        return iv_div(k, c(1.0), k.add(c(1.0), x), bads)
    if name == "sqrt":
        return iv_div(k, c(0.5), y, bads)
    if name == "rsqrt":
        return k.mul(c(-0.5), k.mul(y, iv_sqr(k, y)))
    if name == "logistic":
        return k.mul(y, k.fn("logistic", k.neg(x)))
    if name == "softplus":
        return k.fn("logistic", x)
    if name == "tanh":
        return k.div_safe(c(1.0), iv_sqr(k, k.fn("cosh", iv_abs(k, x))))
    if name in ("erf", "erfc"):
        d = k.mul(k.const("2/sqrtpi"), k.fn("exp", k.neg(iv_sqr(k, x))))
        return d if name == "erf" else k.neg(d)
    if name == "sin":
        return k.fn("cos", x)
    if name == "cos":
        return k.neg(k.fn("sin", x))
    if name == "lgamma":
        return k.fn("digamma", x)
    if name == "digamma":
        return k.fn("psi1", x)
    raise KeyError(name)


def second(name: str, k: Any, x: Iv, y: Iv, d1: Iv, bads: list[np.ndarray],
           c: Callable[[float], Iv]) -> Iv:
    """g''(x), given y = g(x) and d1 = g'(x)."""
    if name in ("exp", "expm1"):
        return d1
    if name == "exp2":
        return k.mul(k.const("ln2"), d1)
    if name in ("log", "log1p"):
        return k.neg(iv_sqr(k, d1))
    if name == "sqrt":
        return k.neg(iv_div(k, iv_sqr(k, d1), y, bads))
    if name == "rsqrt":
        return k.mul(c(0.75), k.mul(y, iv_sqr(k, iv_sqr(k, y))))
    if name == "logistic":
        return k.mul(d1, k.neg(k.fn("tanh", k.mul(c(0.5), x))))
    if name == "softplus":
        return k.mul(d1, k.fn("logistic", k.neg(x)))
    if name == "tanh":
        return k.mul(k.mul(c(-2.0), y), d1)
    if name in ("erf", "erfc"):
        return k.mul(k.mul(c(-2.0), x), d1)
    if name in ("sin", "cos"):
        return k.neg(y)
    if name == "lgamma":
        return k.fn("psi1", x)
    if name == "digamma":
        return k.fn("psi2", x)
    raise KeyError(name)
