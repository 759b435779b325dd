"""
### Listener ingest (daily)

Loads one UTC day of posts: **extract** every configured source (a file drop or a platform API,
one mapped task per source) into an immutable raw-zone batch, **clean** and **classify** the
day's posts, run the Great Expectations **gate**, and **load** the day into the warehouse's `raw`
schema. A successful load updates the `listener_raw_posts` asset, which schedules
`listener_warehouse`.

The day processed is the run's data interval (`CronDataIntervalTimetable`, one whole day). A
re-run adds no raw batch (files already loaded are skipped by checksum, APIs ask only past their
watermark) and replaces exactly that day in the warehouse. API tokens come from the Airflow
connection `listener_<source>`. Logic lives in `transforms/pipeline.py`; see docs/ingestion.md.
"""

from airflow.sdk import CronDataIntervalTimetable, dag, get_current_context, task

from transforms.dag_settings import DEFAULT_ARGS, RAW_POSTS, START_DATE


def _day():
    from transforms.pipeline import processing_day

    context = get_current_context()
    return processing_day(context["data_interval_start"], context["data_interval_end"])


@dag(
    dag_id="listener_ingest",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,  # one writer for the DuckDB warehouse
    default_args=DEFAULT_ARGS,
    tags=["listener", "ingest"],
    doc_md=__doc__,
)
def listener_ingest():
    @task
    def list_sources() -> list[str]:
        from transforms.pipeline import source_names

        return source_names()

    @task(max_active_tis_per_dagrun=4)
    def extract(source: str) -> dict:
        from transforms.pipeline import extract as run

        return run(source, _day())

    @task
    def clean(reports: list[dict]) -> dict:
        from transforms.pipeline import clean as run

        return run(_day())

    @task
    def classify(cleaned: dict) -> dict:
        from transforms.pipeline import classify as run

        return run(_day())

    @task
    def gate(classified: dict) -> dict:
        from transforms.pipeline import gate as run

        return run(_day())

    @task(outlets=[RAW_POSTS])
    def load(gated: dict) -> dict:
        from transforms.pipeline import load as run

        # The day's batch manifests in the raw zone say what was read; no XCom needed.
        return run(_day())

    reports = extract.expand(source=list_sources())
    load(gate(classify(clean(reports))))


listener_ingest()
