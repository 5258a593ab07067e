"""The acceptance set: every right gradient accepted, every wrong one rejected, on 10 seeds
in float64 and float32 (tests/acceptance_cases.py; bench/acceptance.py runs it bigger).

SAMPLES is small so that the file stays quick: each check still draws its inputs from
the full samplers (a few hundred points cover large, tiny and exact-edge values), and
every wrong form is wrong on a large share of the domain.
"""

from __future__ import annotations

import pytest
from acceptance_cases import CASES, ORACLE_CASES, PAIRS

SEEDS = range(10)
SAMPLES = 256


def test_the_set_has_at_least_60_pairs():
    assert PAIRS >= 60


ORACLE_SEEDS = range(3)  # each check of these asks the oracle about hundreds of points


def _false_verdicts(case, dtype, seeds) -> list[str]:
    false = []
    for seed in seeds:
        for form, grad in case.right.items():
            report = case.check(grad, SAMPLES, seed, dtype)
            if not report.ok:
                false.append(f"right form '{form}' rejected, seed {seed}:\n{report}")
        for form, grad in case.wrong.items():
            if case.check(grad, SAMPLES, seed, dtype).ok:
                false.append(f"wrong form '{form}' accepted, seed {seed}")
    return false


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_no_false_verdict(case, dtype):
    false = _false_verdicts(case, dtype, SEEDS)
    assert false == [], "\n".join(false)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", ORACLE_CASES, ids=[c.name for c in ORACLE_CASES])
def test_no_false_verdict_where_only_the_truth_can_settle_it(case, dtype):
    # kinks, magnitudes, naive jax.nn losses, the generalized cross-entropy: the oracle on
    false = _false_verdicts(case, dtype, ORACLE_SEEDS)
    assert false == [], "\n".join(false)
