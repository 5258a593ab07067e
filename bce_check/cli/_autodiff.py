"""``bce-check autodiff MODULE:FUNCTION``: JAX's derivatives of a function against the truth.

MODULE is an importable module or a path to a ``.py`` file (loaded from its path, so it
may live anywhere); FUNCTION a JAX function of scalars in that module.  Each ``--where``
declares one argument's domain, in the text ``derive --where`` reads ('u real',
'p in [0, 1]', 'γ >= 0'); its sampler is the one ``derive --verify`` draws from.  Exit 0
when every mode holds, 1 when one fails, 2 for bad input (one line on stderr).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

import click

from bce_check.cli._options import EXIT_FAILED, EXIT_OK, sampling_options
from derivations import BceCheckError


def load_function(target: str) -> Callable:
    """FUNCTION of MODULE for 'MODULE:FUNCTION', MODULE a dotted name or a .py path."""
    module_text, colon, name = target.rpartition(":")
    if not colon or not module_text or not name:
        raise BceCheckError(f"give MODULE:FUNCTION (a module or a .py file), got {target!r}")
    try:
        if module_text.endswith(".py") or Path(module_text).is_file():
            path = Path(module_text).resolve()
            spec = importlib.util.spec_from_file_location(f"_bce_autodiff_{path.stem}", path)
            if spec is None or not path.is_file():
                raise BceCheckError(f"cannot read {module_text}: no such .py file")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        else:
            module = importlib.import_module(module_text)
    except BceCheckError:
        raise
    except Exception as error:  # the user's module failed to import: say so, in one line
        raise BceCheckError(f"cannot load {module_text}: {type(error).__name__}: {error}") from None
    function = getattr(module, name, None)
    if not callable(function):
        raise BceCheckError(f"{module_text} has no function {name!r}")
    return function


def samplers_from(where: tuple[str, ...]) -> dict:
    """Each --where constraint's argument and its sampler (``derive --verify``'s samplers)."""
    from bce_check.domains import describe, sampler
    from derivations.text import domains_from

    try:
        return {n: sampler(describe(d)) for n, d in domains_from(where).items()}
    except TypeError as error:
        raise BceCheckError(f"--where: {error}") from None


@click.command("autodiff")
@click.argument("target", metavar="MODULE:FUNCTION")
@click.option("--where", "where", multiple=True, help="A domain: 'u real', 'p in [0, 1]', …")
@click.option("--wrt", multiple=True, help="The argument(s) to differentiate by (default: first).")
@click.option("--order", type=click.IntRange(1, 2), default=1, show_default=True)
@sampling_options("Random points screened per mode.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def autodiff_command(target, where, wrt, order, samples, seed, dtype, as_json) -> int:
    """Check JAX's derivatives of FUNCTION (rev, fwd; order 2: fwd-over-rev, rev-over-rev,
    hvp; and vmap) against the oracle's derivative of its formula."""
    function = load_function(target)
    domains = samplers_from(tuple(where))
    if not domains:
        raise BceCheckError("give a --where domain for each argument ('u real', 'p in [0, 1]')")
    from bce_check.check import check_autodiff

    report = check_autodiff(function, domains, wrt=tuple(wrt) or None, order=order,
                            samples=samples, seed=seed, dtype=dtype)  # fmt: skip
    click.echo(report.to_json() if as_json else str(report))
    sys.stdout.flush()
    return EXIT_OK if report.ok else EXIT_FAILED


__all__ = ["autodiff_command", "load_function", "samplers_from"]
