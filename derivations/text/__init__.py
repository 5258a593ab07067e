"""Maths text: the lexer, the whitelist parser, ``where`` clauses, shapes.

Safe against hostile text, in four places: the lexer (``_lexer``) refuses invisible
characters (bidirectional controls, zero-width) and look-alike letters (Cyrillic ``е``
or ``ℯ`` for ``e``), naming each by its code point; ``MAX_LENGTH`` and ``MAX_DEPTH``
bound the text and its nesting; the guards (``_guards``) refuse, before SymPy builds
them, numbers and constants too costly to compute and values that are not real
(``(-2)^sqrt(2)``), in time linear in the text; the shape rules (``_shapes``) refuse
matrix text with no meaning (``θ·θ``, ``θ/θ``, ``X^2`` for a non-square X,
``(Xᵀ·X)^(10^9)``). What SymPy then does with a parsed expression is bounded by
``derivations.run_limited``.
"""

from ._parse import (
    FUNCTIONS,
    parse,
)
from ._where import (
    check_names,
    domain_of,
    domains_from,
    shapes_from,
    size,
)

__all__ = [
    "FUNCTIONS",
    "check_names",
    "domain_of",
    "domains_from",
    "parse",
    "shapes_from",
    "size",
]
