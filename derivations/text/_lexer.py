"""Maths text into tokens, refusing characters that hide or impersonate others.

Numbers are ASCII digits (``2``, ``0.5``, ``.5``, ``1e-3``); operators are
``+ - − * · ⋅ / ∘ ^ ** ( ) , ᵀ .T``; a name is a letter, then letters, ASCII digits,
``_`` and combining marks. The character policy, for text that reads one way and means
another (Unicode TR36 and TR39 list the tricks):

* invisible characters are refused, naming their code point: bidirectional controls
  (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), zero-width characters
  (U+200B–U+200D, U+2060, U+FEFF) and every other format or control character;
* a name uses Latin and Greek letters only (``θ``, ``γ``, ``ŷ``, ``x_1``): Cyrillic
  ``е`` (U+0435) or ``ℯ`` (U+212F) in place of ``e``, full-width or mathematical
  letters, and the Greek capitals and Latin look-alikes in ``HOMOGLYPHS`` are refused
  with the letter they imitate;
* names are normalised to NFC, which only joins a letter and its combining mark
  (``y`` + U+0302 is ``ŷ``, U+0177): both spellings look the same, so they are one
  name. NFKC is not applied: it turns ``x²`` into ``x2`` and ``ᵀ`` into ``T``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import NamedTuple

OPERATORS = {"**": "^", "−": "-", "·": "*", "⋅": "*", "ᵀ": "ᵀ", **{c: c for c in "+-*/^(),∘"}}
_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_ALLOWED = "numbers, names, + - − * · / ∘ ^ ** ( ) , ᵀ .T"
_HINTS = {
    "'": "no strings, no primes such as f'(x)", '"': "strings are not allowed",
    "`": "backticks are not allowed", "[": "indexing is not allowed",
    "]": "indexing is not allowed", "×": "write · or * for a product",
    "∗": "write · or * for a product", "–": "write - or − for a minus",
    "—": "write - or − for a minus", "‐": "write - or − for a minus",
    **{c: f"write ^{d} for a power" for c, d in zip("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789", strict=True)},
}  # fmt: skip
# Letters of an allowed script that look like another letter: refused, naming it.
HOMOGLYPHS = {
    **dict(zip("οΟΑΒΕΖΗΙΚΜΝΡΤΥΧϲϳ", "oOABEZHIKMNPTYXcj", strict=True)),  # Greek
    **dict(zip("аеорсухіјѕԁһ", "aeopcyxijsdh", strict=True)),  # Cyrillic, lower case
    **dict(zip("АВЕКМНОРСТХІЈЅ", "ABEKMHOPCTXIJS", strict=True)),  # Cyrillic, capitals
    "ı": "i", "ǀ": "|", "ǁ": "||", "ǂ": "‡", "ǃ": "!",  # Latin: dotless i, clicks
}  # fmt: skip
_MARKS = ((0x0300, 0x0370), (0x20D0, 0x2100))  # accents (ŷ), and marks for symbols (x⃗)


class Token(NamedTuple):
    kind: str  # "number", "name", "op", "end", or "bad" (then text is the error message)
    text: str  # an operator as the grammar knows it: "*" for · ⋅ *, "^" for ^ **
    col: int
    written: str = ""  # an operator as the text spells it, where that differs

    @property
    def shown(self) -> str:
        """The token as messages quote it: as it was written."""
        return self.written or self.text


def _code_point(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, 'unnamed character')}"


def describe(char: str) -> str:
    """A character as a message shows it: 'е' (U+0435 CYRILLIC SMALL LETTER IE)."""
    return f"{char!r} ({_code_point(char)})"


def _name_end(text: str, i: int) -> int:
    """Where the name at text[i] ends (i when there is none): a letter (not Lm: ᵀ is an
    operator) or _, then also ASCII digits and combining marks.
    """
    end = i
    while end < len(text) and (
        unicodedata.category(text[end]) in ("Lu", "Ll", "Lt", "Lo")
        or text[end] == "_"
        or (end > i and (text[end] in "0123456789" or unicodedata.category(text[end]) == "Mn"))
    ):
        end += 1
    return end


def _letter_problem(char: str) -> str | None:
    """Why char may not be in a name, or None when it may."""
    if char in "_0123456789":
        return None
    if char in HOMOGLYPHS:
        return f"looks like {HOMOGLYPHS[char]!r} but is another letter; write {HOMOGLYPHS[char]!r}"
    code, name = ord(char), unicodedata.name(char, "")
    if unicodedata.category(char) == "Mn":  # U+034F, the grapheme joiner, is invisible
        if code != 0x034F and any(a <= code < b for a, b in _MARKS):
            return None
        return (
            "combining marks other than accents (U+0300–U+036F, but not U+034F) and marks "
            "for symbols (U+20D0–U+20FF) are not allowed"
        )
    if (name.startswith("LATIN ") and code < 0x250) or (
        name.startswith("GREEK ") and 0x370 <= code < 0x400
    ):
        return None
    plain = unicodedata.normalize("NFKC", char)  # ℯ → e, ｅ → e; only when that is allowed
    if plain != char and not any(map(_letter_problem, plain)):
        return f"is a compatibility form of {plain!r}; write {plain!r}"
    return "names use Latin and Greek letters only"


def _bad_name(name: str, col: int) -> str | None:
    """The message for the first character of name that is not allowed, or None."""
    for offset, char in enumerate(name):
        if problem := _letter_problem(char):
            return f"character {describe(char)} at column {col + offset} in a name: {problem}"
    return None


def _unexpected(char: str, col: int) -> str:
    if unicodedata.category(char) in ("Cf", "Cc", "Co", "Cn", "Cs"):
        return (
            f"invisible or control character {describe(char)} at column {col}: bidirectional "
            "controls, zero-width and other format characters are not allowed; delete it"
        )
    message = f"unexpected character {char!r} at column {col}"
    if not char.isascii():
        message += f" ({_code_point(char)})"
    plain = unicodedata.normalize("NFKC", char)
    if hint := _HINTS.get(char) or (plain != char and f"a compatibility form of {plain!r}"):
        message += f" ({hint})"
    return f"{message}; allowed: {_ALLOWED}"


def tokenize(text: str) -> Iterator[Token]:
    """Tokens up to the first bad character, which becomes a "bad" token; then "end"."""
    i = 0
    while i < len(text):
        col, char = i + 1, text[i]
        if char in "\t\n\r " or (char.isspace() and unicodedata.category(char) != "Cc"):
            i += 1
        elif match := _NUMBER.match(text, i):
            yield Token("number", match[0], col)
            i = match.end()
        elif (end := _name_end(text, i)) > i:
            if problem := _bad_name(text[i:end], col):
                yield Token("bad", problem, col)
                return
            yield Token("name", unicodedata.normalize("NFC", text[i:end]), col)
            i = end
        elif char == "." and text[i + 1 : _name_end(text, i + 1)] == "T":
            yield Token("op", "ᵀ", col, ".T")
            i += 2
        elif (op := text[i : i + 2]) == "**" or (op := char) in OPERATORS:
            yield Token("op", OPERATORS[op], col, op if op != OPERATORS[op] else "")
            i += len(op)
        elif char == ".":
            what = f"attribute access '.{text[i + 1 : _name_end(text, i + 1)]}' at column {col}"
            yield Token("bad", f"{what} is not allowed; only .T (transpose)", col)
            return
        else:
            yield Token("bad", _unexpected(char, col), col)
            return
    yield Token("end", "", len(text) + 1)
