"""A user's loss: derive, realness, recognition, resource limits."""

from ._derive import (
    DEFAULT_LIMITS,
    build,
    check_identifier,
    checked,
    derive,
    symbol_domains,
)
from ._derivfile import (
    FileDerivation,
    first_wrong,
    load,
    read,
)
from ._limits import (
    Limits,
    run_limited,
)

__all__ = [
    "DEFAULT_LIMITS",
    "FileDerivation",
    "Limits",
    "build",
    "check_identifier",
    "checked",
    "derive",
    "first_wrong",
    "load",
    "read",
    "run_limited",
    "symbol_domains",
]
