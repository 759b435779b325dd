"""
### Listener maintenance

`listener_maintenance` runs daily (`schedules.maintenance`, UTC) and applies the raw-zone
**retention** rule (`retention.raw_days`) as of its run's date: the raw batches, clean-zone days
and landing files of older days are removed, each batch keeping its manifest (counts,
checksums, watermarks; no personal data). The warehouse keeps its rows; re-running an expired
day fails with a clear error instead of loading an empty day.

`listener_forget_author` runs only when triggered with an `author_id` (and optionally a
`platform`): it **erases** that author's posts and everything derived from them from the
landing, raw and clean zones, the labels files and the warehouse, rebuilds the marts in full and
publishes them (the BI marts, where the author was a pseudonym, the restricted marts, and the
PostgreSQL copy BI tools read), and logs the request under a keyed hash of the id. Same as
`listener forget --author ID`. Logic lives in `transforms/retention.py` and
`transforms/erasure/`.
"""

from airflow.sdk import CronTriggerTimetable, Param, dag, get_current_context, task

from transforms.dag_settings import (
    DEFAULT_ARGS,
    PUBLISHED_MARTS,
    START_DATE,
    as_of_date,
    schedules,
)


@dag(
    dag_id="listener_maintenance",
    schedule=CronTriggerTimetable(schedules().maintenance, timezone="UTC"),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["listener", "maintenance"],
    doc_md=__doc__,
)
def listener_maintenance():
    @task
    def expire_raw() -> dict:
        from transforms.pipeline import expire_raw as run

        return run(as_of_date(get_current_context()))

    expire_raw()


@dag(
    dag_id="listener_forget_author",
    schedule=None,  # on request only
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,  # rewrites the warehouse: one at a time
    default_args=DEFAULT_ARGS,
    tags=["listener", "maintenance", "privacy"],
    doc_md=__doc__,
    params={
        "author_id": Param(type="string", minLength=1, description="platform-native author id"),
        "platform": Param(None, type=["null", "string"], description="only this platform"),
    },
)
def listener_forget_author():
    @task(outlets=[PUBLISHED_MARTS])  # the marts are republished without the author
    def forget() -> dict:
        from transforms.pipeline import forget_author

        params = get_current_context()["params"]
        return forget_author(params["author_id"], params.get("platform"))

    @task
    def publish_postgres(report: dict) -> dict:
        """The BI warehouse's copy of the marts goes too (skipped without its connection)."""
        from airflow.sdk.exceptions import AirflowSkipException

        from transforms.pipeline import publish_postgres as run

        counts = run()
        if counts is None:
            raise AirflowSkipException("no BI warehouse connection: the DuckDB file is published")
        return counts

    publish_postgres(forget())


listener_maintenance()
listener_forget_author()
