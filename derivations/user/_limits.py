"""Run work on user input under a wall-clock and a memory budget, in a worker process.

SymPy's hard cases (a simplification that never ends, an expansion that needs
gigabytes) run in C as well as in Python, so a signal or a thread cannot stop them.
``run_limited(function, *args, limits=Limits(...))`` runs ``function(*args)`` in a
worker process instead:

* memory: the worker's address space (``RLIMIT_AS``) may grow by at most
  ``limits.memory_mb`` beyond what it starts with (a forked worker starts with its
  parent's mappings); a ``MemoryError``, or a worker killed by a signal as a failed
  allocation in C ends it, is reported as the memory limit;
* time: the parent waits at most ``limits.seconds`` of wall clock, then kills the
  worker's whole process group (the worker and anything it started) with SIGKILL;
  ``RLIMIT_CPU`` in the worker is a backstop should the parent itself die;
* either way ``LimitExceeded`` names the limit, its value and the flag that raises it,
  and no process is left behind: the worker is always killed and reaped.

A ``BceCheckError`` raised in the worker is raised again in the parent with its type
and message; a ``RecursionError`` (SymPy on text nested too deeply) as an
``ExpressionError``; any other exception as itself, with the worker's traceback as its
cause.
The worker is forked (about 10 ms) unless JAX is imported in the parent: forking a
process that runs XLA's threads is unsafe, so then the worker comes from a fork server.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import pickle
import resource
import signal
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

from derivations.errors import BceCheckError, DomainError, ExpressionError, LimitExceeded

__all__ = ["LimitExceeded", "Limits", "run_limited"]

T = TypeVar("T")
_TOO_DEEP = (
    "the expression is nested too deeply for SymPy (it reached Python's recursion limit); "
    "write it with less nesting"
)
_MB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """The budget of one piece of work: wall-clock seconds and memory in MB (2^20 bytes)."""

    seconds: float = 20.0
    memory_mb: int = 1024

    def __post_init__(self) -> None:
        if not (isinstance(self.seconds, (int, float)) and 0 < self.seconds < math.inf):
            raise DomainError(
                f"time limit {self.seconds!r} is not allowed; give a positive number of seconds"
            )
        if not (isinstance(self.memory_mb, int) and self.memory_mb > 0):
            raise DomainError(
                f"memory limit {self.memory_mb!r} is not allowed; give a positive whole number "
                "of MB"
            )


class _RemoteTraceback(Exception):
    """The worker's traceback, attached as the cause of an exception raised again here."""


def _address_space() -> int:
    """This process's mapped address space in bytes (VmSize), or 0 where unknown."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _describe(error: BaseException) -> tuple[type, tuple, dict, str]:
    """An exception as picklable parts: its type, args, attributes and traceback text."""
    text = "".join(traceback.format_exception(error))
    parts = (type(error), error.args, dict(vars(error)), text)
    try:
        pickle.dumps(parts)
    except Exception:
        return RuntimeError, (f"{type(error).__name__}: {error}",), {}, text
    return parts


def _worker(sender: Connection, function: Callable, args: tuple, kwargs: dict, limits: Limits):
    """Run in the worker: own process group, memory and CPU capped, one message back."""
    os.setpgid(0, 0)
    memory = _address_space() + limits.memory_mb * _MB
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = math.ceil(limits.seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    try:
        message: tuple[str, Any] = ("ok", function(*args, **kwargs))
    except MemoryError:
        message = ("memory", None)
    except RecursionError:  # SymPy recurses once or more per level of the user's nesting
        message = ("error", _describe(ExpressionError(_TOO_DEEP)))
    except BaseException as error:  # sent back, raised again there
        message = ("error", _describe(error))
    try:
        sender.send(message)
    except MemoryError:
        sender.send(("memory", None))
    except Exception as error:  # a result that cannot be pickled
        sender.send(("error", _describe(TypeError(f"cannot send the result back: {error}"))))
    sender.close()


def _context() -> multiprocessing.context.BaseContext:
    """Fork when it is safe (no JAX threads in this process), else a fork server."""
    if "jax" not in sys.modules and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["sympy", "derivations"])  # imported once, in the server
    return context


@contextlib.contextmanager
def _main_left_alone(context: multiprocessing.context.BaseContext):
    """Start a fork-server worker without re-importing the caller's ``__main__``.

    multiprocessing re-runs the main script (or module) in a non-forked worker, so that
    functions defined there unpickle; ``run_limited`` only runs module-level functions of
    ``derivations``, and re-running the script would fail from stdin or a notebook and
    re-execute an unguarded script's top level.  Hiding ``__file__``/``__spec__`` while
    the worker starts leaves ``__main__`` alone (multiprocessing.spawn.get_preparation_data).
    """
    main = sys.modules.get("__main__")
    if context.get_start_method() == "fork" or main is None:
        yield
        return
    saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if k in main.__dict__}
    main.__dict__.pop("__file__", None)
    main.__spec__ = None
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


def _end(worker: multiprocessing.process.BaseProcess) -> None:
    """Kill the worker's process group (a no-op once it is gone) and reap the worker."""
    if worker.pid is None:  # never started
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(worker.pid, signal.SIGKILL)  # its own group: only it and its children
    worker.kill()
    worker.join()
    worker.close()


def _rebuild(parts: tuple[type, tuple, dict, str]) -> BaseException:
    kind, args, attributes, text = parts
    error = kind.__new__(kind)
    error.args = args
    error.__dict__.update(attributes)
    if not isinstance(error, BceCheckError):
        error.__cause__ = _RemoteTraceback(f"in the worker process:\n{text}")
    return error


def _outcome(receiver: Connection, worker, limits: Limits) -> Any:
    """The worker's result, or the exception that stands for how it ended."""
    if receiver.poll():
        try:
            status, payload = receiver.recv()
        except EOFError:
            status, payload = "died", None
        if status == "ok":
            return payload
        if status == "memory":
            raise LimitExceeded("memory", limits.memory_mb)
        if status == "error":
            raise _rebuild(payload)
    worker.join()
    code = worker.exitcode
    if code == -signal.SIGXCPU:
        raise LimitExceeded("time", limits.seconds, "CPU time")
    if code is not None and code < 0:  # a failed allocation in C: SIGSEGV, SIGABRT, SIGKILL
        name = signal.Signals(-code).name
        raise LimitExceeded("memory", limits.memory_mb, f"the worker was ended by {name}")
    raise RuntimeError(f"the worker process ended with exit code {code} and no result")


def run_limited(
    function: Callable[..., T], /, *args: Any, limits: Limits = Limits(), **kwargs: Any
) -> T:
    """``function(*args, **kwargs)`` run in a worker process within ``limits``.

    ``function`` must be defined at a module's top level and its arguments and result
    must pickle. Raises ``LimitExceeded`` past the time or memory limit, and the
    worker's own exception (a ``BceCheckError`` with its type and message) otherwise.
    """
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(target=_worker, args=(sender, function, args, kwargs, limits))
    try:
        with _main_left_alone(context):
            worker.start()
        sender.close()
        if not wait([receiver, worker.sentinel], timeout=limits.seconds):
            raise LimitExceeded("time", limits.seconds)
        return _outcome(receiver, worker, limits)
    finally:
        _end(worker)
        receiver.close()
