"""Closed forms as NumPy and JAX functions: stable rewrites, source text, callables.

``emit(derivation, "numpy" | "jax")`` writes a standalone module that imports only
NumPy or JAX and defines ``<name>(args)`` (the closed form) and
``<name>_definition(args)`` (the function being differentiated), with the
derivation's own symbol names as arguments.  The source is built from the
derivation's expressions after ``rewrites.stable_form``; the callables are that very
source, executed, so what is tested is what is written out.

* NumPy: arguments may be arrays, lists, tuples or numbers (``numpy.asarray`` first).
  Elementwise functions widen them to the widest float NumPy has (x87 80-bit
  ``longdouble`` on x86-64 Linux, else float64; float32 inputs are computed in at
  least float64) and round the result once to the inputs' dtype, so the loss is
  within about half an ulp (bench/accuracy.py).
* JAX: computed in the inputs' dtype; branches are guarded so that ``jax.grad``
  of an emitted function never meets an inf in the branch it does not take.  σ is
  one exp of −|u| and one division (about 1 ulp; σ(u) − p within 1.6 spacings of
  max(|σ(u)|, |p|)); float64 input while ``jax_enable_x64`` is off (JAX computes it
  in float32) gives one warning per module that names ``jax_enable_x64``.
* ``analytic_definition`` (used by the harness for complex-step differentiation)
  prints σ and softplus with exp/log1p only, branching on the real part.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from sympy import Abs, Basic, Heaviside, Max, Min, Piecewise, ceiling, floor, sign

from bce_check.printing import PRINTERS, python_name
from bce_check.printing.notation import text
from derivations import BceCheckError, ClosedForm, Derivation
from derivations.rewrites import REWRITES, stable_form

TARGETS = ("numpy", "jax")
NOT_ANALYTIC = (Abs, Max, Min, sign, floor, ceiling, Heaviside, Piecewise)

_WIDEN = '''
_WIDE = numpy.longdouble if numpy.finfo(numpy.longdouble).eps < numpy.finfo(numpy.float64).eps \\
    else numpy.float64


def _widen(*args):
    """The arguments (arrays, lists, tuples, numbers) in the widest float NumPy has, and the
    dtype to round the result to: the arguments' own, at least float32 (ints give float64)."""
    arrays = [numpy.asarray(a) for a in args]
    dtype = numpy.result_type(*arrays, 1.0)
    return (*(a.astype(_WIDE) for a in arrays), dtype)


def _narrow(result, dtype):
    return numpy.asarray(result).astype(dtype)[()]
'''


_ARRAYS = '''
def _arrays(*args):
    """The arguments (arrays, lists, tuples, numbers) as NumPy arrays."""
    return tuple(numpy.asarray(a) for a in args)
'''

# JAX computes float64 input in float32 while jax_enable_x64 is off, silently: say so, once.
_X64 = '''
@functools.cache
def _warn_x64_off():
    warnings.warn(
        "float64 input is computed in float32 because jax_enable_x64 is off; call "
        "jax.config.update('jax_enable_x64', True) before any JAX computation for float64",
        stacklevel=4,
    )


def _check_x64(*args):
    """Warn (once per module) when float64 input meets JAX with jax_enable_x64 off."""
    wide = ("float64", "complex128")
    if not jax.config.jax_enable_x64 and any(str(getattr(a, "dtype", "")) in wide for a in args):
        _warn_x64_off()
'''

IMPORTS = {
    "numpy": "import numpy\n",
    "jax": "import functools\nimport warnings\n\nimport jax\nimport jax.numpy\n",
    "analytic": "import jax\nimport jax.numpy\n",
}
# Per target: the function that each emitted function passes its arguments through first.
_PROLOGUES = {"numpy": ("_arrays", _ARRAYS), "jax": ("_check_x64", _X64)}


@dataclass(frozen=True)
class EmittedForm:
    """One closed form as code: ``function`` computes it, ``definition`` the function that
    it is the derivative of along ``wrt`` (or, for an identity, equal to)."""

    name: str
    suffix: str
    wrt: tuple[str, ...]
    function: Callable
    definition: Callable


@dataclass(frozen=True)
class Emitted:
    """Emitted code for one derivation and target: its source and the functions it defines."""

    name: str
    target: str
    arguments: tuple[str, ...]
    source: str
    forms: tuple[EmittedForm, ...]

    @property
    def function(self) -> Callable:
        """The main closed form."""
        return self.forms[0].function

    @property
    def definition(self) -> Callable:
        """The function the main closed form is the derivative of."""
        return self.forms[0].definition


def _package_version() -> str:
    try:
        return version("bce-check")
    except PackageNotFoundError:  # running from a source tree
        return "dev"


def arguments(derivation: Derivation) -> list[str]:
    """The emitted functions' parameters: the derivation's symbols, keywords renamed (λ)."""
    return [python_name(str(a)) for a in derivation.arguments]


def _elementwise(derivation: Derivation) -> bool:
    return all(getattr(s, "is_Symbol", False) for s in derivation.arguments)


def dimensions(derivation: Derivation) -> dict:
    """Shape symbols as array dimensions: m → "X.shape[0]" (a column vector is 1-D, its
    length its last axis, "z.shape[-1]", so that a leading batch axis may come before)."""
    dims: dict = {}
    for argument in derivation.arguments:
        shape = getattr(argument, "shape", ())
        axes = [(-1, shape[0])] if shape and shape[1] == 1 else list(enumerate(shape))
        for axis, size in axes:
            if getattr(size, "is_Symbol", False):
                dims.setdefault(size, f"{python_name(argument.name)}.shape[{axis}]")
    return dims


def _function_name(derivation: Derivation, form: ClosedForm) -> str:
    return derivation.name + (f"_{form.suffix}" if form.suffix else "")


def _function_source(name: str, doc: str, args: list[str], body: str, prologue: str) -> str:
    """``def name(args)``: the arguments through ``prologue`` (see _PROLOGUES), then body."""
    signature = ", ".join(args)
    if prologue == "_widen":
        lines = [
            f"    {signature}, _dtype = _widen({signature})",
            f"    return _narrow({body}, _dtype)",
        ]
    elif prologue == "_arrays":
        lines = [f"    {signature}{',' * (len(args) == 1)} = _arrays({signature})"]
        lines.append(f"    return {body}")
    elif prologue:
        lines = [f"    {prologue}({signature})", f"    return {body}"]
    else:
        lines = [f"    return {body}"]
    return "\n".join([f"def {name}({signature}):", f'    """{doc}"""', *lines])


def _rewrites_note() -> str:
    names = ", ".join(rule.name for rule in REWRITES)
    return textwrap.fill(f"Stable rewrites: {names} (derivations/rewrites.py).", width=88)


def _form_sources(derivation: Derivation, form: ClosedForm, printer, prologue: str) -> list[str]:
    name = _function_name(derivation, form)
    args = arguments(derivation)
    along = ", ".join(text(v) for v in form.wrt)
    what = f"differentiated along {along}" if form.wrt else "equal to the closed form"
    return [
        _function_source(
            f"{name}_definition",
            f"The function {what}: {text(form.function)}",
            args,
            printer.doprint(stable_form(form.function)),
            prologue,
        ),
        _function_source(
            name,
            f"{text(form.lhs)} = {text(form.rhs)}",
            args,
            printer.doprint(stable_form(form.rhs)),
            prologue,
        ),
    ]


def module_source(derivation: Derivation, target: str) -> str:
    printer = PRINTERS[target](dimensions(derivation))
    widen = target == "numpy" and _elementwise(derivation)
    prologue, prologue_source = ("_widen", _WIDEN) if widen else _PROLOGUES.get(target, ("", ""))
    functions = [
        source
        for form in derivation.closed_forms
        for source in _form_sources(derivation, form, printer, prologue)
    ]
    results = "\n".join(f"    {text(f.lhs)} = {text(f.rhs)}" for f in derivation.closed_forms)
    header = (
        f'"""{derivation.name}: {derivation.title}\n\nEmitted by bce-check '
        f"{_package_version()} ({target}) from the derivation `{derivation.name}`.\n\n"
        f'{results}\n\n{_rewrites_note()}\n"""'
    )
    blocks = [
        header,
        IMPORTS[target].strip(),
        *([prologue_source.strip()] if prologue_source else []),
        *printer.helper_sources(),
        *functions,
    ]
    return "\n\n\n".join(blocks) + "\n"


def load(source: str, name: str) -> dict:
    namespace: dict = {"__name__": f"bce_check.emitted.{name}"}
    exec(compile(source, f"<bce-check emitted {name}>", "exec"), namespace)  # our own source
    return namespace


def emit(derivation: Derivation, target: str) -> Emitted:
    """Every closed form of ``derivation`` and its function as ``target`` code and callables."""
    if target not in TARGETS:
        raise BceCheckError(f"unknown target {target!r}; allowed: {', '.join(TARGETS)}")
    source = module_source(derivation, target)
    namespace = load(source, derivation.name)
    forms = []
    for form in derivation.closed_forms:
        name = _function_name(derivation, form)
        wrt = tuple(python_name(str(v)) for v in form.wrt)
        forms.append(
            EmittedForm(name, form.suffix, wrt, namespace[name], namespace[f"{name}_definition"])
        )
    return Emitted(
        derivation.name, target, tuple(str(a) for a in derivation.arguments), source, tuple(forms)
    )


def jax_source(derivation: Derivation, functions: dict[str, Basic]) -> str:
    """A JAX module defining each named expression as a function of the derivation's
    arguments (by their Python names), printed as the emitted code prints."""
    arguments_ = ", ".join(arguments(derivation))
    printer = PRINTERS["jax"](dimensions(derivation))
    bodies = {name: printer.doprint(expr) for name, expr in functions.items()}  # helpers
    blocks = [
        "import builtins\nimport jax\nimport jax.numpy",
        *printer.helper_sources(),
        *(f"def {name}({arguments_}):\n    return {body}" for name, body in bodies.items()),
    ]
    return "\n\n\n".join(blocks) + "\n"


def jax_function(derivation: Derivation, expr: Basic) -> Callable:
    """Any expression in the derivation's arguments (a scale, say) as a JAX function of them."""
    return load(jax_source(derivation, {"f": expr}), derivation.name)["f"]


def analytic_definitions(derivation: Derivation) -> dict[str, Callable | None]:
    """Per closed form (by suffix), its function as JAX code analytic in every argument.

    For complex-step differentiation: only exp, log, log1p, powers and branches on the
    real part; None for a function whose stable form needs |x|, max, sign or a Piecewise.
    """
    namespace = load(module_source(derivation, "analytic"), derivation.name)
    return {
        form.suffix: None
        if stable_form(form.function).has(*NOT_ANALYTIC)
        else namespace[f"{_function_name(derivation, form)}_definition"]
        for form in derivation.closed_forms
    }


def analytic_definition(derivation: Derivation) -> Callable | None:
    """The main closed form's function as analytic JAX code (see ``analytic_definitions``)."""
    return analytic_definitions(derivation)[derivation.closed_forms[0].suffix]


def write(emitted: Emitted, path: str | Path) -> None:
    """Write the emitted module; a path that cannot be written is a BceCheckError."""
    try:
        Path(path).write_text(emitted.source, encoding="utf-8")
    except OSError as error:
        raise BceCheckError(f"cannot write {path}: {error.strerror}") from error
