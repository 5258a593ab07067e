"""Every render format of a checked derivation, and the JSON contract of `prove`."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import pytest

import derivations
from bce_check import render
from bce_check.render import _formats
from derivations import BceCheckError


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
    derivation = catalogue[name]
    out = render.to_latex(derivation)
    blocks = 1 + bool(derivation.facts)  # the steps, then the facts
    assert out.count(r"\begin{align*}") == blocks == out.count(r"\end{align*}")
    assert out.count(r"\tag{") == len(derivation.steps)
    assert out.count(r"\tag*{fact ") == len(derivation.facts)
    # Titles, rules and notes are full of σ, −, ·, ᵀ, ≥: escaped, the output is plain ASCII.
    assert out.isascii(), sorted({c for c in out if not c.isascii()})


def _with_rule(derivation, rule: str):
    steps = (*derivation.steps[:-1], replace(derivation.steps[-1], rule=rule))
    return replace(derivation, steps=steps, title="50% of x_1 & {σ}")


def test_latex_escapes_every_special_character_of_prose(catalogue):
    d1 = catalogue["sigmoid_derivative"]
    out = render.to_latex(d1)
    assert r"\text{multiply by e\textasciicircum{}z/e\textasciicircum{}z}" in out
    planted = render.to_latex(_with_rule(d1, "a_1 # b ~ c $ d \\ e"))
    expected = r"a\_1 \# b \textasciitilde{} c \$ d \textbackslash{} e"
    assert rf"\text{{{expected}}}" in planted
    assert r"\subsection*{\texttt{sigmoid\_derivative}: 50\% of x\_1 \& \{$\sigma$\}}" in planted


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex"])
def test_every_format_shows_facts_diff_check_and_notes(catalogue, fmt):
    derivation = catalogue["batch_hessian"]  # has facts, notes and a sympy.diff check
    out = render.render([derivation], fmt, as_list=False)
    v = render.view(derivation)
    assert v.facts and v.notes
    facts = {"text": "facts:", "markdown": "*Facts:*", "latex": "Facts:"}[fmt]
    assert facts in out
    assert "agrees with sympy.diff of the definition".lower() in out.lower()
    for note in v.notes:  # each note, in the format's own escaping
        shown = _formats._tex_text(note) if fmt == "latex" else note
        assert shown in out
    for row in v.facts:
        equation = " = ".join(
            (render.tex if fmt != "text" else render.text)(e) for e in row.equation
        )
        assert equation.split(" = ")[-1] in out


def test_view_rows_carry_the_method_and_continuation(catalogue):
    d1 = catalogue["sigmoid_derivative"]
    v = render.view(d1)
    assert [r.index for r in v.steps] == [r.index for r in d1.proof.steps]
    assert [r.method for r in v.steps] == [r.method for r in d1.proof.steps]
    assert v.steps[0].method == "as written" and v.steps[1].method == "cancel"
    assert not v.steps[0].continued
    assert v.closed_forms[0].rhs == d1.closed_forms[0].rhs and v.matches_sympy_diff
    assert v.verdict == d1.proof.verdict == "proved"


def test_json_contract(catalogue):
    out = json.loads(render.render(list(catalogue.values()), "json", as_list=True))
    assert [d["name"] for d in out] == derivations.names()
    for entry in out:
        assert set(entry) == {
            "name",
            "title",
            "source",
            "steps",
            "facts",
            "closed_form",
            "matches_sympy_diff",
            "notes",
            "verdict",
        }
        assert set(entry["closed_form"]) == {"text", "latex"}
        derivation = catalogue[entry["name"]]
        for index, step in enumerate(entry["steps"], start=1):
            assert set(step) == {"index", "rule", "text", "latex", "verdict", "method"}
            assert step["index"] == index and step["verdict"] == "proved"
            assert " = " in step["text"] and step["rule"]
            assert step["method"] == derivation.proof.steps[index - 1].method
        assert [f["rule"] for f in entry["facts"]] == [f.rule for f in derivation.facts]
        assert [f["index"] for f in entry["facts"]] == list(range(1, len(derivation.facts) + 1))
        assert entry["notes"] == list(derivation.notes)
        assert entry["matches_sympy_diff"] is True and entry["verdict"] == "proved"
    single = json.loads(render.render([catalogue["bce_logit_gradient"]], "json", as_list=False))
    assert single["closed_form"]["text"] == "L'(u) = σ(u) - p"
    assert any(entry["facts"] for entry in out) and any(entry["notes"] for entry in out)


def test_unknown_format_is_a_clear_error(catalogue):
    with pytest.raises(BceCheckError, match="unknown format 'html'; allowed: text, markdown"):
        render.render([catalogue["sigmoid_derivative"]], "html", as_list=False)


def _python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_importing_bce_check_touches_neither_ipython_nor_jax():
    code = (
        "import sys, bce_check\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('IPython', 'jax')))\n"
    )
    assert _python(code) == "[]"


def test_importing_bce_check_inside_ipython_registers_no_formatter():
    code = (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "import bce_check, derivations\n"
        "shown, _ = shell.display_formatter.format(derivations.get('sigmoid_derivative'))\n"
        "print(sorted(shown))\n"
    )
    assert _python(code) == "['text/plain']"


def test_load_ext_lets_a_derivation_display_as_markdown():
    code = (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "shell.run_line_magic('load_ext', 'bce_check')\n"
        "import derivations\n"
        "from bce_check import render\n"
        "d = derivations.get('sigmoid_derivative')\n"
        "shown, _ = shell.display_formatter.format(d)\n"
        "print(shown['text/markdown'] == render.to_markdown(d))\n"
    )
    assert _python(code) == "True"
