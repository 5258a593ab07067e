"""certify of a vector derivation: one Coq lemma per component at K = 3, y on the simplex
as its hypotheses; a wrong vector file is never certified."""

from __future__ import annotations

import io
import json
import shutil
from contextlib import redirect_stdout

import pytest

from bce_check.cli import main

needs_coq = pytest.mark.skipif(shutil.which("coqc") is None, reason="coqc not found on PATH")
CE = ["--expr", "-yᵀ·log(softmax(z))", "--wrt", "z", "--where", "z in R^K",
      "--where", "y in simplex(K)"]  # fmt: skip
WRONG = """name: softmax_ce
where: z in R^K
where: y in simplex(K)
L(z) = -yᵀ·log(softmax(z))       [definition]
∇L(z) = softmax(z) - 2·y         [vector rules]
"""


def _certify(arguments, directory) -> tuple[int, dict]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["certify", *arguments, "-o", str(directory), "--json"])
    return code, json.loads(out.getvalue())


@needs_coq
def test_softmax_ce_is_certified_per_component_at_k_3(tmp_path):
    code, report = _certify(CE, tmp_path)
    assert code == 0 and report["outcome"] == "certified"
    (certificate,) = report["certificates"]
    names = [lemma["name"] for lemma in certificate["lemmas"]]
    assert names == ["derived_z_0_0", "derived_z_1_0", "derived_z_2_0", "derived_closed_form"]
    assert all(lemma["verdict"] == "certified" for lemma in certificate["lemmas"])
    text = (tmp_path / "derived.v").read_text(encoding="utf-8")
    # y ∈ simplex(3) as y_0, y_1 ≥ 0, y_0 + y_1 ≤ 1 (y_2 = 1 − y_0 − y_1 written in)
    assert "0 <= y_0_0 -> 0 <= y_1_0 -> y_0_0 + y_1_0 <= 1" in text
    assert "exp z_0_0 + exp z_1_0 + exp z_2_0" in text


@needs_coq
def test_a_wrong_vector_file_is_not_certified(tmp_path):
    path = tmp_path / "wrong.deriv"
    path.write_text(WRONG, encoding="utf-8")
    code, report = _certify(["--file", str(path)], tmp_path)
    assert code != 0 and report["outcome"] != "certified"
