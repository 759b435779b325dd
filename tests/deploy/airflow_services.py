"""Airflow's components as local processes, the way docker-compose.yml runs them as containers.

Used by tests/deploy/test_scheduler_run.py: Docker does not run on our machines, so the compose
stack's configuration (PostgreSQL metadata, api-server, dag-processor, scheduler, Celery worker on
Redis) is exercised with each component as a subprocess in its own process group, talking to the
PostgreSQL and Redis servers of the machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

PG_HOST = "127.0.0.1"
PG_PORT = 5432
REDIS_HOST = "127.0.0.1"
REDIS_PORT = 6379
# Roles tried in order: trust auth lets any existing role in, and it must be allowed to create a DB.
PG_ROLES = ("postgres", "root")

TERMINAL_RUN_STATES = {"success", "failed"}
# A task in one of these states means the run went wrong: fail at once instead of waiting out the
# DAG's retries (one minute, then more, with back-off).
BAD_TASK_STATES = {"failed", "up_for_retry", "upstream_failed"}


def port_open(host: str, port: int, timeout: float = 2.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port() -> int:
    """A TCP port nothing listens on now (the OS picks it), for a component's server."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_role() -> str | None:
    """The first role that can log in (trust auth) and create databases, or None."""
    import psycopg2

    for role in PG_ROLES:
        try:
            con = psycopg2.connect(
                host=PG_HOST, port=PG_PORT, user=role, dbname="postgres", connect_timeout=3
            )
        except psycopg2.Error:
            continue
        try:
            with con.cursor() as cur:
                cur.execute(
                    "select rolcreatedb or rolsuper from pg_roles where rolname = %s", [role]
                )
                row = cur.fetchone()
        finally:
            con.close()
        if row and row[0]:
            return role
    return None


def _admin_execute(role: str, sql: str) -> None:
    import psycopg2

    con = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=role, dbname="postgres")
    con.autocommit = True  # CREATE/DROP DATABASE cannot run inside a transaction
    try:
        with con.cursor() as cur:
            cur.execute(sql)
    finally:
        con.close()


@contextlib.contextmanager
def throwaway_database(role: str, prefix: str = "listener_test") -> Iterator[str]:
    """A fresh, uniquely named database, dropped afterwards even if clients are still connected."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    _admin_execute(role, f'create database "{name}"')
    try:
        yield name
    finally:
        # FORCE (PostgreSQL 13+) ends sessions a killed component may have left behind.
        _admin_execute(role, f'drop database if exists "{name}" with (force)')


def query(role: str, database: str, sql: str, params: Any = None) -> list[tuple]:
    """Rows of one query against the metadata database (read-only use in assertions)."""
    import psycopg2

    con = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=role, dbname=database)
    try:
        with con.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()
    finally:
        con.close()


def inherited_env(base: Mapping[str, str]) -> dict[str, str]:
    """The parent environment without Airflow or Listener settings: tests/conftest.py points
    AIRFLOW_HOME and other AIRFLOW__* variables at the pytest process's own throwaway home."""
    return {k: v for k, v in base.items() if not k.startswith(("AIRFLOW", "LISTENER_"))}


@dataclass
class Component:
    name: str
    process: subprocess.Popen
    log_path: Path


@dataclass
class Processes:
    """Starts, watches and stops long-running processes, each in its own process group with its
    output in `<log_dir>/<name>.log`."""

    env: dict[str, str]
    log_dir: Path
    components: dict[str, Component] = field(default_factory=dict)

    def run(
        self, name: str, args: list[str], timeout: float, env: Mapping[str, str] | None = None
    ) -> float:
        """Run a one-off command to completion; returns its duration, raises with its log tail."""
        began = time.perf_counter()
        log_path = self.log_dir / f"{name}.log"
        with log_path.open("wb") as log:
            result = subprocess.run(
                args,
                env={**self.env, **(env or {})},
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                start_new_session=True,
            )
        if result.returncode != 0:
            raise AssertionError(
                f"{' '.join(args)} exited {result.returncode}:\n{tail(log_path, 60)}"
            )
        return time.perf_counter() - began

    def start(self, name: str, args: list[str], env: Mapping[str, str] | None = None) -> Component:
        log_path = self.log_dir / f"{name}.log"
        log = log_path.open("ab")
        process = subprocess.Popen(
            args,
            env={**self.env, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            # Own session and process group: stopping the group also ends the children a
            # component forks (LocalExecutor workers, Celery pool processes, uvicorn workers).
            start_new_session=True,
        )
        log.close()  # the child holds its own descriptor
        component = Component(name, process, log_path)
        self.components[name] = component
        return component

    def check_alive(self, *names: str) -> None:
        for name in names or list(self.components):
            component = self.components[name]
            code = component.process.poll()
            if code is not None:
                raise AssertionError(f"{name} exited with {code}:\n{tail(component.log_path, 60)}")

    def stop(self, *names: str, grace: float = 30.0) -> None:
        """SIGTERM the components' process groups together (Airflow shuts down cleanly on it),
        then SIGKILL whatever is left of a group after `grace` seconds."""
        stopping = [self.components.pop(n) for n in names if n in self.components]
        for component in stopping:
            # start_new_session: the leader's pid is the process group id
            with contextlib.suppress(ProcessLookupError):
                os.killpg(component.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for component in stopping:
            with contextlib.suppress(subprocess.TimeoutExpired):
                component.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        # A leader may be gone while children it forked still run: sweep every group.
        sweep = time.monotonic() + 5
        while any(_group_alive(c.process.pid) for c in stopping) and time.monotonic() < sweep:
            time.sleep(0.2)
        for component in stopping:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(component.process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                component.process.wait(timeout=5)

    def stop_all(self) -> None:
        self.stop(*self.components)

    def wait_for_log(self, name: str, text: str, timeout: float) -> None:
        component = self.components[name]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in component.log_path.read_text(errors="replace"):
                return
            self.check_alive(name)
            time.sleep(0.5)
        raise AssertionError(
            f"{name} did not log {text!r} within {timeout:.0f} s:\n{tail(component.log_path, 40)}"
        )


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# Library deprecation notices fill Airflow's logs here (thousands per task), and the api-server
# logs every request: neither explains a failure.
NOISE = ("is deprecated", "will be removed in a future version", "[http.access]")


def tail(path: Path, lines: int) -> str:
    """The last `lines` lines of a log, without deprecation noise."""
    if not path.exists():
        return f"({path} does not exist)"
    text = [
        line
        for line in path.read_text(errors="replace").splitlines()
        if not any(n in line for n in NOISE)
    ]
    return "\n".join(text[-lines:])


def task_log_digest(logs_dir: Path, max_events: int = 8) -> str:
    """One line per task attempt's log (Airflow 3 writes JSON lines), and for an attempt that
    logged errors those errors with their tracebacks, which is where a failure is explained."""
    out = []
    for path in sorted(logs_dir.glob("dag_id=*/run_id=*/task_id=*/**/attempt=*.log")):
        errors, last = [], ""
        for line in path.read_text(errors="replace").splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                event = {"event": line}
            if not isinstance(event, dict) or any(n in str(event.get("event")) for n in NOISE):
                continue
            last = str(event.get("event"))[:200]
            if event.get("level") in ("error", "critical") or "error_detail" in event:
                detail = json.dumps(event.get("error_detail", ""))[:3000]
                errors.append(f"    [{event.get('level')}] {event.get('event')} {detail}")
        status = f"{len(errors)} error event(s)" if errors else f"no errors; last: {last}"
        out.append(f"  {path.relative_to(logs_dir)}: {status}")
        out.extend(errors[-max_events:])
    return "\n".join(out) or "  (no task logs)"


@dataclass
class AirflowApi:
    """The few REST calls a test needs (api/v2), authenticated with a FAB-issued JWT."""

    base_url: str
    token: str | None = None

    def _client(self) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30)

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        with self._client() as client:
            response = client.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise AssertionError(
                f"{method} {path} -> {response.status_code}: {response.text[:1000]}"
            )
        return response.json() if response.content else None

    def health(self) -> dict | None:
        try:
            with self._client() as client:
                response = client.get("/api/v2/monitor/health", timeout=5)
        except httpx.HTTPError:
            return None
        return response.json() if response.status_code == 200 else None

    def wait_healthy(
        self, components: tuple[str, ...], timeout: float, alive: Callable[[], None]
    ) -> None:
        """Until the health endpoint (what compose's health check calls) reports each of
        `components` healthy; `alive` raises if a component process died meanwhile."""
        deadline = time.monotonic() + timeout
        last: dict | None = None
        while time.monotonic() < deadline:
            alive()
            last = self.health()
            if last and all((last.get(c) or {}).get("status") == "healthy" for c in components):
                return
            time.sleep(1)
        raise AssertionError(f"not healthy within {timeout:.0f} s: {components}; last: {last}")

    def login(self, username: str, password: str) -> None:
        # The FAB auth manager's token endpoint (the UI's login does the same).
        body = self.request(
            "POST", "/auth/token", json={"username": username, "password": password}
        )
        self.token = body["access_token"]

    def dag(self, dag_id: str) -> dict | None:
        with self._client() as client:
            response = client.get(f"/api/v2/dags/{dag_id}")
        return response.json() if response.status_code == 200 else None

    def set_paused(self, dag_id: str, paused: bool) -> None:
        body = self.request("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": paused})
        assert body["is_paused"] is paused, body

    def dag_runs(self, dag_id: str) -> list[dict]:
        body = self.request("GET", f"/api/v2/dags/{dag_id}/dagRuns", params={"limit": 100})
        return body["dag_runs"]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        body = self.request(
            "GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 100}
        )
        return body["task_instances"]

    def clear_tasks(self, dag_id: str, run_id: str, task_ids: list[str]) -> list[dict]:
        body = self.request(
            "POST",
            f"/api/v2/dags/{dag_id}/clearTaskInstances",
            json={
                "dry_run": False,
                "dag_run_id": run_id,
                "task_ids": task_ids,
                "only_failed": False,
                "reset_dag_runs": True,
            },
        )
        return body["task_instances"]

    def wait_for_run(
        self,
        dag_id: str,
        matches: Callable[[dict], bool],
        timeout: float,
        alive: Callable[[], None],
        states: tuple[str, ...] = ("success",),
    ) -> dict:
        """Poll until a run of `dag_id` for which `matches(run)` holds is in one of `states`.
        Fails early when the run ends otherwise or one of its tasks failed or awaits a retry."""
        deadline = time.monotonic() + timeout
        seen: dict | None = None
        while time.monotonic() < deadline:
            alive()
            runs = [r for r in self.dag_runs(dag_id) if matches(r)]
            if runs:
                seen = max(runs, key=lambda r: r["run_after"])
                if seen["state"] in states:
                    return seen
                tasks = self.task_instances(dag_id, seen["dag_run_id"])
                bad = [
                    f"{t['task_id']}[{t['map_index']}]={t['state']}"
                    for t in tasks
                    if t["state"] in BAD_TASK_STATES
                ]
                if bad or seen["state"] in TERMINAL_RUN_STATES:
                    raise AssertionError(
                        f"{dag_id} run {seen['dag_run_id']} is {seen['state']}; tasks: {bad}"
                    )
            time.sleep(2)
        raise AssertionError(
            f"no {dag_id} run reached {states} within {timeout:.0f} s; last seen: {seen}"
        )
