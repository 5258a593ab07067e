"""Every render format of a checked derivation, and the JSON contract of `prove`."""

from __future__ import annotations

import json

import pytest

import derivations
from bce_check import render


@pytest.mark.parametrize("name", derivations.names())
def test_text_numbers_every_step_with_rule_and_mark(catalogue, name):
    derivation = catalogue[name]
    out = render.to_text(derivation)
    for result in derivation.proof.steps:
        line = next(line for line in out.splitlines() if line.startswith(f"{result.index:>3} "))
        assert "✓" in line and f"[{result.step.rule}]" in line
    assert out.rstrip().splitlines()[-2].strip() == "verdict: proved"


def test_textbook_forms_are_printed_as_written(catalogue):
    d1, d2 = catalogue["sigmoid_derivative"], catalogue["bce_logit_gradient"]
    assert render.text(d1.closed_form.rhs) == "σ(z)·(1 - σ(z))"
    assert render.text(d2.closed_form.rhs) == "σ(u) - p"
    assert render.text(d1.closed_form.lhs) == "σ'(z)"
    assert render.tex(d2.closed_form.rhs) == r"\sigma\left(u\right) - p"


@pytest.mark.parametrize("name", derivations.names())
def test_markdown_lists_steps_in_math(catalogue, name):
    derivation = catalogue[name]
    out = render.to_markdown(derivation)
    assert out.startswith(f"### `{name}`")
    for result in derivation.proof.steps:
        assert f"\n{result.index}. ✓ $" in out
    assert "**Closed form:**" in out


@pytest.mark.parametrize("name", derivations.names())
def test_latex_is_an_align_block_with_a_tag_per_step(catalogue, name):
    out = render.to_latex(catalogue[name])
    assert out.count(r"\begin{align*}") == 1 and out.count(r"\end{align*}") == 1
    assert out.count(r"\tag{") == len(catalogue[name].steps)
    assert "^z" not in out.split(r"\text{")[-1]  # rules are escaped for text mode


def test_json_contract(catalogue):
    out = json.loads(render.render(list(catalogue.values()), "json", as_list=True))
    assert [d["name"] for d in out] == derivations.names()
    for entry in out:
        assert set(entry) == {
            "name",
            "title",
            "source",
            "steps",
            "closed_form",
            "matches_sympy_diff",
            "verdict",
        }
        assert set(entry["closed_form"]) == {"text", "latex"}
        for index, step in enumerate(entry["steps"], start=1):
            assert set(step) == {"index", "rule", "text", "latex", "verdict"}
            assert step["index"] == index and step["verdict"] == "proved"
            assert " = " in step["text"] and step["rule"]
        assert entry["matches_sympy_diff"] is True and entry["verdict"] == "proved"
    single = json.loads(render.render([catalogue["bce_logit_gradient"]], "json", as_list=False))
    assert single["closed_form"]["text"] == "L'(u) = σ(u) - p"
