"""Eight losses from papers, certified end to end: how many coqc accepts.

    PYTHONPATH=. python bench/certify_losses.py

Each loss goes through ``certify_expression`` (``bce-check certify --expr``); the line per
loss gives its outcome (certified, unproved, false) and, when not certified, why.
"""

from __future__ import annotations

import tempfile
import time

from bce_check.certify import Outcome, certify_expression

LOSSES = [  # (name, paper, loss, where)
    ("bce_temperature", "Hinton et al. 2015 (distillation)",
     "-p·log(σ(u/T)) - (1 - p)·log(1 - σ(u/T))", ["p in [0, 1]", "T > 0"]),
    ("logit_adjusted_bce", "Menon et al. 2021",
     "-p·log(σ(u + b)) - (1 - p)·log(1 - σ(u + b))", ["p in [0, 1]"]),
    ("asymmetric_negative", "Ridnik et al. 2021 (ASL, γ₋ = 2)",
     "-σ(u)^2·log(1 - σ(u))", []),
    ("gce", "Zhang & Sabuncu 2018",
     "p·(1 - σ(u)^q)/q + (1 - p)·(1 - σ(-u)^q)/q", ["p in [0, 1]", "q in (0, 1]"]),
    ("focal", "Lin et al. 2017",
     "-p·(1 - σ(u))^γ·log(σ(u)) - (1 - p)·σ(u)^γ·log(1 - σ(u))", ["p in [0, 1]", "γ >= 0"]),
    ("poly1", "Leng et al. 2022 (Poly-1, hard label)",
     "-log(σ(u)) + ε·(1 - σ(u))", []),
    ("pos_weight_bce", "PyTorch BCEWithLogitsLoss(pos_weight)",
     "-w·p·log(σ(u)) - (1 - p)·log(1 - σ(u))", ["p in [0, 1]", "w > 0"]),
    ("margin_logistic", "logistic loss with margin m",
     "log(1 + e^(m - y·u))", ["y in {-1, 1}"]),
]  # fmt: skip


def main() -> None:
    certified = 0
    with tempfile.TemporaryDirectory() as directory:
        for name, paper, loss, where in LOSSES:
            started = time.perf_counter()
            certificate = certify_expression(loss, "u", where, directory, name)
            certified += certificate.outcome == Outcome.CERTIFIED
            why = f"  ({certificate.why[:90]})" if certificate.why else ""
            seconds = time.perf_counter() - started
            print(f"{name:<22} {certificate.outcome:<10} {seconds:5.1f} s  {paper}{why}")
    print(f"{certified} of {len(LOSSES)} certified")


if __name__ == "__main__":
    main()
