"""The quarantine ledger: batches and loads a quality gate stopped, with the reasons.

Two kinds of record, one JSON file each under `data/quality/quarantine/`:

- scope `batch`: a raw-zone batch that failed the raw checkpoint (bad rows, a broken schema, a
  collapsed or exploded volume). A quarantined batch is left out of every later read of its day
  (clean, load, watermarks) until an operator releases it (`listener quarantine release`), which
  admits it as it is. The raw files themselves are never changed.
- scope `load`: a day (or a build) that a later checkpoint stopped: the classified posts of a day,
  the dbt tests or the marts gate of a build, or a source that delivered nothing. Nothing is
  excluded; the record says what was held back and why, and it is resolved when the same
  checkpoint next passes.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Literal

from transforms import zones
from transforms.config import Config
from transforms.errors import ListenerError
from transforms.files import write_atomic_bytes


@dataclass(frozen=True)
class QuarantineRecord:
    record_id: str  # the batch id (scope batch), or "<checkpoint>-<run>" (scope load)
    scope: Literal["batch", "load"]
    checkpoint: str  # raw_posts / raw_batches / classified_posts / dbt_build / marts
    run: str  # the gated run: a day, or "through-<day>" for a build
    failures: list[str]
    report: str
    quarantined_at: str
    source: str | None = None
    days: list[str] = field(default_factory=list)
    batch_ids: list[str] = field(default_factory=list)
    rows: int = 0
    data_docs: str = ""
    released_at: str | None = None
    release_reason: str | None = None
    resolved_at: str | None = None

    @property
    def is_open(self) -> bool:
        return self.released_at is None and self.resolved_at is None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def ledger_dir(config: Config) -> Path:
    return zones.quality_dir(config) / "quarantine"


def _path(config: Config, record_id: str) -> Path:
    return ledger_dir(config) / f"{record_id}.json"


def save(config: Config, record: QuarantineRecord) -> QuarantineRecord:
    body = json.dumps(asdict(record), indent=2, sort_keys=True).encode()
    write_atomic_bytes(body, _path(config, record.record_id))
    return record


def records(config: Config) -> list[QuarantineRecord]:
    """Every record, oldest first."""
    found = [
        QuarantineRecord(**json.loads(path.read_text()))
        for path in ledger_dir(config).glob("*.json")
    ]
    return sorted(found, key=lambda r: (r.quarantined_at, r.record_id))


def quarantine_batch(
    config: Config,
    *,
    batch_id: str,
    source: str,
    day: dt.date,
    checkpoint: str,
    rows: int,
    failures: list[str],
    report: str,
    data_docs: str = "",
) -> QuarantineRecord:
    """Hold a raw batch back from its day's load (idempotent: the first verdict is kept)."""
    path = _path(config, batch_id)
    if path.exists():
        return QuarantineRecord(**json.loads(path.read_text()))
    record = QuarantineRecord(
        record_id=batch_id, scope="batch", checkpoint=checkpoint, run=day.isoformat(),
        source=source, days=[day.isoformat()], batch_ids=[batch_id], rows=rows,
        failures=failures, report=report, data_docs=data_docs, quarantined_at=_now(),
    )  # fmt: skip
    return save(config, record)


def record_stopped_load(
    config: Config,
    *,
    checkpoint: str,
    run: str,
    days: list[dt.date],
    failures: list[str],
    report: str,
    batch_ids: list[str] | None = None,
    rows: int = 0,
    source: str | None = None,
    data_docs: str = "",
) -> QuarantineRecord:
    """Record that a checkpoint stopped a day's load or a build (replacing an open record of the
    same run, so a re-run that fails again keeps one record with the newest reasons)."""
    record_id = f"{checkpoint}-{run}" if source is None else f"{checkpoint}-{source}-{run}"
    record = QuarantineRecord(
        record_id=record_id, scope="load", checkpoint=checkpoint, run=run, source=source,
        days=sorted(d.isoformat() for d in days), batch_ids=sorted(batch_ids or []), rows=rows,
        failures=failures, report=report, data_docs=data_docs, quarantined_at=_now(),
    )  # fmt: skip
    return save(config, record)


def resolve_loads(config: Config, checkpoint: str, run: str | None = None) -> list[str]:
    """Mark open load records of a checkpoint resolved (one run's, or all of them) after it
    passed; returns their ids."""
    resolved = []
    for record in records(config):
        if record.scope != "load" or record.checkpoint != checkpoint or not record.is_open:
            continue
        if run is not None and record.run != run:
            continue
        save(config, replace(record, resolved_at=_now()))
        resolved.append(record.record_id)
    return resolved


def held_back_batch_ids(config: Config) -> set[str]:
    """Batches quarantined and not released: left out of their day."""
    return {r.record_id for r in records(config) if r.scope == "batch" and r.is_open}


def released_batch_ids(config: Config) -> set[str]:
    """Batches an operator released: admitted as they are, past the raw checkpoint."""
    return {r.record_id for r in records(config) if r.scope == "batch" and r.released_at}


def release(config: Config, batch_id: str, reason: str) -> QuarantineRecord:
    """Admit a quarantined batch as it is (an operator checked it); its day must be re-run."""
    path = _path(config, batch_id)
    if not path.exists():
        raise ListenerError(f"no quarantined batch {batch_id!r} (see `listener quarantine list`)")
    record = QuarantineRecord(**json.loads(path.read_text()))
    if record.scope != "batch":
        raise ListenerError(f"{batch_id!r} is a stopped load, not a batch: fix and re-run it")
    if not reason.strip():
        raise ListenerError("a release needs a reason (it is kept in the ledger)")
    return save(config, replace(record, released_at=_now(), release_reason=reason.strip()))
