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
