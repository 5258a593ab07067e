"""The numeric checker: problem -> plan -> sweep -> verdict.

References (autodiff, finite differences, complex step), rounding bounds, jitted
stages, devices, processes and exhaustive float32.  The tolerance model is
``bce_check.check.tolerance``.  Imports nothing from emit, printing, render, certify
or the CLI."""

from ._autodiff import (
    check_autodiff,
)
from ._devices import (
    local_devices,
    sharded_sweep,
)
from ._distributed import (
    initialize,
    process_index,
    processes,
)
from ._distributed import sweep as distributed_sweep
from ._harness import (
    CHUNK,
    DTYPES,
    FD_SAFETY,
    MAX_SAMPLES,
    REFERENCES,
    ULP_BUDGET,
    Problem,
    Sweep,
    check_gradient,
    local_sweep,
    run,
)
from ._references import (
    analytic,
    autodiff,
)
from ._stages import (
    candidate_stage,
    reference_stage,
)
from ._x64 import enable_x64, float64, in_float64

__all__ = [
    "CHUNK",
    "DTYPES",
    "FD_SAFETY",
    "MAX_SAMPLES",
    "REFERENCES",
    "ULP_BUDGET",
    "Problem",
    "Sweep",
    "analytic",
    "autodiff",
    "candidate_stage",
    "check_autodiff",
    "check_gradient",
    "distributed_sweep",
    "enable_x64",
    "float64",
    "in_float64",
    "initialize",
    "local_devices",
    "local_sweep",
    "process_index",
    "processes",
    "reference_stage",
    "run",
    "sharded_sweep",
]
