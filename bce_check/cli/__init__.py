"""The ``bce-check`` command line: click commands, their shared options and exit codes.

``run()`` is the console script; ``main(argv)`` returns the exit code (0: everything
holds, 1: a check fails, 2: bad input, 130: interrupted).
"""

from ._main import cli, main, run
from ._options import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "cli",
    "main",
    "run",
]
