"""What every command shares: exit codes, the sampling and SymPy-budget options, the cache.

One declaration each, so ``verify``, ``derive``, ``check``, ``certify`` and ``autodiff`` read
their options and exit codes from here.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from derivations import BceCheckError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
DTYPE_CHOICES = ("float64", "float32")


def oracle_options(function):
    """--oracle-points N and --audit N: the oracle's budget and its seeded audit
    (``bce_check.check.tolerance``); --oracle-points 0 turns it off, audit included."""
    from bce_check.check.tolerance import AUDIT, DEFAULT_ORACLE_POINTS

    function = click.option(
        "--audit",
        type=click.IntRange(0, 1 << 20),
        default=AUDIT,
        show_default=True,
        help="Seeded random points the oracle judges in every check.",
    )(function)
    return click.option(
        "--oracle-points",
        type=click.IntRange(0, 1 << 24),
        default=DEFAULT_ORACLE_POINTS,
        show_default=True,
        help="Points the oracle (f's formula at high precision) judges at most; "
        "0 turns it off, audit included.",
    )(function)


def sampling_options(samples_help: str = "Random points per derivation."):
    """--samples N, --seed S and --dtype float64|float32, in that order."""

    def decorate(function):
        for option in reversed(
            [
                click.option(
                    "--samples",
                    type=click.IntRange(1, 2**32 - 1),
                    default=1_000_000,
                    show_default=True,
                    help=samples_help,
                ),
                click.option(
                    "--seed", type=click.IntRange(0, 2**32 - 1), default=0, show_default=True
                ),
                click.option(
                    "--dtype",
                    type=click.Choice(DTYPE_CHOICES),
                    default="float64",
                    show_default=True,
                ),
            ]
        ):
            function = option(function)
        return function

    return decorate


def use_compilation_cache() -> None:
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


def read_text(file: str) -> str:
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
