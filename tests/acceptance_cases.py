"""The acceptance set: right and wrong gradients of the catalogue and of common losses.

Each case is a function f, its domains, and gradients said to be ∂f/∂wrt: ``right``
ones are the true derivative written several equivalent ways (σ, tanh, cosh, exp,
logaddexp, 1 − σ(−u), factored or not), ``wrong`` ones are the mistakes people make
(a flipped sign, a missing factor, a forgotten term, a clip, a wrong constant).  Every
wrong form is wrong by far more than float32 rounding somewhere common in its domain
(a relative 1e-4 or more), so it must be rejected in both dtypes; every right form must
be accepted in both.  Used by tests/test_acceptance.py and bench/acceptance.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from bce_check import check_gradient, domains
from bce_check.check import run
from bce_check.check.tolerance import ORACLE_POINTS
from bce_check.report import Report
from bce_check.verify import problem

s, sp, lae = jax.nn.sigmoid, jax.nn.softplus, jnp.logaddexp


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    f: Callable | None  # None: the catalogue's problem of that name
    domains: dict
    wrt: str
    right: dict
    wrong: dict
    scale: float | Callable | None = None
    needs_oracle: bool = False  # only the truth can settle it: the oracle on by default

    def check(self, grad: Callable, samples: int, seed: int, dtype: str, **oracle) -> Report:
        """``oracle``: ``oracle_points=`` and ``audit=`` as the checker takes them."""
        if self.needs_oracle and "oracle_points" not in oracle:
            oracle = {**oracle, "oracle_points": ORACLE_POINTS}
        if self.f is None:
            checked = dataclasses.replace(problem(self.name), grad=grad)
            return run(checked, samples, seed, dtype, **oracle)
        return check_gradient(
            self.f, grad, self.domains, self.wrt, samples, seed, dtype, scale=self.scale,
            **oracle,
        )


def _clip(x):
    return jnp.clip(x, -8.0, 8.0)


SIGMOID = Case(
    "sigmoid_derivative",
    None,
    {},
    "z",
    right={
        "σ(1 − σ)": lambda z: s(z) * (1 - s(z)),
        "σ(z)σ(−z)": lambda z: s(z) * s(-z),
        "1/(4cosh²(z/2))": lambda z: 1 / (4 * jnp.cosh(z / 2) ** 2),
        "(1 − tanh²(z/2))/4": lambda z: (1 - jnp.tanh(z / 2) ** 2) / 4,
        "exp(−logaddexp(0, z) − logaddexp(0, −z))": lambda z: jnp.exp(-lae(0.0, z) - lae(0.0, -z)),
        "e^{−|z|}/(1 + e^{−|z|})²": lambda z: (
            jnp.exp(-jnp.abs(z)) / (1 + jnp.exp(-jnp.abs(z))) ** 2
        ),
    },
    wrong={
        "sign flipped": lambda z: -s(z) * s(-z),
        "missing factor": lambda z: s(z),
        "σ(1 + σ)": lambda z: s(z) * (1 + s(z)),
        "clipped at |z| = 8": lambda z: s(_clip(z)) * s(-_clip(z)),
        "relative error 1e-4": lambda z: s(z) * s(-z) * (1 + 1e-4),
        "chain rule on z/2 half done": lambda z: s(z / 2) * s(-z / 2) / 2,
    },
)
BCE = Case(
    "bce_logit_gradient",
    None,
    {},
    "u",
    right={
        "σ(u) − p": lambda u, p: s(u) - p,
        "(1 + tanh(u/2))/2 − p": lambda u, p: (1 + jnp.tanh(u / 2)) / 2 - p,
        "1 − σ(−u) − p": lambda u, p: 1 - s(-u) - p,
        "exp(−logaddexp(0, −u)) − p": lambda u, p: jnp.exp(-lae(0.0, -u)) - p,
        "1/(1 + e^{−u}) − p": lambda u, p: 1 / (1 + jnp.exp(-u)) - p,
        "(σ(u) − 1) + (1 − p)": lambda u, p: (s(u) - 1) + (1 - p),
    },
    wrong={
        "sign flipped": lambda u, p: p - s(u),
        "missing the label": lambda u, p: s(u),
        "p² for p": lambda u, p: s(u) - p * p,
        "clipped at |u| = 8": lambda u, p: s(_clip(u)) - p,
        "relative error 1e-4": lambda u, p: (s(u) - p) * (1 + 1e-4),
        "σ' for σ": lambda u, p: s(u) * (1 - s(u)) - p,
    },
)
SECOND = Case(
    "bce_second_derivative",
    None,
    {},
    "u",
    right={
        "σ(u)σ(−u)": lambda u, p: s(u) * s(-u),
        "σ(1 − σ)": lambda u, p: s(u) * (1 - s(u)),
        "1/(4cosh²(u/2))": lambda u, p: 1 / (4 * jnp.cosh(u / 2) ** 2),
        "(1 − tanh²(u/2))/4": lambda u, p: (1 - jnp.tanh(u / 2) ** 2) / 4,
        "σ − σ²": lambda u, p: s(u) - s(u) ** 2,
        "exp(−logaddexp(0, u) − logaddexp(0, −u))": lambda u, p: jnp.exp(
            -lae(0.0, u) - lae(0.0, -u)
        ),
    },
    wrong={
        "the gradient, not the Hessian": lambda u, p: s(u) - p,
        "missing factor": lambda u, p: s(u),
        "sign flipped": lambda u, p: -s(u) * s(-u),
        "twice": lambda u, p: 2 * s(u) * s(-u),
        "σ(1 + σ)": lambda u, p: s(u) * (1 + s(u)),
        "a label factor": lambda u, p: s(u) * s(-u) * (1 - p),
    },
)


def _focal(u, y):  # γ = 2, written with 1 − σ(u) as people do; jax.grad goes through it
    return y * (1 - s(u)) ** 2 * sp(-u) + (1 - y) * s(u) ** 2 * sp(u)


def _focal_grad(p, q, log_p, log_q, y, gamma=2):
    """y·(γ·p·q^γ·log p − q^{γ+1}) + (1 − y)·(p^{γ+1} − γ·p^γ·q·log q), p = σ(u), q = σ(−u)."""
    return y * (gamma * p * q**gamma * log_p - q ** (gamma + 1)) + (1 - y) * (
        p ** (gamma + 1) - gamma * p**gamma * q * log_q
    )


FOCAL = Case(
    "focal loss (γ = 2)",
    _focal,
    {"u": domains.logits(), "y": domains.hard_labels()},
    "u",
    right={
        "σ(−u) for 1 − σ": lambda u, y: _focal_grad(s(u), s(-u), -sp(-u), -sp(u), y),
        "1 − σ(u) for q": lambda u, y: _focal_grad(s(u), 1 - s(u), -sp(-u), -sp(u), y),
        "logaddexp for softplus": lambda u, y: _focal_grad(
            s(u), s(-u), -lae(0.0, -u), -lae(0.0, u), y
        ),
        "tanh for σ": lambda u, y: _focal_grad(
            (1 + jnp.tanh(u / 2)) / 2, (1 - jnp.tanh(u / 2)) / 2, -sp(-u), -sp(u), y
        ),
        "factored": lambda u, y: (
            -y * s(-u) ** 2 * (2 * s(u) * sp(-u) + s(-u))
            + (1 - y) * s(u) ** 2 * (s(u) + 2 * s(-u) * sp(u))
        ),
        "1 − σ(−u) for p": lambda u, y: _focal_grad(1 - s(-u), s(-u), -sp(-u), -sp(u), y),
    },
    wrong={
        "modulating factor not differentiated": lambda u, y: -y * s(-u) ** 3 + (1 - y) * s(u) ** 3,
        "γ-term sign flipped": lambda u, y: _focal_grad(s(u), s(-u), sp(-u), sp(u), y),
        "γ = 1's gradient": lambda u, y: _focal_grad(s(u), s(-u), -sp(-u), -sp(u), y, gamma=1),
        "plain BCE's gradient": lambda u, y: s(u) - y,
        "labels swapped": lambda u, y: _focal_grad(s(u), s(-u), -sp(-u), -sp(u), 1 - y),
        "γ missing from the γ-term": lambda u, y: (
            y * (s(u) * s(-u) ** 2 * -sp(-u) - s(-u) ** 3)
            + (1 - y) * (s(u) ** 3 + s(u) ** 2 * s(-u) * sp(u))
        ),
    },
)
ALPHA = 0.1


def _target(y):
    return y * (1 - ALPHA) + ALPHA / 2


SMOOTHED = Case(
    "label-smoothed BCE (α = 0.1)",
    lambda u, y: _target(y) * sp(-u) + (1 - _target(y)) * sp(u),
    {"u": domains.logits(), "y": domains.hard_labels()},
    "u",
    right={
        "σ(u) − t": lambda u, y: s(u) - _target(y),
        "σ(u) − y(1 − α) − α/2": lambda u, y: s(u) - y * (1 - ALPHA) - ALPHA / 2,
        "tanh": lambda u, y: (1 + jnp.tanh(u / 2)) / 2 - _target(y),
        "1 − σ(−u) − t": lambda u, y: 1 - s(-u) - _target(y),
        "exp(−logaddexp(0, −u)) − t": lambda u, y: jnp.exp(-lae(0.0, -u)) - _target(y),
        "(σ(u) − y) + α(y − 1/2)": lambda u, y: (s(u) - y) + ALPHA * (y - 0.5),
    },
    wrong={
        "smoothing forgotten": lambda u, y: s(u) - y,
        "α/2 forgotten": lambda u, y: s(u) - y * (1 - ALPHA),
        "smoothed twice": lambda u, y: s(u) - _target(y) * (1 - ALPHA),
        "sign flipped": lambda u, y: _target(y) - s(u),
        "α for α/2": lambda u, y: s(u) - y * (1 - ALPHA) - ALPHA,
        "(1 − α) on σ": lambda u, y: s(u) * (1 - ALPHA) - y,
    },
)
W = 3.0
WEIGHTED = Case(
    "pos-weighted BCE (w = 3)",
    lambda u, p: W * p * sp(-u) + (1 - p) * sp(u),
    {"u": domains.logits(), "p": domains.labels()},
    "u",
    right={
        "(1 − p)σ(u) − w·p·σ(−u)": lambda u, p: (1 - p) * s(u) - W * p * s(-u),
        "1 − σ(u) for σ(−u)": lambda u, p: (1 - p) * s(u) - W * p * (1 - s(u)),
        "(1 + (w − 1)p)σ(u) − w·p": lambda u, p: (1 + (W - 1) * p) * s(u) - W * p,
        "tanh": lambda u, p: (
            (1 - p) * (1 + jnp.tanh(u / 2)) / 2 - W * p * (1 - jnp.tanh(u / 2)) / 2
        ),
        "exp(−logaddexp)": lambda u, p: (
            (1 - p) * jnp.exp(-lae(0.0, -u)) - W * p * jnp.exp(-lae(0.0, u))
        ),
        "σ(u) − p + (w − 1)p(σ(u) − 1)": lambda u, p: s(u) - p + (W - 1) * p * (s(u) - 1),
    },
    wrong={
        "weight forgotten": lambda u, p: s(u) - p,
        "weight on the negatives": lambda u, p: W * (1 - p) * s(u) - p * s(-u),
        "(1 + w·p)σ(u) − w·p": lambda u, p: (1 + W * p) * s(u) - W * p,
        "σ and σ(−u) swapped": lambda u, p: (1 - p) * s(-u) - W * p * s(u),
        "w squared": lambda u, p: (1 - p) * s(u) - W * W * p * s(-u),
        "sign flipped": lambda u, p: W * p * s(-u) - (1 - p) * s(u),
    },
)
POISSON = Case(
    "Poisson NLL on a log rate",
    lambda eta, k: jnp.exp(eta) - k * eta,
    {"eta": domains.logits(max_magnitude=10.0), "k": domains.nonnegative(100.0)},
    "eta",
    right={
        "e^η − k": lambda eta, k: jnp.exp(eta) - k,
        "e^η(1 − k·e^{−η})": lambda eta, k: jnp.exp(eta) * (1 - k * jnp.exp(-eta)),
        "(e^{η/2})² − k": lambda eta, k: jnp.exp(eta / 2) ** 2 - k,
        "expm1(η) + (1 − k)": lambda eta, k: jnp.expm1(eta) + (1 - k),
        "−(k − e^η)": lambda eta, k: -(k - jnp.exp(eta)),
        "2e^η − (e^η + k)": lambda eta, k: 2 * jnp.exp(eta) - (jnp.exp(eta) + k),
    },
    wrong={
        "k·η for k": lambda eta, k: jnp.exp(eta) - k * eta,
        "η·e^η − k": lambda eta, k: eta * jnp.exp(eta) - k,
        "sign of k": lambda eta, k: jnp.exp(eta) + k,
        "e^{−η} − k": lambda eta, k: jnp.exp(-eta) - k,
        "sign flipped": lambda eta, k: k - jnp.exp(eta),
        "off by one": lambda eta, k: jnp.exp(eta) - k - 1,
    },
    scale=lambda eta, k: jnp.exp(eta) + k,  # the size of the gradient's two terms
)


def _sq_sigma(u, y):
    return (s(u) - y) ** 2 / 2


SQUARED = Case(
    "squared error on σ",
    _sq_sigma,
    {"u": domains.logits(), "y": domains.labels()},
    "u",
    right={
        "(σ − y)σσ(−u)": lambda u, y: (s(u) - y) * s(u) * s(-u),
        "(σ − y)σ(1 − σ)": lambda u, y: (s(u) - y) * s(u) * (1 - s(u)),
        "(σ − y)/(4cosh²(u/2))": lambda u, y: (s(u) - y) / (4 * jnp.cosh(u / 2) ** 2),
        "(σ − y)(1 − tanh²(u/2))/4": lambda u, y: (s(u) - y) * (1 - jnp.tanh(u / 2) ** 2) / 4,
        "exp(−logaddexp(0, u) − logaddexp(0, −u))": lambda u, y: (
            (s(u) - y) * jnp.exp(-lae(0.0, u) - lae(0.0, -u))
        ),
        "(σ² − yσ)σ(−u)": lambda u, y: (s(u) ** 2 - y * s(u)) * s(-u),
    },
    wrong={
        "σ' forgotten": lambda u, y: s(u) - y,
        "twice": lambda u, y: 2 * (s(u) - y) * s(u) * s(-u),
        "σ(1 + σ)": lambda u, y: (s(u) - y) * s(u) * (1 + s(u)),
        "sign flipped": lambda u, y: (y - s(u)) * s(u) * s(-u),
        "missing σ(−u)": lambda u, y: (s(u) - y) * s(u),
        "squared residual": lambda u, y: (s(u) - y) ** 2 * s(u) * s(-u),
    },
)
LOGCOSH = Case(
    "log-cosh",
    lambda u, t: lae(u - t, t - u) - jnp.log(2.0),
    {"u": domains.logits(), "t": domains.features()},
    "u",
    right={
        "tanh(u − t)": lambda u, t: jnp.tanh(u - t),
        "2σ(2d) − 1": lambda u, t: 2 * s(2 * (u - t)) - 1,
        "1 − 2σ(−2d)": lambda u, t: 1 - 2 * s(-2 * (u - t)),
        "σ(2d) − σ(−2d)": lambda u, t: s(2 * (u - t)) - s(-2 * (u - t)),
        "−tanh(t − u)": lambda u, t: -jnp.tanh(t - u),
        "sign(d)(1 − e^{−2|d|})/(1 + e^{−2|d|})": lambda u, t: (
            jnp.sign(u - t) * -jnp.expm1(-2 * jnp.abs(u - t)) / (1 + jnp.exp(-2 * jnp.abs(u - t)))
        ),
    },
    wrong={
        "tanh(d/2)": lambda u, t: jnp.tanh((u - t) / 2),
        "d (the squared loss's)": lambda u, t: u - t,
        "sign(d)": lambda u, t: jnp.sign(u - t),
        "σ(d)": lambda u, t: s(u - t),
        "relative error 1e-4": lambda u, t: jnp.tanh(u - t) * (1 + 1e-4),
        "sign flipped": lambda u, t: jnp.tanh(t - u),
    },
)
SOFTMAX = Case(
    "softmax cross-entropy (K = 4)",
    lambda z, y: jax.nn.logsumexp(z) - jnp.dot(y, z),
    {"z": domains.logits().with_shape(4), "y": domains.simplex(4)},
    "z",
    right={
        "softmax(z) − y": lambda z, y: jax.nn.softmax(z) - y,
        "exp(z − logsumexp z) − y": lambda z, y: jnp.exp(z - jax.nn.logsumexp(z)) - y,
        "exp(log_softmax z) − y": lambda z, y: jnp.exp(jax.nn.log_softmax(z)) - y,
        "softmax(z − max z) − y": lambda z, y: jax.nn.softmax(z - jnp.max(z)) - y,
        "Σy·softmax(z) − y": lambda z, y: jnp.sum(y) * jax.nn.softmax(z) - y,
        "1/Σⱼ e^{zⱼ − zᵢ} − y": lambda z, y: 1 / jnp.sum(jnp.exp(z[None, :] - z[:, None]), 1) - y,
    },
    wrong={
        "sign flipped": lambda z, y: y - jax.nn.softmax(z),
        "label forgotten": lambda z, y: jax.nn.softmax(z),
        "σ for softmax": lambda z, y: s(z) - y,
        "softmax' for softmax": lambda z, y: jax.nn.softmax(z) * (1 - jax.nn.softmax(z)) - y,
        "softmax(2z)": lambda z, y: jax.nn.softmax(2 * z) - y,
        "y/2": lambda z, y: jax.nn.softmax(z) - y / 2,
    },
)


def numpy_gradient(fn: Callable) -> Callable:
    """A NumPy gradient, called from JAX through jax.pure_callback (vectorised on the host)."""

    def host(u, p):
        with np.errstate(all="ignore"):
            return np.asarray(fn(np.asarray(u), np.asarray(p)), dtype=np.asarray(u).dtype)

    def grad(u, p):
        shape = jax.ShapeDtypeStruct(jnp.shape(u), u.dtype)
        return jax.pure_callback(host, shape, u, p, vmap_method="broadcast_all")

    return grad


CALLBACK = Case(
    "NumPy gradient through pure_callback",
    lambda u, p: p * sp(-u) + (1 - p) * sp(u),
    {"u": domains.logits(), "p": domains.labels()},
    "u",
    right={
        "(1 + tanh(u/2))/2 − p": numpy_gradient(lambda u, p: (1 + np.tanh(u / 2)) / 2 - p),
        "exp(−logaddexp(0, −u)) − p": numpy_gradient(lambda u, p: np.exp(-np.logaddexp(0, -u)) - p),
        "1/(1 + e^{−u}) − p": numpy_gradient(lambda u, p: 1 / (1 + np.exp(-u)) - p),
        "split by sign": numpy_gradient(
            lambda u, p: np.where(u >= 0, 1 / (1 + np.exp(-u)), np.exp(u) / (1 + np.exp(u))) - p
        ),
        "1 − σ(−u) − p": numpy_gradient(lambda u, p: 1 - (1 - np.tanh(u / 2)) / 2 - p),
        "(σ(u) − 1) + (1 − p)": numpy_gradient(lambda u, p: (1 / (1 + np.exp(-u)) - 1) + (1 - p)),
    },
    wrong={
        "tanh(u) for tanh(u/2)": numpy_gradient(lambda u, p: (1 + np.tanh(u)) / 2 - p),
        "sign flipped": numpy_gradient(lambda u, p: p - (1 + np.tanh(u / 2)) / 2),
        "missing the label": numpy_gradient(lambda u, p: (1 + np.tanh(u / 2)) / 2),
        "tanh for σ": numpy_gradient(lambda u, p: np.tanh(u / 2) - p),
        "p² for p": numpy_gradient(lambda u, p: (1 + np.tanh(u / 2)) / 2 - p * p),
        "relative error 1e-3": numpy_gradient(lambda u, p: ((1 + np.tanh(u / 2)) / 2 - p) * 1.001),
    },
)

# Four groups only the oracle settles (the float references alone gave false verdicts).
# Kinks: a subgradient at the kink is right; a value outside the one-sided derivatives,
# or a wrong slope anywhere, is wrong.
KINK = Case(
    "kinks: |u| + softplus(u)",
    lambda u: jnp.abs(u) + sp(u),
    {"u": domains.logits()},
    "u",
    right={
        "sign(u) + σ(u)": lambda u: jnp.sign(u) + s(u),
        "(u ≥ 0 ? 1 : −1) + σ(u)": lambda u: jnp.where(u >= 0, 1.0, -1.0) + s(u),
    },
    wrong={
        "σ(u) (|u| forgotten)": lambda u: s(u),
        "2 at the kink": lambda u: jnp.where(u == 0, 2.0, jnp.sign(u) + s(u)),
    },
    needs_oracle=True,
)
RELU = Case(
    "kinks: ReLU(u) − p·u and L1-regularised BCE",
    lambda u, p: jax.nn.relu(u) - p * u + 0.1 * jnp.abs(u) + sp(u) - p * u,
    {"u": domains.logits(), "p": domains.labels()},
    "u",
    right={
        "(u ≥ 0) − p + λ·sign(u) + σ(u) − p": lambda u, p: (
            jnp.where(u >= 0, 1.0, 0.0) - p + 0.1 * jnp.sign(u) + s(u) - p
        ),
        "(u > 0) − p + λ·sign(u) + σ(u) − p": lambda u, p: (
            jnp.where(u > 0, 1.0, 0.0) - p + 0.1 * jnp.sign(u) + s(u) - p
        ),
    },
    wrong={
        "λ·sign(u) forgotten": lambda u, p: jnp.where(u >= 0, 1.0, 0.0) - p + s(u) - p,
        "one p forgotten": lambda u, p: jnp.where(u >= 0, 1.0, 0.0) + 0.1 * jnp.sign(u) + s(u) - p,
    },
    needs_oracle=True,
)


def _interval(lo: float, hi: float):
    return domains.sampler(("interval", lo, hi, False, False))


# Magnitudes: a gradient spanning e^(−30) … e^30, where a scale from its largest value
# hid every error below 0.03.
MAGNITUDE = Case(
    "magnitudes: Poisson e^u − y·u on [−30, 30]",
    lambda u, y: jnp.exp(u) - y * u,
    {"u": _interval(-30.0, 30.0), "y": _interval(0.0, 100.0)},
    "u",
    right={
        "e^u − y": lambda u, y: jnp.exp(u) - y,
        "(e^{u/2})² − y": lambda u, y: jnp.exp(u / 2) ** 2 - y,
    },
    wrong={
        "y·(1 − 1e-4)": lambda u, y: jnp.exp(u) - y * (1 - 1e-4),
        "1e-5 relative for u < 0": lambda u, y: (jnp.exp(u) - y) * jnp.where(u < 0, 1 + 1e-5, 1),
    },
    needs_oracle=True,
)


def _naive_gce(u, p, q):
    t = s(u)
    return p * (1 - t**q) / q + (1 - p) * (1 - (1 - t) ** q) / q


def _stable_gce(u, p, q):  # σ(±u)^q as exp(−q·softplus(∓u)): no underflow, no cancellation
    return p * (1 - jnp.exp(-q * sp(-u))) / q + (1 - p) * (1 - jnp.exp(-q * sp(u))) / q


def _gce_gradient(u, p, q):
    return (1 - p) * jnp.exp(-q * sp(u)) * s(u) - p * jnp.exp(-q * sp(-u)) * s(-u)


_Q = domains.sampler(("interval", 1e-3, 1.0, False, False))
# Naive jax.nn losses: f written with jax.nn.sigmoid (a custom_jvp), its jax.grad the
# inaccurate one; a right stable gradient passes, a wrong one fails.
NAIVE = Case(
    "naive jax.nn losses: generalized cross-entropy with jax.nn.sigmoid",
    _naive_gce,
    {"u": _interval(-700.0, 700.0), "p": domains.labels(), "q": _Q},
    "u",
    right={"stable (1−p)·σ(−u)^q·σ(u) − p·σ(u)^q·σ(−u)": _gce_gradient},
    wrong={
        "sign flipped": lambda u, p, q: -_gce_gradient(u, p, q),
        "relative 1e-4": lambda u, p, q: _gce_gradient(u, p, q) * (1 + 1e-4),
    },
    needs_oracle=True,
)
# The generalized cross-entropy on the whole line: the wrong form is the naive power of σ,
# 0 at u = 800 where the truth (p = 0, q = 1e-3) is 0.4493.
GCE = Case(
    "generalized cross-entropy, |u| to 1e4",
    _stable_gce,
    {"u": domains.logits(), "p": domains.labels(), "q": _Q},
    "u",
    right={"exp(−q·softplus(∓u)) form": _gce_gradient},
    wrong={
        "naive σ^q": lambda u, p, q: (1 - p) * s(-u) ** q * s(u) - p * s(u) ** q * s(-u),
        "q·σ for σ": lambda u, p, q: _gce_gradient(u, p, q) * jnp.where(u > 0, q, 1.0),
    },
    needs_oracle=True,
)

CASES = (
    SIGMOID, BCE, SECOND, FOCAL, SMOOTHED, WEIGHTED, POISSON, SQUARED, LOGCOSH, SOFTMAX, CALLBACK
)  # fmt: skip
ORACLE_CASES = (KINK, RELU, MAGNITUDE, NAIVE, GCE)
PAIRS = sum(min(len(c.right), len(c.wrong)) for c in CASES)
ORACLE_PAIRS = sum(min(len(c.right), len(c.wrong)) for c in ORACLE_CASES)
