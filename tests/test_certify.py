"""`bce-check certify`: the SymPy-to-Coq printer read back, and coqc's verdicts.

The translation is the weak link of a certificate (coqc judges the Coq text, not the
SymPy expression), so every generated statement is read back from the file with a
reader of the printer's grammar (written here, independently of the printer), evaluated
with mpmath under Coq's meaning of each symbol, and compared with the SymPy expression
it came from at random points of the domain.  The tests that run coqc are skipped,
with the reason, where Coq is not installed (CI installs it: .ci/run).
"""

from __future__ import annotations

import io
import json
import random
import re
import shutil
from contextlib import redirect_stdout
from pathlib import Path

import mpmath
import pytest
from sympy import Abs, Add, FiniteSet, Float, Interval, Rational, S, Symbol, exp, lambdify, log, pi

import derivations
from bce_check import certify as cert
from bce_check._coq import STRATEGIES, coq
from bce_check._coq_statements import closed_form_statements, step_statements
from bce_check.cli import main
from derivations.errors import ExpressionError
from derivations.functions import sigmoid, to_exp_form

NO_COQ = shutil.which("coqc") is None
needs_coq = pytest.mark.skipif(
    NO_COQ,
    reason=f"coqc not found on PATH; install Coq and Coquelicot: apt-get install {cert.PACKAGES}",
)
SCALARS = ["sigmoid_derivative", "bce_logit_gradient", "bce_second_derivative"]
SUPPORTED = [
    n for n in derivations.names() if n not in ("l1_regularised_gradient", "elastic_net_gradient")
]
# 50 digits; reals drawn from [−2, 2], so |Xθ| ≤ 12 and 1 − σ loses at most 6 digits to
# cancellation: both sides agree to ~44 digits, and 1e-30 leaves a wide margin (mpmath.diff,
# for Derive, works at extra precision and is as accurate).
DPS, TOLERANCE, REAL_RANGE, POINTS = 50, mpmath.mpf(10) ** -30, 2.0, 4

TOKEN = re.compile(r"\s*(?:(\d+)|([^\W\d]\w*)|(=>|<=|->|\\/|[-+*/^()=<,:]))")


def _ln(x):  # Coq's ln is 0 at 0 and below
    return mpmath.log(x) if x > 0 else mpmath.mpf(0)


FUNCTIONS = {
    "exp": mpmath.exp,
    "ln": _ln,
    "σ": lambda x: 1 / (1 + mpmath.exp(-x)),
    "softplus": lambda x: _ln(1 + mpmath.exp(x)),
    "Rpower": lambda a, y: mpmath.exp(y * _ln(a)),
}


class Reader:
    """Coq text of CoqPrinter's grammar → a function of an environment {name: mpf}."""

    def __init__(self, text: str) -> None:
        self.tokens, end = [], 0
        for m in TOKEN.finditer(text):
            assert m.start() == end, f"cannot read {text[end : end + 20]!r}"
            self.tokens.append(next(g for g in m.groups() if g is not None))
            end = m.end()
        assert text[end:].strip() == "", f"cannot read {text[end:]!r}"
        self.i = 0

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.tokens[self.i]
        assert expected is None or token == expected, f"expected {expected}, read {token}"
        self.i += 1
        return token

    def sum(self):  # level 50: + and -, left associative
        value = self.product()
        while self.peek() in ("+", "-"):
            op, right, left = self.take(), self.product(), value
            value = (
                (lambda e, a=left, b=right: a(e) + b(e))
                if op == "+"
                else (lambda e, a=left, b=right: a(e) - b(e))
            )
        return value

    def product(self):  # level 40: * and /, left associative
        value = self.negation()
        while self.peek() in ("*", "/"):
            op, right, left = self.take(), self.negation(), value
            value = (
                (lambda e, a=left, b=right: a(e) * b(e))
                if op == "*"
                else (lambda e, a=left, b=right: a(e) / b(e))
            )
        return value

    def negation(self):  # level 35: - x, its operand read at level 35
        if self.peek() == "-":
            self.take()
            operand = self.negation()
            return lambda e: -operand(e)
        return self.power()

    def power(self):  # level 30: x ^ n, n a natural
        base = self.application()
        if self.peek() == "^":
            self.take()
            n = int(self.take())
            return lambda e: base(e) ** n
        return base

    def application(self):
        head = self.peek()
        if head in FUNCTIONS:
            self.take()
            args = [self.atom() for _ in range(2 if head == "Rpower" else 1)]
            return lambda e: FUNCTIONS[head](*(a(e) for a in args))
        if head == "Derive":  # Derive (fun v => f) x: f'(x), numerically
            self.take()
            (v, body), at = self.function(), self.atom()
            return lambda e: mpmath.diff(lambda t: body({**e, v: t}), at(e))
        return self.atom()

    def function(self):
        self.take("(")
        self.take("fun")
        v = self.take()
        self.take("=>")
        body = self.sum()
        self.take(")")
        return v, body

    def atom(self):
        token = self.take()
        if token == "(":
            value = self.sum()
            self.take(")")
            return value
        if token.isdigit():
            number = mpmath.mpf(int(token))
            return lambda e: number
        return lambda e, name=token: e[name]


def _read_proposition(text: str):
    """(hypotheses, conclusion): each hypothesis a predicate, the conclusion (left, right) as
    functions of an environment (for is_derive: the function and the derivative)."""
    text = re.sub(r"forall [\w ]+ : R, ", "", text)
    *hypotheses, conclusion = [part.strip() for part in text.split(" -> ")]
    derive = re.fullmatch(r"is_derive(?:_n)? \(fun (\w+) => (.*)\)( 2)? \1 \((.*)\)", conclusion)
    if derive:
        left, right = derive.group(2), derive.group(4)
    else:
        left, right = conclusion.split(" = ")
    return [_predicate(h) for h in hypotheses], (_term(left), _term(right))


def _term(text: str):
    reader = Reader(text)
    value = reader.sum()
    assert reader.peek() is None, f"unread: {reader.tokens[reader.i :]}"
    return value


def _predicate(text: str):
    """A hypothesis: chained comparisons, or alternatives joined by \\/."""
    alternatives = []
    for alternative in text.split(" \\/ "):
        parts = re.split(r" (<=|<|=) ", alternative)
        terms, ops = [_term(t) for t in parts[::2]], parts[1::2]
        alternatives.append((terms, ops))
    compare = {"<=": lambda a, b: a <= b, "<": lambda a, b: a < b, "=": lambda a, b: a == b}

    def holds(e) -> bool:
        return any(
            all(compare[op](a(e), b(e)) for a, op, b in zip(terms, ops, terms[1:], strict=False))
            for terms, ops in alternatives
        )

    return holds


def _point(statement, rng: random.Random) -> dict:
    """Random values of the statement's symbols, in their domains (the simplex jointly)."""
    values = {}
    for key, domain in statement.domains.items():
        if isinstance(key, tuple):
            values.update(zip(key, domain.sample(rng), strict=True))
        elif domain == S.Reals:
            values[key] = rng.uniform(-REAL_RANGE, REAL_RANGE)
        elif isinstance(domain, Interval):
            values[key] = rng.uniform(float(domain.start), min(float(domain.end), REAL_RANGE))
        elif isinstance(domain, FiniteSet):
            values[key] = float(rng.choice(sorted(domain)))
    return {s: mpmath.mpf(values[s]) for s in statement.symbols}


def _statements(name: str):
    derivation = derivations.get(name)
    statements = step_statements(derivation) + closed_form_statements(derivation)
    source = cert.text(derivation, cert.blocks(derivation))[0]
    return statements, source


@pytest.mark.parametrize("name", SUPPORTED)
def test_every_statement_read_back_from_the_file_equals_its_sympy_sides(name):
    statements, source = _statements(name)
    rng = random.Random(name)
    for statement in statements:
        found = re.search(rf"(?:Lemma|Theorem) {statement.name} :\n  (.*)\.\n", source)
        assert found, f"{statement.name} is not in the file"
        hypotheses, (left, right) = _read_proposition(found.group(1))
        sympy_sides = [
            lambdify(statement.symbols, to_exp_form(side).doit(), "mpmath")
            for side in (statement.left, statement.right)
        ]
        with mpmath.workdps(DPS):
            for _ in range(POINTS):
                point = _point(statement, rng)
                env = {str(coq(s)): v for s, v in point.items()}
                assert all(h(env) for h in hypotheses), f"{statement.name}: hypothesis false"
                for coq_side, sympy_side in zip((left, right), sympy_sides, strict=True):
                    a, b = coq_side(env), sympy_side(*point.values())
                    assert abs(a - b) <= TOLERANCE * max(1, abs(b)), (statement.name, a, b)


def test_the_printer_writes_the_textbook_forms():
    u, p = Symbol("u", real=True), Symbol("p", real=True)
    assert coq(Add(sigmoid(u), -p, evaluate=False)) == "σ u - p"  # as the derivation wrote it
    assert coq(-p * log(sigmoid(u)) - (1 - p) * log(1 - sigmoid(u))) == (
        "- p * ln (σ u) - (1 - p) * ln (1 - σ u)"
    )
    assert coq(exp(-2 * u)) == "exp (- u) ^ 2"
    assert coq(Rational(-1, 4) * u) == "- u / 4"
    assert coq(Symbol("fun")) == "fun_"  # a Coq keyword


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (Abs(Symbol("x")), "not differentiable at 0"),
        (Float(0.5) * Symbol("x"), "not rational"),
        (pi * Symbol("x"), "no Coq translation"),
        (Symbol("x y"), "not a Coq identifier"),
    ],
)
def test_what_has_no_coq_form_is_an_expression_error_naming_it(bad, message):
    with pytest.raises(ExpressionError, match=message):
        coq(bad)


def test_without_coqc_certify_exits_2_naming_the_packages(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no coqc on it
    assert main(["certify", "sigmoid_derivative", "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "apt-get install coq libcoq-coquelicot" in err


@pytest.fixture(scope="module")
def certified(tmp_path_factory):
    """`bce-check certify --all --json`, run once: (exit code, report, directory)."""
    directory = tmp_path_factory.mktemp("certificates")
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["certify", "--all", "-o", str(directory), "--json"])
    return code, json.loads(out.getvalue()), directory


@needs_coq
def test_certify_all_is_accepted_by_coqc(certified):
    code, report, directory = certified
    assert code == 0 and report["ok"]
    by_name = {c["name"]: c for c in report["certificates"]}
    for name in SUPPORTED:
        assert by_name[name]["verdict"] == "certified", by_name[name]
        assert by_name[name]["coqc_seconds"] > 0
        assert all(lemma["verdict"] == "certified" for lemma in by_name[name]["lemmas"])
        # each lemma names the strategy that closed it (a main theorem of parts: "its parts")
        closed_by = {lemma["strategy"] for lemma in by_name[name]["lemmas"]}
        assert closed_by <= {s.name for s in STRATEGIES} | {"its parts"}, closed_by
        assert (directory / f"{name}.v").exists()
    for name in SCALARS:
        lemmas = [lemma["name"] for lemma in by_name[name]["lemmas"]]
        assert f"{name}_closed_form" in lemmas and f"{name}_step_2" in lemmas
        assert f"{name}_fact_1" in lemmas
    assert by_name["l1_regularised_gradient"]["verdict"] == "unsupported"


@needs_coq
def test_nothing_is_admitted(certified):
    _, _, directory = certified
    files = sorted(Path(directory).glob("*.v"))
    assert len(files) == len(SUPPORTED)
    for path in files:
        for word in cert.FORBIDDEN:
            assert not re.search(rf"\b{word}\b", path.read_text()), (path.name, word)


@needs_coq
def test_coqc_rejects_a_planted_wrong_closed_form(certified):
    _, _, directory = certified
    source = (Path(directory) / "bce_logit_gradient.v").read_text()
    main_theorem = source.index("Theorem bce_logit_gradient_closed_form")
    right = source[main_theorem:].replace("(σ u - p).", "(σ u + p).", 1)
    assert right != source[main_theorem:]
    code, output, _ = cert._coqc(
        shutil.which("coqc"), source[:main_theorem] + right, "planted", cert.COQC_TIMEOUT
    )
    assert code != 0
    line = int(re.search(r"line (\d+)", output).group(1))
    assert line > source[:main_theorem].count("\n"), output  # rejected in the main theorem


@needs_coq
def test_a_rejected_lemma_is_reported_with_coqs_message_and_the_rest_certified():
    derivation = derivations.get("sigmoid_derivative")
    parts = cert.blocks(derivation)
    wrong = parts[2]  # step 3: 1 − σ z = e^(−z)/(1 + e^(−z)); plant e^z on the right
    lines = tuple(line.replace("= exp (- z) /", "= exp z /") for line in wrong.lines)
    parts[2] = cert.Block(wrong.name, wrong.title, lines)
    results, _ = cert.judge(derivation, parts, shutil.which("coqc"))
    verdicts = {r.name: r.verdict for r in results}
    assert verdicts.pop(wrong.name) == cert.REJECTED
    assert set(verdicts.values()) == {cert.CERTIFIED}
    assert next(r.message for r in results if r.name == wrong.name)


@needs_coq
def test_certify_name_of_an_unsupported_derivation_exits_2_with_the_reason(capsys, tmp_path):
    assert main(["certify", "l1_regularised_gradient", "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "not differentiable at 0" in err and "Traceback" not in err
