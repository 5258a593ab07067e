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

import click

import derivations
from derivations import BceCheckError, Derivation

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def _use_compilation_cache() -> None:
    """Keep XLA's compiled code between runs (most of a first ``verify`` is compiling).

    In ``$BCE_CHECK_CACHE`` (default: ``$XDG_CACHE_HOME/bce-check/jax``, i.e.
    ``~/.cache/bce-check/jax``); ``BCE_CHECK_CACHE=off`` turns it off.  Set through
    JAX's environment variables, so worker processes inherit it.
    """
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    where = os.environ.get("BCE_CHECK_CACHE", os.path.join(base, "bce-check", "jax"))
    if where.lower() in ("", "off", "0", "no"):
        return
    os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", where)
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")


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
    type=click.Choice(["text", "markdown", "latex", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
def prove(name: str | None, all_: bool, fmt: str) -> int:
    """Show a derivation's steps, each checked by SymPy and at 60-digit precision."""
    from .render import render

    selected = _selected(name, all_)
    click.echo(render(selected, fmt, as_list=all_))
    return EXIT_OK if all(d.proof.ok for d in selected) else EXIT_FAILED


@cli.command()
@click.argument("name", required=False)
@click.option("--all", "all_", is_flag=True, help="Verify every derivation in the catalogue.")
@click.option(
    "--samples",
    type=click.IntRange(1, 2**32 - 1),
    default=1_000_000,
    show_default=True,
    help="Random points per derivation.",
)
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=0, show_default=True)
@click.option(
    "--dtype", type=click.Choice(["float64", "float32"]), default="float64", show_default=True
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--shapes",
    type=click.IntRange(1, 16),
    default=1,
    show_default=True,
    help="Random shapes per vector or matrix closed form (each compiles anew).",
)
def verify(
    name: str | None, all_: bool, samples: int, seed: int, dtype: str, as_json: bool, shapes: int
) -> int:
    """Check emitted closed forms against jax.grad, forward mode, finite differences
    and complex step on random inputs, extremes included."""
    _use_compilation_cache()
    from .verify import WORKERS, plan, verify_many

    started = time.perf_counter()
    selected = [d.name for d in _selected(name, all_)]
    total = sum(count for n in selected for _, count in plan(n, samples, seed, shapes))
    show_progress = not as_json and sys.stderr.isatty()
    with click.progressbar(
        length=total, label="verifying", file=sys.stderr, hidden=not show_progress
    ) as bar:
        workers = min(WORKERS, os.cpu_count() or 1)
        report = verify_many(selected, samples, seed, dtype, bar.update, workers, shapes)
    report = replace(report, seconds=time.perf_counter() - started)  # wall, not summed
    click.echo(report.to_json() if as_json else str(report))
    return EXIT_OK if report.ok else EXIT_FAILED


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
    from .emit import emit as emit_code
    from .emit import write

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


@cli.command("plot")
@click.argument("name")
@click.option(
    "-o",
    "--output",
    type=click.Path(),
    help="Write the figure to FILE (default: NAME.png in the current directory).",
)
def plot_(name: str, output: str | None) -> int:
    """Draw a scalar derivation's function, its closed form, and the closed form's error
    against jax.grad across the sampled range, in one figure (needs matplotlib)."""
    from .plot import plot

    click.echo(plot(name, output or f"{name}.png"))
    return EXIT_OK


from .cli_certify import certify  # noqa: E402 (a command in its own module)

cli.add_command(certify)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (the console script exits with it)."""
    try:
        code = cli.main(args=argv, prog_name="bce-check", standalone_mode=False)
    except click.exceptions.Exit as stop:
        return stop.exit_code
    except click.ClickException as error:
        error.show()
        return EXIT_BAD_INPUT
    except click.Abort:
        click.echo("bce-check: aborted", err=True)
        return EXIT_FAILED
    except BceCheckError as error:
        click.echo(f"bce-check: error: {error}", err=True)
        return EXIT_BAD_INPUT
    return code if isinstance(code, int) else EXIT_OK


def run() -> None:
    """Console-script entry point."""
    if sys.stdout.encoding and sys.stdout.encoding.lower().replace("-", "") != "utf8":
        sys.stdout.reconfigure(errors="backslashreplace")
    sys.exit(main())


if __name__ == "__main__":
    run()
