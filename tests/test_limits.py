"""run_limited: the result back, errors back as they were, limits enforced, nothing left."""

from __future__ import annotations

import multiprocessing.forkserver
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sympy import Symbol

from derivations.errors import DomainError, ExpressionError, LimitExceeded, UnknownDerivation
from derivations.functions import sigmoid
from derivations.text import parse
from derivations.user import Limits, _limits, run_limited


def spin() -> None:
    while True:
        pass


def allocate(megabytes: int) -> int:
    return len(bytearray(megabytes << 20))


def unknown() -> None:
    raise UnknownDerivation("focal", ["bce", "sigmoid"])


def broken() -> None:
    raise KeyError("a bug, not bad input")


def unpicklable():
    return lambda: 1


def start_a_child_then_spin(pid_file: str) -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    Path(pid_file).write_text(str(child.pid))
    spin()


def gone(pid: int) -> bool:
    """Is process pid gone (or a zombie about to be reaped by init)?"""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "State:\tZ" in status


def test_the_result_comes_back():
    u, p = Symbol("u", real=True), Symbol("p", real=True)
    assert run_limited(parse, "σ(u) - p") == sigmoid(u) - p  # the same expression, rebuilt
    assert run_limited(divmod, 7, 2) == (3, 1)


def test_a_project_error_comes_back_with_its_type_message_and_attributes():
    with pytest.raises(UnknownDerivation) as error:
        run_limited(unknown)
    assert str(error.value) == "unknown derivation 'focal'; known derivations: bce, sigmoid"
    assert error.value.known == ["bce", "sigmoid"]
    with pytest.raises(ExpressionError, match="unexpected end of input at column 4"):
        run_limited(parse, "x +")


def recurse(depth: int) -> int:
    return recurse(depth + 1)


def test_too_deep_a_recursion_is_an_expression_error():
    with pytest.raises(ExpressionError, match="nested too deeply for SymPy"):
        run_limited(recurse, 0)


def test_another_error_comes_back_with_the_workers_traceback():
    with pytest.raises(KeyError) as error:
        run_limited(broken)
    assert "in the worker process" in str(error.value.__cause__)
    assert "a bug, not bad input" in str(error.value.__cause__)


def test_a_result_that_cannot_be_sent_back_is_a_type_error():
    with pytest.raises(TypeError, match="cannot send the result back"):
        run_limited(unpicklable)


def test_past_the_time_limit_the_worker_is_killed():
    start = time.perf_counter()
    with pytest.raises(LimitExceeded) as error:
        run_limited(spin, limits=Limits(seconds=0.3))
    assert time.perf_counter() - start < 0.3 + 2  # the limit, then kill and reap
    assert str(error.value) == "time limit of 0.3 s exceeded; raise it with --time-limit SECONDS"
    assert (error.value.which, error.value.value) == ("time", 0.3)


def test_past_the_memory_limit_is_a_limit_not_a_crash():
    with pytest.raises(LimitExceeded) as error:
        run_limited(allocate, 400, limits=Limits(memory_mb=100))
    assert str(error.value) == "memory limit of 100 MB exceeded; raise it with --memory-limit MB"
    assert run_limited(allocate, 50, limits=Limits(memory_mb=100)) == 50 << 20


def test_the_workers_children_are_killed_too(tmp_path):
    pid_file = tmp_path / "child.pid"
    with pytest.raises(LimitExceeded):
        run_limited(start_a_child_then_spin, str(pid_file), limits=Limits(seconds=1))
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while not gone(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone(child)


def _children() -> set[int]:
    """This process's children, less the fork server (which lives as long as we do)."""
    server = getattr(multiprocessing.forkserver._forkserver, "_forkserver_pid", None)
    pids = {int(p) for p in os.listdir("/proc") if p.isdigit()}
    return {pid for pid in pids if _parent(pid) == os.getpid() and not gone(pid)} - {server}


def _parent(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return int(status.split("PPid:\t")[1].split()[0])


def test_no_process_is_left_behind():
    before = _children()
    with pytest.raises(ExpressionError):
        run_limited(parse, "x +")
    with pytest.raises(LimitExceeded):
        run_limited(spin, limits=Limits(seconds=0.2))
    assert run_limited(divmod, 7, 2) == (3, 1)
    assert _children() - before == set()


def test_a_fork_server_is_used_once_jax_is_imported(monkeypatch):
    assert _limits._context().get_start_method() == (
        "forkserver" if "jax" in sys.modules else "fork"
    )
    monkeypatch.setitem(sys.modules, "jax", sys.modules.get("jax", object()))
    assert _limits._context().get_start_method() == "forkserver"
    assert run_limited(parse, "σ(u)") == sigmoid(Symbol("u", real=True))
    with pytest.raises(ExpressionError, match="unknown function 'open'"):
        run_limited(parse, "open('f')")


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ({"seconds": 0}, "time limit 0 is not allowed; give a positive number of seconds"),
        ({"seconds": float("nan")}, "time limit nan is not allowed"),
        ({"memory_mb": -1}, "memory limit -1 is not allowed; give a positive whole number"),
        ({"memory_mb": 1.5}, "memory limit 1.5 is not allowed"),
    ],
)
def test_limits_out_of_range_are_refused(limits, message):
    with pytest.raises(DomainError, match=message):
        Limits(**limits)


def test_a_script_read_from_stdin_can_use_the_fork_server():
    # with JAX imported the worker comes from a fork server, which would re-run the
    # caller's __main__ ('<stdin>' here: no such file) unless run_limited leaves it alone
    script = (
        "import jax, sys\n"
        "from derivations.user._limits import run_limited\n"
        "from derivations.text._parse import parse\n"
        "print(run_limited(parse, 'u + 1') == parse('u + 1'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-"], input=script, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"
