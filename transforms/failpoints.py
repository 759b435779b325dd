"""Failpoints: named places where a test can have the process killed, to prove that every step
survives a crash at its worst moment (tests/test_crash_recovery.py).

    LISTENER_FAILPOINT=load:posts-inserted listener run --start 2026-10-01 --end 2026-10-01

kills the process with SIGKILL (no clean-up, no `finally`, like the OOM killer or a lost
machine) when it reaches `failpoint("load:posts-inserted")`. A name ending in `@N` waits N
seconds after reaching the point, with the work going on, then kills (`build:started@3`: in
the middle of the dbt build). Without the variable a failpoint costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal
import threading

ENV = "LISTENER_FAILPOINT"


def failpoint(name: str) -> None:
    """Kill this process here if LISTENER_FAILPOINT names this point."""
    wanted = os.environ.get(ENV)
    if not wanted:
        return
    point, _, delay = wanted.partition("@")
    if point != name:
        return
    if not delay:
        _kill()
    timer = threading.Timer(float(delay), _kill)
    timer.daemon = True
    timer.start()


def _kill() -> None:
    os.kill(os.getpid(), signal.SIGKILL)
