"""Run ``bce-check derive`` on the losses of docs/your-own-loss.md ("Losses tried").

Prints one Markdown row per loss: exit code, proof verdict, and the verify verdict with
the references that failed, as the table in the docs.  Usage::

    python bench/losses_tried.py [--dtype float32] [INDEX ...]

Each loss runs ``--emit jax -o F --verify --samples 20000`` (seed 0) in a subprocess;
the emitted modules go to a temporary directory.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import tempfile
from pathlib import Path

CASES = [  # (label, EXPR, --where constraints)
    (
        "focal α",
        "-α·p·(1 - σ(u))^γ·log(σ(u)) - (1 - α)·(1 - p)·σ(u)^γ·log(1 - σ(u))",
        ["p in [0, 1]", "α in [0, 1]", "γ >= 0"],
    ),
    (
        "label smoothing",
        "-((1 - ε)·y + ε/2)·log(σ(u)) - (1 - (1 - ε)·y - ε/2)·log(1 - σ(u))",
        ["y in {0, 1}", "ε in [0, 1]"],
    ),
    ("pos-weight BCE", "-w·p·log(σ(u)) - (1 - p)·log(1 - σ(u))", ["p in [0, 1]", "w > 0"]),
    ("Poisson NLL", "exp(u) - y·u", ["y >= 0"]),
    ("squared error on σ", "(σ(u) - y)^2", ["y in [0, 1]"]),
    ("log-cosh", "log(cosh(u - y))", []),
    ("pseudo-Huber", "δ^2·(sqrt(1 + ((u - y)/δ)^2) - 1)", ["δ > 0"]),
    ("squared hinge via softplus", "softplus(1 - y·u)^2", ["y in {-1, 1}"]),
    ("logistic, y in {-1,1}", "softplus(-y·u)", ["y in {-1, 1}"]),
    ("generalised CE", "(1 - σ(u)^q)/q", ["q in (0, 1]"]),
    ("α-loss", "α/(α - 1)·(1 - σ(u)^(1 - 1/α))", ["α > 1"]),
    ("BCE with logits", "softplus(u) - p·u", ["p in [0, 1]"]),
    ("exponential loss", "exp(-y·u)", ["y in {-1, 1}"]),
    ("Gaussian NLL, log variance", "u/2 + (y - m)^2·exp(-u)/2", []),
    ("binary entropy of σ", "σ(u)·log(σ(u)) + (1 - σ(u))·log(1 - σ(u))", []),
    ("swish", "u·σ(u)", []),
    ("σ^γ, γ = 0 allowed", "σ(u)^γ", ["γ >= 0"]),
    ("u^2", "u^2", []),
    ("exp(-u)", "exp(-u)", []),
    ("log(1 + u^2)", "log(1 + u^2)", []),
    ("1/(1 + u^2)", "1/(1 + u^2)", []),
    ("tanh", "tanh(u)", []),
    ("sqrt(1 + u^2)", "sqrt(1 + u^2)", []),
    ("L1", "abs(u - y)", []),
    ("u·sign(u)", "u·sign(u)", []),
    ("2γ/sign(u)", "2·γ/sign(u)", []),
    ("constant p", "p", []),
    ("VAR absent", "σ(x)", []),
    ("log(u), u real", "log(u)", []),
    ("sqrt(u), u real", "sqrt(u)", []),
    ("1/u", "1/u", []),
    ("u^γ", "u^γ", ["γ >= 0"]),
    ("BCE on a probability q", "-p·log(q) - (1 - p)·log(1 - q)", ["p in [0, 1]"]),
    (
        "exp form of BCE",
        "-p·log(1/(1 + e^(-u))) - (1 - p)·log(e^(-u)/(1 + e^(-u)))",
        ["p in [0, 1]"],
    ),
    ("log1p(exp(u))", "log1p(exp(u))", []),
    ("cosh", "cosh(u)", []),
    ("Tweedie", "-y·exp((1 - ρ)·u)/(1 - ρ) + exp((2 - ρ)·u)/(2 - ρ)", ["y >= 0", "ρ in (1, 2)"]),
    ("log σ squared", "log(σ(u))^2", []),
    ("u - u (cancels)", "u - u", []),
    ("log1p(u^2)", "log1p(u^2)", []),
    ("|σ(u) - p|", "abs(σ(u) - p)", ["p in [0, 1]"]),
    ("p·log p at p = 0", "softplus(u) - p·u + p·log(p)", ["p in [0, 1]"]),
    (
        "BCE with ε inside the logs",
        "-p·log(σ(u) + ε) - (1 - p)·log(1 - σ(u) + ε)",
        ["p in [0, 1]", "ε > 0"],
    ),
    ("smooth L1", "sqrt(u^2 + ε)", ["ε > 0"]),
    ("BCE as a log of powers", "-log(σ(u)^p·(1 - σ(u))^(1 - p))", ["p in [0, 1]"]),
    ("|u|^1.5", "abs(u)^1.5", []),
    ("product of logs", "log(σ(u))·log(1 - σ(u))", []),
    ("BCE + L2", "-y·log(σ(u)) - (1 - y)·log(1 - σ(u)) + λ·u^2", ["y in {0, 1}", "λ >= 0"]),
    ("u·e^u", "u·e^u", []),
    ("Gaussian bump", "e^(-u^2)", []),
    ("logistic via log(1 + exp)", "log(1 + exp(-y·u))", ["y in {-1, 1}"]),
    ("softplus with temperature", "softplus(u)/τ", ["τ > 0"]),
    ("linear", "2·u + p", []),
]

SHORT = {"jax.grad": "grad", "jax.jvp": "jvp", "finite-difference": "FD", "complex-step": "CS"}
FAILED = re.compile(r"^  (jax\.grad|jax\.jvp|finite-difference|complex-step)\s.*\sfail\s", re.M)


def run(label: str, expr: str, where: list[str], out: Path, dtype: str) -> str:
    """One table row: the command's exit code, proof verdict and verify verdict."""
    wrt = "q" if "probability q" in label else "u"
    command = ["bce-check", "derive", expr, "--wrt", wrt, "--emit", "jax", "-o", str(out)]
    command += ["--verify", "--samples", "20000", "--dtype", dtype]
    for constraint in where:
        command += ["--where", constraint]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    text = done.stdout + done.stderr
    proof = re.search(r"^  verdict: (\S+)", text, re.M)
    verify = re.search(r"^verdict: (\S+)", text, re.M)
    failed = ", ".join(SHORT[f] for f in FAILED.findall(text))
    shown = (verify[1] + (f" ({failed})" if failed else "")) if verify else "—"
    error = re.search(r"^bce-check: error: (.*)$", text, re.M)
    crash = " TRACEBACK" if "Traceback" in text else ""
    return (
        f"| {label} | {done.returncode} | {proof[1] if proof else '—'} | {shown} | "
        f"{error[1] if error else ''}{crash} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    parser.add_argument("index", nargs="*", type=int, help="rows to run (from 1); default all")
    args = parser.parse_args()
    print("| loss | exit | proof | verify | message |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for i, (label, expr, where) in enumerate(CASES, start=1):
            if not args.index or i in args.index:
                print(run(label, expr, where, Path(folder) / f"loss{i}.py", args.dtype), flush=True)


if __name__ == "__main__":
    main()
