"""The proof model: steps, derivations, the step checker, equality strategies and
high-precision numeric agreement, matrix write-outs."""

from ._chain import (
    check_equal,
)
from ._derivation import Derivation
from ._matrix import (
    Explicit,
    MatrixDerivative,
    is_structured,
)
from ._mpmath import (
    program,
)
from ._numeric import (
    POINT_ERRORS,
    Unevaluable,
    mpmath_function,
    sample_point,
)
from ._steps import (
    ClosedForm,
    Proof,
    Step,
    StepResult,
)
from ._verdicts import (
    FAILED,
    INCONCLUSIVE,
    NUMERIC_ONLY,
    PROVED,
    Check,
    Verdict,
    worst,
)

__all__ = [
    "FAILED",
    "INCONCLUSIVE",
    "NUMERIC_ONLY",
    "POINT_ERRORS",
    "PROVED",
    "Check",
    "ClosedForm",
    "Derivation",
    "Explicit",
    "MatrixDerivative",
    "Proof",
    "Step",
    "StepResult",
    "Unevaluable",
    "Verdict",
    "check_equal",
    "is_structured",
    "mpmath_function",
    "program",
    "sample_point",
    "worst",
]
