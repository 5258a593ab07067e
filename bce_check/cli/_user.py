"""``bce-check derive EXPR`` and ``bce-check check FILE``: your own loss, your own derivation.

All SymPy work on the user's text (parsing, differentiating, simplifying, the proof,
printing the emitted code) runs in one worker process under ``--time-limit`` and
``--memory-limit`` (``derivations.run_limited``); past a limit the command exits 2
with one line and writes nothing.  The numeric check (``--verify``) runs here, on the code
the worker printed.  Exit codes as everywhere: 0 proved (and verified), 1 a step or the
verification failed, 2 bad input.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import click

from bce_check.cli._options import (
    EXIT_FAILED,
    EXIT_OK,
    limits_options,
    oracle_options,
    read_text,
    sampling_options,
    use_compilation_cache,
)

_REAL_PART = re.compile(r"\((-?[0-9.]+(?:e[-+]?[0-9]+)?) \+ 0\.0j\)")
FORMATS = ["text", "markdown", "latex", "json", "deriv"]  # deriv: a file `check` reads


@dataclass(frozen=True)
class Outcome:
    """What the worker sends back: all text and plain data."""

    rendered: str
    ok: bool
    verdict: str
    source: str | None  # the emitted module, when asked for and proved
    code: object | None  # bce_check.verify.Code, when --verify and proved
    wrong: str | None  # check FILE: "line N: …" of the first wrong step


def _finish(derivation, fmt: str, target: str | None, verify: bool) -> Outcome:
    """Render, emit and prepare verification of a derivation (runs in the worker)."""
    from bce_check.emit import emit
    from bce_check.render import render
    from bce_check.verify import user_code

    proof = derivation.proof
    rendered = render([derivation], fmt, as_list=False)
    source = emit(derivation, target).source if target and proof.ok else None
    code = user_code(derivation) if verify and proof.ok else None
    return Outcome(rendered, proof.ok, proof.verdict, source, code, _first_wrong(derivation))


def _first_wrong(derivation) -> str | None:
    from bce_check.printing.notation import text
    from derivations import FAILED, FileDerivation, first_wrong

    if not isinstance(derivation, FileDerivation):
        return None
    found = first_wrong(derivation)
    if found is not None:
        line, result = found
        method = _REAL_PART.sub(r"\1", result.method)  # (-3.03 + 0.0j) is -3.03
        return f"line {line}: step {result.index} is wrong ({result.step.rule}): {method}"
    independent = derivation.proof.sympy_diff
    if independent is not None and independent.verdict == FAILED:
        closed = derivation.closed_forms[0]
        return (
            f"the closed form {text(closed.lhs)} = {text(closed.rhs)} disagrees with "
            f"sympy.diff of the definition: {independent.method}"
        )
    return None


def derive_job(text, wrt, where, name, fmt, target, verify) -> Outcome:
    """``derive`` in the worker: build, prove, render, emit."""
    from derivations.user import build

    return _finish(build(text, wrt, where, name), fmt, target, verify)


def check_job(text, source, fmt, target, verify) -> Outcome:
    """``check`` in the worker: read the file's text, prove, render, emit."""
    from derivations import read_derivation as read

    return _finish(read(text, source), fmt, target, verify)


class _MathCommand(click.Command):
    """A command whose argument is maths: ``-p·log(σ(u))`` is the argument, not options.

    Any word that starts with ``-`` and is not one of the command's options (nor the value
    of one) is moved after ``--``, so that click reads it as EXPR; ``-o FILE`` stays -o.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        params = self.get_params(ctx)
        options = {o: p for p in params if isinstance(p, click.Option) for o in p.opts}
        kept, maths, value_next = [], [], False
        for arg in args:
            if value_next or arg == "--" or not arg.startswith("-") or arg == "-":
                kept.append(arg)
                value_next = False
                continue
            option = options.get(arg.split("=", 1)[0])
            if option is None:
                maths.append(arg)
                continue
            kept.append(arg)
            value_next = "=" not in arg and not option.is_flag
        return super().parse_args(ctx, [*kept, *(["--", *maths] if maths else [])])


def _verify_options(function):
    function = click.option(
        "--wide",
        is_flag=True,
        help="--verify's table: every value of the worst inputs, notes unwrapped (> 120 columns).",
    )(function)
    function = oracle_options(sampling_options("Random points for --verify.")(function))
    return click.option("--verify", is_flag=True, help="Check the emitted code numerically.")(
        function
    )


def _run(job, *args, time_limit: float, memory_limit: int) -> Outcome:
    from derivations import Limits, run_limited

    return run_limited(job, *args, limits=Limits(time_limit, memory_limit))


def _report(outcome: Outcome, fmt, target, output, verify, sampling) -> int:
    """Print (or write) what the worker made, run --verify here, and pick the exit code.

    ``--format json --verify`` prints one JSON object: the derivation's, with the verify
    report's under ``"verify"`` (null when the proof failed and nothing was verified).
    """
    merged = fmt == "json" and verify and not (target and output is None)
    if target and output is None and outcome.source is not None:
        click.echo(outcome.source, nl=False)
        click.echo(f"bce-check: {outcome.verdict}", err=True)
    elif not merged:
        click.echo(outcome.rendered)
    if outcome.wrong:
        click.echo(f"bce-check: {outcome.wrong}", err=fmt == "json" or bool(target))
    report = _verified(outcome, target, output, verify, sampling)
    if merged:
        data = json.loads(outcome.rendered)
        data["verify"] = None if report is None else report.to_dict()
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    elif report is not None:
        from bce_check.report import table

        aside = fmt == "json" or bool(target and output is None)  # stdout holds the rest
        click.echo(table(report, wide=sampling.wide), err=aside)
    if not outcome.ok:
        return EXIT_FAILED
    return EXIT_OK if report is None or report.ok else EXIT_FAILED


def _verified(outcome: Outcome, target, output, verify, sampling):
    """Write --emit -o FILE and run --verify, when the proof holds: the report, or None."""
    if not outcome.ok:
        if target:
            click.echo("bce-check: the proof failed; nothing emitted", err=True)
        return None
    if target and output is not None:
        from bce_check.emit import Emitted, write

        write(Emitted("", target, (), outcome.source, ()), output)
        click.echo(f"wrote {output} ({target})", err=True)
    if not verify:
        return None
    from bce_check.verify import run_user

    use_compilation_cache()
    return run_user(outcome.code, sampling.samples, sampling.seed, sampling.dtype,
                    oracle_points=sampling.oracle_points, audit=sampling.audit)


@dataclass(frozen=True)
class Sampling:
    """--samples, --seed, --dtype, --oracle-points, --audit of --verify; --wide for its table."""

    samples: int
    seed: int
    dtype: str
    wide: bool
    oracle_points: int
    audit: int


@click.command("derive", cls=_MathCommand)
@click.argument("expr")
@click.option("--wrt", required=True, help="The variable to differentiate by (real).")
@click.option("--where", "where", multiple=True, help="A domain: 'p in [0, 1]', 'γ >= 0', …")
@click.option("--name", default="derived", show_default=True, help="Name of the emitted code.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--emit", "target", type=click.Choice(["numpy", "jax"]), help="Emit the code.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write --emit to FILE.")
@_verify_options
@limits_options
def derive_command(
    expr,
    wrt,
    where,
    name,
    fmt,
    target,
    output,
    verify,
    samples,
    seed,
    dtype,
    oracle_points,
    audit,
    wide,
    time_limit,
    memory_limit,
) -> int:
    """Derive d/dWRT of your own loss EXPR, every step checked; emit and verify it."""
    outcome = _run(
        derive_job,
        expr,
        wrt,
        tuple(where),
        name,
        fmt,
        target,
        verify,
        time_limit=time_limit,
        memory_limit=memory_limit,
    )
    sampling = Sampling(samples, seed, dtype, wide, oracle_points, audit)
    return _report(outcome, fmt, target, output, verify, sampling)


@click.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--emit", "target", type=click.Choice(["numpy", "jax"]), help="Emit the code.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write --emit to FILE.")
@_verify_options
@limits_options
def check_command(
    file, fmt, target, output, verify, samples, seed, dtype, oracle_points, audit, wide,
    time_limit, memory_limit,
) -> int:
    """Check a derivation written by hand (FILE, or - for stdin), naming its first wrong line."""
    text = read_text(file)
    outcome = _run(
        check_job, text, file, fmt, target, verify, time_limit=time_limit, memory_limit=memory_limit
    )
    sampling = Sampling(samples, seed, dtype, wide, oracle_points, audit)
    return _report(outcome, fmt, target, output, verify, sampling)


__all__ = ["check_command", "derive_command"]
