"""The report of one erasure request: what it removed or redacted, place by place, and whether
the marts were rebuilt and published; report_lines prints it for people."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass
class ErasureReport:
    request_id: str
    subject_hash: str
    hash_method: str
    platform: str | None
    posts: int = 0  # the author's posts (distinct), delivered, loaded or both
    reposts: int = 0  # reposts of them by others, erased with them
    removed: dict[str, int] = field(default_factory=dict)  # place -> rows (or files) removed
    redacted: dict[str, int] = field(default_factory=dict)  # place -> linked rows redacted
    marts_rebuilt: bool = False
    marts_published: bool = False
    log: str = ""

    def add(self, kind: Literal["removed", "redacted"], place: str, n: int) -> None:
        counts = getattr(self, kind)
        counts[place] = counts.get(place, 0) + n


def report_lines(report: ErasureReport) -> list[str]:
    """The report as lines for people (the CLI)."""
    lines = [
        f"erasure {report.request_id}: {report.posts} posts and {report.reposts} reposts of them",
        *[f"  removed  {place:<34} {n:>8,}" for place, n in report.removed.items() if n],
        *[f"  redacted {place:<34} {n:>8,}" for place, n in report.redacted.items() if n],
        f"  marts rebuilt: {'yes' if report.marts_rebuilt else 'no'}, "
        f"published: {'yes' if report.marts_published else 'no'}",
        f"  log: {report.log} ({report.hash_method.split(' ')[0]})",
    ]
    return lines if report.removed or report.redacted else [*lines[:1], *lines[-2:]]
