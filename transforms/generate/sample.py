"""`generate_sample`: write the landing files, funnel exports and ground truth for a window."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from transforms import zones
from transforms.config import Config
from transforms.generate.funnel import Funnel
from transforms.generate.plan import DayPlan, Planner
from transforms.generate.posts import GENERATED_FIELDS, build_batch
from transforms.generate.writers import ChunkWriter
from transforms.schema import FUNNEL, GROUND_TRUTH

DEFAULT_CHUNK_SIZE = 100_000


@dataclass
class GenerateReport:
    """What `generate_sample` wrote."""

    start: dt.date
    days: int
    seed: int
    chunk_size: int
    posts: dict[str, int] = field(default_factory=dict)  # per platform
    funnel_rows: dict[str, int] = field(default_factory=dict)  # per funnel table
    files: list[Path] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total_posts(self) -> int:
        return sum(self.posts.values())

    @property
    def posts_per_second(self) -> float:
        return self.total_posts / self.seconds if self.seconds > 0 else 0.0


def _batches(plans: list[DayPlan], chunk_size: int) -> Iterator[list[tuple[DayPlan, int, int]]]:
    """Row ranges of the day's files, in file order, at most `chunk_size` rows per batch
    (small files of the same day share a batch)."""
    batch: list[tuple[DayPlan, int, int]] = []
    room = chunk_size
    for plan in plans:
        lo = 0
        while lo < plan.n:
            hi = min(plan.n, lo + room)
            batch.append((plan, lo, hi))
            room -= hi - lo
            lo = hi
            if room == 0:
                yield batch
                batch, room = [], chunk_size
    if batch:
        yield batch


def generate_sample(
    config: Config,
    start: dt.date | None = None,
    days: int | None = None,
    posts_per_day: int | None = None,
    seed: int | None = None,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> GenerateReport:
    """Write sample data for days [start, start + days) under `config.data_dir`.

    Defaults come from `config.sample`. The same config, window and seed give byte-identical
    files whatever the chunk size; memory is bounded by the chunk size, not by the volume.
    """
    began = time.perf_counter()
    start = start or config.sample.start
    days = days or config.sample.days
    posts_per_day = posts_per_day or config.sample.posts_per_day
    seed = config.sample.seed if seed is None else seed
    if days < 1 or posts_per_day < 1 or chunk_size < 1:
        raise ValueError("days, posts_per_day and chunk_size must be positive")
    # Only sources the generator can feed: file drops and APIs served by the sample server.
    fed = [s for s in config.sources if zones.generated_landing_file(config, s, start)]
    config = config.model_copy(update={"sources": fed})
    planner = Planner(config, start, days, posts_per_day, seed, cache_rows=chunk_size)
    funnel = Funnel(planner)
    report = GenerateReport(start=start, days=days, seed=seed, chunk_size=chunk_size)
    report.posts = {s.platform: 0 for s in config.sources}
    report.funnel_rows = {table: 0 for table in FUNNEL}

    for k in range(days):
        day = start + dt.timedelta(days=k)
        plans = [planner.plan(day, source) for source in config.sources]
        with ExitStack() as stack:
            truth = stack.enter_context(
                ChunkWriter(zones.ground_truth_file(config, day), "parquet", GROUND_TRUTH)
            )
            landing = {
                plan.source.name: stack.enter_context(
                    ChunkWriter(
                        zones.generated_landing_file(config, plan.source, day),
                        plan.source.format or "jsonl",
                        GENERATED_FIELDS,
                    )
                )
                for plan in plans
            }
            for batch in _batches(plans, chunk_size):
                frames, labels = build_batch(batch)
                for (plan, _, _), frame in zip(batch, frames, strict=True):
                    landing[plan.source.name].write(frame)
                truth.write(labels)
        planner.release_before(day)  # yesterday's rows are no longer needed
        for plan in plans:
            report.posts[plan.platform] += plan.n
            report.files.append(zones.generated_landing_file(config, plan.source, day))
        report.files.append(zones.ground_truth_file(config, day))

        for table, frame in funnel.day_tables(day).items():
            path = zones.funnel_file(config, table, day)
            with ChunkWriter(path, "csv", FUNNEL[table], float_precision=2) as writer:
                writer.write(frame)
            report.funnel_rows[table] += frame.height
            report.files.append(path)

    report.seconds = time.perf_counter() - began
    return report
