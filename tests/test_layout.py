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


BCE_CHECK = sorted((Path(__file__).parent.parent / "bce_check").glob("*.py"))


def _private_derivations_imports(path: Path) -> list[str]:
    """``derivations._x`` imported by ``path``, in any spelling (import, from-import)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("derivations._")]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.startswith("derivations._"):
                found.append(node.module)
            elif node.module == "derivations":
                found += [f"derivations.{a.name}" for a in node.names if a.name.startswith("_")]
    return found


@pytest.mark.parametrize("path", BCE_CHECK, ids=lambda p: p.name)
def test_bce_check_uses_only_the_public_names_of_derivations(path):
    # derivations.__all__ (parse, check_equal, Derivation, ...) and its public modules
    # (derivations.functions, derivations.errors) are its interface; _modules may change.
    assert _private_derivations_imports(path) == []


def test_the_private_import_check_sees_every_spelling(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text(
        "import derivations._parse\n"
        "from derivations._written import WrittenOut\n"
        "from derivations import _equality, get\n",
        encoding="utf-8",
    )
    assert _private_derivations_imports(planted) == [
        "derivations._parse",
        "derivations._written",
        "derivations._equality",
    ]


def test_the_public_names_are_exported():
    import derivations

    public = {"parse", "check_equal", "Check", "Verdict", "PROVED", "NUMERIC_ONLY", "FAILED"}
    assert public <= set(derivations.__all__)
    assert all(hasattr(derivations, name) for name in derivations.__all__)
