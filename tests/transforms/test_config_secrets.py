"""Secrets only come from Airflow connections or the environment: the config file (reviewed and
committed) has no field that could hold one, and refuses a token, a password, a URL with
credentials or a token given as a variable name, saying where the secret belongs instead."""

from __future__ import annotations

import re
import typing

import pytest
import yaml
from pydantic import BaseModel

from transforms.config import PROJECT_ROOT, Config, ConfigError, load_config
from transforms.connectors.credentials import CredentialsError, resolve_secret
from transforms.extract import extract_source_day

TOKEN = "fake-token-Qx7vL2"  # what a user might paste into the file


def project_config() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "config" / "listener.yml").read_text())


def load_changed(tmp_path, change) -> Config:
    raw = project_config()
    change(raw)
    path = tmp_path / "listener.yml"
    path.write_text(yaml.safe_dump(raw))
    return load_config(path)


def x_source(raw: dict) -> dict:
    return next(s for s in raw["sources"] if s["name"] == "x")


def field_names(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every field of the config, nested models included, as dotted paths."""
    names = []
    for name, info in model.model_fields.items():
        names.append(prefix + name)
        for inner in typing.get_args(info.annotation) or (info.annotation,):
            for candidate in typing.get_args(inner) or (inner,):
                if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                    names += field_names(candidate, f"{prefix}{name}.")
    return names


def test_no_config_field_can_hold_a_secret():
    names = field_names(Config)
    assert "sources.connection" in names and "bi.postgres_connection" in names  # walked deep
    secret_like = re.compile(r"(^|[._])(token|password|passwd|secret|api_?key|key|credentials?)$")
    assert [n for n in names if secret_like.search(n)] == []


@pytest.mark.parametrize(
    "where, change",
    [
        ("sources[0]", lambda raw: x_source(raw).update(token=TOKEN)),
        ("sources[0]", lambda raw: x_source(raw).update(bearer_token=TOKEN)),
        ("sources[0]", lambda raw: x_source(raw).update(api_key=TOKEN)),
        ("delivery", lambda raw: raw["delivery"].update(smtp_password=TOKEN)),
        ("bi", lambda raw: raw["bi"].update(password=TOKEN)),
        ("(top level)", lambda raw: raw.update(secret=TOKEN)),
    ],
)
def test_a_secret_in_the_config_is_refused_with_where_it_belongs(tmp_path, where, change):
    with pytest.raises(ConfigError) as caught:
        load_changed(tmp_path, change)
    message = str(caught.value)
    assert f"{where}: " in message
    assert "secrets never go in the config file" in message
    assert "Airflow connection" in message and "environment variable" in message
    assert TOKEN not in message  # the refusal does not repeat the secret into logs


@pytest.mark.parametrize(
    "field, value, problem",
    [
        ("base_url", f"https://bot:{TOKEN}@api.x.com", "must not carry a login, password"),
        ("base_url", f"https://api.x.com/?access_token={TOKEN}", "query string"),
        ("connection", f"http://:{TOKEN}@api.x.com", "Airflow connection id"),
        ("secret_env", TOKEN, "never the token itself"),
    ],
)
def test_a_secret_hidden_in_another_field_is_refused(tmp_path, field, value, problem):
    with pytest.raises(ConfigError, match=re.escape(problem)) as caught:
        load_changed(tmp_path, lambda raw: x_source(raw).update({field: value}))
    assert f"sources[0].{field}" in str(caught.value)


@pytest.mark.parametrize("field", ["smtp_connection", "postgres_connection"])
def test_connection_ids_elsewhere_are_ids_not_uris(tmp_path, field):
    section = "delivery" if field == "smtp_connection" else "bi"
    uri = f"postgresql://listener:{TOKEN}@warehouse/bi"
    with pytest.raises(ConfigError, match=rf"{section}\.{field}: .*Airflow connection id"):
        load_changed(tmp_path, lambda raw: raw[section].update({field: uri}))


def test_the_api_token_comes_from_the_connection_or_the_environment(config, monkeypatch):
    # Port 9 (discard): the token is looked up before any request is made.
    source = config.source("x").model_copy(update={"base_url": "http://127.0.0.1:9"})
    monkeypatch.delenv(source.secret_env_var, raising=False)
    monkeypatch.delenv(f"AIRFLOW_CONN_{source.connection_id.upper()}", raising=False)
    with pytest.raises(CredentialsError) as caught:
        extract_source_day(config, source, config.sample.start)
    message = str(caught.value)  # every place it looked, by name, and nothing else
    assert "'listener_x'" in message and "AIRFLOW_CONN_LISTENER_X" in message
    assert source.secret_env_var in message
    monkeypatch.setenv(source.secret_env_var, TOKEN)
    assert resolve_secret(source.connection_id, source.secret_env_var) == TOKEN
