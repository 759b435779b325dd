"""Where secrets come from: an Airflow connection first, then a plain environment variable.

Secrets never come from files in the repository. Inside an Airflow process the connection is
read through Airflow (so any configured secrets backend works); elsewhere the same
`AIRFLOW_CONN_<ID>` variable Airflow would read is parsed here, which spares the CLI and the demo
the seconds it takes to import Airflow.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from transforms.errors import ListenerError


class CredentialsError(ListenerError):
    """No secret was found in any of the places looked at."""


@dataclass(frozen=True)
class ConnectionFields:
    """The parts of an Airflow connection Listener uses."""

    host: str | None = None
    port: int | None = None
    login: str | None = None
    password: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    schema: str | None = None  # Airflow's name for the database of a database connection


def conn_env_var(connection_id: str) -> str:
    return f"AIRFLOW_CONN_{connection_id.upper()}"


def _from_airflow(connection_id: str) -> ConnectionFields | None:
    # Only when Airflow is already loaded (a task, dag.test): importing it costs seconds.
    if "airflow.sdk" not in sys.modules:
        return None
    try:
        from airflow.sdk import BaseHook

        conn = BaseHook.get_connection(connection_id)
    except Exception:  # not defined, no backend reachable, or an Airflow without the task SDK
        return None
    extra = getattr(conn, "extra_dejson", None)
    return ConnectionFields(
        getattr(conn, "host", None) or None,
        getattr(conn, "port", None),
        getattr(conn, "login", None) or None,
        getattr(conn, "password", None) or None,
        extra if isinstance(extra, dict) else {},
        getattr(conn, "schema", None) or None,
    )


def _from_conn_env(value: str) -> ConnectionFields | None:
    """An Airflow connection written as JSON or as a URI (`scheme://login:password@host:port?k=v`)."""
    value = value.strip()
    if value.startswith("{"):
        try:
            raw = json.loads(value)
        except ValueError:
            return None
        if not isinstance(raw, dict):
            return None
        extra = raw.get("extra") or {}
        if isinstance(extra, str):
            try:
                extra = json.loads(extra)
            except ValueError:
                extra = {}
        port = raw.get("port")
        return ConnectionFields(
            raw.get("host") or None,
            int(port) if port not in (None, "") else None,
            raw.get("login") or None,
            str(raw["password"]) if raw.get("password") else None,
            extra if isinstance(extra, dict) else {},
            raw.get("schema") or None,
        )
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    return ConnectionFields(
        unquote(parts.hostname) if parts.hostname else None,
        port,
        unquote(parts.username) if parts.username else None,
        unquote(parts.password) if parts.password else None,
        dict(parse_qsl(parts.query)),
        unquote(parts.path.lstrip("/")) or None,
    )


def connection_fields(connection_id: str) -> ConnectionFields | None:
    """The Airflow connection `connection_id`, or None when it is defined nowhere."""
    found = _from_airflow(connection_id)
    if found is not None:
        return found
    value = os.environ.get(conn_env_var(connection_id), "")
    return _from_conn_env(value) if value.strip() else None


def resolve_secret(connection_id: str, env_var: str) -> str:
    """The secret from Airflow connection `connection_id`, else from environment variable
    `env_var`; raises CredentialsError naming everywhere it looked."""
    conn = connection_fields(connection_id)
    if conn is not None and conn.password:
        return conn.password
    secret = os.environ.get(env_var, "").strip()
    if secret:
        return secret
    conn_var = conn_env_var(connection_id)
    raise CredentialsError(
        f"no secret found: looked for Airflow connection {connection_id!r} (password field; "
        f"environment variable {conn_var} as JSON or URI) and environment variable {env_var}"
    )
