"""docker/entrypoint.sh, run with a stub `airflow` that records how it was called."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import DOCKER_DIR, ENTRYPOINT

SHELL_SCRIPTS = [ENTRYPOINT, *sorted((DOCKER_DIR / "warehouse-initdb").glob("*.sh"))]

STUB = """#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$CALLS"
if [[ "$*" == "${FAIL_ON:-<none>}" ]]; then exit 3; fi
if [[ "$1" == version ]]; then echo 3.3.2; fi
"""


@pytest.fixture
def run(tmp_path: Path):
    stubs = tmp_path / "bin"
    stubs.mkdir()
    airflow = stubs / "airflow"
    airflow.write_text(STUB)
    airflow.chmod(0o755)
    calls = tmp_path / "calls.txt"

    def run_entrypoint(*args: str, **env: str) -> tuple[subprocess.CompletedProcess, list[str]]:
        environment = {
            "PATH": f"{stubs}:/usr/bin:/bin",
            "CALLS": str(calls),
            "AIRFLOW_HOME": str(tmp_path / "airflow"),
            "LISTENER_DATA_DIR": str(tmp_path / "data"),
            **env,
        }
        result = subprocess.run(
            ["bash", str(ENTRYPOINT), *args],
            env=environment,
            capture_output=True,
            text=True,
            timeout=30,
        )
        recorded = calls.read_text().splitlines() if calls.exists() else []
        return result, recorded

    return run_entrypoint


ADMIN = {
    "AIRFLOW_ADMIN_USERNAME": "ops",
    "AIRFLOW_ADMIN_PASSWORD": "fake-admin-password",
    "AIRFLOW_ADMIN_EMAIL": "ops@example.org",
}


@pytest.mark.parametrize("script", SHELL_SCRIPTS, ids=lambda p: p.name)
def test_scripts_parse(script):
    subprocess.run(["bash", "-n", str(script)], check=True)


@pytest.mark.parametrize("script", SHELL_SCRIPTS, ids=lambda p: p.name)
def test_scripts_pass_shellcheck(script):
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed")
    subprocess.run(["shellcheck", str(script)], check=True)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["api-server"], "api-server"),
        (["scheduler"], "scheduler"),
        (["dag-processor"], "dag-processor"),
        (["triggerer"], "triggerer"),
        (["celery", "worker"], "celery worker"),
        (["dags", "list"], "dags list"),
        ([], "version"),
    ],
)
def test_airflow_commands_go_to_airflow(run, args, expected):
    result, calls = run(*args)
    assert result.returncode == 0, result.stderr
    assert calls == [expected]


def test_other_commands_run_as_given(run):
    result, calls = run("bash", "-c", "echo direct")
    assert result.returncode == 0
    assert result.stdout == "direct\n"
    assert calls == []


def test_init_migrates_then_creates_and_syncs_the_admin(run, tmp_path):
    result, calls = run("init", **ADMIN)
    assert result.returncode == 0, result.stderr
    assert calls[0] == "version"
    assert calls[1] == "db migrate"
    assert calls[2].startswith("users create --username ops --password fake-admin-password")
    assert "--role Admin" in calls[2]
    assert calls[3] == "users reset-password --username ops --password fake-admin-password"
    assert (tmp_path / "airflow" / "logs").is_dir()
    assert (tmp_path / "data").is_dir()
    assert "fake-admin-password" not in result.stdout + result.stderr


@pytest.mark.parametrize("missing", sorted(ADMIN))
def test_init_refuses_without_admin_settings(run, missing):
    env = {k: v for k, v in ADMIN.items() if k != missing}
    result, calls = run("init", **env)
    assert result.returncode != 0
    assert missing in result.stderr
    assert calls == []


def test_init_stops_when_migration_fails(run):
    result, calls = run("init", FAIL_ON="db migrate", **ADMIN)
    assert result.returncode != 0
    assert calls == ["version", "db migrate"]


def test_entrypoint_is_what_the_image_runs():
    dockerfile = (DOCKER_DIR / "Dockerfile").read_text()
    assert "COPY docker/entrypoint.sh /usr/local/bin/listener-entrypoint" in dockerfile
    assert 'ENTRYPOINT ["listener-entrypoint"]' in dockerfile
    assert os.access(ENTRYPOINT, os.X_OK)
