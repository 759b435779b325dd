"""
### Listener model retraining

Weekly (`schedules.retrain`, UTC) and on demand (trigger it, optionally with `tasks`): for each
classifier (sentiment, intent, relevance) one mapped task **trains** a candidate, from
`data/labels/<task>.csv` when that labelled file exists and otherwise by self-training on the
clean zone, **evaluates** it next to the model in use on the same held-out rows, and **promotes**
it only if its macro-F1 is higher. A losing candidate is kept in the registry (not current), so
its scores stay on record; the next ingest classifies with whatever is current.

Relevance without a labels file is skipped with the reason. Logic lives in
`transforms/retraining.py` and `transforms/training.py`.
"""

from airflow.sdk import CronTriggerTimetable, Param, dag, get_current_context, task

from transforms.dag_settings import DEFAULT_ARGS, START_DATE, schedules

# The classifiers of transforms.classifiers.TASK_CLASSES (not imported: it loads scikit-learn;
# tests/dags checks the two agree).
TASKS = ["sentiment", "intent", "relevance"]


@dag(
    dag_id="listener_retrain",
    schedule=CronTriggerTimetable(schedules().retrain, timezone="UTC"),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,  # one writer for the model registry
    default_args=DEFAULT_ARGS,
    tags=["listener", "models"],
    doc_md=__doc__,
    params={
        "tasks": Param(
            TASKS,
            type="array",
            items={"type": "string", "enum": TASKS},
            description="the classifiers to retrain",
        ),  # fmt: skip
    },
)
def listener_retrain():
    @task
    def chosen_tasks() -> list[str]:
        return list(get_current_context()["params"]["tasks"])

    @task(max_active_tis_per_dagrun=1)  # each fit uses the cores; one at a time
    def retrain(classifier: str) -> dict:
        from transforms.pipeline import retrain as run

        return run(classifier)

    retrain.expand(classifier=chosen_tasks())


listener_retrain()
