"""A user's derivation (``derive``, ``check FILE``) through the harness.

The SymPy half (``code``: the emitted JAX module, its analytic twin for complex step,
the scale, the domains as data) runs where the SymPy work on user input runs, under
the limits; the numeric half (``problem``, ``run``) runs in the parent on that text.

The scale of a user's closed form is per point: s(x) = Σ_i |t_i(x)| over the terms
t_i of its stable form with every σ factor replaced by its bound 1, the size of the
terms the closed form and autodiff of the definition are computed from (the harness's
tolerance model, harness.py; autodiff of σ computes σ' as σ·(1 − σ), with an absolute
error of ε in 1 − σ that the other factors of the term multiply).  σ(u) − p gives
1 + p, e^u − y gives e^u + y (judged relative to e^u, not to the largest value seen
on the first chunk), the focal loss's γ·σ(u)·(1 − σ(u))^γ·log σ(u) gives γ·|log σ(u)|.
"""

from __future__ import annotations

from dataclasses import dataclass

from derivations import Derivation

from ._user_domains import describe, sampler
from .report import Report


@dataclass(frozen=True)
class Code:
    """What the harness needs of one derivation, as text and plain data (picklable)."""

    name: str
    jax_source: str
    analytic_source: str | None
    scale_source: str
    arguments: tuple[str, ...]
    domains: tuple[tuple, ...]
    wrt: str
    order: int


def code(derivation: Derivation) -> Code:
    """The emitted JAX code of the main closed form and what goes with it (SymPy work)."""
    from sympy import Abs, Add

    from derivations.functions import sigmoid

    from ._printers import PRINTERS
    from ._stable import stable_form
    from .emit import NOT_ANALYTIC, _dimensions, _module_source, arguments, emit

    form = derivation.closed_forms[0]
    emitted = emit(derivation, "jax")
    analytic = None
    if not stable_form(form.function).has(*NOT_ANALYTIC):
        analytic = _module_source(derivation, "analytic")
    rhs = stable_form(form.rhs)
    bounds = {e: 1 for e in rhs.atoms(sigmoid)}  # 0 < σ < 1: each σ factor at most 1
    scale = Add(*[Abs(t.xreplace(bounds)) for t in Add.make_args(rhs)])
    args = arguments(derivation)
    printed = PRINTERS["jax"](_dimensions(derivation)).doprint(scale)
    scale_source = (
        "import builtins\nimport jax\nimport jax.numpy\n\n\n"
        f"def scale({', '.join(args)}):\n    return {printed}\n"
    )
    return Code(
        name=emitted.forms[0].name,
        jax_source=emitted.source,
        analytic_source=analytic,
        scale_source=scale_source,
        arguments=tuple(args),
        domains=tuple(describe(derivation.domains[a]) for a in derivation.arguments),
        wrt=emitted.forms[0].wrt[0] if form.wrt else args[0],  # an identity: order 0
        order=len(form.wrt),
    )


def problem(code_: Code):
    """The harness Problem of ``code_`` (no SymPy: the text is our own printers' output)."""
    from .emit import _load
    from .harness import Problem

    namespace = _load(code_.jax_source, code_.name)
    analytic = None
    if code_.analytic_source is not None:
        analytic = _load(code_.analytic_source, code_.name)[f"{code_.name}_definition"]
    return Problem(
        name=code_.name,
        f=namespace[f"{code_.name}_definition"],
        grad=namespace[code_.name],
        samplers={a: sampler(d) for a, d in zip(code_.arguments, code_.domains, strict=True)},
        wrt=code_.wrt,
        scale=_load(code_.scale_source, code_.name)["scale"],
        analytic_f=analytic,
        order=code_.order,
    )


def run(code_: Code, samples: int, seed: int = 0, dtype: str = "float64", progress=None) -> Report:
    """Check the emitted closed form of ``code_`` on ``samples`` seeded points."""
    from .harness import run as run_problem

    return run_problem(problem(code_), samples, seed, dtype, progress)


def verify_derivation(
    derivation: Derivation, samples: int = 1_000_000, seed: int = 0, dtype: str = "float64"
) -> Report:
    """``bce_check.verify.verify`` of a Derivation object (a user's, or the catalogue's)."""
    return run(code(derivation), samples, seed, dtype)
