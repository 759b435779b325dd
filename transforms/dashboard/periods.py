"""The days a dashboard covers, the days it compares them with, and the span of its charts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    """Whole UTC days from `first` to `last`, both included."""

    first: dt.date
    last: dt.date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def shifted(self, days: int) -> Window:
        step = dt.timedelta(days=days)
        return Window(self.first + step, self.last + step)

    def where(self, column: str = "day") -> str:
        """A SQL condition on a date column; the bounds are dates, never text from the data."""
        first, last = self.first.isoformat(), self.last.isoformat()
        return f"{column} between date '{first}' and date '{last}'"

    def label(self) -> str:
        if self.first == self.last:
            return f"{self.first:%a} {self.first.isoformat()}"
        return f"{self.first.isoformat()} to {self.last.isoformat()}"


@dataclass(frozen=True)
class Periods:
    current: Window  # what the tiles, tables and summary are about
    previous: Window  # what the tiles compare with
    history: Window  # what the charts over time show, ending with the current period
    comparable: bool  # the published data covers all of `previous`


def periods(first: dt.date, last: dt.date, history_days: int, since: dt.date) -> Periods:
    """Week over week: a period of up to 7 days is compared with the same days one week earlier
    (a Saturday with the Saturday before); a longer one with the period just before it. `since`
    is the first published day: a comparison with days partly before it would mislead, and the
    charts start no earlier."""
    current = Window(first, last)
    previous = current.shifted(-max(7, current.days))
    span = max(history_days, current.days)
    history = Window(max(last - dt.timedelta(days=span - 1), min(since, first)), last)
    return Periods(current, previous, history, comparable=previous.first >= since)
