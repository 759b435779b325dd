"""Erasure: forget one author, everywhere Listener stores their posts or what was derived from them.

    forget_author(config, author_id, platform=None) -> ErasureReport

What is erased
- the author's posts (their `author_id`, on one platform or on all), and reposts of them: a
  repost ("RT @handle: text") is a copy of their words with nothing of the reposter's own;
- in posts by others that reply to or quote an erased post (a brand's answer, say), the link to
  the erased post is nulled and mentions of the author's handle become `@erased`: the other
  person's words stay. Mentions of the handle in posts that do not link to the author are left
  alone: handles are not unique (several authors may be @sarah_smith), ids are.

Where, one module each (the report counts rows or files per place)
- scan: finds the subject (their posts, reposts, linked posts) in every place below;
- landing: delivered files are rewritten without the author's records, keeping every other
  record's bytes as delivered (deliveries); rewritten files keep their old checksum in the
  manifest, so neither they nor a re-delivery of the original are loaded again;
- raw_batches: batches are rewritten (the one exception to their immutability) and the manifest
  counts the removed rows in `erased_rows`, so the row accounting still balances; quarantined
  rows are matched conservatively (the id as a whole token in the raw payload): a false
  positive removes a rejected row of someone else, the safe side of the trade;
- derived_files: clean zone, ground truth, funnel credits, labels, quality reports;
- warehouse: the raw schema in one transaction, then a full refresh of the marts, the marts
  gate, publication and the dashboard;
- log: an entry `erasure/<id>.json` holds a keyed hash of the id, never the id.

An author with no data gives a report of zeros. Running it again is harmless; it finishes a run
that a failed build interrupted (the log entry says the marts were not republished).

forget_author holds the warehouse writer lock (transforms/writer_lock.py) throughout, so no
load or build of another DAG runs in between.
"""

from __future__ import annotations

from transforms import zones
from transforms.config import PLATFORMS, Config
from transforms.erasure.derived_files import (
    erase_clean_zone,
    erase_funnel_credits,
    erase_ground_truth,
    erase_labels,
    erase_quality_reports,
)
from transforms.erasure.landing import erase_landing
from transforms.erasure.log import PSEUDONYM_KEY_ENV, erasure_dir, read_log, subject_hash, write_log
from transforms.erasure.raw_batches import erase_raw_zone
from transforms.erasure.report import ErasureReport, report_lines
from transforms.erasure.scan import find_subject
from transforms.erasure.subject import Subject
from transforms.erasure.warehouse import erase_warehouse, marts_exist, rebuild_and_publish
from transforms.errors import GateStopped, ListenerError

__all__ = [
    "PSEUDONYM_KEY_ENV",
    "ErasureIncomplete",
    "ErasureReport",
    "Subject",
    "erasure_dir",
    "find_subject",
    "forget_author",
    "read_log",
    "report_lines",
    "subject_hash",
    "write_log",
]


class ErasureIncomplete(ListenerError):
    """The author is erased everywhere but in the published marts (their rebuild failed)."""


def forget_author(config: Config, author_id: str, platform: str | None = None) -> ErasureReport:
    """Erase one author's posts and what was derived from them, everywhere; see the module doc.
    Holds the warehouse writer lock throughout, so no load or build runs in between."""
    from transforms.writer_lock import warehouse_writer

    with warehouse_writer(config, "erasure request"):
        return _forget_author(config, author_id, platform)


def _forget_author(config: Config, author_id: str, platform: str | None) -> ErasureReport:
    author_id = author_id.strip()
    if not author_id:
        raise ListenerError("an erasure needs an author id")
    if platform is not None and platform not in PLATFORMS:
        raise ListenerError(f"unknown platform {platform!r}; known: {', '.join(PLATFORMS)}")
    digest, method = subject_hash(author_id, platform)
    request_id = digest[:24]
    log = erasure_dir(config) / f"{request_id}.json"
    previous = read_log(log)
    report = ErasureReport(request_id, digest, method, platform, log=str(log))
    subject = find_subject(config, author_id, platform)
    report.posts, report.reposts = subject.own_posts, len(subject.post_ids) - subject.own_posts
    changed = erase_raw_zone(config, subject, report)
    erase_landing(config, subject, report)
    erase_funnel_credits(config, subject, report)
    erase_clean_zone(config, subject, report)
    erase_ground_truth(config, subject, report)
    erase_labels(config, subject, report)
    scrubbed = erase_quality_reports(config, subject, report)
    warehouse_changed = erase_warehouse(config, subject, report, changed)
    pending = previous.get("complete") is False  # an earlier run could not republish
    if (warehouse_changed or pending) and marts_exist(config):
        try:
            rebuild_and_publish(config, request_id, report)
        except GateStopped as stopped:
            report.marts_rebuilt = True
            write_log(log, report, previous)
            raise ErasureIncomplete(
                "the author's rows are erased from every zone and the warehouse's raw tables, "
                f"but the marts could not be rebuilt and published, so the published marts "
                f"still hold them:\n{stopped}\nFix the cause and run the same request again "
                f"(logged as incomplete in {log})."
            ) from stopped
    if scrubbed:
        _rebuild_data_docs(config)
    report.removed = {k: v for k, v in sorted(report.removed.items())}
    report.redacted = {k: v for k, v in sorted(report.redacted.items())}
    write_log(log, report, previous)
    return report


def _rebuild_data_docs(config: Config) -> None:
    from transforms.quality import build_data_docs

    if (zones.quality_dir(config) / "gx").exists():
        build_data_docs(zones.quality_dir(config))
