"""A check's arguments, validated: domains matched to f's parameters, samples, seed, scale.

Every refusal is a DomainError naming the value received and what is allowed.
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable, Mapping

from bce_check.domains import Sampler
from derivations import DomainError

MAX_SAMPLES = 1 << 32  # sample indices are 32-bit counters
DTYPES = ("float32", "float64")
BY_ORDER = "f has no parameter names to match: domains taken in the order given"


def whole_number(value, label: str, low: int, high: int) -> int:
    """``value`` as an int in [low, high]; NumPy integer scalars are accepted."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise DomainError(f"{label} must be a whole number from {low:,} to {high:,}, got {value!r}")
    number = int(value)
    if not low <= number <= high:
        raise DomainError(f"{label} must be a whole number from {low:,} to {high:,}, got {value!r}")
    return number


def scale_value(scale) -> float | Callable | None:
    """None (estimate it), a function of the arguments, or a finite number > 0."""
    if scale is None or callable(scale):
        return scale
    if isinstance(scale, bool) or not isinstance(scale, numbers.Real):
        raise DomainError(
            f"scale must be a finite number > 0 (the size of the gradient's terms), got {scale!r}"
        )
    value = float(scale)
    if not (math.isfinite(value) and value > 0):
        raise DomainError(
            f"scale must be a finite number > 0 (the size of the gradient's terms), got {scale!r}"
        )
    return value


def parameter_names(fn: Callable) -> list[str] | None:
    """fn's positional parameter names, or None when it has none usable (*args, a builtin)."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return None
    names = []
    for p in parameters:
        if p.kind is p.VAR_POSITIONAL:
            return None
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names.append(p.name)
        elif p.default is p.empty and p.kind is p.KEYWORD_ONLY:
            return None
    return names


def match(f: Callable, domains: Mapping[str, Sampler]) -> tuple[tuple, str]:
    """The (name, sampler) pairs in the order f takes them, and a note if matched by order.

    Domains are matched to f's parameters by name; a function without usable names
    (``lambda *a: …``, a NumPy ufunc) takes them in the order given, and the report says so.
    """
    if not isinstance(domains, Mapping) or not domains:
        raise DomainError(
            f"domains must be a non-empty mapping of argument name to sampler, got {domains!r}"
        )
    names = parameter_names(f)
    if names is None:
        return tuple(domains.items()), BY_ORDER
    unknown = [k for k in domains if k not in names]
    required = [
        p.name
        for p in inspect.signature(f).parameters.values()
        if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    missing = [n for n in required if n not in domains]
    if unknown or missing:
        raise DomainError(
            f"domains name {', '.join(map(repr, domains))} but f's parameters are "
            f"({', '.join(names)}): give one sampler per parameter, by name"
        )
    ordered = [n for n in names if n in domains]
    if ordered != names[: len(ordered)]:
        raise DomainError(f"f's parameters ({', '.join(names)}) without a domain must come last")
    return tuple((n, domains[n]) for n in ordered), ""


def in_order(grad: Callable, arguments: list[str]) -> Callable:
    """grad, called with the arguments in f's order (by name, when grad names them otherwise)."""
    names = parameter_names(grad)
    if names is None or names[: len(arguments)] == arguments or set(names) != set(arguments):
        return grad

    def reordered(*args):
        return grad(**dict(zip(arguments, args, strict=True)))

    return reordered


def validate(samplers, wrt: str, f: Callable, grad: Callable, samples, dtype: str) -> int:
    """Refuse a bad check before anything is traced; return ``samples`` as an int."""
    if dtype not in DTYPES:
        raise DomainError(f"dtype {dtype!r} is not supported; allowed: {', '.join(DTYPES)}")
    samples = whole_number(samples, "samples", 1, MAX_SAMPLES - 1)
    arguments = [name for name, _ in samplers]
    if not samplers:
        raise DomainError("domains is empty: give a sampler for each argument of f")
    if wrt not in arguments:
        raise DomainError(f"wrt={wrt!r} is not one of the arguments {', '.join(arguments)}")
    bad = [(k, v) for k, v in samplers if not isinstance(v, Sampler)]
    if bad:
        raise DomainError(
            f"domains[{bad[0][0]!r}] is {bad[0][1]!r}, not a sampler; use bce_check.domains "
            "(logits(), labels(), hard_labels(), features())"
        )
    for label, fn in (("f", f), ("grad", grad)):
        if not callable(fn):
            raise DomainError(f"{label} must be a function of {', '.join(arguments)}, got {fn!r}")
    return samples
