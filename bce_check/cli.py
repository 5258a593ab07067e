"""The ``bce-check`` command line: parse, call, render, set the exit code.

Exit codes: 0 when everything holds, 1 when a check fails, 2 for bad input (one
line on stderr, never a traceback).  JAX is imported only by the commands that
compute numerically; ``list`` and ``prove`` never pay for it.
"""

from __future__ import annotations

import sys

import click

import derivations
from derivations import BceCheckError, Derivation

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


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
