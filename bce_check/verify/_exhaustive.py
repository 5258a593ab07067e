"""Every float32 input of the catalogue's closed forms: ``verify --exhaustive``.

The sweep itself is ``bce_check.check.exhaustive``; this module supplies each closed
form's problem and its arguments' domains from the catalogue.
"""

from __future__ import annotations

from collections.abc import Callable

from bce_check.check.exhaustive import FLOAT32_MAX, check, values
from bce_check.printing import python_name
from bce_check.report import Report
from bce_check.verify._catalogue import compiled, jobs


def domains_of(name: str) -> dict[str, str]:
    """Each argument of derivation ``name`` (by its Python name) and its domain's text."""
    derivation = compiled(name)[0]
    return {python_name(str(a)): str(derivation.domains[a]) for a in derivation.arguments}


def points(names: list[str], lo: float = -FLOAT32_MAX, hi: float = FLOAT32_MAX) -> int:
    """How many points ``verify_exhaustive`` checks (float32 values × grid values)."""
    return sum(values(j.problem, domains_of(j.name), lo, hi) for j in jobs(names, 1, 0))


def verify_exhaustive(
    names: list[str],
    lo: float = -FLOAT32_MAX,
    hi: float = FLOAT32_MAX,
    devices: int | str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """``check`` for every closed form of ``names``, one report (see the sweep's docstring)."""
    from bce_check.check import local_devices

    chosen = local_devices(devices) if devices is not None else None
    reports = [
        check(j.problem, lo, hi, chosen, progress, domains=domains_of(j.name))
        for j in jobs(names, 1, 0)
    ]
    total = reports[0]
    for report in reports[1:]:
        total = total + report
    return total
