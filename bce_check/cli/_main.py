"""The ``bce-check`` command line: parse, call, render, set the exit code.

Exit codes: 0 when everything holds, 1 when a check fails, 2 for bad input (one
line on stderr, never a traceback).  JAX is imported only by the commands that
compute numerically; ``list`` and ``prove`` never pay for it.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace
from typing import TYPE_CHECKING

import click

import derivations
from bce_check.cli._autodiff import autodiff_command
from bce_check.cli._certify import certify
from bce_check.cli._golden import golden_command
from bce_check.cli._options import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    oracle_options,
    read_text,
    sampling_options,
    use_compilation_cache,
)
from bce_check.cli._scale import begin, exhaustive_points, exhaustive_report, prints
from bce_check.cli._scale import options as scale_options
from bce_check.cli._user import check_command, derive_command
from derivations import BceCheckError, Derivation

if TYPE_CHECKING:
    from bce_check.report import Report


def _selected(name: str | None, all_: bool) -> list[Derivation]:
    """The derivations a command works on: NAME or --all, exactly one of them."""
    if (name is None) == (not all_):
        raise click.UsageError(
            f"give a derivation NAME or --all (not both); known: {', '.join(derivations.names())}"
        )
    return [derivations.get(n) for n in (derivations.names() if all_ else [name])]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="bce-check")
def cli() -> None:
    """Derive closed-form gradients step by step, prove each step, check them numerically."""


@cli.command("list")
def list_() -> int:
    """List the derivations in the catalogue."""
    for name in derivations.names():
        derivation = derivations.get(name)
        click.echo(f"{name:<32} {derivation.title}")
    return EXIT_OK


@cli.command()
@click.argument("name", required=False)
@click.option("--all", "all_", is_flag=True, help="Prove every derivation in the catalogue.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "latex", "json", "deriv"]),
    default="text",
    show_default=True,
    help="Output format (deriv: a derivation file that `bce-check check` reads).",
)
def prove(name: str | None, all_: bool, fmt: str) -> int:
    """Show a derivation's steps, each checked by SymPy and numerically (40 digits of 60)."""
    from bce_check.render import render

    selected = _selected(name, all_)
    click.echo(render(selected, fmt, as_list=all_))
    return EXIT_OK if all(d.proof.ok for d in selected) else EXIT_FAILED


@cli.command()
@click.argument("name", required=False)
@click.option("--all", "all_", is_flag=True, help="Verify every derivation in the catalogue.")
@sampling_options()
@oracle_options
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--shapes",
    type=click.IntRange(1, 16),
    default=1,
    show_default=True,
    help="Random shapes per vector or matrix closed form (each compiles anew).",
)
@scale_options
@click.option(
    "--wide",
    is_flag=True,
    help="Print every value of the worst inputs and unwrapped notes (wider than 120 columns).",
)
def verify(
    name: str | None,
    all_: bool,
    samples: int,
    seed: int,
    dtype: str,
    oracle_points: int,
    audit: int,
    as_json: bool,
    shapes: int,
    wide: bool,
    **scale,
) -> int:
    """Check emitted closed forms against jax.grad, forward mode, finite differences
    and complex step on random inputs, extremes included."""
    use_compilation_cache()
    begin(scale, dtype)
    from bce_check.report import table
    from bce_check.verify import jobs

    started = time.perf_counter()
    selected = [d.name for d in _selected(name, all_)]
    planned = [] if scale["exhaustive"] else jobs(selected, samples, seed, shapes)
    show_progress = not as_json and sys.stderr.isatty() and prints()
    report = _verify_report(
        selected, planned, samples, seed, dtype, shapes, scale, show_progress,
        oracle_points=oracle_points, audit=audit,
    )  # fmt: skip
    report = replace(report, seconds=time.perf_counter() - started)  # wall, not summed
    if prints():
        click.echo(report.to_json() if as_json else table(report, wide=wide))
    return EXIT_OK if report.ok else EXIT_FAILED


def _verify_report(
    selected: list[str],
    planned: list,
    samples: int,
    seed: int,
    dtype: str,
    shapes: int,
    scale: dict,
    show_progress: bool,
    **oracle: int,
) -> Report:
    """The report ``verify`` prints: the ``planned`` run (or the exhaustive one) of
    ``selected``, with a progress bar on stderr when it is shown."""
    from bce_check.verify import WORKERS, verify_many

    with click.progressbar(
        length=sum(j.count for j in planned) or exhaustive_points(selected, scale),
        label="verifying",
        file=sys.stderr,
        hidden=not show_progress,
    ) as bar:
        if scale["exhaustive"]:
            return exhaustive_report(selected, scale, bar.update)
        workers = min(WORKERS, os.cpu_count() or 1)
        return verify_many(
            selected, samples, seed, dtype, bar.update, workers, shapes,
            planned=planned, devices=scale["devices"], **oracle,
        )  # fmt: skip


@cli.command()
@click.argument("name")
@click.option(
    "--target",
    type=click.Choice(["numpy", "jax"]),
    required=True,
    help="numpy: widened-precision NumPy; jax: jittable, differentiable JAX.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the module to FILE instead of printing it.",
)
def emit(name: str, target: str, output: str | None) -> int:
    """Write a derivation's closed form and definition as a standalone Python module."""
    from bce_check.emit import emit as emit_code
    from bce_check.emit import write

    derivation = derivations.get(name)
    if not derivation.proof.ok:
        click.echo(
            f"bce-check: {name} failed its proof; nothing emitted (see: bce-check prove {name})",
            err=True,
        )
        return EXIT_FAILED
    emitted = emit_code(derivation, target)
    if output is None:
        click.echo(emitted.source, nl=False)
    else:
        write(emitted, output)
        click.echo(f"wrote {output}: {name}() and {name}_definition() for {target}", err=True)
    return EXIT_OK


def _to_plot(name: str | None, file: str | None, expr: str | None, wrt, where) -> str | Derivation:
    """What ``plot`` draws: NAME, or the Derivation of --file F or --expr E --wrt V."""
    given = [o for o, v in (("NAME", name), ("--file", file), ("--expr", expr)) if v is not None]
    if len(given) != 1:
        raise click.UsageError(
            f"give one of NAME, --file F or --expr E --wrt V (got {', '.join(given) or 'none'}); "
            f"known names: {', '.join(derivations.names())}"
        )
    if (expr is None) != (wrt is None) or (where and expr is None):
        raise click.UsageError("--wrt and --where go with --expr (--expr E --wrt V --where …)")
    if file is not None:
        return derivations.load(read_text(file))
    if expr is not None:
        return derivations.derive(expr, wrt=wrt, where=list(where))
    return name


@cli.command("plot")
@click.argument("name", required=False)
@click.option("--file", type=click.Path(dir_okay=False), help="A derivation file to draw.")
@click.option("--expr", help="A loss of your own to derive and draw (with --wrt, --where).")
@click.option("--wrt", help="With --expr: the variable to differentiate by.")
@click.option("--where", multiple=True, help="With --expr: a domain, 'p in [0, 1]', 'γ >= 0', …")
@click.option(
    "-o",
    "--output",
    type=click.Path(),
    help="Write the figure to FILE (default: NAME.png in the current directory).",
)
def plot_(name, file, expr, wrt, where, output: str | None) -> int:
    """Draw a derivation's closed form and its error against the references, in one figure.

    NAME from the catalogue, --file F (a derivation file) or --expr E --wrt V (as derive).
    Scalar arguments: the function, the closed form and its error across the sampled
    range; vector or matrix arguments: the error against each reference per sampled
    instance, over the tolerance.  Needs matplotlib: pip install 'bce-check[plot]'."""
    from bce_check.render.plot import plot

    drawn = _to_plot(name, file, expr, wrt, where)
    stem = drawn if isinstance(drawn, str) else drawn.name
    click.echo(plot(drawn, output or f"{stem}.png"))
    return EXIT_OK


cli.add_command(derive_command)
cli.add_command(check_command)
cli.add_command(certify)
cli.add_command(autodiff_command)
cli.add_command(golden_command)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (the console script exits with it).

    0 all holds, 1 a check failed, 2 bad input, 130 interrupted (Ctrl-C: 128 + SIGINT,
    the shell's convention).  Output cut short by its reader (``bce-check list | head -1``)
    is not an error: 0, and nothing on stderr.
    """
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        with cli.make_context("bce-check", args) as context:
            code = cli.invoke(context)
    except click.exceptions.Exit as stop:
        return stop.exit_code
    except click.ClickException as error:
        error.show()
        return EXIT_BAD_INPUT
    except (KeyboardInterrupt, click.Abort):
        click.echo("\nbce-check: interrupted", err=True)  # \n: past the terminal's ^C
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK  # the reader has what it wanted; run() silences the rest
    except BceCheckError as error:
        click.echo(f"bce-check: error: {error}", err=True)
        return EXIT_BAD_INPUT
    return code if isinstance(code, int) else EXIT_OK


def run() -> None:
    """Console-script entry point."""
    if sys.stdout.encoding and sys.stdout.encoding.lower().replace("-", "") != "utf8":
        sys.stdout.reconfigure(errors="backslashreplace")
    code = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # the reader left early (| head): drop what is still buffered,
        # so that the interpreter's last flush does not complain (Python's signal docs' recipe)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(code)


if __name__ == "__main__":
    run()
