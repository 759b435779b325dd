"""Where API secrets come from: an Airflow connection first, then a plain environment variable.

Secrets never come from files in the repository. Inside an Airflow process the connection is
read through Airflow (so any configured secrets backend works); elsewhere the same
`AIRFLOW_CONN_<ID>` variable Airflow would read is parsed here, which spares the CLI and the demo
the seconds it takes to import Airflow.
"""

from __future__ import annotations

import json
import os
import sys
from urllib.parse import unquote, urlsplit

from transforms.errors import ListenerError


class CredentialsError(ListenerError):
    """No secret was found in any of the places looked at."""


def conn_env_var(connection_id: str) -> str:
    return f"AIRFLOW_CONN_{connection_id.upper()}"


def _from_airflow(connection_id: str) -> str | None:
    # Only when Airflow is already loaded (a task, dag.test): importing it costs seconds.
    if "airflow.sdk" not in sys.modules:
        return None
    try:
        from airflow.sdk import BaseHook

        return BaseHook.get_connection(connection_id).password or None
    except Exception:  # not defined, no backend reachable, or an Airflow without the task SDK
        return None


def _from_conn_env(value: str) -> str | None:
    """The password of an Airflow connection written as JSON or as a URI."""
    value = value.strip()
    if value.startswith("{"):
        try:
            password = json.loads(value).get("password")
        except (ValueError, AttributeError):
            return None
        return str(password) if password else None
    password = urlsplit(value).password
    return unquote(password) if password else None


def resolve_secret(connection_id: str, env_var: str) -> str:
    """The secret from Airflow connection `connection_id`, else from environment variable
    `env_var`; raises CredentialsError naming everywhere it looked."""
    secret = _from_airflow(connection_id)
    if secret:
        return secret
    conn_var = conn_env_var(connection_id)
    if os.environ.get(conn_var):
        secret = _from_conn_env(os.environ[conn_var])
        if secret:
            return secret
    secret = os.environ.get(env_var, "").strip()
    if secret:
        return secret
    raise CredentialsError(
        f"no secret found: looked for Airflow connection {connection_id!r} (password field; "
        f"environment variable {conn_var} as JSON or URI) and environment variable {env_var}"
    )
