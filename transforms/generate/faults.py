"""Broken rows for the sample exports, as real deliveries have them.

`listener generate` appends `sample.bad_rows_per_source_day` of these to each file source's daily
export after the clean data is written, so `make demo` shows the quarantine catching them. The
generator's own files stay clean (its tests and ground truth describe them); these rows carry ids
no ground truth knows, and each is quarantined for the reason its name says.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

from transforms import zones
from transforms.config import Config, Source

Fault = Callable[[dict, str], str]


def _truncated(row: dict, bad_id: str) -> str:
    return json.dumps({**row, "id": bad_id})[:40]


def _negative_count(row: dict, bad_id: str) -> str:
    return json.dumps({**row, "id": bad_id, "likes": -3})


def _from_the_future(row: dict, bad_id: str) -> str:
    day = dt.date.fromisoformat(row["created_at"][:10]) + dt.timedelta(days=3)
    return json.dumps({**row, "id": bad_id, "created_at": f"{day.isoformat()}T10:00:00Z"})


def _missing_id(row: dict, bad_id: str) -> str:
    return json.dumps({**row, "id": None})


def _not_a_number(row: dict, bad_id: str) -> str:
    return json.dumps({**row, "id": bad_id, "shares": "lots"})


FAULTS: tuple[Fault, ...] = (
    _truncated, _negative_count, _from_the_future, _missing_id, _not_a_number,
)  # fmt: skip


def _csv_rows(header: list[str], row: list[str], bad_id: str) -> list[str]:
    """A CSV row with a field missing, and one rated 9 stars."""
    rating = dict(zip(header, row, strict=True)) | {"id": bad_id, "rating": "9"}
    return [",".join(row[:-1]), ",".join(f'"{rating[c]}"' for c in header)]


def add_bad_rows(config: Config, start: dt.date, days: int, per_source_day: int) -> int:
    """Append broken rows to each file source's generated export; returns how many."""
    added = 0
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        for index, source in enumerate(config.sources):
            path = zones.landing_file(config, source, day) if source.kind == "file" else None
            if path is None or not path.exists():
                continue
            added += _append(path, source, day, index, per_source_day)
    return added


def _append(path: Path, source: Source, day: dt.date, index: int, count: int) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    if len(lines) < 2:
        return 0
    bad_ids = [f"bad-{day.isoformat()}-{source.name}-{k}" for k in range(count)]
    if source.format == "csv":
        header, first = next(csv.reader([lines[0]])), next(csv.reader([lines[1]]))
        rows = [r for k in bad_ids for r in _csv_rows(header, first, k)][:count]
    else:
        first = json.loads(lines[0])
        rows = [
            FAULTS[(day.toordinal() + index + k) % len(FAULTS)](first, bad_id)
            for k, bad_id in enumerate(bad_ids)
        ]
    with path.open("a", encoding="utf-8") as handle:
        handle.write("".join(row + "\n" for row in rows))
    return len(rows)
