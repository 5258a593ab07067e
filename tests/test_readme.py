"""The README's "## Python API" section runs as written.

Its ```python blocks run in order in one namespace.  The first block uses names a reader
would have at hand (``symbols`` for the parser, ``a``, ``b`` and ``domains`` for
``check_equal``, arrays ``u`` and ``p`` for the emitted function): the preamble here
supplies them, from the derivation the block itself starts with.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

import derivations
from derivations import PROVED, Derivation
from derivations.functions import sigmoid

README = Path(__file__).parent.parent / "README.md"


def python_api_blocks() -> list[str]:
    """The ```python blocks between "## Python API" and the next "## " heading."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^```python\n(.*?)^```$", section, flags=re.M | re.S)


def preamble() -> dict[str, object]:
    """The free names of the first block: parser symbols, two expressions, arrays."""
    logit = derivations.get("bce_logit_gradient")
    u, p = logit.arguments
    return {
        "symbols": {"u": u, "p": p},
        "a": sigmoid(u) - p,
        "b": logit.closed_form.rhs,  # -p + σ(u): check_equal proves a = b
        "domains": logit.domains,
        # float32: float64 input warns unless JAX's x64 mode is on (bce_check.check.enable_x64)
        "u": np.linspace(-4.0, 4.0, 9, dtype=np.float32),
        "p": np.linspace(0.0, 1.0, 9, dtype=np.float32),
    }


def test_the_section_has_the_two_blocks():
    blocks = python_api_blocks()
    assert len(blocks) == 2
    assert blocks[0].startswith("import derivations\n")
    assert "check_gradient" in blocks[1]


def test_the_python_api_blocks_run_and_say_what_their_comments_say():
    namespace = preamble()
    for block in python_api_blocks():
        exec(compile(block, str(README), "exec"), namespace)
    assert isinstance(namespace["d"], Derivation)
    assert namespace["d"].proof.verdict == PROVED
    assert str(namespace["d"].closed_form) == "Eq(Derivative(L(u), u), -p + sigmoid(u))"
    assert isinstance(namespace["mine"], Derivation)
    assert namespace["mine"].proof.verdict == PROVED
    assert "def " in namespace["g"].source
    assert namespace["report"].ok is True
