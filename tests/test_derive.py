"""derive(text, wrt, where): a user's loss becomes a checked Derivation, emitted and verified."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sympy import FiniteSet, Interval, S, Symbol, exp

from bce_check.cli import main
from bce_check.emit import emit
from bce_check.printing.notation import text
from bce_check.verify._user import verify_derivation
from derivations import DomainError, ExpressionError, derive
from derivations.errors import LimitExceeded
from derivations.functions import sigmoid
from derivations.text import domains_from
from derivations.user import Limits

FOCAL = "-p·(1 - σ(u))^γ·log(σ(u)) - (1 - p)·σ(u)^γ·log(1 - σ(u))"
FOCAL_WHERE = ("p in [0, 1]", "γ >= 0")
EXP_FORM_BCE = "-p·log(1/(1 + e^(-u))) - (1 - p)·log(e^(-u)/(1 + e^(-u)))"
# The README's four examples: (expression, where)
EXAMPLES = {
    "focal": (FOCAL, FOCAL_WHERE),
    "label_smoothing": (
        "-((1 - ε)·y + ε/2)·log(σ(u)) - (1 - (1 - ε)·y - ε/2)·log(1 - σ(u))",
        ("y in [0, 1]", "ε in [0, 1]"),
    ),
    "pos_weight": ("-w·p·log(σ(u)) - (1 - p)·log(1 - σ(u))", ("p in [0, 1]", "w > 0")),
    "poisson": ("e^u - y·u", ("y >= 0",)),
}


# Parses at once, then SymPy expands a sum of 6 symbols to the 30th power (324,632 terms)
COSTLY = "(u + a + b + c + d + f)^30"


@pytest.fixture(scope="module")
def focal():
    return derive(FOCAL, wrt="u", where=FOCAL_WHERE, name="focal", limits=None)


def test_where_constraints_read_as_sets():
    assert domains_from(["p in [0, 1]", "α in (0, 1)", "γ >= 0", "w > 0", "c real"]) == {
        "p": Interval(0, 1),
        "α": Interval.open(0, 1),
        "γ": Interval(0, S.Infinity),
        "w": Interval.open(0, S.Infinity),
        "c": S.Reals,
    }
    assert domains_from(["y in {0, 1}"]) == {"y": FiniteSet(0, 1)}
    assert domains_from(["γ >= 0", "γ <= 5"]) == {"γ": Interval(0, 5)}


@pytest.mark.parametrize("bad", ["p is big", "p in [1, 0]", "p in [0, q]", "p >= __import__"])
def test_bad_constraints_are_domain_or_expression_errors(bad):
    with pytest.raises((DomainError, ExpressionError)):
        domains_from([bad])


def test_focal_loss_is_proved_step_by_step(focal):
    proof = focal.proof
    assert proof.verdict == "proved"
    rules = [r.step.rule for r in proof.steps]
    assert rules[0] == "definition" and rules[1].startswith("stable form")
    assert "product rule" in rules[2] and "chain rule" in rules[2]
    assert proof.sympy_diff.verdict == "proved"
    assert [s.name for s in focal.arguments] == ["u", "p", "γ"]


def test_exp_form_input_ends_in_sigma_minus_p_with_no_exp_left():
    derivation = derive(EXP_FORM_BCE, wrt="u", where=["p in [0, 1]"], limits=None)
    assert derivation.proof.verdict == "proved"
    assert text(derivation.closed_forms[0].rhs) == "σ(u) - p"
    assert not derivation.closed_forms[0].rhs.has(exp)
    assert any(r.rule.startswith("recognise σ") for r in derivation.steps)


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_examples_are_proved_and_emitted_finite_at_large_logits(name):
    expression, where = EXAMPLES[name]
    derivation = derive(expression, wrt="u", where=where, name=name, limits=None)
    assert derivation.proof.verdict == "proved"
    for dtype in (np.float64, np.float32):
        # Poisson: exp(u) overflows past log(max float): check where it is finite
        top = float(np.log(np.finfo(dtype).max)) - 1 if name == "poisson" else 1e4
        u = np.array([-top, -50.0, 0.0, 50.0, top], dtype)
        values = {s.name: dtype(0.3) for s in derivation.arguments if s.name != "u"}
        code = emit(derivation, "numpy")
        for function in (code.function, code.definition):
            result = function(u=u, **values)
            assert np.all(np.isfinite(result)), (name, dtype, function, result)


def test_focal_jax_code_is_finite_at_large_logits(focal):
    import jax.numpy as jnp

    from bce_check.check import enable_x64

    enable_x64()
    code = emit(focal, "jax")
    for dtype in (jnp.float64, jnp.float32):
        u = jnp.array([-1e4, -50.0, 0.0, 50.0, 1e4], dtype)
        for function in (code.function, code.definition):
            result = function(u=u, p=dtype(0.25), γ=dtype(2.0))
            assert bool(jnp.all(jnp.isfinite(result))), (dtype, function, result)


def test_focal_closed_form_is_verified_at_small_samples(focal):
    report = verify_derivation(focal, samples=4_000, seed=1)
    assert report.ok, str(report)


def test_a_wrong_closed_form_fails_verification(focal):
    from dataclasses import replace

    wrong = replace(
        focal.closed_forms[0], rhs=focal.closed_forms[0].rhs + sigmoid(Symbol("u", real=True)) / 100
    )
    report = verify_derivation(replace(focal, closed_forms=(wrong,)), samples=2_000)
    assert not report.ok


@pytest.mark.parametrize(
    ("text_", "wrt", "error"),
    [
        ("u^2 + p", "x", DomainError),  # wrt not in the expression
        ("u·numpy", "u", ExpressionError),  # a name the emitted module uses
        ("u·_secret", "u", ExpressionError),
        ("u +", "u", ExpressionError),
        ("__import__('os')", "u", ExpressionError),
    ],
)
def test_bad_input_is_a_project_error(text_, wrt, error):
    with pytest.raises(error):
        derive(text_, wrt=wrt, limits=None)


def test_the_variable_cannot_be_restricted():
    with pytest.raises(DomainError, match="the variable u is real"):
        derive("u^2", wrt="u", where=["u >= 0"], limits=None)


def test_costly_work_stops_at_the_time_limit():
    nested = COSTLY
    with pytest.raises(LimitExceeded, match="--time-limit"):
        derive(nested, wrt="u", limits=Limits(seconds=1))


def test_cli_json_has_the_prove_schema(capsys):
    assert main(["derive", EXP_FORM_BCE, "--wrt", "u", "--where", "p in [0, 1]",
                 "--format", "json"]) == 0  # fmt: skip
    derived = json.loads(capsys.readouterr().out)
    assert main(["prove", "bce_logit_gradient", "--format", "json"]) == 0
    catalogue = json.loads(capsys.readouterr().out)
    assert derived.keys() == catalogue.keys()
    assert derived["steps"][0].keys() == catalogue["steps"][0].keys()
    assert derived["closed_form"]["text"] == "L'(u) = σ(u) - p"


def test_cli_emit_writes_a_module_callable_by_keyword(tmp_path, capsys):
    out = tmp_path / "focal.py"
    args = ["derive", FOCAL, "--wrt", "u", "--name", "focal", "--emit", "numpy", "-o", str(out)]
    assert main([*args, "--where", FOCAL_WHERE[0], "--where", FOCAL_WHERE[1]]) == 0
    namespace: dict = {}
    exec(compile(out.read_text(), str(out), "exec"), namespace)  # the module we just wrote
    assert np.isfinite(namespace["focal"](u=1e4, p=0.5, γ=2.0))
    assert np.isfinite(namespace["focal_definition"](u=-1e4, p=0.5, γ=2.0))


def test_cli_past_the_limit_exits_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "never.py"
    nested = COSTLY
    code = main(["derive", nested, "--wrt", "u", "--emit", "numpy", "-o", str(out),
                 "--time-limit", "1"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert err.count("\n") == 1 and "time limit" in err and "Traceback" not in err


def test_cli_verify_exits_0_on_a_proved_loss(capsys):
    args = ["derive", "e^u - y·u", "--wrt", "u", "--where", "y >= 0", "--verify"]
    assert main([*args, "--samples", "2000"]) == 0
    assert "verdict: pass" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("description", "lo", "hi", "exact"),
    [
        (("interval", 0.0, 1.0, False, False), 0.0, 1.0, (0.0, 1.0)),  # ends drawn exactly
        (("interval", 0.0, 1.0, True, True), 0.0, 1.0, ()),  # never the open ends
        (("interval", 0.0, float("inf"), False, True), 0.0, 11.0, (0.0,)),  # γ >= 0: ≤ 10 past 0
        (("interval", float("-inf"), 2.0, True, False), -9.0, 2.0, (2.0,)),
        (("set", (-1.0, 1.0)), -1.0, 1.0, (-1.0, 1.0)),
    ],
)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_where_samplers_stay_in_their_domain_and_reach_its_ends(description, lo, hi, exact, dtype):
    from bce_check.check import enable_x64
    from bce_check.domains import sampler

    enable_x64()
    values = np.asarray(sampler(description).draw(0, 0, 0, 4_000, dtype))
    left_open, right_open = description[3:5] if description[0] == "interval" else (False, False)
    assert values.min() >= lo and values.max() <= hi
    assert not (left_open and np.any(values == lo)) and not (right_open and np.any(values == hi))
    for end in exact:  # 4,000 draws, each end with weight ≥ 0.05: missing one is ~e^-200
        assert np.any(values == end), end


def test_cli_reads_a_leading_minus_as_maths_and_keeps_help(capsys):
    assert main(["derive", "--help"]) == 0
    assert "--wrt" in capsys.readouterr().out
    # '-p·…log…' holds the letters of -p and -o: it must not be read as options
    assert main(["derive", "-p·log(σ(u)) - (1 - p)·log(1 - σ(u))", "--wrt", "u"]) == 0
    assert "σ(u) - p" in capsys.readouterr().out


# Losses real users write beyond the four examples (docs/your-own-loss.md, "Losses tried"):
# each case below found a bug (a traceback, a wrong verification, a misleading rule).


@pytest.mark.parametrize("loss", ["u·sign(u)", "sign(u - y)·u^2"])
def test_a_sign_of_the_variable_is_refused_naming_it(loss):
    # d/du sign(u) is 2·δ(u): once a NameError from the numeric witness (a traceback)
    with pytest.raises(ExpressionError, match=r"derivative of sign\(u.*Dirac delta"):
        derive(loss, wrt="u", limits=None)


def test_cli_sign_over_the_variable_exits_2_with_one_line(tmp_path, capsys):
    out = tmp_path / "f.py"
    assert main(["derive", "2·γ/sign(u)", "--wrt", "u", "--emit", "numpy", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not finite at u = 0" in err and not out.exists()


def test_the_numeric_witness_names_a_function_it_cannot_evaluate():
    from sympy import DiracDelta, Function, sign

    from derivations.proof._numeric import numeric_agreement

    u = Symbol("u", real=True)
    for side, name in [(2 * u * DiracDelta(u), "DiracDelta"), (Function("g")(u), "g")]:
        check = numeric_agreement(side + sign(u), sign(u), {u: S.Reals}, seed=0)
        assert check.verdict == "inconclusive" and name in check.method


@pytest.mark.parametrize(
    ("loss", "where", "what"),
    [
        ("log(u)", (), r"not real at u = -.*\(log\(u\) is not real there\)"),  # was "proved"
        ("sqrt(u)", (), "not real"),
        ("log(100 - u^2)", (), "not real at u = -12"),  # fine on [-8, 8], NaN past |u| = 10
        ("1/u", (), r"not finite at u = 0 \(1/u is"),  # the harness samples u = 0 exactly
        ("-p·log(q)", ("p in [0, 1]",), "not real"),  # BCE on a probability q ∈ ℝ
        ("u^2 - p·log(p)", ("p in [0, 1]",), "not finite at p = 0"),  # 0·log 0: a closed end
    ],
)
def test_a_loss_not_real_or_finite_on_its_domain_is_refused(loss, where, what):
    wrt = "q" if "log(q)" in loss else "u"
    with pytest.raises(ExpressionError, match=what):
        derive(loss, wrt=wrt, where=where, limits=None)


def test_an_open_end_is_not_sampled_for_realness():
    derivation = derive("u^2 - p·log(p)", wrt="u", where=["p in (0, 1]"], limits=None)
    assert derivation.proof.verdict == "proved"


def test_sigma_minus_one_is_written_as_minus_sigma_of_minus_u():
    # generalised cross-entropy: σ(u)^q·(σ(u) − 1) rounds to 0 past u ≈ 37 and failed --verify
    derivation = derive("(1 - σ(u)^q)/q", wrt="u", where=["q in (0, 1]"], limits=None)
    assert derivation.proof.verdict == "proved"
    assert text(derivation.closed_forms[0].rhs) == "-σ(u)^q·σ(-u)"


@pytest.mark.parametrize(
    ("loss", "where"),
    [
        ("(σ(u) - y)^2", ("y in [0, 1]",)),  # scale was |2·(1 − y)·…| = 0 at y = 1: 0/0
        ("σ(u)·log(σ(u)) + (1 - σ(u))·log(1 - σ(u))", ()),  # autodiff's logs cancel at u = 0
        ("log(1 + e^u)", ()),  # the chain rule's e^u·(1 + e^u)^−1 overflows: inf·0 scale
    ],
)
def test_closed_forms_once_failing_verify_on_their_scale_pass(loss, where):
    derivation = derive(loss, wrt="u", where=where, limits=None)
    assert verify_derivation(derivation, samples=4_000, seed=0).ok


def test_hyperbolic_rules_are_named_and_sinh_over_cosh_is_tanh():
    derivation = derive("log(cosh(u - y))", wrt="u", limits=None)
    assert "cosh'(x) = sinh(x)" in derivation.steps[1].rule
    assert text(derivation.closed_forms[0].rhs) == "tanh(u - y)"
    tanh_ = derive("tanh(u)", wrt="u", limits=None)  # was "constant", then a reorder step
    assert [s.rule for s in tanh_.steps][1:] == ["differentiate: tanh'(x) = 1 − tanh(x)²"]
    assert text(tanh_.closed_forms[0].rhs) == "1 - tanh(u)^2"


def test_abs_is_derived_almost_everywhere_with_a_note():
    derivation = derive("abs(u - y)", wrt="u", limits=None)
    assert derivation.proof.verdict == "proved"
    assert text(derivation.closed_forms[0].rhs) == "sign(u - y)"
    assert any("no derivative where u - y = 0" in n for n in derivation.notes)


def test_a_loss_that_evaluates_free_of_the_variable_says_so():
    with pytest.raises(DomainError, match="does not depend on u: it reads as 0"):
        derive("u - u", wrt="u", limits=None)
    with pytest.raises(DomainError, match="is not a symbol of the expression; its symbols: p"):
        derive("softplus(p)", wrt="u", limits=None)


@pytest.mark.parametrize("where", ["p >= e", "p in [σ(1), 1]", "p in {1/3, pi}"])
def test_constants_as_bounds_or_members_are_proved(where):
    # e, π, σ(1) reached mpmath.mpf as SymPy objects: TypeError tracebacks
    derivation = derive("softplus(u) - p·u", wrt="u", where=[where], limits=None)
    assert derivation.proof.verdict == "proved"


def test_a_one_value_set_is_sampled(capsys):
    # a Sampler of one component had no choice to select: ValueError in the harness
    args = ["derive", "softplus(u) - p·u", "--wrt", "u", "--where", "p in {0.5}"]
    assert main([*args, "--verify", "--samples", "500"]) == 0
    assert "verdict: pass" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("loss", "noted"),
    [("abs(u - y)", True), ("abs(u)^1.5", False), ("u·abs(u)", False), ("abs(u)·σ(u)", True)],
)
def test_the_kink_note_is_kept_only_where_the_derivative_jumps(loss, noted):
    # |u|^1.5 is differentiable at 0: its note was too cautious
    assert bool(derive(loss, wrt="u", limits=None).notes) == noted


# eight parameters: the worst inputs' row is wider than 120 columns unless cut; |u − b| a note
# (b in [1, 2]: the sampler draws u = 0 and b = 0 exactly, where jax.grad's |x|'(0) = 1)
MANY = "a·abs(u - b) + c·d·f·g·h·k·u^2"
MANY_WHERE = [f"--where={s} in [{int(s == 'b')}, {1 + (s == 'b')}]" for s in "abcdfghk"]


def _table(out: str) -> list[str]:
    lines = out.splitlines()
    return lines[next(i for i, line in enumerate(lines) if line.lstrip().startswith("reference")):]


def test_cli_verify_table_fits_120_columns_and_wide_prints_it_all(capsys):
    args = ["derive", MANY, "--wrt", "u", *MANY_WHERE, "--verify", "--samples", "500"]
    assert main(args) == 0
    narrow = _table(capsys.readouterr().out)
    assert max(len(line) for line in narrow) <= 120
    assert any(line.startswith("note: derived: |b - u| has no derivative") for line in narrow)
    assert main([*args, "--wide"]) == 0
    wide = _table(capsys.readouterr().out)
    row = next(line for line in wide if line.lstrip().startswith("jax.grad"))
    assert all(f"{s}=" in row for s in "uabcdfghk") and "…" not in row and len(row) > 120
    note = next(line for line in wide if line.startswith("note: derived:"))
    assert note.endswith("and 0 at b - u = 0")  # one line, unwrapped


def test_cli_json_verify_puts_the_report_under_verify(capsys):
    args = ["derive", "e^u - y·u", "--wrt", "u", "--where", "y >= 0", "--format", "json"]
    assert main([*args, "--verify", "--samples", "2000"]) == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert out["closed_form"]["text"] == "L'(u) = e^u - y" and out["verdict"] == "proved"
    assert out["verify"]["verdict"] == "pass"
    assert {r["reference"] for r in out["verify"]["results"]} >= {"jax.grad", "complex-step"}
    assert "verdict: pass" not in captured.err  # the report is in the JSON, not beside it
    assert main(args) == 0
    assert "verify" not in json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("name", ["focal", "pos_weight"])
def test_cli_derive_deriv_is_checked_with_the_same_verdict(name, tmp_path, capsys):
    loss, where = EXAMPLES[name]
    args = ["derive", loss, "--wrt", "u", *(f"--where={w}" for w in where)]
    assert main([*args, "--format", "json"]) == 0
    derived = json.loads(capsys.readouterr().out)
    assert main([*args, "--format", "deriv"]) == 0
    path = tmp_path / f"{name}.deriv"
    path.write_text(capsys.readouterr().out)
    assert main(["check", str(path), "--format", "json"]) == 0
    checked = json.loads(capsys.readouterr().out)
    assert checked["verdict"] == derived["verdict"] == "proved"
    assert [s["verdict"] for s in checked["steps"]] == [s["verdict"] for s in derived["steps"]]
    assert main(["check", str(path)]) == main(args) == 0  # the same exit code as text


POLY_1 = "-p·log(σ(u)) - (1 - p)·log(1 - σ(u)) + ε·(1 - (p·σ(u) + (1 - p)·σ(-u)))"


def test_poly_1_collects_in_sigma_u_sigma_minus_u():
    derivation = derive(POLY_1, "u", ["p in [0, 1]", "ε >= 0"], limits=None)
    last = derivation.steps[-1]
    assert last.rule == "collect in σ(u)σ(−u)"
    assert text(last.expr) == "σ(u) - ε·(-1 + 2·p)·σ(u)·σ(-u) - p"
    assert derivation.proof.verdict == "proved"


def test_the_asymmetric_loss_writes_sigma_of_minus_u():
    derivation = derive("-σ(u)^4·log(1 - σ(u))", "u", limits=None)
    assert [s.rule for s in derivation.steps][-1] == "collect in σ(u)σ(−u)"
    assert text(derivation.closed_forms[0].rhs) == "σ(u)^5 + 4·σ(u)^4·σ(-u)·softplus(u)"
    assert text(derivation.steps[-2].expr) == "σ(u)^5 + σ(u)^4·(4 - 4·σ(u))·softplus(u)"
    assert derivation.proof.verdict == "proved"
