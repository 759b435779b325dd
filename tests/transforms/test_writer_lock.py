"""The warehouse writer lock: a second process waits for the first, gives up with the holder's
name, and one process may nest steps that each take it."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from transforms.writer_lock import WarehouseBusy, exclusive, lock_file, warehouse_writer


def hold_in_another_process(config, seconds: float) -> subprocess.Popen:
    code = (
        "import sys, time\n"
        "from transforms.config import load_config\n"
        "from transforms.writer_lock import warehouse_writer\n"
        "with warehouse_writer(load_config(), 'dbt build'):\n"
        "    print('held', flush=True)\n"
        f"    time.sleep({seconds})\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "LISTENER_DATA_DIR": str(config.data_dir)},
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_writer_waits_for_the_first(config):
    holder = hold_in_another_process(config, 1.5)
    began = time.monotonic()
    with warehouse_writer(config, "load 2026-10-05"):
        waited = time.monotonic() - began
        assert "load 2026-10-05" in lock_file(config).read_text()
    holder.wait()
    assert waited > 0.5, "the lock was not held by the other process"


def test_a_writer_that_cannot_wait_names_the_holder(config):
    holder = hold_in_another_process(config, 5)
    try:
        busy = pytest.raises(WarehouseBusy, match=r"held by dbt build \(pid \d+\)")
        with busy, warehouse_writer(config, "publish", wait_seconds=0.5):
            pass
    finally:
        holder.kill()
        holder.wait()


def test_steps_may_nest_in_one_process(config):
    with warehouse_writer(config, "forget"), warehouse_writer(config, "publish", wait_seconds=0.1):
        pass
    with warehouse_writer(config, "again", wait_seconds=0.1):  # released after the outer one
        pass


def test_a_waiter_hears_once_who_holds_the_lock(config):
    holder = hold_in_another_process(config, 1.5)
    heard: list[str] = []
    with exclusive(lock_file(config), "listener run", "the warehouse", on_wait=heard.append):
        pass
    holder.wait()
    assert heard == [f"dbt build (pid {holder.pid})"]
