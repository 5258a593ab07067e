"""Shared fixtures: derivations are built once per session (their proofs are cached on them)."""

from __future__ import annotations

import pytest

import derivations


@pytest.fixture(scope="session")
def catalogue() -> dict[str, derivations.Derivation]:
    return {name: derivations.get(name) for name in derivations.names()}
