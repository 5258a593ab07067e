"""Maths text back into SymPy through a whitelist: no ``eval``, no ``sympify``.

``parse`` reads what ``bce_check.notation.text`` prints (``σ(z)·(1 - σ(z))``,
``e^(-z)/(1 + e^(-z))^2``, ``x^(-2)``) and the common ASCII spellings (``*``,
``**``, ``sigmoid``). It tokenises the text, parses it by recursive descent and
builds SymPy objects directly: user text never reaches ``eval``, ``sympify`` or
``parse_expr``. Every bad input raises ``ExpressionError`` naming what was wrong,
its column (counted from 1) and what is allowed.

Grammar, loosest binding first::

    expression := term (("+" | "-" | "−") term)*
    term       := unary (("*" | "·" | "/" | "∘") unary | ")" "(" unary)*   only ")(" juxtaposes
    unary      := ("-" | "−" | "+") unary | power
    power      := postfix [("^" | "**") unary]      right-associative; -x^2 = -(x^2)
    postfix    := primary ("ᵀ" | ".T")*             transpose of a matrix expression
    primary    := number | name | function "(" expression ")" | "(" expression ")"
    number     := 2 | 0.5 | .5 | 1e-3               exact: 1e-3 is Rational(1, 1000)
    function   := σ | sigmoid | softplus | exp | log | log1p | sqrt | tanh | cosh | sinh
                | abs | Abs | sign                   on a matrix expression: elementwise
                | softmax | diag                     of a column vector v (K×1): softmax(v)
                                                     is K×1, diag(v) the K×K DiagMatrix(v)

A name (letters of any script such as θ or ŷ, ``_``, then digits too) is looked up in
``symbols`` first, then among the constants ``e``/``E`` (Euler's number, so ``e^x`` is
exp(x)) and ``pi``/``π``. With ``symbols=None`` any other name is ``Symbol(name,
real=True)``; with a mapping it is an error. Products of matrix expressions are
``MatMul``; ``a ∘ b`` is the Hadamard (entrywise) product of two matrices of one
shape, ``HadamardProduct``, binding as tightly as ``·``. A scalar added to a matrix, as
in ``1 - y``, is that scalar in every entry.

A 1×1 matrix is a number where a number is meant. The product of two columns,
``Wᵀ·x``, is a 1×1 matrix; added to or subtracted from a scalar, or as the argument of
an elementwise function (σ, exp, log, …), it is read as its only entry,
``MatrixElement(Wᵀ·x, 0, 0)``, as the derivations build it: ``σ(Wᵀ·x + b)`` is σ of
the number Wᵀx + b, and ``σ(Wᵀ·x)`` is σ of a number, not a 1×1 matrix. Anywhere else
(beside another matrix, under ``ᵀ``, in softmax or diag) it stays a matrix.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from fractions import Fraction
from typing import NamedTuple

import mpmath
from sympy.core import Add, Basic, Dummy, Rational, S, Symbol
from sympy.functions import Abs, cosh, exp, log, sign, sinh, sqrt, tanh
from sympy.matrices.expressions import (
    DiagMatrix,
    HadamardProduct,
    MatrixExpr,
    OneMatrix,
    Transpose,
)
from sympy.matrices.expressions.matexpr import MatrixElement

from .errors import ExpressionError
from .functions import sigmoid, softmax, softplus, to_exp_form

MAX_LENGTH = 2_000  # characters: longer text is refused before it is read
MAX_DEPTH = 100  # nested brackets, signs and exponents: the recursion stays far from its limit
MAX_DECIMAL_EXPONENT = 1_000  # 1e1000 is the largest number one literal may write
# What SymPy may be asked to compute, so that a short hostile text cannot take minutes:
MAX_BITS = 12_000  # exact numbers (3,600 digits; str() refuses ints over 4,300 digits)
MAX_ROOT_BITS = 1_000  # SymPy's roots of larger numbers take seconds, cubic in the size
MAX_GROWTH = 10**9  # |x| in e^x, σ(x), sinh(x), ..., number^x: e^(e^(e^9)) takes minutes

FUNCTIONS: dict[str, Callable[[Basic], Basic]] = {
    "σ": sigmoid, "sigmoid": sigmoid, "softplus": softplus, "exp": exp, "log": log,
    "log1p": lambda x: log(1 + x), "sqrt": sqrt, "tanh": tanh, "cosh": cosh, "sinh": sinh,
    "abs": Abs, "Abs": Abs, "sign": sign,
}  # fmt: skip
# Functions of a whole column vector (not elementwise): softmax(z) is K×1, diag(v) K×K.
COLUMN_FUNCTIONS: dict[str, Callable[[Basic], Basic]] = {"softmax": softmax, "diag": DiagMatrix}
CONSTANTS: dict[str, Basic] = {"e": S.Exp1, "E": S.Exp1, "pi": S.Pi, "π": S.Pi}
_GROWING = (exp, sinh, cosh, sigmoid, softplus)  # their arguments are checked like e^x

_OPERATORS = {"**": "^", "−": "-", "·": "*", "ᵀ": "ᵀ", **{c: c for c in "+-*/^(),∘"}}
_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_HINTS = {"'": " (no strings, no primes such as f'(x))", '"': " (strings are not allowed)"}
_HINTS |= {"[": " (indexing is not allowed)", "]": " (indexing is not allowed)"}


class Token(NamedTuple):
    kind: str  # "number", "name", "op", "end", or "bad" (then text is the error message)
    text: str
    col: int


def _name(text: str, i: int) -> str:
    """The name at text[i], or '': a letter (any script) or _, then also digits and marks."""
    end = i
    while end < len(text) and (
        unicodedata.category(text[end]) in ("Lu", "Ll", "Lt", "Lo")  # not Lm: ᵀ is an operator
        or text[end] == "_"
        or (end > i and (text[end] in "0123456789" or unicodedata.category(text[end]) == "Mn"))
    ):
        end += 1
    return text[i:end]


def _tokenize(text: str) -> Iterator[Token]:
    """Tokens up to the first bad character, which becomes a "bad" token; then "end"."""
    i = 0
    while i < len(text):
        col, char = i + 1, text[i]
        if char.isspace():
            i += 1
        elif match := _NUMBER.match(text, i):
            yield Token("number", match[0], col)
            i = match.end()
        elif name := _name(text, i):
            yield Token("name", name, col)
            i += len(name)
        elif char == "." and _name(text, i + 1) == "T":
            yield Token("op", "ᵀ", col)
            i += 2
        elif (op := text[i : i + 2]) == "**" or (op := char) in _OPERATORS:
            yield Token("op", _OPERATORS[op], col)
            i += len(op)
        elif char == ".":
            what = f"attribute access '.{_name(text, i + 1)}' at column {col}"
            yield Token("bad", f"{what} is not allowed; only .T (transpose)", col)
            return
        else:
            allowed = "numbers, names, + - − * · / ∘ ^ ** ( ) , ᵀ .T"
            message = f"unexpected character {char!r} at column {col}{_HINTS.get(char, '')}"
            yield Token("bad", f"{message}; allowed: {allowed}", col)
            return
    yield Token("end", "", len(text) + 1)


def _is_matrix(value: Basic) -> bool:
    return isinstance(value, MatrixExpr)


def _shape_text(value: Basic) -> str:
    return f"a {value.shape[0]}×{value.shape[1]} matrix" if _is_matrix(value) else "a scalar"


def _as_number(value: Basic) -> Basic:
    """A 1×1 matrix (a row times a column, Wᵀ·x) as its only entry; anything else as is."""
    if _is_matrix(value) and value.shape == (1, 1):
        return MatrixElement(value, 0, 0)
    return value


def _broadcast(a: Basic, b: Basic) -> tuple[Basic, Basic]:
    """Two terms of a sum made to fit: a 1×1 matrix beside a scalar is a number
    (Wᵀ·x + b), and a scalar beside a matrix, as in 1 - y, stands in every entry.
    """
    if _is_matrix(a) != _is_matrix(b):
        a, b = _as_number(a), _as_number(b)
    if _is_matrix(a) == _is_matrix(b):
        return a, b
    ones = OneMatrix(*(a if _is_matrix(a) else b).shape)
    return (a, b * ones) if _is_matrix(a) else (a * ones, b)


def _keeping_numbers(function: Callable[..., Basic], args: tuple[Basic, ...]) -> Basic:
    """function(*args) with each 1×1 entry (Wᵀ·x)[0, 0] kept as written: a scalar times a
    matrix runs SymPy's doit(), which would expand it into a sum Σ_i W_i·x_i.
    """
    entries = {e for a in args for e in a.atoms(MatrixElement) if e.parent.shape == (1, 1)}
    if not entries:
        return function(*args)
    shields = {e: Dummy("entry") for e in entries}
    value = function(*(a.xreplace(shields) for a in args))
    return value.xreplace({d: e for e, d in shields.items()})


def _hadamard(a: Basic, b: Basic) -> Basic:
    """a ∘ b: the entrywise product of two matrices of one shape (HadamardProduct)."""
    if not (_is_matrix(a) and _is_matrix(b)) or a.shape != b.shape:
        raise ValueError(
            f"∘ multiplies two matrices of one shape, not {_shape_text(a)} and {_shape_text(b)}"
        )
    factors = a.args if isinstance(a, HadamardProduct) else (a,)
    return HadamardProduct(*factors, b)


_BINARY: dict[str, Callable[[Basic, Basic], Basic]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "∘": _hadamard,
}  # fmt: skip


def _log2(number: Rational) -> int:
    return max(abs(number.p).bit_length(), number.q.bit_length()) - 1


def _huge(term: Basic) -> bool:
    """Is term a number beyond ±MAX_GROWTH, or one SymPy cannot evaluate?"""
    if not term.is_number:
        return False
    try:
        return not abs(complex(to_exp_form(term).evalf(5))) <= MAX_GROWTH
    except Exception:  # no numeric value: refuse it rather than risk it
        return True


def _exact_too_large(base: Basic, exponent: Basic) -> bool:
    if not exponent.is_Rational:
        return False
    size = max((_log2(r) for r in base.atoms(Rational)), default=0)
    if not exponent.is_Integer and max(size, _log2(exponent)) > MAX_ROOT_BITS:
        return True
    return size * abs(exponent.p) > MAX_BITS * exponent.q


def _costly_power(base: Basic, exponent: Basic) -> bool:
    """Would SymPy spend minutes or gigabytes on base^exponent (base E: exp)?"""
    if _is_matrix(base) or _is_matrix(exponent):
        return False
    terms = Add.make_args(exponent)
    if (base is S.Exp1 or base.is_number) and any(_huge(term) for term in terms):
        return True
    if base is not S.Exp1:
        return _exact_too_large(base, exponent)
    # SymPy rewrites e^(n·log(b) + …) as b^n·e^(…): each such term is a power of b.
    pairs = (term.as_coeff_Mul() for term in terms if term.has(log))
    return any(_exact_too_large(rest, coeff) for coeff, rest in pairs)


def _costly_error(token: Token) -> ExpressionError:
    return ExpressionError(
        f"{token.text!r} at column {token.col} is too costly to compute; the limits: exact "
        f"numbers up to 2^{MAX_BITS}, roots of numbers up to 2^{MAX_ROOT_BITS}, and |x| "
        f"up to {MAX_GROWTH} in e^x, exp, σ, softplus, sinh, cosh of x and number^x"
    )


def _number(token: Token) -> Rational:
    _, _, exponent = token.text.lower().partition("e")
    if exponent and abs(int(exponent)) > MAX_DECIMAL_EXPONENT:
        raise ExpressionError(
            f"number {token.text!r} at column {token.col} is too large; "
            f"decimal exponents go up to ±{MAX_DECIMAL_EXPONENT}"
        )
    value = Fraction(token.text)
    return Rational(value.numerator, value.denominator)


class _Parser:
    """Recursive descent over a token list; one method per grammar rule."""

    def __init__(self, tokens: list[Token], symbols: Mapping[str, Basic] | None) -> None:
        self.tokens, self.at, self.symbols = tokens, 0, symbols
        self.depth = 0
        self.unclosed: list[int] = []  # columns of the brackets still open

    def peek(self) -> Token:
        if (token := self.tokens[self.at]).kind == "bad":
            raise ExpressionError(token.text)
        return token

    def take(self) -> Token:
        token = self.peek()
        self.at += token.kind != "end"
        return token

    def is_op(self, *ops: str) -> bool:
        return (token := self.peek()).kind == "op" and token.text in ops

    @contextmanager
    def nested(self, token: Token) -> Iterator[None]:
        if self.depth >= MAX_DEPTH:
            raise ExpressionError(
                f"expression nested more than {MAX_DEPTH} deep at column {token.col} "
                "(brackets, signs and exponents count)"
            )
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1

    def allowed(self) -> str:
        names = "any other name is a symbol"
        if self.symbols is not None:
            names = "symbols: " + (", ".join(self.symbols) or "none")
        functions, constants = ", ".join([*FUNCTIONS, *COLUMN_FUNCTIONS]), ", ".join(CONSTANTS)
        return f"allowed functions: {functions}; constants: {constants}; {names}"

    def unexpected(self, token: Token, wanted: str) -> ExpressionError:
        where = f"at column {token.col}"
        if token.kind == "end":
            message = f"unexpected end of input {where}; expected {wanted}"
            if self.unclosed:
                message += f"; the '(' at column {self.unclosed[-1]} is never closed"
        elif token.text == ")" and not self.unclosed:
            message = f"unbalanced ')' {where}; expected {wanted}"
        elif token.text == ",":
            message = f"comma {where} outside a function call"
        else:
            message = f"unexpected {token.text!r} {where}; expected {wanted}"
        return ExpressionError(message)

    def apply(self, token: Token, function: Callable[..., Basic], *args: Basic) -> Basic:
        """Build one SymPy node; SymPy's own failures become an ExpressionError."""
        try:
            value = _keeping_numbers(function, args)
        except Exception as error:  # e.g. a matrix plus a scalar, or a shape mismatch
            reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
            message = f"cannot apply {token.text!r} at column {token.col}: {reason}"
            raise ExpressionError(message) from None
        near_top = (value, *value.args, *(b for a in value.args for b in a.args))
        if any(a.is_Rational and _log2(a) > MAX_BITS for a in near_top):
            raise _costly_error(token)
        where = f"{token.text!r} at column {token.col} gives"
        if value.has(S.ComplexInfinity, S.NaN, S.Infinity, S.NegativeInfinity):
            raise ExpressionError(f"{where} an undefined or infinite value (1/0, log(0), ...)")
        # Real maths only: SymPy's Abs of some complex powers recurses for minutes.
        if value.is_number and value.is_extended_real is False:
            raise ExpressionError(f"{where} a number that is not real (sqrt(-1), log(-2), ...)")
        return value

    def expression(self) -> Basic:
        value = self.term()
        while self.is_op("+", "-"):
            token = self.take()
            value = self.apply(token, _BINARY[token.text], *_broadcast(value, self.term()))
        return value

    def term(self) -> Basic:
        value = self.unary()
        while True:
            token = self.peek()
            if self.is_op("*", "/", "∘"):
                self.take()
                value = self.apply(token, _BINARY[token.text], value, self.unary())
            elif self.is_op("(") and self.tokens[self.at - 1].text == ")":
                value = self.apply(token, operator.mul, value, self.unary())
            elif token.kind in ("number", "name") or self.is_op("("):
                raise ExpressionError(
                    f"implicit multiplication at column {token.col}: write '·' or '*' "
                    "between factors (only ')(' may be juxtaposed, as in σ(z)(1 - σ(z)))"
                )
            else:
                return value

    def unary(self) -> Basic:
        if not self.is_op("+", "-"):
            return self.power()
        token = self.take()
        with self.nested(token):
            operand = self.unary()
        return operand if token.text == "+" else self.apply(token, operator.neg, operand)

    def power(self) -> Basic:
        base = self.postfix()
        if not self.is_op("^"):
            return base
        token = self.take()
        with self.nested(token):
            exponent = self.unary()
        if base is S.Exp1 and _is_matrix(exponent):
            return self.apply(token, exponent.applyfunc, exp)
        if _costly_power(base, exponent):
            raise _costly_error(token)
        return self.apply(token, operator.pow, base, exponent)

    def postfix(self) -> Basic:
        value = self.primary()
        while self.is_op("ᵀ"):
            token = self.take()
            if not _is_matrix(value):
                raise ExpressionError(
                    f"transpose at column {token.col} applies to a matrix expression, "
                    "not to a scalar"
                )
            value = self.apply(token, Transpose, value)
        return value

    def primary(self) -> Basic:
        token = self.take()
        if token.kind == "number":
            return _number(token)
        if token.kind == "name":
            return self.call(token) if self.is_op("(") else self.name(token)
        if token.kind != "op" or token.text != "(":
            raise self.unexpected(token, "a number, a name or '('")
        with self.nested(token):
            self.unclosed.append(token.col)
            value = self.expression()
            self.close()
        return value

    def close(self) -> None:
        if not self.is_op(")"):
            raise self.unexpected(self.peek(), "')'")
        self.take()
        self.unclosed.pop()

    def name(self, token: Token) -> Basic:
        name, where = token.text, f"at column {token.col}"
        if self.symbols is not None and name in self.symbols:
            return self.symbols[name]
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in FUNCTIONS or name in COLUMN_FUNCTIONS:
            raise ExpressionError(f"function {name!r} {where} needs an argument: {name}(…)")
        if self.symbols is None:
            return Symbol(name, real=True)
        raise ExpressionError(f"unknown name {name!r} {where}; {self.allowed()}")

    def call(self, token: Token) -> Basic:
        name, where = token.text, f"at column {token.col}"
        function = FUNCTIONS.get(name) or COLUMN_FUNCTIONS.get(name)
        if function is None:
            if name in (self.symbols or {}) or name in CONSTANTS:
                what = f"{name!r} is not a function {where} (write {name}·(…) for a product)"
            else:
                what = f"unknown function {name!r} {where}"
            raise ExpressionError(f"{what}; {self.allowed()}")
        arg = self.argument(token)
        if name in COLUMN_FUNCTIONS:
            if not (_is_matrix(arg) and arg.shape[1] == 1):
                raise ExpressionError(
                    f"{name} {where} applies to a column vector (K×1), not {_shape_text(arg)}"
                )
            return self.apply(token, function, arg)
        if _is_matrix(arg := _as_number(arg)):
            return self.apply(token, arg.applyfunc, function)
        as_power = (arg, S.Half) if function is sqrt else (S.Exp1, arg)
        if (function is sqrt or function in _GROWING) and _costly_power(*as_power):
            raise _costly_error(token)
        return self.apply(token, function, arg)

    def argument(self, token: Token) -> Basic:
        """The one argument of the function named by ``token``, in its brackets."""
        name, where = token.text, f"at column {token.col}"
        opening = self.take()
        with self.nested(opening):
            self.unclosed.append(opening.col)
            if self.is_op(")"):
                raise ExpressionError(f"{name}() {where} needs 1 argument")
            args = [self.expression()]
            while self.is_op(","):
                self.take()
                args.append(self.expression())
            self.close()
        if len(args) != 1:
            raise ExpressionError(f"{name} {where} takes 1 argument, got {len(args)}")
        return args[0]


def parse(text: str, symbols: Mapping[str, Basic] | None = None) -> Basic:
    """Parse maths text (the grammar in the module docstring) into a SymPy expression.

    ``symbols`` maps each allowed name to its SymPy Symbol or MatrixSymbol; ``None``
    allows any name, as ``Symbol(name, real=True)``. Raises ExpressionError, and
    nothing else, for any text that is not in the grammar.
    """
    if not isinstance(text, str):
        raise ExpressionError(f"expected the expression as text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"expression is {len(text)} characters long; the limit is {MAX_LENGTH}"
        )
    if not text.strip():
        raise ExpressionError("empty expression; write one such as σ(z)·(1 - σ(z))")
    parser = _Parser(list(_tokenize(text)), symbols)
    precision = mpmath.mp.prec  # an overflow inside SymPy's evalf can leave it changed
    try:
        value = parser.expression()
        if parser.peek().kind != "end":
            raise parser.unexpected(parser.peek(), "an operator or the end of the expression")
    except RecursionError:
        raise ExpressionError(f"expression nested too deeply; the limit is {MAX_DEPTH}") from None
    finally:
        mpmath.mp.prec = precision
    return value
