"""Two runs of the same day started together cannot corrupt the warehouse.

Two `listener run` of one data directory share its embedded Airflow, where a run replaces any
run of the same DAG and date: the second waits for the first (and says for whom), then runs the
day again, which adds nothing. Two processes running the pipeline's steps at once (a scheduler's
tasks and a backfill with its own Airflow metadata) are not serialized as a whole: each
warehouse step takes the writer lock, and the raw zone keeps one batch per content. Either way
both finish, no post is in the warehouse twice, and the published marts are a single run's."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.pipeline_sites import (
    Site,
    assert_same_marts,
    assert_same_warehouse,
    generated_site,
    listener_run_command,
    published_marts,
)
from transforms.config import PROJECT_ROOT

pytestmark = pytest.mark.slow

POSTS_PER_DAY = 300
# Every step of both DAGs for one day, as their tasks call them. With everything imported, a
# process says it is ready (a file named after its pid) and waits for the file `go`, so that both
# extract at the same moment.
PIPELINE = """
import datetime as dt, os, pathlib, sys, time
from transforms import pipeline
import transforms.clean, transforms.classify, transforms.raw_gate, transforms.warehouse
go = pathlib.Path(sys.argv[2])
(go.parent / f"ready.{os.getpid()}").touch()
while not go.exists():
    time.sleep(0.01)
day = dt.date.fromisoformat(sys.argv[1])
pipeline.run_day(day)
pipeline.build()
pipeline.gate_marts()
pipeline.publish()
"""


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    return generated_site(tmp_path_factory.mktemp("concurrent"), 1, POSTS_PER_DAY)


@pytest.fixture(scope="module")
def reference(generated, tmp_path_factory) -> Site:
    """The day run once, alone."""
    site, day = generated
    site = site.copy(tmp_path_factory.mktemp("reference"))
    go = site.data.parent / "go"
    go.touch()  # no one to wait for
    command = [sys.executable, "-c", PIPELINE, str(day), str(go)]
    done = subprocess.run(command, env=site.env(), cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return site


def run_together(
    site: Site, commands: list[list[str]], go: Path | None = None
) -> list[tuple[int, int, str]]:
    """Start the commands at once on the site (and create `go` once each is ready, see
    PIPELINE); (pid, exit code, output) of each."""
    processes = [
        subprocess.Popen(command, env=site.env(), cwd=PROJECT_ROOT, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for command in commands
    ]  # fmt: skip
    if go is not None:
        ready = [go.parent / f"ready.{p.pid}" for p in processes]
        deadline = time.monotonic() + 120
        while not all(r.exists() for r in ready) and time.monotonic() < deadline:
            time.sleep(0.05)
        go.touch()
    outputs = [process.communicate(timeout=900)[0] for process in processes]
    return [(p.pid, p.returncode, out) for p, out in zip(processes, outputs, strict=True)]


def test_a_second_listener_run_of_the_day_waits_for_the_first(generated, reference, tmp_path):
    site, day = generated
    site = site.copy(tmp_path)

    runs = run_together(site, [listener_run_command(day)] * 2)

    for _, returncode, output in runs:
        assert returncode == 0, output[-3000:]
    waited = [(pid, out) for pid, _, out in runs if "listener run: waiting for" in out]
    assert len(waited) == 1, "exactly one run should have waited for the other"
    ((waiter, output),) = waited
    (holder,) = {pid for pid, _, _ in runs} - {waiter}
    assert f"waiting for listener run {day}..{day} (pid {holder}) to finish" in output
    assert_same_warehouse(site, reference)
    assert_same_marts(published_marts(site), published_marts(reference))


def test_two_pipelines_of_the_day_at_once_load_it_once(generated, reference, tmp_path):
    site, day = generated
    site = site.copy(tmp_path)
    go = tmp_path / "go"
    command = [sys.executable, "-c", PIPELINE, str(day), str(go)]

    runs = run_together(site, [command, command], go)

    for _, returncode, output in runs:
        assert returncode == 0, output[-3000:]
    assert_same_warehouse(site, reference)
    assert_same_marts(published_marts(site), published_marts(reference))
