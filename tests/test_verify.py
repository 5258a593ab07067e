"""The whole catalogue through the harness: every emitted closed form holds, at random shapes."""

from __future__ import annotations

import pytest

import derivations
from bce_check.verify import plan, shape, verify

SAMPLES = 20_000  # scalar points; a matrix problem gets samples/entries (at least 64) instances


@pytest.mark.parametrize("name", derivations.names())
def test_every_closed_form_of_every_derivation_verifies(name):
    report = verify(name, samples=SAMPLES, seed=5)
    assert report.ok, str(report)
    closed_forms = len(derivations.get(name).closed_forms)
    assert len({r.name for r in report.results}) == closed_forms
    assert all(r.points > 0 for r in report.results if r.verdict != "skipped")


def test_matrix_shapes_are_drawn_per_run_and_never_square():
    drawn = {tuple(shape("batch_gradient", 0, seed).values()) for seed in range(20)}
    assert len(drawn) > 10  # not one fixed shape
    assert all(m != n for m, n in drawn)
    # the two closed forms of D6 get their own K in a run
    assert shape("softmax_cross_entropy", 0, 3) != shape("softmax_cross_entropy", 1, 3)


def test_matrix_problems_count_instances_by_entries():
    ((problem, count),) = plan("batch_gradient", 1_000_000, 0)
    entries = sum(s.shape[0] * (s.shape[1] if len(s.shape) > 1 else 1) for _, s in problem.samplers)
    assert count == 1_000_000 // entries


def test_l1_is_checked_away_from_its_kink_and_says_so():
    report = verify("l1_regularised_gradient", samples=SAMPLES, seed=1)
    assert report.ok
    assert any("away from the kink" in note and "0.05" in note for note in report.notes)


def test_second_derivatives_use_hessian_references():
    report = verify("batch_hessian", samples=SAMPLES, seed=2)
    references = [r.reference for r in report.results]
    assert references[:3] == ["jax.hessian", "jax.jacrev(jax.jacrev)", "finite-difference"]
    by_reference = {r.reference: r.verdict for r in report.results}
    assert by_reference["complex-step"] == "skipped"  # complex step of a gradient: not applied
    assert by_reference["oracle"] == "pass"  # the second derivative of f's formula


def test_more_shapes_per_run_on_request():
    planned = plan("batch_gradient", 100_000, 0, shapes=3)
    assert len({p.name for p, _ in planned}) == 3  # three different (m, n)
    report = verify("batch_gradient", samples=20_000, seed=0, shapes=2)
    assert report.ok and len({r.name for r in report.results}) == 2
    assert report.samples == 20_000  # the request, not a matrix problem's instance count
