"""
### Listener warehouse

Runs when `listener_ingest` has loaded new posts (the `listener_raw_posts` asset): **dbt build**
(staging -> intermediate -> marts, with every data test), the **marts gate** (Great Expectations
on the marts' invariants: shares sum to 1, net sentiment in [-1, 1], credits sum to 1, revenue
reconciles; `expectations/marts.yml`), then **publish** the marts to the read-only file BI tools
read, then render the **dashboard**. A failing model, test or critical expectation stops the run
before publishing, so readers keep the last good marts.
"""

from airflow.sdk import dag, task

from transforms.dag_settings import DEFAULT_ARGS, PUBLISHED_MARTS, RAW_POSTS, START_DATE


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

        return build()

    @task
    def gate_marts(built: dict) -> dict:
        from transforms.pipeline import gate_marts as run

        return run()

    @task(outlets=[PUBLISHED_MARTS])
    def publish(gated: dict) -> dict:
        from transforms.pipeline import publish as run

        return run()

    @task
    def dashboard(published: dict) -> str:
        from transforms.pipeline import dashboard as run

        return run()

    dashboard(publish(gate_marts(dbt_build())))


listener_warehouse()
