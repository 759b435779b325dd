"""Settings every Listener DAG shares: ownership, retries with backoff, timeouts, schedules and
the assets that connect the DAGs. Imported at DAG parse time, so it must stay light (no data
libraries)."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from airflow.sdk import Asset

from transforms.alerts import on_task_failure

OWNER = "listener-data"

DEFAULT_ARGS = {
    "owner": OWNER,
    "retries": 2,
    "retry_delay": dt.timedelta(minutes=1),
    "retry_exponential_backoff": True,
    "max_retry_delay": dt.timedelta(minutes=15),
    "execution_timeout": dt.timedelta(minutes=45),
    "on_failure_callback": on_task_failure,
}

START_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

# The ingest DAG updates RAW_POSTS after each load; the warehouse DAG runs on it and updates
# PUBLISHED_MARTS, which reports can be scheduled on.
RAW_POSTS = Asset(name="listener_raw_posts", uri="file:///listener/warehouse/raw/posts")
PUBLISHED_MARTS = Asset(name="listener_published_marts", uri="file:///listener/published/marts")


def schedules():
    """The cron schedules of `config/listener.yml` (`schedules:`). Reading the small, reviewed
    config file is the one I/O at parse time: an invalid schedule then shows as an import error
    of the DAG file, naming the key."""
    from transforms.config import load_config

    return load_config().schedules


def run_date(context: dict[str, Any]) -> dt.date | None:
    """The UTC date a clock-scheduled run stands for (its logical date); None for a run an asset
    triggered, which has no logical date in Airflow 3."""
    logical = context.get("logical_date")
    return logical.astimezone(dt.UTC).date() if logical is not None else None


def as_of_date(context: dict[str, Any]) -> dt.date:
    """The date a maintenance run applies its rules as of: the logical date of a scheduled run,
    else the time the run was created for (a manual trigger), both fixed in the run's metadata."""
    moment = context.get("logical_date") or context["dag_run"].run_after
    return moment.astimezone(dt.UTC).date()


def run_step(step: Callable[..., Any], *args: Any) -> Any:
    """Run a pipeline step in a task. When a gate stops the batch, the task fails at once with
    the gate's message (what failed, where the report is): a retry would give the same verdict."""
    from airflow.sdk.exceptions import AirflowFailException

    from transforms.errors import GateStopped

    try:
        return step(*args)
    except GateStopped as stopped:
        raise AirflowFailException(str(stopped)) from stopped
