"""Several processes through ``jax.distributed``: each checks its share, all get the merge.

``initialize`` starts JAX's multi-process runtime (one coordinator at HOST:PORT, P
processes numbered 0 … P − 1; on GPU hosts each process drives its own local GPUs).
A sweep of points 0 … n − 1 gives process i the contiguous share [⌊n·i/P⌋, ⌊n·(i+1)/P⌋),
checked on its local devices; the per-reference statistics of every process are then
exchanged with ``jax.experimental.multihost_utils.process_allgather`` (JAX's own
collectives: gloo between CPU processes, NCCL between GPUs) and merged in process
order, which is counter order, so the merged report equals a one-process run's; the
points each process collected for the oracle are exchanged the same way.
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Callable
from contextlib import contextmanager

import numpy as np

from bce_check.check._disputed import FIELDS, Disputed
from bce_check.check._stages import Totals
from derivations import DomainError

ENVIRONMENT = {
    "coordinator": "BCE_CHECK_COORDINATOR",
    "num_processes": "BCE_CHECK_NUM_PROCESSES",
    "process_id": "BCE_CHECK_PROCESS_ID",
}


def initialize(coordinator: str, num_processes: int, process_id: int) -> None:
    """Join a run of ``num_processes`` processes coordinated at ``coordinator`` (HOST:PORT).

    Call before any other JAX work in the process.  Bad values raise DomainError.
    """
    host, _, port = coordinator.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise DomainError(f"coordinator must be HOST:PORT (port 1…65535), got {coordinator!r}")
    if not isinstance(num_processes, int) or num_processes < 1:
        raise DomainError(f"num_processes must be a whole number ≥ 1, got {num_processes!r}")
    if not isinstance(process_id, int) or not 0 <= process_id < num_processes:
        raise DomainError(
            f"process_id must be from 0 to {num_processes - 1} (num_processes − 1), "
            f"got {process_id!r}"
        )
    import jax
    jax.distributed.initialize(
        coordinator_address=coordinator, num_processes=num_processes, process_id=process_id
    )


def processes() -> int:
    """How many processes this run has (1 unless ``initialize`` was called).

    Asked without starting a JAX backend when there is no process group, so a parent
    that only hands work to worker processes does not start one."""
    import jax
    return jax.process_count() if jax.distributed.is_initialized() else 1


def process_index() -> int:
    import jax
    return jax.process_index() if jax.distributed.is_initialized() else 0


def share(start: int, stop: int, index: int, count: int) -> tuple[int, int]:
    """Process ``index`` of ``count``: its contiguous part of [start, stop)."""
    n = stop - start
    return start + n * index // count, start + n * (index + 1) // count


def _encode(totals: dict[str, Totals]) -> np.ndarray:
    """Totals as UTF-8 JSON bytes (floats by repr: exact), one uint8 array."""

    def plain(value):
        if isinstance(value, np.ndarray | np.generic):
            return value.tolist()
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    state = {r: {k: plain(v) for k, v in vars(t).items()} for r, t in totals.items()}
    return np.frombuffer(json.dumps(state).encode(), dtype=np.uint8)


@contextmanager
def _stdout_to_stderr():
    """Send file descriptor 1 to stderr for a while: gloo greets on stdout ("[Gloo] Rank 0 is
    connected ..."), which would corrupt ``--json`` output."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _gather(data: np.ndarray) -> list[bytes]:
    """Every process's bytes, in process order (two all-gathers: lengths, then padded data)."""
    with _stdout_to_stderr():
        return _gather_quietly(data)


def _gather_quietly(data: np.ndarray) -> list[bytes]:
    from jax.experimental import multihost_utils

    lengths = multihost_utils.process_allgather(np.array([data.size], dtype=np.int64))
    padded = np.zeros(int(lengths.max()), dtype=np.uint8)
    padded[: data.size] = data
    rows = multihost_utils.process_allgather(padded)
    return [bytes(row[: int(n)]) for row, n in zip(rows, lengths.reshape(-1), strict=True)]


def merge(totals: dict[str, Totals]) -> dict[str, Totals]:
    """The Totals of all processes merged in process order (each process gets the same)."""
    merged = {r: Totals() for r in totals}
    for blob in _gather(_encode(totals)):
        for reference, state in json.loads(blob).items():
            if state["hist"] is None:  # that process had no points
                continue
            state["hist"] = np.asarray(state["hist"])
            merged[reference].add(state)
    return merged


def merge_disputed(disputed: Disputed) -> None:
    """Every process's disputed points into ``disputed`` (each process gets the same set;
    ``Disputed`` chooses by orders on the points alone, so the oracle judges what a
    one-process run judges)."""
    blobs = _gather(encode_disputed(disputed))
    disputed.rows, disputed.seen = [], 0
    for blob in blobs:
        disputed.absorb(_decode_disputed(blob, disputed))


def encode_disputed(disputed: Disputed) -> np.ndarray:
    """The collected points as the bytes of one ``.npz`` (exact floats), one uint8 array."""
    arrays = {"seen": np.array([disputed.seen])}
    for k, (index, args, *rest) in enumerate(disputed.rows):
        arrays[f"{k}_index"] = index
        arrays.update({f"{k}_arg{i}": a for i, a in enumerate(args)})
        arrays.update({f"{k}_{name}": x for name, x in zip(FIELDS[1:], rest, strict=True)})
    shape = [len(disputed.rows), len(disputed.rows[0][1]) if disputed.rows else 0]
    buffer = io.BytesIO()
    np.savez(buffer, rows=np.array(shape), **arrays)
    return np.frombuffer(buffer.getvalue(), dtype=np.uint8)


def _decode_disputed(blob: bytes, like: Disputed) -> Disputed:
    data = np.load(io.BytesIO(blob))
    (count, nargs), out = data["rows"], Disputed(like.budget, like.audit)
    out.seen = int(data["seen"][0])
    out.rows = [(data[f"{k}_index"], [data[f"{k}_arg{i}"] for i in range(nargs)],
                 *(data[f"{k}_{name}"] for name in FIELDS[1:])) for k in range(count)]
    return out


def sweep(inner: Callable | None) -> Callable:
    """A harness sweep: this process's share through ``inner`` (default: one device), merged."""
    from bce_check.check._harness import local_sweep

    inner = inner or local_sweep

    def distributed(job, start: int, stop: int, progress=None) -> dict[str, Totals]:
        lo, hi = share(start, stop, process_index(), processes())
        totals = merge(inner(job, lo, hi, progress))
        if job.disputed is not None:
            merge_disputed(job.disputed)
        return totals

    return distributed
