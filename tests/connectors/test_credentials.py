"""Secret resolution: Airflow connection, AIRFLOW_CONN_ variable (JSON or URI), plain variable."""

from __future__ import annotations

import sys
import types

import pytest

from transforms.connectors.credentials import CredentialsError, resolve_secret

CONN, ENV = "x_api", "LISTENER_X_BEARER_TOKEN"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_X_API", raising=False)
    monkeypatch.delenv(ENV, raising=False)
    # Outside a task: no loaded Airflow, so the variable is parsed here.
    monkeypatch.delitem(sys.modules, "airflow.sdk", raising=False)


def test_plain_env_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "  env-token  ")
    assert resolve_secret(CONN, ENV) == "env-token"


def test_airflow_conn_json_wins_over_env_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_X_API", '{"conn_type": "http", "password": "fake-json-token"}')
    monkeypatch.setenv(ENV, "env-token")
    assert resolve_secret(CONN, ENV) == "fake-json-token"


def test_airflow_conn_uri(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_X_API", "http://:fake%2Ftok%3D%3D@api.x.com")
    assert resolve_secret(CONN, ENV) == "fake/tok=="  # URI-encoded, as Airflow writes them


def test_a_connection_without_password_falls_through(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_X_API", "http://api.x.com")
    monkeypatch.setenv(ENV, "env-token")
    assert resolve_secret(CONN, ENV) == "env-token"
    monkeypatch.setenv("AIRFLOW_CONN_X_API", "{not json")
    assert resolve_secret(CONN, ENV) == "env-token"


def test_missing_everywhere_names_every_place_looked() -> None:
    with pytest.raises(CredentialsError) as caught:
        resolve_secret(CONN, ENV)
    message = str(caught.value)
    assert "'x_api'" in message and "AIRFLOW_CONN_X_API" in message and ENV in message


def fake_airflow(get_connection: object) -> types.ModuleType:
    module = types.ModuleType("airflow.sdk")
    module.BaseHook = types.SimpleNamespace(get_connection=get_connection)  # type: ignore[attr-defined]
    return module


def test_inside_airflow_the_connection_comes_from_basehook(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def get_connection(conn_id: str) -> object:
        asked.append(conn_id)
        return types.SimpleNamespace(password="fake-hook-token")

    monkeypatch.setitem(sys.modules, "airflow.sdk", fake_airflow(get_connection))
    monkeypatch.setenv(ENV, "env-token")
    assert resolve_secret(CONN, ENV) == "fake-hook-token" and asked == [CONN]


def test_an_airflow_failure_is_tolerated(monkeypatch: pytest.MonkeyPatch) -> None:
    def get_connection(conn_id: str) -> object:
        raise RuntimeError(f"The conn_id `{conn_id}` isn't defined")

    monkeypatch.setitem(sys.modules, "airflow.sdk", fake_airflow(get_connection))
    monkeypatch.setenv("AIRFLOW_CONN_X_API", '{"password": "fake-json-token"}')
    assert resolve_secret(CONN, ENV) == "fake-json-token"
