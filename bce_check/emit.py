"""Closed forms as NumPy and JAX functions: stable rewrites, source text, callables.

``emit(derivation, "numpy" | "jax")`` writes a standalone module that imports only
NumPy or JAX and defines ``<name>(args)`` (the closed form) and
``<name>_definition(args)`` (the function being differentiated), with the
derivation's own symbol names as arguments.  The source is built from the
derivation's expressions after ``_stable.stable_form``; the callables are that very
source, executed, so what is tested is what is written out.

* NumPy, elementwise functions: inputs are widened to the widest float NumPy has
  (x87 80-bit ``longdouble`` on x86-64 Linux, else float64; float32 inputs are
  computed in at least float64) and the result is rounded once to the inputs'
  dtype, so the loss is within about half an ulp (bench/accuracy.py).
* JAX: computed in the inputs' dtype; branches are guarded so that ``jax.grad``
  of an emitted function never meets an inf in the branch it does not take.
* ``analytic_definition`` (used by the harness for complex-step differentiation)
  prints σ and softplus with exp/log1p only, branching on the real part.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from sympy import Abs, Heaviside, Max, Min, Piecewise, ceiling, floor, sign
from sympy.printing.numpy import JaxPrinter, NumPyPrinter

from derivations import BceCheckError, Derivation

from ._stable import REWRITES, stable_form
from .render import text

TARGETS = ("numpy", "jax")
NOT_ANALYTIC = (Abs, Max, Min, sign, floor, ceiling, Heaviside, Piecewise)

# Helper functions the printers call, per target (source text, kept in the emitted file).
# softplus_affine(x, a) = softplus(x) + a·x = log1p(e^y) + (1 + a)·x or a·x, y = −|x| written
# as a branch on x ≥ 0, so that jax.grad takes the same side of x = 0 in both terms.
_SOFTPLUS_AFFINE = '''
def _softplus_affine(x, a):
    """softplus(x) + a*x = log1p(e^-|x|) + ((1 + a)*x if x >= 0 else a*x): no term cancels."""
    nonneg = {condition}
    tail = {np}.log1p({np}.exp({np}.where(nonneg, -x, x)))
    return tail + {np}.where(nonneg, (1 + a) * x, a * x)
'''
HELPERS: dict[str, dict[str, str]] = {
    "numpy": {"softplus_affine": _SOFTPLUS_AFFINE.format(np="numpy", condition="x >= 0")},
    "jax": {"softplus_affine": _SOFTPLUS_AFFINE.format(np="jax.numpy", condition="x >= 0")},
    "analytic": {
        "softplus_affine": _SOFTPLUS_AFFINE.format(
            np="jax.numpy", condition="jax.numpy.real(x) >= 0"
        ),
        "sigmoid": """
def _sigmoid(x):
    nonneg = jax.numpy.real(x) >= 0
    e = jax.numpy.exp(jax.numpy.where(nonneg, -x, x))
    return jax.numpy.where(nonneg, 1, e) / (1 + e)
""",
        "softplus": """
def _softplus(x):
    nonneg = jax.numpy.real(x) >= 0
    tail = jax.numpy.log1p(jax.numpy.exp(jax.numpy.where(nonneg, -x, x)))
    return jax.numpy.where(nonneg, x, 0) + tail
""",
    },
}

_WIDEN = '''
_WIDE = numpy.longdouble if numpy.finfo(numpy.longdouble).eps < numpy.finfo(numpy.float64).eps \\
    else numpy.float64


def _widen(*args):
    """The arguments in the widest float NumPy has, and the dtype to round the result to."""
    dtype = numpy.result_type(*args, 1.0)
    return (*(numpy.asarray(a, dtype=_WIDE) for a in args), dtype)


def _narrow(result, dtype):
    return numpy.asarray(result).astype(dtype)[()]
'''


class _HelperCalls:
    """Printer mixin: print a helper function's call and remember that it is needed."""

    target = "numpy"

    def _helper(self, name: str, expr) -> str:
        self.used.add(name)
        return f"_{name}({', '.join(self._print(a) for a in expr.args)})"

    def _print_softplus_affine(self, expr) -> str:
        return self._helper("softplus_affine", expr)


class _NumPyCode(_HelperCalls, NumPyPrinter):
    def __init__(self) -> None:
        super().__init__({"fully_qualified_modules": True, "order": "none"})
        self.used: set[str] = set()


class _JaxCode(_HelperCalls, JaxPrinter):
    target = "jax"

    def __init__(self) -> None:
        super().__init__({"fully_qualified_modules": True, "order": "none"})
        self.used = set()


class _AnalyticCode(_JaxCode):
    """JAX code that complex arithmetic differentiates exactly: exp, log1p, real-part branches."""

    target = "analytic"

    def __init__(self) -> None:
        super().__init__()
        self.printmethod = "_analyticcode"  # not σ's own _jaxcode (jax.nn.softplus is not analytic)

    def _print_sigmoid(self, expr) -> str:
        return self._helper("sigmoid", expr)

    def _print_softplus(self, expr) -> str:
        return self._helper("softplus", expr)


PRINTERS = {"numpy": _NumPyCode, "jax": _JaxCode, "analytic": _AnalyticCode}
IMPORTS = {"numpy": "import numpy\n", "jax": "import jax\nimport jax.numpy\n"}
IMPORTS["analytic"] = IMPORTS["jax"]


@dataclass(frozen=True)
class Emitted:
    """Emitted code for one derivation and target: its source and the functions it defines."""

    name: str
    target: str
    arguments: tuple[str, ...]
    source: str
    function: Callable  # the closed form
    definition: Callable  # the function being differentiated


def _package_version() -> str:
    try:
        return version("bce-check")
    except PackageNotFoundError:  # running from a source tree
        return "dev"


def _elementwise(derivation: Derivation) -> bool:
    return all(getattr(s, "is_Symbol", False) for s in derivation.arguments)


def _function_source(name: str, doc: str, args: list[str], body: str, widen: bool) -> str:
    signature = ", ".join(args)
    if widen:
        lines = [
            f"    {signature}, _dtype = _widen({signature})",
            f"    return _narrow({body}, _dtype)",
        ]
    else:
        lines = [f"    return {body}"]
    return "\n".join([f"def {name}({signature}):", f'    """{doc}"""', *lines])


def _rewrites_note() -> str:
    names = ", ".join(rule.name for rule in REWRITES)
    return textwrap.fill(f"Stable rewrites: {names} (bce_check/_stable.py).", width=88)


def _module_source(derivation: Derivation, target: str) -> str:
    printer = PRINTERS[target]()
    args = [str(a) for a in derivation.arguments]
    widen = target == "numpy" and _elementwise(derivation)
    first = derivation.steps[0].lhs
    lhs, rhs = derivation.closed_form.lhs, derivation.closed_form.rhs
    definition_doc = f"{text(first)} = {text(derivation.definition)}"
    closed_doc = f"{text(lhs)} = {text(rhs)}"
    functions = [
        _function_source(
            f"{derivation.name}_definition",
            definition_doc,
            args,
            printer.doprint(stable_form(derivation.definition)),
            widen,
        ),
        _function_source(
            derivation.name, closed_doc, args, printer.doprint(stable_form(rhs)), widen
        ),
    ]
    header = (
        f'"""{derivation.name}: {derivation.title}\n\nEmitted by bce-check '
        f"{_package_version()} ({target}) from the derivation `{derivation.name}`.\n\n"
        f'    {definition_doc}\n    {closed_doc}\n\n{_rewrites_note()}\n"""'
    )
    blocks = [
        header,
        IMPORTS[target].strip(),
        *([_WIDEN.strip()] if widen else []),
        *(HELPERS[target][h].strip() for h in sorted(printer.used)),
        *functions,
    ]
    return "\n\n\n".join(blocks) + "\n"


def _load(source: str, name: str) -> dict:
    namespace: dict = {"__name__": f"bce_check.emitted.{name}"}
    exec(compile(source, f"<bce-check emitted {name}>", "exec"), namespace)  # our own source
    return namespace


def emit(derivation: Derivation, target: str) -> Emitted:
    """The closed form and the definition of ``derivation`` as ``target`` code and callables."""
    if target not in TARGETS:
        raise BceCheckError(f"unknown target {target!r}; allowed: {', '.join(TARGETS)}")
    source = _module_source(derivation, target)
    namespace = _load(source, derivation.name)
    return Emitted(
        name=derivation.name,
        target=target,
        arguments=tuple(str(a) for a in derivation.arguments),
        source=source,
        function=namespace[derivation.name],
        definition=namespace[f"{derivation.name}_definition"],
    )


def analytic_definition(derivation: Derivation) -> Callable | None:
    """The definition as JAX code that is analytic in each argument, or None if it cannot be.

    For complex-step differentiation: only exp, log, log1p, powers and branches on the
    real part; None when the stable form needs |x|, max, sign or a Piecewise.
    """
    definition = stable_form(derivation.definition)
    if definition.has(*NOT_ANALYTIC):
        return None
    return _load(_module_source(derivation, "analytic"), derivation.name)[
        f"{derivation.name}_definition"
    ]


def write(emitted: Emitted, path: str | Path) -> None:
    """Write the emitted module; a path that cannot be written is a BceCheckError."""
    try:
        Path(path).write_text(emitted.source, encoding="utf-8")
    except OSError as error:
        raise BceCheckError(f"cannot write {path}: {error.strerror}") from error
