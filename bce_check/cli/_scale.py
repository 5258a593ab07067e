"""The ``verify`` options for scale: devices, processes, exhaustive float32 (light: click only).

Environment variables (each option's default): ``BCE_CHECK_DEVICES``,
``BCE_CHECK_COORDINATOR`` (HOST:PORT of process 0's coordinator),
``BCE_CHECK_NUM_PROCESSES``, ``BCE_CHECK_PROCESS_ID``.  See docs/scale.md.
"""

from __future__ import annotations

from collections.abc import Callable

import click

from derivations import DomainError

OPTIONS = [
    click.option(
        "--devices",
        envvar="BCE_CHECK_DEVICES",
        default=None,
        metavar="N|all",
        help="Share each chunk of points among N local JAX devices (or all); same report.",
    ),
    click.option(
        "--coordinator",
        envvar="BCE_CHECK_COORDINATOR",
        default=None,
        metavar="HOST:PORT",
        help="jax.distributed coordinator (process 0's address) for a multi-process run.",
    ),
    click.option(
        "--num-processes",
        envvar="BCE_CHECK_NUM_PROCESSES",
        type=click.IntRange(1),
        default=1,
        show_default=True,
        help="Processes in the run; each checks its share, process 0 prints the report.",
    ),
    click.option(
        "--process-id",
        envvar="BCE_CHECK_PROCESS_ID",
        type=click.IntRange(0),
        default=0,
        show_default=True,
        help="This process's number, 0 … num-processes − 1.",
    ),
    click.option(
        "--exhaustive",
        is_flag=True,
        help="Every float32 input (scalar closed forms) instead of random samples.",
    ),
    click.option(
        "--range",
        "range_",
        type=(float, float),
        default=None,
        metavar="LO HI",
        help="With --exhaustive: the closed interval of float32 inputs [default: all finite].",
    ),
]


def options(command: Callable) -> Callable:
    """Add the scale options to a click command (they arrive as keyword arguments)."""
    for option in reversed(OPTIONS):
        command = option(command)
    return command


def begin(scale: dict, dtype: str) -> None:
    """Check the options' combination and join the process group if there is one."""
    if scale["range_"] is not None and not scale["exhaustive"]:
        raise click.UsageError("--range LO HI goes with --exhaustive")
    source = click.get_current_context().get_parameter_source("dtype")
    if scale["exhaustive"] and dtype != "float32" and source != click.core.ParameterSource.DEFAULT:
        raise click.UsageError(f"--exhaustive checks float32 inputs; got --dtype {dtype}")
    if scale["num_processes"] > 1:
        if not scale["coordinator"]:
            raise click.UsageError("--num-processes > 1 needs --coordinator HOST:PORT")
        if scale["process_id"] >= scale["num_processes"]:
            raise DomainError(
                f"--process-id must be from 0 to {scale['num_processes'] - 1}, "
                f"got {scale['process_id']}"
            )
        from bce_check.check import initialize

        initialize(scale["coordinator"], scale["num_processes"], scale["process_id"])


def prints() -> bool:
    """Whether this process prints the report: process 0 of the run (or the only one)."""
    from bce_check.check import process_index

    return process_index() == 0


def _range(scale: dict) -> tuple[float, float]:
    from bce_check.check.exhaustive import FLOAT32_MAX

    return scale["range_"] or (-FLOAT32_MAX, FLOAT32_MAX)


def exhaustive_points(names: list[str], scale: dict) -> int:
    """Points of the exhaustive run (float32 values × grid values)."""
    from bce_check.verify import exhaustive_points as points

    return points(names, *_range(scale))


def exhaustive_report(names: list[str], scale: dict, progress: Callable | None = None):
    """The exhaustive float32 report for ``names`` (``bce_check.check.exhaustive``)."""
    from bce_check.verify import verify_exhaustive

    return verify_exhaustive(names, *_range(scale), scale["devices"], progress)
