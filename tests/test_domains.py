"""Samplers: seeded, chunk-independent, inside their domains, extremes included."""

from __future__ import annotations

import functools

import jax
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy import FiniteSet, Interval, Rational, S, oo

from bce_check import domains
from bce_check.check import enable_x64
from derivations import DomainError
from derivations.sets import SIMPLEX
from derivations.text import domains_from

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
    assert domains.for_domain(Interval(0, 1)) == domains.labels()
    assert domains.for_domain(Interval.open(0, 1)) == domains.probabilities()
    assert domains.for_domain(FiniteSet(0, 1)) == domains.hard_labels()
    assert domains.for_domain(Interval(2, 3)).name == "[2, 3]"
    with pytest.raises(DomainError, match="no sampler for the domain"):
        domains.for_domain(Interval(0, 1) | Interval(2, 3))


def test_a_sampler_of_one_component_draws_it():
    import numpy as np

    from bce_check.domains import Component, Sampler

    one = Sampler("exactly 0.5", (Component("exact 0.5", 1.0, "constant", 0.5),))
    drawn = np.asarray(one.draw(0, 0, 0, 64, "float64"))
    assert drawn.shape == (64,) and np.all(drawn == 0.5)


# The domain table: one row per kind of domain, each with its four parts.

EXAMPLES = {  # one domain per row: a new row needs one here (test_every_row_has_an_example)
    "real": S.Reals,
    "nonzero": S.Reals - FiniteSet(0),
    "interval": Interval.Lopen(0, 1),
    "set": FiniteSet(-1, Rational(1, 2)),
    "simplex": SIMPLEX,
}


def test_every_row_has_an_example_and_its_four_parts():
    assert set(EXAMPLES) == {kind.name for kind in domains.KINDS_OF_DOMAIN}
    for kind in domains.KINDS_OF_DOMAIN:
        domain = EXAMPLES[kind.name]
        assert domains.kind_of(domain) is kind and kind.holds(domain)
        description = kind.describe(domain)
        assert description[0] == kind.name
        assert isinstance(kind.sampler(description, False), domains.Sampler)
        assert all(isinstance(h, str) for h in kind.coq(("x",), domain, str))
        if kind.name == "simplex":  # a vector domain: no --where text
            with pytest.raises(DomainError, match="no --where text"):
                kind.text("y", domain, str)
            continue
        text = kind.text("x", domain, str)
        # the text reads back as the same domain (ℝ, the default, writes no constraint)
        assert (domains_from([text])["x"] if text else S.Reals) == domain


def test_each_row_gives_its_coq_hypothesis():
    hypotheses = {name: domains.kind_of(d).coq(("x",), d, str) for name, d in EXAMPLES.items()}
    assert hypotheses["real"] == ()
    assert hypotheses["nonzero"] == ("x <> 0",)
    assert hypotheses["interval"] == ("0 < x <= 1",)
    assert hypotheses["set"] == ("x = -1 \\/ x = 1/2",)
    assert domains.kind_of(SIMPLEX).coq(("a", "b"), SIMPLEX, str) == ("0 <= a", "0 <= b",
                                                                      "a + b <= 1")  # fmt: skip


_ENDS = st.integers(-20, 20).map(Rational) | st.sampled_from([Rational(1, 3), Rational(-7, 2)])


@st.composite
def _domains(draw, name):
    if name == "interval":
        lo, hi = sorted(draw(st.lists(_ENDS, min_size=2, max_size=2, unique=True)))
        lo, hi = draw(st.sampled_from([(lo, hi), (-oo, hi), (lo, oo)]))
        return Interval(lo, hi, draw(st.booleans()), draw(st.booleans()))
    if name == "set":
        return FiniteSet(*draw(st.lists(_ENDS, min_size=1, max_size=4, unique=True)))
    return EXAMPLES[name]


def _inside(values: np.ndarray, domain) -> bool:
    if domain is SIMPLEX:
        return bool(np.all(values >= 0) and np.allclose(values.sum(axis=-1), 1.0))
    if domain == S.Reals - FiniteSet(0):
        return bool(np.all(values != 0))
    if isinstance(domain, FiniteSet):
        return bool(np.all(np.isin(values, [float(v) for v in domain])))
    lo, hi = float(domain.start), float(domain.end)
    above = values > lo if domain.left_open else values >= lo
    below = values < hi if domain.right_open else values <= hi
    return bool(np.all(above & below))


@settings(max_examples=30, deadline=None)
@given(data=st.data(), name=st.sampled_from(sorted(EXAMPLES)), seed=st.integers(0, 2**32 - 1))
def test_each_rows_sampler_stays_inside_its_domain(data, name, seed):
    domain = data.draw(_domains(name))
    values = draw(domains.for_domain(domain), seed=seed, count=2048)
    assert np.all(np.isfinite(values)) and _inside(values, domain), domain


@pytest.mark.parametrize(
    ("closed", "has_lo", "has_hi"),
    [("both", True, True), ("left", True, False), ("right", False, True),
     ("neither", False, False)],
)  # fmt: skip
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_interval_includes_exactly_its_closed_ends(closed, has_lo, has_hi, dtype):
    x = draw(domains.interval(-1, 2, closed), count=4000, dtype=dtype)
    assert x.min() >= -1 and x.max() <= 2
    # 4,000 draws, each closed end with weight ≥ 0.08: missing one is ~e^-300
    assert np.any(x == -1) == has_lo and np.any(x == 2) == has_hi
    assert np.any(x == 0)  # 0 inside: drawn exactly
    assert np.any((x > -1) & (x < -1 + 1e-5)) and np.any((x < 2) & (x > 2 - 1e-5))  # near ends


def test_interval_half_lines_and_bad_arguments():
    x = draw(domains.interval(0, float("inf"), "left"), count=4000)
    assert x.min() == 0 and x.max() <= 11  # up to 10 past the end (SEMI_INFINITE_DECADES)
    y = draw(domains.interval(-float("inf"), 1, "neither"), count=4000)
    assert y.max() < 1 and np.any(y == 0)
    for args, what in [((1, 0), "lo < hi"), ((0, 1, "open"), "one of both, left"),
                       ((0, float("inf"), "both"), "infinite end is open"),
                       (("0", 1), "real number"), ((0, float("nan")), "real number")]:  # fmt: skip
        with pytest.raises(DomainError, match=what):
            domains.interval(*args)


@pytest.mark.parametrize(
    ("form", "domain"),
    [("(0, 1]", Interval.Lopen(0, 1)), ("[0, 1]", Interval(0, 1)), ("{0, 1}", FiniteSet(0, 1)),
     (">= 0", Interval(0, oo)), ("> 0", Interval.open(0, oo)), ("≤ 1", Interval(-oo, 1)),
     ("< 0", Interval.open(-oo, 0)), ("real", S.Reals), ("ℝ", S.Reals), ("∈ ℝ", S.Reals),
     ("!= 0", S.Reals - FiniteSet(0)), ("in [-1, 1)", Interval.Ropen(-1, 1)),
     ("[0, inf)", Interval(0, oo)), ("p in [0, 1]", Interval(0, 1)), ("∈ (0, 1)",
     Interval.open(0, 1))],
)  # fmt: skip
def test_for_domain_reads_every_where_form(form, domain):
    assert domains.for_domain(form) == domains.for_domain(domain)


def test_for_domain_of_a_half_open_text_interval_draws_inside_it():
    x = draw(domains.for_domain("(0, 1]"), count=4000)
    assert x.min() > 0 and x.max() == 1
    with pytest.raises(DomainError, match="cannot read the domain 'between 0 and 1'"):
        domains.for_domain("between 0 and 1")


def test_unit_interval_is_one_sampler_whatever_the_path():
    user = domains.sampler(domains.describe(domains_from(["p in [0, 1]"])["p"]))
    by_hand = domains.sampler(("interval", 0.0, 1.0, False, False))
    assert domains.for_domain(Interval(0, 1)) == user == by_hand == domains.labels()
    assert domains.for_domain("[0, 1]") == domains.labels()
