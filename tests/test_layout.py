"""The one direction of dependency: derivations/ is pure SymPy and never imports bce_check."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DERIVATIONS = sorted((Path(__file__).parent.parent / "derivations").glob("*.py"))
FORBIDDEN = ("bce_check", "numpy", "jax", "scipy", "matplotlib")


def _imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", DERIVATIONS, ids=lambda p: p.name)
def test_derivations_import_neither_bce_check_nor_numerics(path):
    assert not _imported(path) & set(FORBIDDEN)
