"""Seeded samplers of random inputs, extremes included, and the domains a user declares."""

from ._catalogue import (
    KINDS,
    SAMPLERS,
    Component,
    Sampler,
    SimplexSampler,
    features,
    for_domain,
    hard_labels,
    labels,
    logits,
    nonnegative,
    nonzero,
    probabilities,
    simplex,
    uniforms,
)
from ._user import (
    describe,
    sampler,
)

__all__ = [
    "KINDS",
    "SAMPLERS",
    "Component",
    "Sampler",
    "SimplexSampler",
    "describe",
    "features",
    "for_domain",
    "hard_labels",
    "labels",
    "logits",
    "nonnegative",
    "nonzero",
    "probabilities",
    "sampler",
    "simplex",
    "uniforms",
]
