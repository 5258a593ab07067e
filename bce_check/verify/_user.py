"""A user's derivation (``derive``, ``check FILE``) through the harness.

The SymPy half (``code``: the emitted JAX module, its analytic twin for complex step,
the scale, the domains as data) runs where the SymPy work on user input runs, under
the limits; the numeric half (``problem``, ``run``) runs in the parent on that text.

The scale of a user's closed form is per point: s(x) = B(c) + B(d), bounds on the size
of the terms the closed form c and autodiff of the definition are computed from (the
harness's tolerance model, harness.py), d being the definition's derivative by the
chain rule, unsimplified, as autodiff computes it (autodiff of σ computes σ' as
σ·(1 − σ), with an absolute error of ε in 1 − σ that the other factors multiply;
σ log σ + (1 − σ) log(1 − σ) has the derivative σ'·(log σ − log(1 − σ)), whose two
logs of size 0.69 cancel at u = 0 where c = u·σ(u)·σ(−u) is exact).  Where B(d) is
not finite (e^u·(1 + e^u)^−1 at u = 800: d's terms overflow), autodiff does not compute
them either (it differentiates the stable form emit writes), and s = B(c).
B is built from the expression: B(a + b) = B(a) + B(b), B(a·b) = B(a)·B(b),
B(a^n) = B(a)^n for n > 0, B(σ(x)) = B(1 − σ(x)) = B(σ(x) − 1) = 1 (all in (0, 1)), and
|e| for anything else (a number, a symbol, log σ(u), e^u, a negative power).  c is
taken in the stable form emit computes; d as SymPy writes it, before any rewrite
could cancel its terms (the stable form of d above is u·σ(u)·σ(−u)).  A power a^y
with a symbolic exponent is computed as e^(y·log a), whose relative error is
ε·|y·log a|, and autodiff of it computes a^(y − 1): B(a^y) carries a factor
1 + (|y| + 1)·|log a| (σ(u)^γ at u = −662, γ = 0.008: jax.grad is off by 93 ulp).  σ(u) − p
gives 1 + p, e^u − y gives e^u + y (judged relative to e^u, not to the largest value
seen on the first chunk), the focal loss's γ·σ(u)·(1 − σ(u))^γ·log σ(u) gives
γ·|log σ(u)|, (σ(u) − y)² gives (1 + y)² where |(σ(u) − y)²| would be 0 at u = 40,
y = 1 (a tolerance of 0 for a value computed from terms of size 1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from math import prod

from bce_check.check import in_float64
from bce_check.domains import describe, sampler
from bce_check.report import Report
from derivations import Derivation, DomainError


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
    note: str = ""  # the derivation's notes (|x| has no derivative at 0), said in the report
    shapes: tuple = ()  # per argument, its shape ("K", 1) or () for a number (_vector.py)


def code(derivation: Derivation) -> Code:
    """The emitted JAX code of the main closed form and what goes with it (SymPy work)."""
    from sympy import S

    from bce_check.emit import NOT_ANALYTIC, arguments, emit, jax_source, module_source
    from bce_check.printing.notation import text
    from bce_check.verify._vector import shapes, vector_bound
    from derivations.rewrites import stable_form

    form = derivation.closed_forms[0]
    if len(form.wrt) > 2:
        raise DomainError(
            f"--verify checks closed forms of order 0, 1 and 2 (the harness's references); "
            f"{text(form.lhs)} is of order {len(form.wrt)}: verify its L'' instead"
        )
    emitted = emit(derivation, "jax")
    analytic = None
    if not stable_form(form.function).has(*NOT_ANALYTIC):
        analytic = module_source(derivation, "analytic")
    shapes_ = shapes(derivation)
    if any(shapes_):  # a vector closed form: its own bound entry by entry (_vector.py)
        closed, chained = vector_bound(stable_form(form.rhs), bound), S.Zero
    else:
        chain_rule = form.function.diff(*form.wrt) if form.wrt else form.function
        closed, chained = bound(stable_form(form.rhs)), bound(chain_rule)
    args = arguments(derivation)
    scale_source = jax_source(derivation, {"closed": closed, "chained": chained})
    return Code(
        name=emitted.forms[0].name,
        jax_source=emitted.source,
        analytic_source=analytic,
        scale_source=scale_source,
        arguments=tuple(args),
        domains=tuple(describe(derivation.domains[a]) for a in derivation.arguments),
        wrt=emitted.forms[0].wrt[0] if form.wrt else args[0],  # an identity: order 0
        order=len(form.wrt),
        note="; ".join(derivation.notes),
        shapes=shapes_ if any(shapes_) else (),
    )


def bound(expr):
    """B(expr), the size of the terms expr is computed from (see the module docstring).

    A leaf is written in its stable form (log σ(u) as −softplus(−u)), so that its size
    is finite wherever the leaf is.
    """
    from sympy import Abs, Add, Mul, Pow, log

    from derivations.functions import sigmoid
    from derivations.rewrites import stable_form

    def unit(e) -> bool:  # σ(x), 1 − σ(x), σ(x) − 1: each in (−1, 1)
        if isinstance(e, sigmoid):
            return True
        if not e.is_Add or len(e.args) != 2:
            return False
        number, other = sorted(e.args, key=lambda t: not t.is_number)
        return (number == 1 and isinstance(-other, sigmoid)) or (
            number == -1 and isinstance(other, sigmoid)
        )

    if unit(expr):
        return 1
    if expr.is_Add:
        return Add(*[bound(t) for t in expr.args])
    if expr.is_Mul:
        return Mul(*[bound(t) for t in expr.args])
    if not isinstance(expr, Pow):
        return Abs(stable_form(expr))
    size = Pow(bound(expr.base), expr.exp) if expr.exp.is_positive else Abs(stable_form(expr))
    if expr.exp.is_number:
        return size
    # a^y for a symbol y is computed as e^(y·log a), and autodiff computes a^(y − 1) too
    return size * (1 + (Abs(expr.exp) + 1) * Abs(stable_form(log(expr.base))))


def _floating(function, position: int):
    """``function`` returning the dtype of its argument ``position``: a constant closed
    form (L'(u) = 2) is printed as the Python int 2, which the harness cannot compare."""

    def floating(*args):
        import jax.numpy as jnp
        value = jnp.asarray(function(*args))
        return value.astype(jnp.result_type(args[position], value))

    return floating


def _scale(namespace: dict) -> Callable:
    """B(closed form) + B(chain rule) where the latter is finite (the module docstring)."""
    import jax.numpy as jnp

    closed, chained = namespace["closed"], namespace["chained"]

    def scale(*args):
        c = chained(*args)
        return closed(*args) + jnp.where(jnp.isfinite(c), c, 0)

    return scale


def _samplers(code_: Code, sizes: dict) -> dict:
    """Each argument's sampler, drawing arrays of its shape at ``sizes`` (K = 3, …)."""
    from bce_check.verify._vector import resolve

    samplers = {}
    for i, (a, d) in enumerate(zip(code_.arguments, code_.domains, strict=True)):
        shape = resolve(code_.shapes[i], sizes) if code_.shapes else ()
        matrix = len(shape) == 2 and shape[1] != 1
        s = sampler(d, matrix)
        samplers[a] = s.with_shape(*(shape if matrix else shape[:1])) if shape else s
    return samplers


def problem(code_: Code, sizes: dict | None = None):
    """The harness Problem of ``code_`` (no SymPy: the text is our own printers' output),
    at ``sizes`` ({"K": 3}) for a vector derivation."""
    from bce_check.check import Problem
    from bce_check.emit import load

    sizes = sizes or {}

    namespace = load(code_.jax_source, code_.name)
    position = code_.arguments.index(code_.wrt)
    analytic = None
    if code_.analytic_source is not None:
        analytic = load(code_.analytic_source, code_.name)[f"{code_.name}_definition"]
    shown = ", ".join(f"{k}={v}" for k, v in sizes.items())
    return Problem(
        name=code_.name + (f" ({shown})" if shown else ""),
        f=_floating(namespace[f"{code_.name}_definition"], position),
        grad=_floating(namespace[code_.name], position),
        samplers=_samplers(code_, sizes),
        wrt=code_.wrt,
        scale=_floating(_scale(load(code_.scale_source, code_.name)), position),
        analytic_f=analytic,
        order=code_.order,
        note=code_.note,
    )


@in_float64
def run(code_: Code, samples: int, seed: int = 0, dtype: str = "float64", progress=None,
        **oracle: int) -> Report:
    """Check the emitted closed form of ``code_`` on ``samples`` seeded points; a vector
    closed form at each size of ``_vector.SIZES``, ``samples`` entries of the variable
    shared among them (``_vector.samples_per_size``), the Reports added.  ``oracle``:
    ``oracle_points=``, ``audit=`` as ``bce_check.check.run`` takes them."""
    from bce_check.check import run as run_problem
    from bce_check.verify._vector import resolve, samples_per_size, sizes_of

    every = sizes_of(code_.shapes)
    if not code_.shapes:
        return run_problem(problem(code_), samples, seed, dtype, progress, **oracle)
    wrt = code_.shapes[code_.arguments.index(code_.wrt)]
    once = [code_, *(replace(code_, note="") for _ in every[1:])]  # the notes said once
    reports = [
        run_problem(problem(c, s), samples_per_size(samples, len(every), prod(resolve(wrt, s))),
                    seed, dtype, progress, **oracle)
        for c, s in zip(once, every, strict=True)
    ]  # fmt: skip
    return sum(reports[1:], reports[0])


def verify_derivation(
    derivation: Derivation, samples: int = 1_000_000, seed: int = 0, dtype: str = "float64",
    **oracle: int,
) -> Report:
    """``bce_check.verify.verify`` of a Derivation object (a user's, or the catalogue's)."""
    return run(code(derivation), samples, seed, dtype, **oracle)
