"""The proof strategies: named Coq tactic scripts, tried in order on each lemma.

Rules as data, as the STRATEGIES table of the SymPy proof engine is for SymPy: adding a strategy
is adding an entry.  ``_preamble.PREAMBLE`` defines the Ltac helpers they share
(positivity of sums, products and quotients of exponentials; side conditions of
``auto_derive`` and ``field``); ``_coq_logs`` writes the rewrites that ``{logs}`` and
``{powers}`` stand for.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Strategy:
    """A named Coq tactic script that should close a lemma's goal after ``intros``.

    ``kinds`` says which lemmas it applies to: ``equality`` (a = b), ``derivative``
    (``is_derive f x l``) or ``second derivative`` (``is_derive_n f 2 x l``, or
    ``is_derive`` of a ``Derive``: a Hessian's entry).  ``{variable}`` and ``{first}`` in
    a script stand for the lemma's variable and SymPy's first derivative (a strategy
    that uses them is tried only where the lemma has one).
    """

    name: str
    script: str
    kinds: frozenset[str]


EQUALITY, DERIVATIVE, SECOND = "equality", "derivative", "second derivative"

STRATEGIES: tuple[Strategy, ...] = (
    Strategy(
        "unfold σ, field",
        "unfold σ, softplus in *; field; bce_side",
        frozenset({EQUALITY}),
    ),
    Strategy(
        "e^(−x) = 1/e^x, field",
        "unfold σ, softplus in *; rewrite ?exp_Ropp; field; bce_side",
        frozenset({EQUALITY}),
    ),
    Strategy(
        "expand logs, field",
        "unfold σ, softplus, Rpower in *; "
        "rewrite ?ln_div, ?ln_mult, ?ln_exp, ?ln_1 by bce_positive; "
        "field; bce_side",
        frozenset({EQUALITY}),
    ),
    Strategy(
        "− and / unfolded, e^(−x) = 1/e^x, field",
        "unfold σ, softplus, Rminus, Rdiv in *; rewrite ?exp_Ropp; field; bce_side",
        frozenset({EQUALITY}),
    ),
    Strategy(
        "exponentials of sums as products, field",
        "unfold σ, softplus, Rminus, Rdiv in *; "
        "rewrite ?Ropp_plus_distr, ?Ropp_involutive, ?exp_plus, ?exp_Ropp; field; bce_side",
        frozenset({EQUALITY}),
    ),
    Strategy(
        "equal functions, equal derivatives",
        "apply Derive_ext; intro; unfold σ, softplus in *; field; bce_side",
        frozenset({EQUALITY}),
    ),
    Strategy(
        "equal log arguments, field",
        "unfold σ, softplus in *; bce_congruence",
        frozenset({EQUALITY}),
    ),
    Strategy(
        "logs and powers in one basis, field",
        "{logs} unfold σ, softplus in *; rewrite ?exp_Ropp; field; bce_side",
        frozenset({EQUALITY}),
    ),
    Strategy(  # σ(u/T) against σ(−u/T), σ(b + u) against σ(−b − u)
        "exponentials of equal or opposite arguments as one atom, field",
        "unfold σ, softplus in *; bce_exps; rewrite ?exp_Ropp; field; bce_side",
        frozenset({EQUALITY}),
    ),
    Strategy(
        "real powers in one basis, auto_derive, field",
        "{powers} unfold σ, softplus in *; auto_derive; [bce_side | rewrite ?exp_Ropp; field; "
        "bce_side]",
        frozenset({DERIVATIVE}),
    ),
    Strategy(
        "auto_derive, field",
        "unfold σ, softplus in *; auto_derive; [bce_side | field; bce_side]",
        frozenset({DERIVATIVE}),
    ),
    Strategy(
        "auto_derive, e^(−x) = 1/e^x, field",
        "unfold σ, softplus in *; auto_derive; [bce_side | rewrite ?exp_Ropp; field; bce_side]",
        frozenset({DERIVATIVE}),
    ),
    Strategy(
        "auto_derive, ring",
        "unfold σ, softplus in *; auto_derive; [bce_side | ring]",
        frozenset({DERIVATIVE}),
    ),
    Strategy(
        "real powers as exp ∘ ln, auto_derive, field",
        "unfold σ, softplus, Rpower in *; auto_derive; [bce_side | rewrite ?exp_Ropp; field; "
        "bce_side]",
        frozenset({DERIVATIVE}),
    ),
    Strategy(  # u/T and m − y·u: one spelling of − and / for field's atoms (exp(m − u·y)
        # and exp(m + −(u·y)) are two atoms to it)
        "− and / unfolded, auto_derive, e^(−x) = 1/e^x, field",
        "unfold σ, softplus, Rminus, Rdiv in *; auto_derive; "
        "[bce_side | unfold Rminus, Rdiv in *; rewrite ?exp_Ropp; field; bce_side]",
        frozenset({DERIVATIVE}),
    ),
    Strategy(  # σ(−b − u) against σ(b + u): e^(b+u) and e^(−b+−u) as products of e^b, e^u
        "auto_derive, exponentials of sums as products, field",
        "unfold σ, softplus, Rminus, Rdiv in *; auto_derive; "
        "[bce_side | unfold Rminus, Rdiv in *; "
        "rewrite ?Ropp_plus_distr, ?Ropp_involutive, ?exp_plus, ?exp_Ropp; field; bce_side]",
        frozenset({DERIVATIVE}),
    ),
    Strategy(
        "auto_derive, exponentials of equal or opposite arguments as one atom, field",
        "unfold σ, softplus in *; auto_derive; [bce_side | bce_exps; rewrite ?exp_Ropp; field; "
        "bce_side]",
        frozenset({DERIVATIVE}),
    ),
    Strategy(
        "real powers in one basis, − and / unfolded, auto_derive, field",
        "{powers} unfold σ, softplus, Rminus, Rdiv in *; auto_derive; "
        "[bce_side | unfold Rminus, Rdiv in *; rewrite ?exp_Ropp; field; bce_side]",
        frozenset({DERIVATIVE}),
    ),
    Strategy(
        "SymPy's first derivative, auto_derive twice, field",
        "try simpl is_derive_n; apply (is_derive_ext (fun {variable} => {first})); "
        "unfold σ, softplus in *; "
        "[intro; symmetry; apply is_derive_unique; auto_derive; [bce_side | field; bce_side] "
        "| auto_derive; [bce_side | field; bce_side]]",
        frozenset({SECOND}),
    ),
    Strategy(
        "auto_derive twice, field",
        "unfold σ, softplus in *; try simpl is_derive_n; eapply is_derive_ext; "
        "[intro; symmetry; apply is_derive_unique; auto_derive; [bce_side | reflexivity] | ]; "
        "auto_derive; [bce_side | field; bce_side]",
        frozenset({SECOND}),
    ),
)
