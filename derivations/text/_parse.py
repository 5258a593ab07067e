"""Maths text back into SymPy through a whitelist: no ``eval``, no ``sympify``.

``parse`` reads what ``bce_check.printing.notation.text`` prints (``σ(z)·(1 - σ(z))``,
``e^(-z)/(1 + e^(-z))^2``) and the ASCII spellings (``*``, ``**``, ``sigmoid``, ``exp``).
It tokenises the text, parses it by recursive descent and builds SymPy objects: never
``eval``, ``sympify`` or ``parse_expr``. A bad input raises ``ExpressionError`` naming
what was wrong, its column (from 1) and what is allowed. Hostile text: ``derivations.text``.

Grammar, loosest binding first::

    expression := term (("+" | "-" | "−") term)*
    term       := unary (("*" | "·" | "⋅" | "/" | "∘") unary | ")" "(" unary)*   ")(" juxtaposes
    unary      := ("-" | "−" | "+") unary | power
    power      := postfix [("^" | "**") unary]      right-associative; -x^2 = -(x^2)
    postfix    := primary ("ᵀ" | ".T")*             transpose of a matrix expression
    primary    := number | name | function "(" expression ")" | "(" expression ")"
    number     := 2 | 0.5 | .5 | 1e-3               exact: 1e-3 is Rational(1, 1000)
    function   := σ | sigmoid | sigma | softplus | exp | log | log1p | sqrt | tanh | cosh | sinh
                | abs | Abs | sign                   on a matrix expression: elementwise
                | softmax | log_softmax | logsumexp | sum | diag    of a column v (K×1):
                  softmax(v) is K×1, sum(v) = 1ᵀ·v 1×1, diag(v) the K×K DiagMatrix(v)

Names: see ``_vocabulary``. ``A·B`` is ``MatMul``, ``a ∘ b`` the entrywise ``HadamardProduct``
(binding as ``·``); a scalar added to a matrix (``1 - y``) is in every entry; a matrix
divides by a scalar only; a column's powers are entrywise, a square matrix's whole (1–4).

A 1×1 matrix (``Wᵀ·x``, ``sum(v)``) beside a scalar in a sum, or as an elementwise
function's argument, is a number, ``MatrixElement(Wᵀ·x, 0, 0)`` (σ(Wᵀ·x + b) is σ of a
number); elsewhere (beside a matrix, under ``ᵀ``, in softmax or diag) it is a matrix.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

import mpmath
from sympy.core import Basic, S, Symbol
from sympy.functions import exp
from sympy.matrices.expressions import Transpose

from derivations.errors import ExpressionError
from derivations.text._guards import MAX_BITS, MAX_GROWTH, MAX_ROOT_BITS, PRECISION, Guard
from derivations.text._lexer import Token, tokenize
from derivations.text._shapes import (
    BINARY,
    ONES_ROW,
    as_number,
    broadcast,
    column,
    is_matrix,
    keeping_numbers,
    power,
)
from derivations.text._vocabulary import (
    COLUMN_FUNCTIONS,
    CONSTANTS,
    FUNCTIONS,
    MAX_DECIMAL_EXPONENT,
    nfc,
    number,
)

__all__ = ["COLUMN_FUNCTIONS", "CONSTANTS", "FUNCTIONS", "MAX_DEPTH", "MAX_LENGTH", "parse"]
__all__ += ["MAX_BITS", "MAX_DECIMAL_EXPONENT", "MAX_GROWTH", "MAX_ROOT_BITS"]

MAX_LENGTH = 2_000  # characters: longer text is refused before it is read
MAX_DEPTH = 100  # nested brackets, signs and exponents: the recursion stays far from its limit


class _Parser:
    """Recursive descent over a token list; one method per grammar rule."""

    def __init__(self, tokens: list[Token], symbols: Mapping | None, matrices: Mapping) -> None:
        self.tokens, self.at, self.symbols = tokens, 0, symbols
        self.table = None if symbols is None else {nfc(k): v for k, v in symbols.items()}
        self.matrices = {nfc(k): v for k, v in matrices.items()}
        self.guard = Guard()
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
            message = f"unexpected {token.shown!r} {where}; expected {wanted}"
        return ExpressionError(message)

    def apply(self, token: Token, function: Callable[..., Basic], *args: Basic) -> Basic:
        """Build one SymPy node; SymPy's own failures become an ExpressionError."""
        try:
            value = keeping_numbers(function, args)
        except Exception as error:  # e.g. a matrix plus a scalar, or a shape mismatch
            reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
            message = f"cannot apply {token.shown!r} at column {token.col}: {reason}"
            raise ExpressionError(message) from None
        self.guard.after(token, value)
        return value

    def expression(self) -> Basic:
        value = self.term()
        while self.is_op("+", "-"):
            token = self.take()
            value = self.apply(token, BINARY[token.text], *broadcast(value, self.term()))
        return value

    def term(self) -> Basic:
        value = self.unary()
        while True:
            token = self.peek()
            if self.is_op("*", "/", "∘"):
                self.take()
                value = self.apply(token, BINARY[token.text], value, self.unary())
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
        if base is S.Exp1 and is_matrix(exponent):
            return self.apply(token, exponent.applyfunc, exp)
        base_, exponent_ = as_number(base), as_number(exponent)
        if not (is_matrix(base_) or is_matrix(exponent_)):
            self.guard.before_power(token, base_, exponent_)
        return self.apply(token, power, base, exponent)

    def postfix(self) -> Basic:
        value = self.primary()
        while self.is_op("ᵀ"):
            token = self.take()
            if not (is_matrix(value) or value == 1):  # 1ᵀ·v: the row of ones, sized by v
                raise ExpressionError(
                    f"transpose at column {token.col} applies to a matrix expression, "
                    "not to a scalar"
                )
            value = ONES_ROW if value == 1 else self.apply(token, Transpose, value)
        return value

    def primary(self) -> Basic:
        token = self.take()
        if token.kind == "number":
            return number(token)
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
        if name in self.matrices:
            return self.matrices[name]
        if self.table is not None and name in self.table:
            return self.table[name]
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
            if name in (self.table or {}) or name in self.matrices or name in CONSTANTS:
                what = f"{name!r} is not a function {where} (write {name}·(…) for a product)"
            else:
                what = f"unknown function {name!r} {where}"
            raise ExpressionError(f"{what}; {self.allowed()}")
        arg = self.argument(token)
        if name in COLUMN_FUNCTIONS:
            return self.apply(token, function, column(arg, f"{name} {where}"))
        if is_matrix(arg := as_number(arg)):
            return self.apply(token, arg.applyfunc, function)
        self.guard.before_call(token, function, arg)
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


def parse(
    text: str, symbols: Mapping[str, Basic] | None = None, matrices: Mapping | None = None
) -> Basic:
    """Parse maths text (the grammar in the module docstring) into a SymPy expression.

    ``symbols`` maps each allowed name to its SymPy Symbol or MatrixSymbol; ``None``
    allows any name, as ``Symbol(name, real=True)``. ``matrices`` maps names declared
    vectors or matrices (and their size symbols, K) to their objects, looked up first.
    Raises ExpressionError, and
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
    parser = _Parser(list(tokenize(text)), symbols, matrices or {})
    precision = mpmath.mp.prec  # an overflow inside SymPy's evalf can leave it changed
    interval_precision, mpmath.iv.prec = mpmath.iv.prec, PRECISION
    try:
        value = parser.expression()
        if parser.peek().kind != "end":
            raise parser.unexpected(parser.peek(), "an operator or the end of the expression")
        if value.has(ONES_ROW):
            raise ExpressionError("1ᵀ is the row of ones: write it before a column, 1ᵀ·v")
    except RecursionError:
        raise ExpressionError(f"expression nested too deeply; the limit is {MAX_DEPTH}") from None
    finally:
        mpmath.mp.prec, mpmath.iv.prec = precision, interval_precision
    return value
