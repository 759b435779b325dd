"""
### Listener warehouse

Runs when `listener_ingest` has loaded new posts (the `listener_raw_posts` asset): **dbt build**
(staging -> intermediate -> marts, with every data test), the **marts gate** (Great Expectations
on the marts' invariants: shares sum to 1, net sentiment in [-1, 1], credits sum to 1, revenue
reconciles; `expectations/marts.yml`), then **publish** the marts to the read-only file BI tools
read, copy them into the PostgreSQL warehouse BI tools share (**publish_postgres**, skipped
without the `listener_warehouse` connection; transforms/postgres_publish.py), **push** each new
critical alert at once (email to `delivery.alert_recipients` and the webhook;
transforms/alert_push.py), render the **dashboard**, and rebuild the GX **Data Docs** site
(which runs even when a gate failed, so the failure is on it).

This is write-audit-publish: dbt writes into the working warehouse, the dbt tests and the marts
gate audit it, and only then is the published file replaced by an atomic rename. A failing model,
test or critical expectation fails its task at once (no retries) with what failed and where the
report is, records the stopped build in the quarantine ledger and calls the alert callback;
readers keep the last good marts, byte for byte.
"""

from airflow.sdk import dag, task

from transforms.dag_settings import (
    DEFAULT_ARGS,
    PUBLISHED_MARTS,
    RAW_POSTS,
    START_DATE,
    run_step,
)


@dag(
    dag_id="listener_warehouse",
    schedule=[RAW_POSTS],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,  # one writer for the DuckDB warehouse
    default_args=DEFAULT_ARGS,
    tags=["listener", "warehouse"],
    doc_md=__doc__,
)
def listener_warehouse():
    @task
    def dbt_build() -> dict:
        from transforms.pipeline import build

        return run_step(build)

    @task
    def gate_marts(built: dict) -> dict:
        from transforms.pipeline import gate_marts as run

        return run_step(run)

    @task(outlets=[PUBLISHED_MARTS])
    def publish(gated: dict) -> dict:
        from transforms.pipeline import publish as run

        return run()

    @task
    def publish_postgres(published: dict) -> dict:
        from airflow.sdk.exceptions import AirflowSkipException

        from transforms.pipeline import publish_postgres as run

        counts = run()
        if counts is None:
            raise AirflowSkipException("no BI warehouse connection: the DuckDB file is published")
        return counts

    @task
    def push_alerts(published: dict) -> dict:
        from transforms.pipeline import push_alerts as run

        return run()

    @task
    def dashboard(published: dict) -> str:
        from transforms.pipeline import dashboard as run

        return run()

    @task(trigger_rule="all_done")
    def data_docs() -> str:
        from transforms.pipeline import data_docs as run

        return run()

    published = publish(gate_marts(dbt_build()))
    publish_postgres(published)
    push_alerts(published)
    dashboard(published)
    published >> data_docs()


listener_warehouse()
