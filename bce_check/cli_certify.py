"""``bce-check certify NAME|--all [-o DIR] [--json]``: Coq certificates, judged by coqc.

Exit codes as ``prove``: 0 when every lemma of every certificate coqc was given is
certified, 1 when coqc rejected one, 2 for bad input: an unknown name, coqc missing
(the message names the packages to install), or ``certify NAME`` for a derivation that
has no Coq statement (the reason is printed).  With ``--all``, such derivations are
listed as unsupported, with their reason, and do not change the exit code.
"""

from __future__ import annotations

import json
import time

import click

import derivations
from derivations import BceCheckError

EXIT_OK, EXIT_FAILED = 0, 1


def _text(certificate) -> list[str]:
    """A certificate as lines: its verdict and coqc's time, then one line per lemma."""
    from .certify import Verdict

    marks = {Verdict.CERTIFIED: "✓", Verdict.REJECTED: "✗"}
    if certificate.verdict == Verdict.UNSUPPORTED:
        return [f"{certificate.name}: unsupported: {certificate.reason}"]
    lines = [
        f"{certificate.name}: {certificate.verdict} (coqc {certificate.seconds:.1f} s) "
        f"→ {certificate.path}"
    ]
    for lemma in certificate.lemmas:
        how = f"[{lemma.strategy}]" if lemma.strategy else ""
        lines.append(f"  {marks[lemma.verdict]} {lemma.name:<44} {how}")
        if lemma.message:
            lines.append(f"      Coq: {lemma.message}")
    return lines


@click.command("certify")
@click.argument("name", required=False)
@click.option("--all", "all_", is_flag=True, help="Certify every derivation that has a Coq form.")
@click.option(
    "-o",
    "--output",
    "directory",
    type=click.Path(file_okay=False),
    default="certificates",
    show_default=True,
    help="Directory for the NAME.v files.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the verdicts as JSON.")
def certify(name: str | None, all_: bool, directory: str, as_json: bool) -> int:
    """Write each derivation's steps and closed form as Coq lemmas, and have coqc (with
    Coquelicot) check them: NAME_closed_form states d/dv DEFINITION = CLOSED_FORM."""
    from .certify import CERTIFIED, UNSUPPORTED, certify_many, coqc_path

    if (name is None) == (not all_):
        raise click.UsageError(
            f"give a derivation NAME or --all (not both); known: {', '.join(derivations.names())}"
        )
    coqc_path()
    names = derivations.names() if all_ else [derivations.get(name).name]
    started = time.perf_counter()
    certificates = certify_many(names, directory)
    if name is not None and certificates[0].verdict == UNSUPPORTED:
        raise BceCheckError(f"{name} has no Coq certificate: {certificates[0].reason}")
    seconds = time.perf_counter() - started
    ok = all(c.ok for c in certificates)
    if as_json:
        report = {"ok": ok, "seconds": round(seconds, 3)}
        report["certificates"] = [c.to_dict() for c in certificates]
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        for certificate in certificates:
            click.echo("\n".join(_text(certificate)))
        click.echo(
            f"{sum(c.verdict == CERTIFIED for c in certificates)} certified in {seconds:.1f} s"
        )
    return EXIT_OK if ok else EXIT_FAILED
