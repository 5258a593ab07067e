"""Derivations through the checker: the catalogue's emitted code, and a user's derivation."""

from ._catalogue import (
    DEFAULT_SAMPLES,
    MIN_INSTANCES,
    SIZES,
    WORKERS,
    Job,
    jobs,
    plan,
    problem,
    shape,
    sweep_for,
    verify,
    verify_many,
)
from ._exhaustive import points as exhaustive_points
from ._exhaustive import verify_exhaustive
from ._user import Code, verify_derivation
from ._user import code as user_code
from ._user import problem as user_problem
from ._user import run as run_user

__all__ = [
    "DEFAULT_SAMPLES",
    "MIN_INSTANCES",
    "SIZES",
    "WORKERS",
    "Code",
    "Job",
    "exhaustive_points",
    "jobs",
    "plan",
    "problem",
    "run_user",
    "shape",
    "sweep_for",
    "user_code",
    "user_problem",
    "verify",
    "verify_derivation",
    "verify_exhaustive",
    "verify_many",
]
