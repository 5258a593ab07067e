"""Time of the parser on hostile text, and the overhead of one ``run_limited`` call.

Run:  python bench/hostile.py [--calls 20]

What is measured:

* parse: the wall time of ``derivations.text._parse.parse`` on the reproducers of issue 10
  (before the interval guards, ``σ(`` nested 16 deep took 31 s and ``e^(-`` nested 20
  deep 67 s) and on the deepest constants still allowed (8 functions deep), best of 3,
  SymPy's cache cleared before each;
* run_limited: the mean wall time of ``run_limited(divmod, 7, 2)`` (the worker's start,
  the pickled call and result, the kill and reap) over ``--calls`` calls, with a forked
  worker (JAX not imported) and with one from the fork server (as once JAX is imported;
  the server's own start is timed apart, as "first call").
"""

from __future__ import annotations

import argparse
import sys
import time

from sympy.core.cache import clear_cache

from derivations.errors import ExpressionError
from derivations.text import parse
from derivations.user import _limits, run_limited


def nested(opening: str, inner: str, depth: int) -> str:
    return opening * depth + inner + ")" * depth


CASES = {
    "σ( nested 16 deep around 1": nested("σ(", "1", 16),
    "e^(- nested 20 deep around 1": nested("e^(-", "1", 20),
    "σ( nested 8 deep around 1 (allowed)": nested("σ(", "1", 8),
    "e^(- nested 8 deep around 1 (allowed)": nested("e^(-", "1", 8),
    "σ( nested 99 deep around u (allowed)": nested("σ(", "u", 99),
    "(-2)^sqrt(2)": "(-2)^sqrt(2)",
    "9^9^9^9": "9^9^9^9",
    "focal loss": "-p·(1 - σ(u))^γ·log(σ(u)) - (1 - p)·σ(u)^γ·log(1 - σ(u))",
}


def best_of(function, *args, repeats: int = 3) -> tuple[float, str]:
    times, outcome = [], ""
    for _ in range(repeats):
        clear_cache()  # SymPy's cache would remember the nodes of the last repeat
        start = time.perf_counter()
        try:
            function(*args)
            outcome = "parsed"
        except ExpressionError as error:
            outcome = "refused: " + str(error)[:60]
        times.append(time.perf_counter() - start)
    return min(times), outcome


def per_call(calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        assert run_limited(divmod, 7, 2) == (3, 1)
    return (time.perf_counter() - start) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20)
    calls = parser.parse_args().calls
    for name, text in CASES.items():
        seconds, outcome = best_of(parse, text)
        print(f"parse  {name:40s} {seconds * 1e3:8.2f} ms  {outcome}")
    print(f"run_limited, fork:              {per_call(calls) * 1e3:8.2f} ms per call")
    sys.modules.setdefault("jax", None)  # as if imported: _limits now uses the fork server
    assert _limits._context().get_start_method() == "forkserver"
    print(f"run_limited, fork server, first call: {per_call(1) * 1e3:8.2f} ms")
    print(f"run_limited, fork server:       {per_call(calls) * 1e3:8.2f} ms per call")


if __name__ == "__main__":
    main()
