"""``bce-check derive EXPR`` and ``bce-check check FILE``: your own loss, your own derivation.

All SymPy work on the user's text (parsing, differentiating, simplifying, the proof,
printing the emitted code) runs in one worker process under ``--time-limit`` and
``--memory-limit`` (``derivations.run_limited``); past a limit the command exits 2
with one line and writes nothing.  The numeric check (``--verify``) runs here, on the code
the worker printed.  Exit codes as everywhere: 0 proved (and verified), 1 a step or the
verification failed, 2 bad input.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from derivations import BceCheckError

EXIT_OK, EXIT_FAILED = 0, 1
_REAL_PART = re.compile(r"\((-?[0-9.]+(?:e[-+]?[0-9]+)?) \+ 0\.0j\)")
FORMATS = ["text", "markdown", "latex", "json"]


@dataclass(frozen=True)
class Outcome:
    """What the worker sends back: all text and plain data."""

    rendered: str
    ok: bool
    verdict: str
    source: str | None  # the emitted module, when asked for and proved
    code: object | None  # _user_verify.Code, when --verify and proved
    wrong: str | None  # check FILE: "line N: …" of the first wrong step


def _finish(derivation, fmt: str, target: str | None, verify: bool) -> Outcome:
    """Render, emit and prepare verification of a derivation (runs in the worker)."""
    from . import _user_verify
    from .emit import emit
    from .render import render

    proof = derivation.proof
    rendered = render([derivation], fmt, as_list=False)
    source = emit(derivation, target).source if target and proof.ok else None
    code = _user_verify.code(derivation) if verify and proof.ok else None
    return Outcome(rendered, proof.ok, proof.verdict, source, code, _first_wrong(derivation))


def _first_wrong(derivation) -> str | None:
    from derivations import FileDerivation, first_wrong

    from .notation import text

    if not isinstance(derivation, FileDerivation):
        return None
    found = first_wrong(derivation)
    if found is not None:
        line, result = found
        method = _REAL_PART.sub(r"\1", result.method)  # (-3.03 + 0.0j) is -3.03
        return f"line {line}: step {result.index} is wrong ({result.step.rule}): {method}"
    independent = derivation.proof.sympy_diff
    if independent is not None and independent.verdict == "failed":
        closed = derivation.closed_forms[0]
        return (
            f"the closed form {text(closed.lhs)} = {text(closed.rhs)} disagrees with "
            f"sympy.diff of the definition: {independent.method}"
        )
    return None


def derive_job(text, wrt, where, name, fmt, target, verify) -> Outcome:
    """``derive`` in the worker: build, prove, render, emit."""
    from derivations.derive import build

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


def limits_options(function):
    """--time-limit SECONDS and --memory-limit MB: the budget of the SymPy work on a user's
    text (``derivations.Limits``, whose defaults they show); derive, check and certify."""
    from derivations import Limits

    default = Limits()
    function = click.option(
        "--memory-limit",
        type=click.IntRange(1, 1 << 20),
        default=default.memory_mb,
        show_default=True,
        help="Memory (MB) the SymPy work on your text may use.",
    )(function)
    return click.option(
        "--time-limit",
        type=click.FloatRange(0.1, 86_400),
        default=default.seconds,
        show_default=True,
        help="Seconds the SymPy work on your text may take.",
    )(function)


def _verify_options(function):
    for option in reversed(
        [
            click.option("--verify", is_flag=True, help="Check the emitted code numerically."),
            click.option(
                "--samples",
                type=click.IntRange(1, 2**32 - 1),
                default=1_000_000,
                show_default=True,
                help="Random points for --verify.",
            ),
            click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=0, show_default=True),
            click.option(
                "--dtype",
                type=click.Choice(["float64", "float32"]),
                default="float64",
                show_default=True,
            ),
        ]
    ):
        function = option(function)
    return function


def _run(job, *args, time_limit: float, memory_limit: int) -> Outcome:
    from derivations import Limits, run_limited

    return run_limited(job, *args, limits=Limits(time_limit, memory_limit))


def _report(outcome: Outcome, fmt, target, output, verify, samples, seed, dtype) -> int:
    """Print (or write) what the worker made, run --verify here, and pick the exit code."""
    if target and output is None and outcome.source is not None:
        click.echo(outcome.source, nl=False)
        click.echo(f"bce-check: {outcome.verdict}", err=True)
    else:
        click.echo(outcome.rendered)
    if outcome.wrong:
        click.echo(f"bce-check: {outcome.wrong}", err=fmt == "json" or bool(target))
    if not outcome.ok:
        if target:
            click.echo("bce-check: the proof failed; nothing emitted", err=True)
        return EXIT_FAILED
    if target and output is not None:
        from .emit import Emitted, write

        write(Emitted("", target, (), outcome.source, ()), output)
        click.echo(f"wrote {output} ({target})", err=True)
    if not verify:
        return EXIT_OK
    from . import _user_verify
    from .cli import _use_compilation_cache

    _use_compilation_cache()
    report = _user_verify.run(outcome.code, samples, seed, dtype)
    click.echo(str(report), err=fmt == "json" or bool(target and output is None))
    return EXIT_OK if report.ok else EXIT_FAILED


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
    return _report(outcome, fmt, target, output, verify, samples, seed, dtype)


@click.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--emit", "target", type=click.Choice(["numpy", "jax"]), help="Emit the code.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write --emit to FILE.")
@_verify_options
@limits_options
def check_command(
    file, fmt, target, output, verify, samples, seed, dtype, time_limit, memory_limit
) -> int:
    """Check a derivation written by hand (FILE, or - for stdin), naming its first wrong line."""
    text = _read(file)
    outcome = _run(
        check_job, text, file, fmt, target, verify, time_limit=time_limit, memory_limit=memory_limit
    )
    return _report(outcome, fmt, target, output, verify, samples, seed, dtype)


def _read(file: str) -> str:
    if file == "-":
        return sys.stdin.read()
    path = Path(file)
    try:
        if path.stat().st_size > 1 << 20:
            raise BceCheckError(f"{file} is larger than 1 MB; a derivation file is a page")
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise BceCheckError(f"cannot read {file}: {reason}") from None


__all__ = ["check_command", "derive_command"]
