"""The rooms and the one direction of imports, read from the source of the whole tree.

Every module of ``derivations`` and ``bce_check`` is parsed (subfolders included), and
every import in it counts, a lazy one inside a function too: a lazy import that only
hides a cycle is still a cycle.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PACKAGES = ("derivations", "bce_check")
MAX_LINES = 300


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[module_name(path)] = path
    return found


def package_of(name: str) -> str:
    """The package a module lives in (a package's own __init__ lives in itself)."""
    path = modules().get(name)
    return name if path is not None and path.name == "__init__.py" else name.rpartition(".")[0]


def imports(path: Path) -> list[tuple[str, str | None]]:
    """(module, name imported from it or None) for every import statement in ``path``."""
    current = module_name(path)
    package = current if path.name == "__init__.py" else current.rpartition(".")[0]
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {  # `if TYPE_CHECKING:` imports are never run
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"
        for inner in ast.walk(node)
    }
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            found += [(base, alias.name) for alias in node.names]
    return found


def edges(name: str) -> set[str]:
    """The project modules that importing ``name`` runs (a package's __init__ included)."""
    out = set()
    for module, imported in imports(modules()[name]):
        target = f"{module}.{imported}" if imported else None
        if target in modules():  # a submodule: importing it runs it (its package is loaded)
            out.add(target)
        elif module in modules():
            out.add(module)
    out.discard(name)
    return out


def private_part(name: str) -> str | None:
    """The package that owns ``name``'s first private (underscore) component, if any."""
    parts = name.split(".")
    for k, part in enumerate(parts):
        if part.startswith("_") and not part.startswith("__"):
            return ".".join(parts[:k])
    return None


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def crossings(name: str) -> list[str]:
    """Private modules or private names that ``name`` imports from outside their package."""
    found = []
    for module, imported in imports(modules()[name]):
        if not within(module, PACKAGES[0]) and not within(module, PACKAGES[1]):
            continue
        target = f"{module}.{imported}" if imported else module
        owner = private_part(target)
        if owner is not None and not within(package_of(name), owner):
            found.append(target)
    return found


def cycles(nodes=None, successors=None) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    nodes = sorted(modules()) if nodes is None else nodes
    successors = successors or edges
    index, low, stack, on, result = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(successors(v)):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for v in nodes:
        if v not in index:
            visit(v)
    return result


def test_the_walk_sees_every_subfolder():
    names = set(modules())
    assert {"derivations.proof._chain", "bce_check.check.tolerance", "bce_check.cli"} <= names
    assert len([n for n in names if n.count(".") >= 2]) > 40


def test_no_import_cycle_among_modules():
    assert cycles() == []


def test_the_cycle_finder_finds_a_planted_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(sorted(graph), graph.__getitem__) == [["a", "b", "c"]]


def test_a_lazy_import_is_an_edge():
    lazy = ROOT / "bce_check" / "_planted_lazy.py"
    lazy.write_text("def f():\n    from bce_check.cli import main\n", encoding="utf-8")
    try:
        modules.cache_clear()
        assert "bce_check.cli" in edges("bce_check._planted_lazy")
    finally:
        lazy.unlink()
        modules.cache_clear()


FORBIDDEN_IN_DERIVATIONS = ("bce_check", "numpy", "jax", "scipy", "matplotlib")
NOT_FROM_CHECK = ("emit", "printing", "render", "certify", "cli", "verify", "golden", "testing")


def _roots(name: str) -> set[str]:
    return {module.split(".")[0] for module, _ in imports(modules()[name])}


@pytest.mark.parametrize("name", [n for n in modules() if within(n, "derivations")])
def test_derivations_import_neither_bce_check_nor_numerics(name):
    assert not _roots(name) & set(FORBIDDEN_IN_DERIVATIONS)


@pytest.mark.parametrize("name", [n for n in modules() if within(n, "bce_check.check")])
def test_the_checker_imports_no_emitter_printer_presentation_certificate_or_cli(name):
    banned = [f"bce_check.{room}" for room in NOT_FROM_CHECK]
    assert [m for m in edges(name) if any(within(m, b) for b in banned)] == []


@pytest.mark.parametrize("name", [n for n in modules() if within(n, "bce_check.report")])
def test_the_report_imports_nothing_else_from_bce_check(name):
    outside = [m for m in edges(name) if within(m, "bce_check")]
    assert [m for m in outside if not within(m, "bce_check.report") and m != "bce_check"] == []


@pytest.mark.parametrize("name", sorted(modules()))
def test_private_modules_and_names_are_imported_only_inside_their_package(name):
    assert crossings(name) == []


def test_the_private_import_check_sees_every_spelling():
    planted = ROOT / "bce_check" / "_planted_for_test.py"
    planted.write_text(
        "import derivations.text._parse\n"
        "from derivations.proof._written import WrittenOut\n"
        "from derivations.proof import _equality, check_equal\n"
        "from bce_check.check._stages import chunk_size\n"
        "from bce_check.report import _histogram\n",
        encoding="utf-8",
    )
    try:
        modules.cache_clear()
        assert crossings("bce_check._planted_for_test") == [
            "derivations.text._parse",
            "derivations.proof._written.WrittenOut",
            "derivations.proof._equality",
            "bce_check.check._stages.chunk_size",
            "bce_check.report._histogram",
        ]
    finally:
        planted.unlink()
        modules.cache_clear()


@pytest.mark.parametrize("name", sorted(modules()))
def test_modules_stay_short(name):
    assert len(modules()[name].read_text(encoding="utf-8").splitlines()) <= MAX_LINES


def test_the_public_names_are_exported():
    import derivations

    public = {"parse", "check_equal", "Check", "Verdict", "PROVED", "NUMERIC_ONLY", "FAILED"}
    assert public <= set(derivations.__all__)
    assert all(hasattr(derivations, name) for name in derivations.__all__)


@pytest.mark.parametrize("name", [n for n, p in modules().items() if p.name == "__init__.py"])
def test_every_package_face_exports_what_it_lists(name):
    import importlib

    package = importlib.import_module(name)
    assert all(hasattr(package, n) for n in getattr(package, "__all__", ()))


MAX_FUNCTION_LINES = 40
FUNCTION_ROOTS = ("bce_check", "derivations", "bench")
CATALOGUE = "derivations/catalogue/"  # catalogue data: a derivation's steps read as one page
PENDING: set[str] = set()  # files exempt while being split (none now)


def long_functions(path: Path) -> list[str]:
    """`path:line name (n lines)` for each function or method over MAX_FUNCTION_LINES.

    A function's length runs from its `def` to its last line; decorators are not counted.
    """
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)")
    return sorted(found)


def function_files() -> list[Path]:
    paths = [path for root in FUNCTION_ROOTS for path in sorted((ROOT / root).rglob("*.py"))]
    names = [path.relative_to(ROOT).as_posix() for path in paths]
    return [p for p, n in zip(paths, names, strict=True) if not n.startswith(CATALOGUE)]


def test_functions_stay_short():
    files = [p for p in function_files() if p.relative_to(ROOT).as_posix() not in PENDING]
    found = [line for path in files for line in long_functions(path)]
    assert not found, f"over {MAX_FUNCTION_LINES} lines:\n" + "\n".join(found)


def test_the_function_length_check_catches_a_planted_long_function():
    planted = ROOT / "bce_check" / "_planted_long.py"
    lines = [f"        x{k} = {k}" for k in range(MAX_FUNCTION_LINES - 1)]
    planted.write_text(
        "@property\n"  # a decorator does not count: `fits` is exactly the limit
        + "def fits():\n" + "\n".join(line[4:] for line in lines) + "\n\n\n"
        + "class C:\n"
        + "    def long(self):\n" + "\n".join(lines) + "\n        return x0\n",
        encoding="utf-8",
    )  # fmt: skip
    try:
        assert planted in function_files()
        start = MAX_FUNCTION_LINES + 5  # decorator, fits, two blank lines, `class C:`
        assert long_functions(planted) == [
            f"bce_check/_planted_long.py:{start} long ({MAX_FUNCTION_LINES + 1} lines)"
        ]
    finally:
        planted.unlink()
