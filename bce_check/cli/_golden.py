"""``bce-check golden [--write] [--path FILE]``: the reviewed closed forms, checked or rewritten.

Without ``--write``: every closed form of the catalogue re-derived and checked equal to its
line of the golden file (``bce_check.golden.compare``); exit 0 when all match, 1 when one
changed meaning, has no line, or a line names no closed form.  With ``--write``: the file
rewritten from today's closed forms (after a reviewed change; review the diff).  Exit 2
for a file that cannot be read or a malformed line.
"""

from __future__ import annotations

from pathlib import Path

import click

import derivations
from bce_check import golden
from bce_check.cli._options import EXIT_FAILED, EXIT_OK
from derivations import BceCheckError


@click.command("golden")
@click.option("--write", is_flag=True, help="Rewrite the golden file from today's closed forms.")
@click.option(
    "--path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The golden file (default: derivations/golden/closed_forms.txt, shipped with it).",
)
def golden_command(write: bool, path: Path | None) -> int:
    """Check every closed form against its reviewed golden line; --write regenerates them."""
    catalogue = [derivations.get(name) for name in derivations.names()]
    where = golden.GOLDEN if path is None else path
    try:
        if write:
            target = Path(str(where))  # the packaged file lies on disk in a source checkout
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(golden.file_text(catalogue), encoding="utf-8")
            count = sum(len(d.closed_forms) for d in catalogue)
            click.echo(f"wrote {count} closed forms to {target}")
            return EXIT_OK
        lines = golden.read(where)
    except OSError as error:
        raise BceCheckError(f"{where}: {error.strerror or error}") from None
    found = golden.differences(catalogue, lines)
    for problem in found:
        click.echo(problem)
    click.echo(f"{len(found)} closed form(s) differ from {where}" if found else "all match")
    return EXIT_FAILED if found else EXIT_OK
