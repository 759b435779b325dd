import datetime as dt

import pytest

from transforms.pipeline import processing_day

UTC = dt.UTC


def test_a_daily_data_interval_processes_its_start_day():
    start = dt.datetime(2026, 10, 4, tzinfo=UTC)
    assert processing_day(start, start + dt.timedelta(days=1)) == dt.date(2026, 10, 4)


def test_interval_in_another_timezone_is_converted_to_utc():
    start = dt.datetime(2026, 10, 4, 2, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert processing_day(start, start + dt.timedelta(days=1)) == dt.date(2026, 10, 4)


@pytest.mark.parametrize(
    "start, end",
    [
        # Airflow 3's CronTriggerTimetable: an empty interval.
        (dt.datetime(2026, 10, 4, tzinfo=UTC), dt.datetime(2026, 10, 4, tzinfo=UTC)),
        # Not aligned on midnight UTC.
        (dt.datetime(2026, 10, 4, 1, tzinfo=UTC), dt.datetime(2026, 10, 5, 1, tzinfo=UTC)),
        # Two days at once.
        (dt.datetime(2026, 10, 4, tzinfo=UTC), dt.datetime(2026, 10, 6, tzinfo=UTC)),
    ],
)
def test_anything_but_one_whole_utc_day_is_refused(start, end):
    with pytest.raises(ValueError, match="one whole UTC day"):
        processing_day(start, end)
