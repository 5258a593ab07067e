"""Samplers: seeded, chunk-independent, inside their domains, extremes included."""

from __future__ import annotations

import functools

import jax
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy import FiniteSet, Interval, S

from bce_check import domains
from bce_check.check import enable_x64
from derivations import DomainError

enable_x64()
SAMPLERS = {name: make() for name, make in domains.SAMPLERS.items()}


@functools.cache
def _compiled(sampler, count, dtype, stream):
    return jax.jit(lambda seed, start: sampler.draw(seed, stream, start, count, dtype))


def draw(sampler, seed=0, start=0, count=50_000, dtype="float64", stream=0):
    """Drawn through jit, as the harness draws (eager JAX would compile op by op)."""
    return np.asarray(_compiled(sampler, count, dtype, stream)(np.uint32(seed), np.uint32(start)))


@pytest.mark.parametrize("name", SAMPLERS)
def test_same_seed_same_inputs_and_other_seeds_differ(name):
    sampler = SAMPLERS[name]
    assert np.array_equal(draw(sampler, seed=7), draw(sampler, seed=7))
    assert not np.array_equal(draw(sampler, seed=7), draw(sampler, seed=8))


@pytest.mark.parametrize("name", SAMPLERS)
def test_point_i_does_not_depend_on_the_chunking(name):
    whole = draw(SAMPLERS[name], start=0, count=3000)
    part = draw(SAMPLERS[name], start=1000, count=500)
    assert np.array_equal(whole[1000:1500], part)


def test_logits_cover_ordinary_large_tiny_and_zero():
    u = draw(domains.logits(), count=100_000)
    assert np.all(np.isfinite(u)) and np.max(np.abs(u)) <= 1e4
    assert np.sum(np.abs(u) >= 700) > 10_000  # 15 % of the mass, where e^u overflows
    assert np.sum((u != 0) & (np.abs(u) < 1e-8)) > 5_000
    assert np.sum(u == 0) > 2_000
    assert np.sum(u < 0) > 40_000 and np.sum(u > 0) > 40_000


def test_labels_cover_exact_ends_and_near_ends():
    p = draw(domains.labels(), count=100_000)
    assert p.min() >= 0.0 and p.max() <= 1.0
    assert np.sum(p == 0) > 5_000 and np.sum(p == 1) > 5_000 and np.sum(p == 0.5) > 5_000
    assert np.sum((p > 0) & (p < 1e-6)) > 500
    assert np.sum((p < 1) & (p > 1 - 1e-6)) > 500


def test_hard_labels_are_zero_or_one():
    y = draw(domains.hard_labels(), count=10_000)
    assert set(np.unique(y)) == {0.0, 1.0}


def test_float32_draws_are_float32_and_in_range():
    u = draw(domains.logits(), dtype="float32")
    assert u.dtype == np.float32 and np.max(np.abs(u)) <= 1e4


def test_shaped_samplers_draw_arrays_per_point():
    x = draw(domains.features().with_shape(3, 2), count=100)
    assert x.shape == (100, 3, 2)


@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    start=st.integers(0, 2**31),
    name=st.sampled_from(list(SAMPLERS)),
)
def test_every_draw_lies_in_the_support(seed, start, name):
    values = draw(SAMPLERS[name], seed=seed, start=start, count=2048)
    assert np.all(np.isfinite(values))
    if name in ("labels", "hard_labels"):
        assert values.min() >= 0.0 and values.max() <= 1.0
    if name == "logits":
        assert np.max(np.abs(values)) <= 1e4


def test_bad_samplers_are_refused():
    with pytest.raises(DomainError, match="weights must sum to 1"):
        domains.Sampler("bad", (domains.Component("a", 0.5, "uniform", 0, 1),))
    with pytest.raises(DomainError, match="kind must be one of"):
        domains.Component("a", 1.0, "gaussian")


def test_domains_map_to_samplers():
    assert domains.for_domain(S.Reals).name == "logits"
    assert domains.for_domain(Interval(0, 1)).name == "labels"
    assert domains.for_domain(FiniteSet(0, 1)).name == "hard labels"
    with pytest.raises(DomainError, match="no sampler"):
        domains.for_domain(Interval(2, 3))


def test_a_sampler_of_one_component_draws_it():
    import numpy as np

    from bce_check.domains import Component, Sampler

    one = Sampler("exactly 0.5", (Component("exact 0.5", 1.0, "constant", 0.5),))
    drawn = np.asarray(one.draw(0, 0, 0, 64, "float64"))
    assert drawn.shape == (64,) and np.all(drawn == 0.5)
