"""Seeded samplers of random inputs, extremes included, and the domain table
(``KINDS_OF_DOMAIN``: one row per kind of domain, its sampler, text and Coq hypothesis)."""

from ._catalogue import (
    KINDS,
    SAMPLERS,
    Component,
    Sampler,
    SimplexSampler,
    features,
    finite_set,
    hard_labels,
    interval,
    labels,
    logits,
    nonnegative,
    nonzero,
    probabilities,
    simplex,
    uniforms,
)
from ._table import (
    KINDS_OF_DOMAIN,
    DomainKind,
    describe,
    for_domain,
    kind_of,
    sampler,
)

__all__ = [
    "KINDS",
    "KINDS_OF_DOMAIN",
    "SAMPLERS",
    "Component",
    "DomainKind",
    "Sampler",
    "SimplexSampler",
    "describe",
    "features",
    "finite_set",
    "for_domain",
    "hard_labels",
    "interval",
    "kind_of",
    "labels",
    "logits",
    "nonnegative",
    "nonzero",
    "probabilities",
    "sampler",
    "simplex",
    "uniforms",
]
