"""The preamble of every certificate: Coquelicot, σ and softplus from ``exp`` and ``ln``,
and the Ltac helpers the strategies of ``_strategies`` share."""

# The file preamble: σ and softplus from exp and ln, and the helpers the strategies use.
PREAMBLE = r"""From Coquelicot Require Import Coquelicot.
Require Import Reals Lra Psatz.
Open Scope R_scope.

Definition σ (x : R) : R := 1 / (1 + exp (- x)).
Definition softplus (x : R) : R := ln (1 + exp x).

Lemma bce_positive_as : forall s p : R, p = s -> 0 < p -> 0 < s.
Proof. intros s p E H. rewrite <- E. exact H. Qed.

(* 0 < t for every exponential t in the goal, as hypotheses. *)
Ltac bce_exp_facts :=
  repeat match goal with
  | |- context [exp ?a] =>
      lazymatch goal with
      | _ : 0 < exp a |- _ => fail
      | _ => pose proof (exp_pos a)
      end
  end.

(* 1 − σ(a) = e^a/(1 + e^a) > 0, as auto_derive writes it (with and without Rminus). *)
Lemma bce_one_minus_σ : forall a : R, 0 < 1 + - (1 * / (1 + exp a)).
Proof.
  intro a. pose proof (exp_pos a).
  replace (1 + - (1 * / (1 + exp a))) with (exp a / (1 + exp a)) by (field; lra).
  apply Rdiv_lt_0_compat; lra.
Qed.
Lemma bce_one_minus_σ' : forall a : R, 0 < 1 - 1 / (1 + exp a).
Proof. intro a. unfold Rminus, Rdiv. apply bce_one_minus_σ. Qed.

(* 0 < e for e built from positive constants, exponentials and hypotheses by +, *, /, ^. *)
Ltac bce_pos :=
  match goal with
  | |- 0 < 1 + - (1 * / (1 + exp _)) => apply bce_one_minus_σ
  | |- 0 < 1 - 1 / (1 + exp _) => apply bce_one_minus_σ'
  | |- 0 < exp _ => apply exp_pos
  | |- 0 < _ + _ => apply Rplus_lt_0_compat; bce_pos
  | |- 0 < _ * _ => apply Rmult_lt_0_compat; bce_pos
  | |- 0 < _ / _ => apply Rdiv_lt_0_compat; bce_pos
  | |- 0 < / _ => apply Rinv_0_lt_compat; bce_pos
  | |- 0 < _ ^ _ => apply pow_lt; bce_pos
  | H : forall _ : R, _ |- _ => apply H
  | |- _ => first [assumption | lra]
  end.

(* 0 < e or e <> 0: structurally, else by (n)linear arithmetic over the exponentials. *)
Ltac bce_positive :=
  first [ bce_pos | bce_exp_facts; nra ].
Ltac bce_nonzero :=
  first [ apply not_eq_sym, Rlt_not_eq; bce_positive
        | bce_exp_facts; intro; nra ].

(* The side conditions auto_derive and field leave: conjunctions of the two forms above. *)
Ltac bce_side :=
  repeat match goal with
  | |- _ /\ _ => split
  | |- True => exact I
  end;
  lazymatch goal with
  | |- 0 < _ => bce_positive
  | |- _ <> 0 => bce_nonzero
  | |- ?g => fail "bce_side: not a positivity or non-zero condition:" g
  end.

(* a = b by equal arguments of ln (field proves those) and equal everything else. *)
Ltac bce_congruence :=
  match goal with
  | |- ?a = ?a => reflexivity
  | |- ln _ = ln _ => f_equal; rewrite ?exp_Ropp; field; bce_side
  | |- ?f _ _ = ?f _ _ => f_equal; bce_congruence
  | |- ?f _ = ?f _ => f_equal; bce_congruence
  end.

(* Exponentials of ring-equal or opposite arguments as one atom for field: e^a as e^b
   where a = b, as 1/e^b where a = −b (e^(−u/T) and e^(−(u/T)), e^(−b−u) and e^(b+u)).
   Each rewrite removes the atom e^a, so the loop ends. *)
Lemma bce_exp_same : forall a b : R, a = b -> exp a = exp b.
Proof. intros a b E. rewrite E. reflexivity. Qed.
Lemma bce_exp_opposite : forall a b : R, a = - b -> exp a = / exp b.
Proof. intros a b E. rewrite E. apply exp_Ropp. Qed.
Ltac bce_exps :=
  repeat match goal with
  | |- context [exp ?a] =>
      match goal with
      | |- context [exp ?b] =>
          tryif constr_eq a b then fail else
          first [ rewrite (bce_exp_same a b) by (unfold Rminus, Rdiv; ring)
                | rewrite (bce_exp_opposite a b) by (unfold Rminus, Rdiv; ring) ]
      end
  end.
"""
