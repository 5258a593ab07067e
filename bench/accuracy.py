"""Accuracy, in ulps, of the emitted binary cross-entropy loss and its gradient.

Run:  python bench/accuracy.py [--points 400] [--no-jit]

What is measured: the derivation ``bce_logit_gradient``, emitted for NumPy and for JAX
(``bce_check.emit``), beside a naive ``sympy.lambdify`` of the exp form and optax:

* the loss L(u, p) = −p·log σ(u) − (1 − p)·log(1 − σ(u)): "emitted numpy", "emitted jax"
  (the emitted ``definition``), "naive lambdify" (of ``to_exp_form(d.definition)``) and
  "optax" (``optax.sigmoid_binary_cross_entropy``);
* the gradient dL/du = σ(u) − p: "emitted numpy", "emitted jax" (the emitted
  ``function``), "naive lambdify" (of ``to_exp_form(d.closed_form.rhs)``) and
  "jax.grad of optax" (``jax.vmap(jax.grad(optax.sigmoid_binary_cross_entropy))``),

each in float64 and in float32 (JAX with ``jax_enable_x64``; JAX functions jitted, or
called eagerly with ``--no-jit``: XLA's fused code rounds differently, by up to 1 ulp).

How: on the grid u ∈ {0, ±logspace(−8, 3, K)} × p ∈ {0, 1e-6, 0.1, 0.5, 0.9, 1 − 1e-6, 1},
cast to the dtype under test first, every implementation is evaluated in that dtype and
compared with a 60-digit mpmath reference computed at the rounded inputs, from
cancellation-free formulas: L = (1 − p)·u + log1p(e^{−u}) for u ≥ 0 and
L = −p·u + log1p(e^{u}) for u < 0 (the textbook log1p(e^u) − p·u cancels even at 60
digits for u ≳ 140), σ(u) = 1/(1 + e^{−u}) or e^{u}/(1 + e^{u}) by the sign of u.

* loss error: |computed − ref| / spacing(|ref| rounded to the dtype), in ulps;
* gradient error: |computed − ref| / spacing(max(|σ(u)|, |p|) rounded to the dtype), in
  spacings of the larger of the two terms (σ(u) from the reference);
* "subnormal-ref": points whose reference (loss) or scale max(|σ(u)|, |p|) (gradient) is
  below the dtype's smallest normal number: counted apart, not in max/median/p99 (XLA on
  CPU flushes subnormals to zero);
* "non-finite": points where the computed value is inf or nan (the reference always is
  finite): counted apart, not in max/median/p99. The two columns may overlap.

Targets (a line per target says met / NOT met with the measured figure):

1. emitted loss, NumPy: max ≤ 1 ulp in float64 and ≤ 2 ulp in float32;
2. emitted loss, JAX: never worse than optax (max and p99) in each dtype;
3. no non-finite values from the emitted functions (loss and gradient, both targets);
4. emitted gradient within 2 spacings of max(|σ(u)|, |p|) (both targets, both dtypes).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import mpmath  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402
import sympy  # noqa: E402

import derivations  # noqa: E402
from bce_check.emit import emit  # noqa: E402
from derivations.functions import to_exp_form  # noqa: E402

DPS = 60
DTYPES = (np.float64, np.float32)
P_VALUES = (0.0, 1e-6, 0.1, 0.5, 0.9, 1 - 1e-6, 1.0)
NUMPY_LOSS_TARGET = {np.float64: 1.0, np.float32: 2.0}
GRADIENT_TARGET = 2.0


def grid(points: int, dtype) -> tuple[np.ndarray, np.ndarray]:
    """u = 0, ±logspace(−8, 3, points) times the p values, rounded to ``dtype``."""
    magnitudes = np.logspace(-8, 3, points)
    u = np.concatenate([-magnitudes[::-1], [0.0], magnitudes])
    uu, pp = np.meshgrid(u, np.asarray(P_VALUES), indexing="ij")
    return uu.ravel().astype(dtype), pp.ravel().astype(dtype)


_REFERENCE_CACHE: dict[tuple[float, float], tuple[mpmath.mpf, mpmath.mpf]] = {}


def reference(u: float, p: float) -> tuple[mpmath.mpf, mpmath.mpf]:
    """(L(u, p), σ(u)) at 60 digits, from formulas in which no two terms cancel."""
    key = (u, p)
    if key not in _REFERENCE_CACHE:
        x, q = mpmath.mpf(u), mpmath.mpf(p)
        if x >= 0:
            e = mpmath.exp(-x)
            loss = (1 - q) * x + mpmath.log1p(e)
            sigma = 1 / (1 + e)
        else:
            e = mpmath.exp(x)
            loss = -q * x + mpmath.log1p(e)
            sigma = e / (1 + e)
        _REFERENCE_CACHE[key] = (loss, sigma)
    return _REFERENCE_CACHE[key]


def round_to(x: mpmath.mpf, dtype) -> float:
    """``x`` correctly rounded to ``dtype`` (returned as a Python float; normal range)."""
    with mpmath.workprec(np.finfo(dtype).nmant + 1):
        return float(+x)


@dataclass
class Row:
    quantity: str
    implementation: str
    dtype: type
    errors: np.ndarray  # ulps or spacings, over the points counted in the statistics
    where: np.ndarray  # index into the grid of each error
    nonfinite: int
    first_nonfinite: int | None
    subnormal: int

    def stat(self, name: str) -> float:
        if self.errors.size == 0:
            return float("nan")
        if name == "max":
            return float(self.errors.max())
        return float(np.percentile(self.errors, {"median": 50, "p99": 99}[name]))

    def worst(self) -> int | None:
        return int(self.where[np.argmax(self.errors)]) if self.errors.size else None


def measure(quantity, implementation, dtype, computed, refs, scales, tiny) -> Row:
    """Errors of ``computed`` against the 60-digit ``refs``, in spacings of ``scales``."""
    computed = np.asarray(computed)
    if computed.dtype != dtype:
        raise TypeError(f"{implementation} returned {computed.dtype}, not {np.dtype(dtype)}")
    finite = np.isfinite(computed)
    normal = np.abs(scales) >= tiny
    keep = np.flatnonzero(finite & normal)
    spacing = np.spacing(np.abs(scales).astype(dtype)).astype(np.float64)
    errors = np.array(
        [float(abs(mpmath.mpf(float(computed[i])) - refs[i]) / spacing[i]) for i in keep]
    )
    bad = np.flatnonzero(~finite)
    return Row(
        quantity,
        implementation,
        dtype,
        errors,
        keep,
        int(bad.size),
        int(bad[0]) if bad.size else None,
        int((~normal).sum()),
    )


def implementations(d, jit: bool = True):
    """{quantity: {name: f(u, p) -> array}} for NumPy arrays of one dtype."""
    np_code, jax_code = emit(d, "numpy"), emit(d, "jax")
    u_sym, p_sym = d.arguments
    naive_loss = sympy.lambdify((u_sym, p_sym), to_exp_form(d.definition), "numpy")
    naive_grad = sympy.lambdify((u_sym, p_sym), to_exp_form(d.closed_form.rhs), "numpy")
    wrap = jax.jit if jit else (lambda f: f)
    jax_loss = wrap(jax_code.definition)
    jax_grad = wrap(jax_code.function)
    optax_loss = wrap(optax.sigmoid_binary_cross_entropy)
    optax_grad = wrap(jax.vmap(jax.grad(optax.sigmoid_binary_cross_entropy)))

    def on_jax(f):
        return lambda u, p: np.asarray(f(jnp.asarray(u), jnp.asarray(p)))

    return {
        "loss": {
            "emitted numpy": np_code.definition,
            "emitted jax": on_jax(jax_loss),
            "naive lambdify": naive_loss,
            "optax": on_jax(optax_loss),
        },
        "gradient": {
            "emitted numpy": np_code.function,
            "emitted jax": on_jax(jax_grad),
            "naive lambdify": naive_grad,
            "jax.grad of optax": on_jax(optax_grad),
        },
    }


def compact(x: float) -> str:
    if np.isnan(x):
        return "-"
    if x == 0:
        return "0"
    if 0.01 <= x < 1e4:
        return f"{x:.3g}"
    return f"{x:.1e}"


def point(u: np.ndarray, p: np.ndarray, i: int | None) -> str:
    return "-" if i is None else f"(u, p) = ({float(u[i])!r}, {float(p[i])!r})"


def print_table(quantity: str, rows: list[Row], unit: str) -> None:
    header = ("implementation", "dtype", "max", "median", "p99", "non-finite", "subnormal-ref")
    lines = [
        (
            r.implementation,
            np.dtype(r.dtype).name,
            compact(r.stat("max")),
            compact(r.stat("median")),
            compact(r.stat("p99")),
            str(r.nonfinite),
            str(r.subnormal),
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(line[k]) for line in lines)) for k, h in enumerate(header)]
    print(f"\n{quantity} error, {unit}")
    print(
        "  ".join(
            h.ljust(w) if k < 2 else h.rjust(w)
            for k, (h, w) in enumerate(zip(header, widths, strict=True))
        )
    )
    for line in lines:
        print(
            "  ".join(
                c.ljust(w) if k < 2 else c.rjust(w)
                for k, (c, w) in enumerate(zip(line, widths, strict=True))
            )
        )


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--points", type=int, default=400, help="K: |u| values per sign (default 400)"
    )
    parser.add_argument(
        "--no-jit", action="store_true", help="call the JAX functions eagerly, not jitted"
    )
    return parser.parse_args()


def references(u: np.ndarray, p: np.ndarray, dtype) -> dict[str, tuple[list, np.ndarray]]:
    """{quantity: (60-digit references, the scale each error is measured in)} on the grid."""
    refs = [reference(float(a), float(b)) for a, b in zip(u, p, strict=True)]
    loss_ref = [loss for loss, _ in refs]
    grad_ref = [sigma - mpmath.mpf(float(b)) for (_, sigma), b in zip(refs, p, strict=True)]
    # scales, rounded once from the reference to the dtype under test (p is exact in it)
    loss_scale = np.array([round_to(loss, dtype) for loss in loss_ref])
    sigma = np.array([round_to(sigma, dtype) for _, sigma in refs])
    grad_scale = np.maximum(np.abs(sigma), np.abs(p.astype(np.float64)))
    return {"loss": (loss_ref, loss_scale), "gradient": (grad_ref, grad_scale)}


def measure_all(funcs, points: int) -> tuple[dict[tuple[str, str, type], Row], dict]:
    """A Row per (quantity, implementation, dtype), and the grid of each dtype."""
    rows: dict[tuple[str, str, type], Row] = {}
    grids = {}
    for dtype in DTYPES:
        u, p = grid(points, dtype)
        grids[dtype] = (u, p)
        tiny = float(np.finfo(dtype).tiny)
        for quantity, (ref, scale) in references(u, p, dtype).items():
            for name, f in funcs[quantity].items():
                rows[quantity, name, dtype] = measure(
                    quantity, name, dtype, f(u, p), ref, scale, tiny
                )
    return rows, grids


def print_tables(rows: dict[tuple[str, str, type], Row], n: int, points: int, jit: bool) -> None:
    print(
        f"bce_logit_gradient: {n} points per dtype (u = 0, ±logspace(-8, 3, {points}); "
        f"p in {{0, 1e-6, 0.1, 0.5, 0.9, 1-1e-6, 1}}), reference: mpmath, {DPS} digits; "
        f"JAX {'jitted' if jit else 'eager'}"
    )
    for quantity, unit in (
        ("loss", "ulps of the reference"),
        ("gradient", "spacings of max(|σ(u)|, |p|)"),
    ):
        print_table(quantity, [r for (q, _, _), r in rows.items() if q == quantity], unit)


def verdict(label: str, ok: bool, figure: str, grids, row: Row | None = None, show_worst=False):
    """Print one target check's line (with the worst point where useful); return ``ok``."""
    u, p = grids[row.dtype] if row else (None, None)
    worst = ""
    if row is not None and (show_worst or not ok):
        i = row.first_nonfinite if row.nonfinite and show_worst == "nonfinite" else row.worst()
        worst = f"; worst at {point(u, p, i)}"
    print(f"  {'met    ' if ok else 'NOT met'}  {label}: {figure}{worst}")
    return ok


def numpy_loss_targets(rows, grids) -> list[bool]:
    """Target 1: the emitted NumPy loss within NUMPY_LOSS_TARGET ulps."""
    results = []
    for dtype in DTYPES:
        row = rows["loss", "emitted numpy", dtype]
        limit = NUMPY_LOSS_TARGET[dtype]
        results.append(
            verdict(
                f"1. emitted numpy loss, {np.dtype(dtype).name}",
                row.stat("max") <= limit,
                f"max {compact(row.stat('max'))} ulp (target ≤ {limit:g})",
                grids,
                row,
                show_worst=True,
            )
        )
    return results


def jax_loss_targets(rows, grids) -> list[bool]:
    """Target 2: the emitted JAX loss never worse than optax, in max and p99."""
    results = []
    for dtype in DTYPES:
        ours, theirs = rows["loss", "emitted jax", dtype], rows["loss", "optax", dtype]
        ok = ours.stat("max") <= theirs.stat("max") and ours.stat("p99") <= theirs.stat("p99")
        results.append(
            verdict(
                f"2. emitted jax loss, {np.dtype(dtype).name}",
                ok,
                f"max {ours.stat('max'):.4g} vs optax {theirs.stat('max'):.4g}, "
                f"p99 {ours.stat('p99'):.4g} vs optax {theirs.stat('p99'):.4g}",
                grids,
                ours,
                show_worst=True,
            )
        )
    return results


def finite_targets(rows, grids) -> list[bool]:
    """Target 3: no non-finite value from an emitted function."""
    results = []
    for quantity in ("loss", "gradient"):
        for impl in ("emitted numpy", "emitted jax"):
            for dtype in DTYPES:
                row = rows[quantity, impl, dtype]
                results.append(
                    verdict(
                        f"3. {impl} {quantity}, {np.dtype(dtype).name}",
                        row.nonfinite == 0,
                        f"{row.nonfinite} non-finite",
                        grids,
                        row if row.nonfinite else None,
                        show_worst="nonfinite",
                    )
                )
    return results


def gradient_targets(rows, grids) -> list[bool]:
    """Target 4: the emitted gradient within GRADIENT_TARGET spacings."""
    results = []
    for impl in ("emitted numpy", "emitted jax"):
        for dtype in DTYPES:
            row = rows["gradient", impl, dtype]
            results.append(
                verdict(
                    f"4. {impl} gradient, {np.dtype(dtype).name}",
                    row.stat("max") <= GRADIENT_TARGET,
                    f"max {compact(row.stat('max'))} spacings (target ≤ {GRADIENT_TARGET:g})",
                    grids,
                    row,
                    show_worst=True,
                )
            )
    return results


def print_targets(rows, grids) -> list[bool]:
    """Each target check's line; the outcome of each, in order."""
    print("\nTargets")
    print("  1. emitted loss, NumPy: max ≤ 1 ulp in float64, ≤ 2 ulp in float32")
    print("  2. emitted loss, JAX: never worse than optax (max and p99) in each dtype")
    print("  3. no non-finite values from the emitted functions")
    print("  4. emitted gradient within 2 spacings of max(|σ(u)|, |p|), both targets and dtypes")
    print()
    checks = (numpy_loss_targets, jax_loss_targets, finite_targets, gradient_targets)
    return [ok for targets in checks for ok in targets(rows, grids)]


def main() -> None:
    args = arguments()
    start = time.perf_counter()
    mpmath.mp.dps = DPS
    np.seterr(all="ignore")
    d = derivations.get("bce_logit_gradient")
    funcs = implementations(d, jit=not args.no_jit)
    rows, grids = measure_all(funcs, args.points)
    print_tables(rows, grids[np.float64][0].size, args.points, jit=not args.no_jit)
    results = print_targets(rows, grids)
    print(
        f"\n{sum(results)}/{len(results)} target checks met; "
        f"{time.perf_counter() - start:.1f} s (after imports)"
    )


if __name__ == "__main__":
    main()
