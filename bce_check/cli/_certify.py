"""``bce-check certify``: Coq certificates, judged by coqc, for three kinds of target.

    bce-check certify NAME | --all                    the catalogue's derivations
    bce-check certify --file FILE                     a derivation file (`bce-check check`'s)
    bce-check certify --expr EXPR --wrt VAR [--where C …] [--name NAME]
                                                      your own loss (`bce-check derive`'s)

with ``[-o DIR] [--json]``.  A catalogue name is only ever the positional NAME and a
file only ever ``--file``, so ``certify focal.deriv`` is an unknown name, never a file.
Exactly one target is given.  The outcome, in text and in JSON (``"outcome"``), is
``certified`` (exit 0), ``unproved`` (exit 1: no proof found, or a step has no Coq
statement, for a statement SymPy and mpmath hold true; the lemma Coq stopped on and its
message are printed) or ``false`` (exit 1: SymPy or the numeric check finds a statement
false; the counterexample is printed).  Exit 2 for bad input: an unknown name, an
unreadable file, text the parser refuses, a SymPy limit passed, coqc missing (the
message names the packages), or a single target whose closed form has no Coq statement
(the reason is printed).  With ``--all``, such catalogue derivations are listed as
unsupported and do not change the exit code.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

import derivations
from bce_check.cli._options import EXIT_FAILED, EXIT_OK, limits_options, read_text
from derivations import BceCheckError

TARGETS = "a derivation NAME, --all, --file FILE or --expr EXPR --wrt VAR"


def _text(certificate) -> list[str]:
    """A certificate as lines: its verdict and coqc's time, then one line per lemma."""
    from bce_check.certify import Verdict

    marks = {Verdict.CERTIFIED: "✓", Verdict.REJECTED: "✗", Verdict.UNSUPPORTED: "?"}
    if certificate.path is None:
        return [f"{certificate.name}: unsupported: {certificate.reason}"]
    lines = [
        f"{certificate.name}: {certificate.outcome} (coqc {certificate.seconds:.1f} s) "
        f"→ {certificate.path}"
    ]
    for lemma in certificate.lemmas:
        how = f"[{lemma.strategy}]" if lemma.strategy else ""
        lines.append(f"  {marks[lemma.verdict]} {lemma.name:<44} {how}")
        if lemma.message:
            who = "Coq" if lemma.verdict == Verdict.REJECTED else "no Coq statement"
            lines.append(f"      {who}: {lemma.message}")
    if certificate.why:  # unproved: where Coq stopped; false: the counterexample
        lines.append(f"  {certificate.outcome}: {certificate.why}")
    return lines


def _outcome(certificates) -> str:
    """The worst outcome of the certificates written (false, then unproved, then certified);
    a catalogue derivation with no Coq form (``--all``) counts for none."""
    from bce_check.certify import Outcome

    found = {c.outcome for c in certificates if c.path is not None}
    return next((o for o in (Outcome.FALSE, Outcome.UNPROVED) if o in found), Outcome.CERTIFIED)


def _one_target(name, all_, file, expr, wrt, where, expr_name) -> None:
    """Exactly one target; --wrt, --where and --name with --expr only."""
    given = [t for t, v in (("NAME", name), ("--all", all_), ("--file", file),
                            ("--expr", expr)) if v]  # fmt: skip
    if len(given) != 1:
        what = f"got {' and '.join(given)}" if given else "got none"
        raise click.UsageError(
            f"give one of {TARGETS} ({what}); known names: {', '.join(derivations.names())}"
        )
    if expr is None and (wrt or where or expr_name):
        raise click.UsageError("--wrt, --where and --name go with --expr only")
    if expr is not None and not wrt:
        raise click.UsageError("--expr needs --wrt VAR: the variable to differentiate by")


def _certificates(name, all_, file, expr, wrt, where, expr_name, directory, limits):
    from bce_check.certify import certify_expression, certify_file, certify_many

    if file is not None:
        source = "<stdin>" if file == "-" else file
        return [certify_file(read_text(file), source, directory, limits)]
    if expr is not None:
        return [certify_expression(expr, wrt, where, directory, expr_name or "derived", limits)]
    names = derivations.names() if all_ else [_known(name)]
    return certify_many(names, directory)


def _known(name: str) -> str:
    """A catalogue name (UnknownDerivation otherwise; a file's path says to use --file)."""
    if name not in derivations.names() and Path(name).is_file():
        raise BceCheckError(f"unknown derivation {name!r}; to certify the file: --file {name}")
    return derivations.get(name).name


@click.command("certify")
@click.argument("name", required=False)
@click.option("--all", "all_", is_flag=True, help="Certify every derivation that has a Coq form.")
@click.option(
    "--file",
    type=click.Path(dir_okay=False),
    help="A derivation file, as `bce-check check` reads it (- for stdin).",
)
@click.option("--expr", help="Your own loss, as `bce-check derive` reads it.")
@click.option("--wrt", help="With --expr: the variable to differentiate by (real).")
@click.option("--where", multiple=True, help="With --expr: a domain, 'p in [0, 1]', 'γ >= 0', …")
@click.option("--name", "expr_name", help="With --expr: the certificate's name [derived].")
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
@limits_options  # for --file and --expr
def certify(
    name, all_, file, expr, wrt, where, expr_name, directory, as_json, time_limit, memory_limit
) -> int:
    """Write each derivation's steps and closed form as Coq lemmas, and have coqc (with
    Coquelicot) check them: NAME_closed_form states d/dv DEFINITION = CLOSED_FORM."""
    from bce_check.certify import CERTIFIED, coqc_path
    from derivations import Limits

    _one_target(name, all_, file, expr, wrt, where, expr_name)
    if name is not None:
        _known(name)  # before coqc: a bad name is bad wherever Coq is installed
    coqc_path()
    started = time.perf_counter()
    limits = Limits(time_limit, memory_limit)
    certificates = _certificates(name, all_, file, expr, wrt, where, expr_name, directory, limits)
    if not all_ and certificates[0].path is None:
        what = certificates[0].name
        raise BceCheckError(f"{what} has no Coq certificate: {certificates[0].reason}")
    seconds = time.perf_counter() - started
    ok = all(c.ok for c in certificates)
    if as_json:
        report = {"ok": ok, "outcome": _outcome(certificates), "seconds": round(seconds, 3)}
        report["certificates"] = [c.to_dict() for c in certificates]
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        for certificate in certificates:
            click.echo("\n".join(_text(certificate)))
        click.echo(
            f"{sum(c.verdict == CERTIFIED for c in certificates)} certified in {seconds:.1f} s: "
            f"{_outcome(certificates)}"
        )
    return EXIT_OK if ok else EXIT_FAILED
