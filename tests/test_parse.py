"""The whitelist parser reads back what render.text prints and refuses everything else."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sympy import (
    Abs,
    Add,
    Atom,
    Basic,
    E,
    Integer,
    Lambda,
    MatAdd,
    MatMul,
    MatrixSymbol,
    Mul,
    OneMatrix,
    Pow,
    Rational,
    S,
    Sum,
    Symbol,
    Transpose,
    Tuple,
    UnevaluatedExpr,
    exp,
    log,
    nan,
    oo,
    pi,
    preorder_traversal,
    sign,
    simplify,
    sqrt,
    tanh,
    zoo,
)
from sympy.matrices.expressions import DiagMatrix, HadamardProduct, MatrixExpr
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.matexpr import MatrixElement

import derivations
from bce_check.render import text
from derivations.errors import ExpressionError
from derivations.functions import sigmoid, softmax, softplus, to_exp_form
from derivations.text._parse import FUNCTIONS, MAX_DEPTH, MAX_LENGTH, parse

x, y, z, u, p = (Symbol(name, real=True) for name in "xyzup")


def same(a: Basic, b: Basic) -> bool:
    """Equal as written, or equal once σ and softplus are in exp form and simplified.

    Matrix expressions are compared entry by entry with every dimension set to 2.
    """
    if a == b:
        return True
    if not isinstance(a, MatrixExpr):
        return simplify(to_exp_form(a - b)) == 0
    sizes = {d: 2 for e in (a, b) for M in e.atoms(MatrixSymbol) for d in M.shape if d.is_Symbol}
    difference = (a.subs(sizes) - b.subs(sizes)).as_explicit()
    return all(simplify(to_exp_form(entry)) == 0 for entry in difference)


def names_in(expr: Basic) -> dict[str, Basic]:
    """Each symbol and matrix of expr under the name text() prints for it (theta as θ)."""
    return {text(s): s for s in expr.free_symbols | expr.atoms(MatrixSymbol)}


# The forms the project prints (D1 and D2), each with the expression it stands for.
PRINTED = [
    ("σ(z)·(1 - σ(z))", sigmoid(z) * (1 - sigmoid(z))),
    ("σ(z)(1 - σ(z))", sigmoid(z) * (1 - sigmoid(z))),
    ("σ(u) - p", sigmoid(u) - p),
    ("-p·u + log(1 + e^u)", -p * u + log(1 + exp(u))),
    ("e^(-z)/(1 + e^(-z))^2", exp(-z) / (1 + exp(-z)) ** 2),
    ("(1 + e^(-z))^(-1)·(e^(-z)/(1 + e^(-z)))", exp(-z) / (1 + exp(-z)) ** 2),
    ("(-1)·(1 + e^(-z))^(-2)·(-e^(-z))", exp(-z) / (1 + exp(-z)) ** 2),
    ("softplus(u)", softplus(u)),
    ("-p·u + softplus(u)", -p * u + softplus(u)),
    ("1/(1 + e^(-z))", 1 / (1 + exp(-z))),
    ("σ(z)·(1 - σ(z))·(1 - 2·σ(z))", sigmoid(z) * (1 - sigmoid(z)) * (1 - 2 * sigmoid(z))),
    ("1/4", Rational(1, 4)),
]

# ASCII spellings, precedence and numbers, each with its exact SymPy object.
SPELLINGS = [
    ("sigmoid(z)*(1 - sigmoid(z))", sigmoid(z) * (1 - sigmoid(z))),
    ("x**2", x**2),
    ("-x^2", -(x**2)),
    ("2^3^2", Integer(512)),  # right-associative: 2^(3^2)
    ("2^-1", Rational(1, 2)),
    ("x − 1", x - 1),
    ("x/2/y", x / 2 / y),  # left-associative
    ("1e-3", Rational(1, 1000)),
    ("0.5·x", x / 2),
    ("2.5E2", Integer(250)),
    ("e", E),
    ("E·x", E * x),
    ("e^x", exp(x)),
    ("e^(x)", exp(x)),
    ("pi", pi),
    ("exp(x)", exp(x)),
    ("log1p(x)", log(1 + x)),
    ("sqrt(x)", sqrt(x)),
    ("tanh(x)", tanh(x)),
    ("abs(x) + Abs(y)", Abs(x) + Abs(y)),
    ("sign(x)", sign(x)),
    ("+x", x),
    ("x·-2", -2 * x),
    ("θ_1 + α", Symbol("θ_1", real=True) + Symbol("α", real=True)),
    ("ŷ·(1 - ŷ)", Symbol("ŷ", real=True) * (1 - Symbol("ŷ", real=True))),
]


@pytest.mark.parametrize(("written", "expected"), PRINTED)
def test_printed_forms_read_back(written: str, expected: Basic) -> None:
    assert same(parse(written), expected)


@pytest.mark.parametrize(("written", "expected"), SPELLINGS)
def test_spellings_parse_exactly(written: str, expected: Basic) -> None:
    assert parse(written) == expected


# Only these nodes print as the grammar reads; the rest of render.text's notation (d/dz,
# σ'(z), [·]_(u=…), L(u), lim_(z→∞), Σ_i, Π_i, entries y_i and X_ij) is outside it.
_GRAMMAR_NODES = (
    *{type(f(x)) for f in FUNCTIONS.values()},
    *(Atom, Add, Mul, Pow, UnevaluatedExpr, Tuple, Lambda),
    *(MatrixSymbol, MatAdd, MatMul, Transpose, OneMatrix, ElementwiseApplyFunction),
    *(softmax, DiagMatrix, HadamardProduct),
)


def _in_grammar(expr: Basic) -> bool:
    """Does expr print as the grammar reads?  (Wᵀx)[0, 0] prints as the number Wᵀ·x."""
    return all(
        isinstance(node, _GRAMMAR_NODES)
        or (isinstance(node, MatrixElement) and node.parent.shape == (1, 1))
        for node in preorder_traversal(expr)
    )


@pytest.mark.parametrize("name", derivations.names())
def test_every_printed_step_reads_back(name: str) -> None:
    derivation = derivations.get(name)
    printed = [e for s in (*derivation.steps, *derivation.facts) for e in (*s.via, s.expr)]
    for expr in filter(_in_grammar, printed):
        assert same(parse(text(expr), names_in(expr)), expr), text(expr)


def test_given_symbols_are_used_as_they_are() -> None:
    positive = Symbol("u", positive=True)
    assert parse("σ(u) - p", {"u": positive, "p": p}) == sigmoid(positive) - p


_LEAVES = st.sampled_from([x, y, z]) | st.integers(-4, 4).map(Integer)


def _extend(children: st.SearchStrategy[Basic]) -> st.SearchStrategy[Basic]:
    pairs = st.tuples(children, children)
    return st.one_of(
        pairs.map(lambda ab: ab[0] + ab[1]),
        pairs.map(lambda ab: ab[0] - ab[1]),
        pairs.map(lambda ab: ab[0] * ab[1]),
        pairs.map(lambda ab: ab[0] / ab[1]),
        st.tuples(children, st.integers(-3, 3)).map(lambda be: be[0] ** be[1]),
        children.map(sigmoid),
        children.map(exp),
        children.map(log),
    )


_POINTS = [
    {x: Rational(3, 10), y: Rational(-17, 10), z: Rational(29, 10)},
    {x: Rational(-5, 4), y: Rational(2, 3), z: Rational(7, 5)},
]


@settings(max_examples=120, deadline=None)
@given(st.recursive(_LEAVES, _extend, max_leaves=8))
def test_printed_random_expressions_read_back(expr: Basic) -> None:
    assume(not expr.has(zoo, nan, oo, -oo, S.ImaginaryUnit))
    try:
        parsed = parse(text(expr))
    except ExpressionError as error:  # e^(e^(e^(e^3))) is refused on purpose (MAX_GROWTH)
        assume("too costly" not in str(error))
        raise
    if parsed == expr:
        return
    written, read = to_exp_form(expr), to_exp_form(parsed)
    for point in _POINTS:
        want, got = written.evalf(30, subs=point), read.evalf(30, subs=point)
        if want.has(zoo, nan, oo, -oo):
            continue  # a pole of the expression; the other point still compares
        # 30 digits evaluated; 1e-20 relative leaves room for cancellation in sums.
        assert abs(want - got) <= 1e-20 * (1 + abs(want)), (text(expr), want, got)


def test_exp_of_a_fraction_reads_back() -> None:
    assert text(exp(Rational(1, 2))) == "e^(1/2)"
    assert parse(text(exp(Rational(1, 2)))) == exp(Rational(1, 2))


HOSTILE = [
    ("__import__('os')", "unknown function '__import__' at column 1"),
    ("x.y", "attribute access '.y' at column 2"),
    ("x[0]", "indexing is not allowed"),
    ("lambda: 1", "unexpected character ':' at column 7"),
    ('"abc"', "strings are not allowed"),
    ("2 x", "implicit multiplication at column 3: write '·' or '*'"),
    ("2(x)", "implicit multiplication at column 2"),
    ("foo(1)", "unknown function 'foo' at column 1; allowed functions: σ, sigmoid"),
    ("log(1, 2)", "log at column 1 takes 1 argument, got 2"),
    ("exp()", "exp() at column 1 needs 1 argument"),
    ("((((", "the '(' at column 4 is never closed"),
    ("(x + 1", "expected ')'; the '(' at column 1 is never closed"),
    ("x + 1)", "unbalanced ')' at column 6"),
    ("x, y", "comma at column 2 outside a function call"),
    ("x +", "unexpected end of input at column 4"),
    ("", "empty expression"),
    ("   ", "empty expression"),
    ("x" * 10_000, f"10000 characters long; the limit is {MAX_LENGTH}"),
    ("(" * 150 + "x" + ")" * 150, f"nested more than {MAX_DEPTH} deep"),
    ("-" * 150 + "x", f"nested more than {MAX_DEPTH} deep"),
    ("x^" * 150 + "x", f"nested more than {MAX_DEPTH} deep"),
    ("9^9^9^9", "'^' at column 4 is too costly to compute; the limits: exact numbers up to"),
    ("e^(10^400·log(2))", "'^' at column 2 is too costly"),
    ("exp(x + log(3)·10^400)", "'exp' at column 1 is too costly"),
    ("1e1000·1e1000·1e1000·1e1000", "'·' at column 21 is too costly"),  # quoted as written
    ("sqrt(" + "9" * 400 + ")", "roots of numbers up to 2^1000"),
    ("log1p(e^(e^(e^(e^3))))", "'^' at column 8 is too costly"),
    ("sign(sqrt(2)^(1/10^400) - 1)", "'^' at column 13 is too costly"),
    ("1e5000", "decimal exponents go up to ±1000"),
    ("1/0", "'/' at column 2 gives an undefined or infinite value"),
    ("log(0)", "'log' at column 1 gives an undefined"),
    ("sqrt(-1)", "'sqrt' at column 1 gives a number that is not real"),
    ("(-8)^(1/3)", "'^' at column 5 gives a number that is not real"),
    ("σ", "function 'σ' at column 1 needs an argument"),
    ("σ'(z)", "no primes such as f'(x)"),
    ("x.T", "transpose at column 2 applies to a matrix expression"),
    ("x = 1", "unexpected character '=' at column 3"),
]


@pytest.mark.parametrize(("written", "message"), HOSTILE)
def test_bad_input_is_refused_with_a_message(written: str, message: str) -> None:
    with pytest.raises(ExpressionError) as error:
        parse(written)
    assert message in str(error.value)


def test_unknown_names_are_refused_when_symbols_are_given() -> None:
    with pytest.raises(ExpressionError) as error:
        parse("σ(u) - foo", {"u": u, "p": p})
    message = str(error.value)
    assert "unknown name 'foo' at column 8" in message
    assert "allowed functions: σ, sigmoid, softplus, exp, log" in message
    assert message.endswith("symbols: u, p")


def test_a_symbol_is_not_callable() -> None:
    with pytest.raises(ExpressionError) as error:
        parse("u(1 - p)", {"u": u, "p": p})
    assert "'u' is not a function at column 1 (write u·(…) for a product)" in str(error.value)


def test_non_text_is_refused() -> None:
    with pytest.raises(ExpressionError, match="expected the expression as text, got int"):
        parse(3)  # type: ignore[arg-type]


_GRAMMAR_CHARACTERS = st.sampled_from(list("xyzeE0123456789.+-−*·/^()ᵀ,σ TlogexpΣ_ '[]∘"))
_TEXT = st.text(_GRAMMAR_CHARACTERS, max_size=40) | st.text(max_size=40)
_FRAGMENTS = [
    "σ(", "exp(", "log(", "e^", "x", "2", "1e-3", "(", ")", "^", "·", "-", ".T",
    "∘", "softmax(", "diag(",
]  # fmt: skip
_WORDS = st.lists(st.sampled_from(_FRAGMENTS), max_size=20).map("".join)


@settings(max_examples=300, deadline=None)
@given(_TEXT | _WORDS)
def test_arbitrary_text_raises_only_expression_error(written: str) -> None:
    try:
        result = parse(written)
    except ExpressionError as error:
        assert "column" in str(error) or "empty" in str(error)
    else:
        assert isinstance(result, Basic)


m = Symbol("m", integer=True, positive=True)
n = Symbol("n", integer=True, positive=True)
X, θ, Y = MatrixSymbol("X", m, n), MatrixSymbol("theta", n, 1), MatrixSymbol("y", m, 1)
MATRICES = {"X": X, "θ": θ, "y": Y, "m": m}


def test_logistic_regression_gradient_parses_as_matrices() -> None:
    parsed = parse("(1/m)·Xᵀ·(σ(X·θ) - y)", MATRICES)
    X3, θ3, y3 = MatrixSymbol("X", 3, 2), MatrixSymbol("theta", 2, 1), MatrixSymbol("y", 3, 1)
    direct = Rational(1, 3) * X3.T * ((X3 * θ3).applyfunc(sigmoid) - y3)
    explicit = parsed.subs({m: 3, n: 2}).as_explicit()
    assert explicit.shape == (2, 1)
    assert (explicit - direct.as_explicit()).applyfunc(simplify).is_zero_matrix


def test_dot_t_and_the_printed_matrix_form() -> None:
    assert parse("X.T·X", MATRICES) == Transpose(X) * X
    gradient = (1 / m) * X.T * (X * θ - Y)
    assert parse(text(gradient), names_in(gradient)) == gradient


def test_a_scalar_beside_a_matrix_stands_in_every_entry() -> None:
    assert parse("(1 - y)ᵀ", MATRICES) == Transpose(OneMatrix(m, 1) - Y)


@pytest.mark.parametrize(
    ("written", "function"), [("exp(X·θ)", exp), ("e^(X·θ)", exp), ("σ(X·θ)", sigmoid)]
)
def test_functions_of_a_matrix_are_elementwise(written: str, function: type) -> None:
    parsed = parse(written, MATRICES)
    assert isinstance(parsed, ElementwiseApplyFunction)
    assert parsed.expr == X * θ
    assert parsed.function(x) == function(x)


def test_matrices_that_do_not_fit_are_refused() -> None:
    fixed = {"A": MatrixSymbol("A", 2, 3), "b": MatrixSymbol("b", 3, 1)}
    with pytest.raises(ExpressionError, match="cannot apply '\\+' at column 3"):
        parse("A + b", fixed)
    with pytest.raises(ExpressionError, match="cannot apply '\\^' at column 2"):
        parse("2^A", fixed)


K = Symbol("K", integer=True, positive=True)
Z, S_ = MatrixSymbol("z", K, 1), MatrixSymbol("y", K, 1)
W, V = MatrixSymbol("W", n, 1), MatrixSymbol("x", n, 1)
b = Symbol("b", real=True)
COLUMNS = {"z": Z, "y": S_, "W": W, "x": V, "b": b, "X": X, "θ": θ, "m": m}


def test_softmax_of_a_column_is_the_matrix_expression() -> None:
    parsed = parse("softmax(z) - y", COLUMNS)
    assert parsed == softmax(Z) - S_
    assert parsed.shape == (K, 1)


def test_diag_of_a_column_is_a_diagonal_matrix() -> None:
    assert parse("diag(z)", COLUMNS) == DiagMatrix(Z)
    jacobian = parse("diag(softmax(z)) - softmax(z)·softmax(z)ᵀ", COLUMNS)
    assert jacobian == DiagMatrix(softmax(Z)) - softmax(Z) * Transpose(softmax(Z))
    assert jacobian.shape == (K, K)


def test_hadamard_product_binds_like_a_product() -> None:
    h = (X * θ).applyfunc(sigmoid)
    assert parse("z∘y", COLUMNS) == HadamardProduct(Z, S_)
    assert parse("z∘y∘z", COLUMNS) == HadamardProduct(Z, S_, Z)
    assert parse("z∘y + z", COLUMNS) == HadamardProduct(Z, S_) + Z  # ∘ before +
    weights = parse("σ(X·θ)∘(1 - σ(X·θ))", COLUMNS)
    assert isinstance(weights, HadamardProduct)
    assert same(weights, HadamardProduct(h, OneMatrix(m, 1) - h))  # σ's Dummy differs
    hessian = parse("(1/m)·Xᵀ·diag(σ(X·θ)∘(1 - σ(X·θ)))·X", COLUMNS)
    assert same(hessian, (1 / m) * X.T * DiagMatrix(HadamardProduct(h, OneMatrix(m, 1) - h)) * X)


def test_a_row_times_a_column_beside_a_number_is_a_number() -> None:
    number = MatrixElement(W.T * V, 0, 0)
    assert parse("Wᵀ·x", COLUMNS) == W.T * V  # on its own it stays a 1×1 matrix
    assert parse("Wᵀ·x + b", COLUMNS) == number + b
    assert parse("b - Wᵀ·x", COLUMNS) == b - number
    assert parse("σ(Wᵀ·x + b)", COLUMNS) == sigmoid(number + b)
    assert parse("σ(Wᵀ·x)", COLUMNS) == sigmoid(number)
    gradient = parse("(σ(Wᵀ·x + b) - b)·x", COLUMNS)
    assert gradient == MatMul(sigmoid(number + b) - b, V)
    assert not gradient.has(Sum)  # kept as Wᵀ·x, not written out as Σ_i W_i·x_i
    assert "Wᵀ·x" in text(gradient)


def test_greek_names_resolve_through_the_symbol_table() -> None:
    λ, α = Symbol("lambda", nonnegative=True), Symbol("alpha", nonnegative=True)
    ŷ = Symbol("yhat", positive=True)
    table = {"θ": θ, "λ": λ, "α": α, "ŷ": ŷ}
    assert parse("λ·(α·θ + (1 - α)·θ)", table) == λ * (α * θ + (1 - α) * θ)
    assert parse("-log(1 - ŷ)", table) == -log(1 - ŷ)
    with pytest.raises(ExpressionError, match="unknown name 'theta' at column 1"):
        parse("theta", table)  # the table's names are the printed ones


def test_a_table_name_matches_however_its_accent_is_encoded() -> None:
    ŷ = Symbol("yhat", positive=True)
    assert parse("1 - y\u0302", {"\u0177": ŷ}) == 1 - ŷ  # typed decomposed, table composed
    assert parse("1 - \u0177", {"y\u0302": ŷ}) == 1 - ŷ  # and the other way round


COLUMN_ERRORS = [
    ("softmax(b)", "softmax at column 1 applies to a column vector (K×1), not a scalar"),
    ("diag(X)", "diag at column 1 applies to a column vector (K×1), not a m×n matrix"),
    ("softmax(z, y)", "softmax at column 1 takes 1 argument, got 2"),
    ("softmax", "function 'softmax' at column 1 needs an argument"),
    ("b∘b", "cannot apply '∘' at column 2: ∘ multiplies two matrices of one shape, not a "
     "scalar and a scalar"),
    ("z∘x", "cannot apply '∘' at column 2: ∘ multiplies two matrices of one shape, not a "
     "K×1 matrix and a n×1 matrix"),
    ("z ⊙ y", "unexpected character '⊙' at column 3"),
]  # fmt: skip


@pytest.mark.parametrize(("written", "message"), COLUMN_ERRORS)
def test_column_functions_and_hadamard_refuse_what_does_not_fit(written: str, message: str) -> None:
    with pytest.raises(ExpressionError) as error:
        parse(written, COLUMNS)
    assert message in str(error.value)


_MATRIX_FRAGMENTS = [
    "σ(", "log(", "softmax(", "diag(", "z", "y", "W", "x", "b", "X", "θ", "m", "1",
    "(", ")", "+", "-", "·", "/", "∘", "ᵀ", "^",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_MATRIX_FRAGMENTS), min_size=1, max_size=16).map("".join))
def test_arbitrary_matrix_text_raises_only_expression_error(written: str) -> None:
    try:
        result = parse(written, COLUMNS)
    except ExpressionError as error:
        assert "column" in str(error)
    else:
        assert isinstance(result, Basic)
