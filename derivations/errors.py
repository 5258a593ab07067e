"""The exceptions bce-check raises on bad input; the CLI turns each into exit code 2."""

from __future__ import annotations


class BceCheckError(Exception):
    """Base class: a bad input, with a message that says what is allowed."""


class UnknownDerivation(BceCheckError, LookupError):
    """A derivation name that is not in the registry."""

    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        self.known = known
        super().__init__(f"unknown derivation {name!r}; known derivations: {', '.join(known)}")

    def __str__(self) -> str:  # LookupError would otherwise quote the message
        return self.args[0]


class ExpressionError(BceCheckError, ValueError):
    """A malformed or unsupported expression."""


class DomainError(BceCheckError, ValueError):
    """A value outside the domain a function or a derivation is defined on."""


_LIMIT_UNITS_AND_FLAGS = {
    "time": ("s", "--time-limit SECONDS"),
    "memory": ("MB", "--memory-limit MB"),
}


class LimitExceeded(BceCheckError):
    """Work on user input ran past its wall-clock or memory budget (``_limits.Limits``)."""

    def __init__(self, which: str, value: float, detail: str = "") -> None:
        self.which, self.value = which, value  # which: "time" or "memory"
        unit, flag = _LIMIT_UNITS_AND_FLAGS[which]
        detail = f" ({detail})" if detail else ""
        super().__init__(
            f"{which} limit of {value:g} {unit} exceeded{detail}; raise it with {flag}"
        )
