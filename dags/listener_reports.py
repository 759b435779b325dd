"""
### Listener executive reports

`listener_report_daily` runs every morning (`schedules.report_daily`, UTC) and right after each
publication of the marts (the `listener_published_marts` asset); `listener_report_weekly` runs on
Monday mornings (`schedules.report_weekly`) for Monday to Sunday before. Each **renders** the
dashboard of its period from the published, read-only marts, **archives** it with the email
under `data/reports/<kind>/<last day>/` and **sends** it to the recipients of
`delivery.daily` / `delivery.weekly` through the Airflow SMTP connection
(`delivery.smtp_connection`). Without that connection the message stays in the archive.

A report covers the days up to the day before its run (or the newest published day, when a
publication triggered it), so a re-run rebuilds the same report, and an unchanged report is not
sent twice. Logic lives in `transforms/reports.py`.
"""

from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, dag, get_current_context, task

from transforms.dag_settings import DEFAULT_ARGS, PUBLISHED_MARTS, START_DATE, run_date, schedules

SCHEDULES = schedules()


def report_dag(kind: str, schedule):
    @dag(
        dag_id=f"listener_report_{kind}",
        schedule=schedule,
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["listener", "reports"],
        doc_md=__doc__,
    )
    def listener_report():
        @task
        def send_report() -> dict:
            from transforms.pipeline import report

            return report(kind, run_date(get_current_context()))

        send_report()

    return listener_report()


report_dag(
    "daily",
    AssetOrTimeSchedule(
        timetable=CronTriggerTimetable(SCHEDULES.report_daily, timezone="UTC"),
        assets=[PUBLISHED_MARTS],
    ),
)
report_dag("weekly", CronTriggerTimetable(SCHEDULES.report_weekly, timezone="UTC"))
