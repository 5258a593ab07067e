"""One enum per concept, and no comparison across concepts.

Step verdicts (``derivations.Verdict``: proved, numeric-only, inconclusive, failed), check
verdicts (``bce_check.report.Verdict``: pass, fail, inconclusive, skipped), a lemma's Coq
verdict (``bce_check.certify.Verdict``) and a certificate's outcome
(``bce_check.certify.Outcome``).  Each is a ``StrEnum``, so two members of different
enums with the same text compare equal as strings: the code therefore always compares a
verdict with its own concept's members, never with a string literal or another enum.
"""

from __future__ import annotations

import ast
import enum
import importlib
from itertools import combinations
from pathlib import Path

import pytest

import derivations
from bce_check import certify, report

ROOT = Path(__file__).parent.parent
ENUMS = {
    "step": derivations.Verdict,
    "check": report.Verdict,
    "lemma": certify.Verdict,
    "certificate": certify.Outcome,
}
FACES = ("derivations", "bce_check", "bce_check.report", "bce_check.certify", "bce_check.check")
VALUES = {member.value for kind in ENUMS.values() for member in kind}


def test_the_enums_are_distinct_types():
    kinds = list(ENUMS.values())
    assert all(issubclass(kind, enum.StrEnum) for kind in kinds)
    for one, other in combinations(kinds, 2):
        assert not issubclass(one, other) and not issubclass(other, one)


def test_same_text_is_equal_as_a_string_but_not_the_same_member():
    step, check = derivations.Verdict("inconclusive"), report.Verdict("inconclusive")
    assert step == check  # StrEnum: equal as str, which is why the code never mixes them
    assert step is not check and type(step) is not type(check)
    assert step in derivations.Verdict and check not in derivations.Verdict
    assert certify.Verdict.CERTIFIED is not certify.Outcome.CERTIFIED


def _exported_members(face: str) -> dict[str, enum.Enum]:
    module = importlib.import_module(face)
    members = {name: getattr(module, name) for name in getattr(module, "__all__", ())}
    return {name: value for name, value in members.items() if isinstance(value, enum.Enum)}


@pytest.mark.parametrize(("one", "other"), list(combinations(FACES, 2)))
def test_no_verdict_constant_is_exported_under_one_name_from_two_faces(one, other):
    clash = _exported_members(one).keys() & _exported_members(other).keys()
    assert not clash, f"{sorted(clash)} exported by both {one} and {other}"


def verdict_literal_comparisons(tree: ast.AST) -> list[int]:
    """Lines comparing something with a string that is a verdict's text (== "failed")."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(
            isinstance(op, ast.Eq | ast.NotEq | ast.In | ast.NotIn) for op in node.ops
        ):
            sides = [node.left, *node.comparators]
            literals = [s.value for s in sides if isinstance(s, ast.Constant)]
            literals += [
                e.value
                for s in sides
                if isinstance(s, ast.Tuple | ast.List | ast.Set)
                for e in s.elts
                if isinstance(e, ast.Constant)
            ]
            if any(isinstance(v, str) and v in VALUES for v in literals):
                found.append(node.lineno)
    return found


def test_the_literal_finder_finds_a_planted_comparison():
    planted = 'if check.verdict == "failed" or r.verdict in ("pass", "skipped"): pass'
    assert verdict_literal_comparisons(ast.parse(planted)) == [1, 1]
    assert verdict_literal_comparisons(ast.parse("if v == Verdict.FAILED: pass")) == []


@pytest.mark.parametrize(
    "path",
    sorted(p for package in ("derivations", "bce_check") for p in (ROOT / package).rglob("*.py")),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_the_source_compares_verdicts_with_their_own_enum(path):
    lines = verdict_literal_comparisons(ast.parse(path.read_text(encoding="utf-8")))
    assert not lines, f"{path.relative_to(ROOT)}:{lines}: compare with the concept's enum"
