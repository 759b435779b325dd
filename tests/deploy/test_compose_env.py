"""`listener compose-env` / `make compose-env`: the compose stack's `.env` with every secret
generated (nobody invents the Airflow admin password), never overwriting an existing one."""

from __future__ import annotations

import base64
import re
import stat
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from cryptography.fernet import Fernet

from transforms import compose_env
from transforms.cli import main as listener

from .conftest import ENV_EXAMPLE, ROOT
from .test_compose import strings_in


def read_env(path) -> dict[str, str]:
    return dict(re.findall(r"^(\w+)=(.*)$", path.read_text(), flags=re.MULTILINE))


def required_variables(compose) -> set[str]:
    """The variables compose refuses to start without (`${VAR:?...}`)."""
    found = (re.findall(r"(?<!\$)\$\{(\w+):?\?", text) for text in strings_in(compose))
    return {name for names in found for name in names}


@pytest.fixture
def env_file(tmp_path):
    return compose_env.write_env_file(tmp_path / ".env")


def test_every_required_variable_gets_a_value(env_file, compose):
    values = read_env(env_file)
    required = required_variables(compose)
    assert {"AIRFLOW_ADMIN_PASSWORD", "POSTGRES_PASSWORD", "AIRFLOW__CORE__FERNET_KEY"} <= required
    assert {name for name in required if not values.get(name)} == set()


def test_the_file_is_env_example_filled_in(env_file):
    example = read_env(ENV_EXAMPLE)
    values = read_env(env_file)
    assert values.keys() == example.keys()
    # Optional settings keep their defaults (empty); comments are kept.
    assert values["LISTENER_IMAGE"] == "" and values["AIRFLOW_CONN_LISTENER_SMTP"] == ""
    assert "# Required, secret. The admin's password" in env_file.read_text()


def test_secrets_are_random_strong_and_distinct(tmp_path, env_file):
    values = read_env(env_file)
    secrets = [values[name] for name in compose_env.GENERATED]
    assert len(set(secrets)) == len(secrets)
    for value in secrets:
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{40,}", value), value  # >= 32 bytes
    other = read_env(compose_env.write_env_file(tmp_path / "other.env"))
    assert all(other[name] != values[name] for name in compose_env.GENERATED)


def test_the_fernet_key_is_one_airflow_accepts(env_file):
    key = read_env(env_file)["AIRFLOW__CORE__FERNET_KEY"]
    assert len(base64.urlsafe_b64decode(key)) == 32
    assert Fernet(key).decrypt(Fernet(key).encrypt(b"connection")) == b"connection"


def test_passwords_survive_the_urls_compose_builds(env_file):
    values = read_env(env_file)
    for name in ("POSTGRES_PASSWORD", "WAREHOUSE_PASSWORD"):
        url = urlsplit(f"postgresql+psycopg2://airflow:{values[name]}@postgres:5432/airflow")
        assert (url.password, url.hostname, url.port) == (values[name], "postgres", 5432)


def test_a_leading_dash_is_never_generated(monkeypatch):
    # `airflow users create --password -x...` would read the password as an option.
    tokens = iter(["-starts-with-dash" * 3, "_starts_with_underscore" * 2, "Good" * 12])
    monkeypatch.setattr(compose_env.secrets, "token_urlsafe", lambda n: next(tokens))
    assert compose_env.random_secret() == "Good" * 12


def test_only_the_owner_can_read_it(env_file):
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600


def test_an_existing_env_is_never_overwritten(env_file):
    before = env_file.read_bytes()
    with pytest.raises(compose_env.EnvFileExists, match="Fernet key"):
        compose_env.write_env_file(env_file)
    assert env_file.read_bytes() == before


def test_the_listener_command(tmp_path, capsys):
    out = tmp_path / "stack.env"
    assert listener(["compose-env", "--out", str(out), "--admin-user", "ops"]) == 0
    assert read_env(out)["AIRFLOW_ADMIN_USERNAME"] == "ops"
    said = capsys.readouterr().out
    assert "'ops'" in said and read_env(out)["AIRFLOW_ADMIN_PASSWORD"] not in said
    assert listener(["compose-env", "--out", str(out)]) == 1
    assert "exists" in capsys.readouterr().err


def test_make_compose_env_needs_only_python(tmp_path):
    # The Docker host may have no virtual environment: the module uses the standard library.
    out = tmp_path / ".env"
    subprocess.run(
        [sys.executable, "-S", "-m", "transforms.compose_env", "--out", str(out)],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    assert read_env(out)["AIRFLOW_ADMIN_PASSWORD"]
    assert "python3 -m transforms.compose_env" in (ROOT / "Makefile").read_text()
