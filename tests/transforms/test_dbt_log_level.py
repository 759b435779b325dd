"""dbt's file log: node-level (info) by default, every statement (debug) on request."""

from __future__ import annotations

import pytest

from transforms import warehouse
from transforms.errors import ListenerError


@pytest.fixture(autouse=True)
def _restored_warehouse_path(monkeypatch) -> None:
    # _dbt_args points LISTENER_WAREHOUSE_PATH at the config's warehouse: undone after each test
    monkeypatch.setenv("LISTENER_WAREHOUSE_PATH", "unused.duckdb")


def _file_level(args: list[str]) -> str:
    return args[args.index("--log-level-file") + 1]


def test_the_file_log_is_info_unless_asked(config, monkeypatch) -> None:
    monkeypatch.delenv("LISTENER_DBT_LOG_LEVEL", raising=False)
    args = warehouse._dbt_args(config, None)
    assert _file_level(args) == "info"
    assert args[args.index("--log-level") + 1] == "none"  # no console log either way


def test_debug_logs_every_statement_when_asked(config, monkeypatch) -> None:
    monkeypatch.setenv("LISTENER_DBT_LOG_LEVEL", " DEBUG ")
    assert _file_level(warehouse._dbt_args(config, None)) == "debug"


def test_an_unknown_level_is_a_clear_error(config, monkeypatch) -> None:
    monkeypatch.setenv("LISTENER_DBT_LOG_LEVEL", "verbose")
    with pytest.raises(ListenerError, match="LISTENER_DBT_LOG_LEVEL='verbose'.*debug, info"):
        warehouse._dbt_args(config, None)
