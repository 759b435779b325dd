"""
### Listener ingest (daily)

Loads one UTC day of posts: **extract** every configured source (a file drop or a platform API,
one mapped task per source) into an immutable raw-zone batch, run the **raw gate** (Great
Expectations on the batches' rows and on each source's volume against its trailing days),
**clean** and **classify** the day's posts, run the **classified gate**, and **load** the day
into the warehouse's `raw` schema. A successful load updates the `listener_raw_posts` asset,
which schedules `listener_warehouse`.

A source whose extraction fails after its retries (an API timing out, answering 500 or garbage)
fails its own task and alerts, keeps its watermark, and does not hold back the other sources: the
day loads without it (the raw gate leaves it out of the volume check), and a re-run of the day
adds what it missed.

A stopped gate fails its task at once (no retries: the verdict would not change) with a message
naming the failed expectations and the report; the raw gate also quarantines the batches at fault
(`listener quarantine list`). Nothing of the day is loaded, and the published marts stay as they
were. Every failed task calls the alert callback (`transforms/alerts.py`).

The day processed is the run's data interval (`CronDataIntervalTimetable`, one whole day). A
re-run adds no raw batch (files already loaded are skipped by checksum, APIs ask only past their
watermark) and replaces exactly that day in the warehouse. API tokens come from the Airflow
connection `listener_<source>`. Logic lives in `transforms/pipeline.py`; see docs/ingestion.md
and docs/quality.md.
"""

from airflow.sdk import CronDataIntervalTimetable, TriggerRule, dag, get_current_context, task

from transforms.dag_settings import DEFAULT_ARGS, RAW_POSTS, START_DATE, run_step


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

    # Runs once every extract is done and one succeeded: a source that keeps failing (timeouts,
    # 500s, garbage) fails its own task, alerts and keeps its watermark, and the other sources'
    # posts of the day still load. Its missing XCom tells the gate to leave it out.
    @task(trigger_rule=TriggerRule.ALL_DONE_MIN_ONE_SUCCESS)
    def gate_raw(reports: list[dict]) -> dict:
        from transforms.pipeline import gate_raw as run

        return run_step(run, _day(), [r for r in reports if r])

    @task
    def clean(gated: dict) -> dict:
        from transforms.pipeline import clean as run

        return run(_day())

    @task
    def classify(cleaned: dict) -> dict:
        from transforms.pipeline import classify as run

        return run(_day())

    @task
    def gate_classified(classified: dict) -> dict:
        from transforms.pipeline import gate_classified as run

        return run_step(run, _day())

    @task(outlets=[RAW_POSTS])
    def load(gated: dict) -> dict:
        from transforms.pipeline import load as run

        # The day's batch manifests in the raw zone say what was read; no XCom needed.
        return run(_day())

    reports = extract.expand(source=list_sources())
    load(gate_classified(classify(clean(gate_raw(reports)))))


listener_ingest()
