"""One writer at a time on the working DuckDB warehouse, across processes.

DuckDB lets one process open a file for writing, and no other process may open it at all
meanwhile, so two tasks of different DAGs (an ingest load during a dbt build, an erasure during a
publication) would fail with "Could not set lock on file". Each step that opens the working
warehouse takes this lock first and waits for the one holding it: an advisory `flock` on
`warehouse/.writer.lock`, released by the kernel if the holder dies. The lock file names the
holder, so a step that gives up says what it waited for. One machine only: with workers on
several hosts, use the PostgreSQL warehouse. `exclusive` is the same lock on any file: `listener
run` holds one on its embedded Airflow home (transforms/airflow_runner.py).
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from transforms import zones
from transforms.config import Config
from transforms.errors import ListenerError

WAIT_SECONDS = 45 * 60.0  # as long as a task may run (dag_settings' execution_timeout)
_held: dict[str, int] = {}  # lock path -> depth, so a step may call another that locks


class WarehouseBusy(ListenerError):
    """Another process kept the warehouse (or another lock of ours) longer than we could wait."""


def lock_file(config: Config) -> Path:
    return zones.warehouse_file(config).with_name(".writer.lock")


@contextmanager
def warehouse_writer(
    config: Config, holder: str, wait_seconds: float = WAIT_SECONDS
) -> Iterator[None]:
    """Hold the warehouse for `holder` (e.g. "load 2026-10-05") while the block runs."""
    path = lock_file(config)
    key = str(path)
    if _held.get(key):
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    with exclusive(path, holder, "the warehouse", wait_seconds):
        _held[key] = 1
        try:
            yield
        finally:
            _held.pop(key, None)


@contextmanager
def exclusive(
    path: Path,
    holder: str,
    what: str,
    wait_seconds: float = WAIT_SECONDS,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the `flock` on `path` while the block runs, waiting for the process that holds it;
    `what` names the resource in the error, `on_wait` hears the holder's name once if we wait."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        _acquire(handle, path, what, wait_seconds, on_wait)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{holder} (pid {os.getpid()})\n")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _acquire(
    handle, path: Path, what: str, wait_seconds: float, on_wait: Callable[[str], None] | None
) -> None:
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            holder = path.read_text(encoding="utf-8").strip() or "another process"
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"{what} is still held by {holder} after {wait_seconds:.0f} s ({path})"
                ) from None
            if on_wait is not None:
                on_wait(holder)
                on_wait = None
            time.sleep(0.5)
