"""Killed at any step, the pipeline recovers: `listener run` (the real DAGs, in a subprocess) is
killed with SIGKILL at every step boundary and in the middle of a load, of the dbt build and of
the publication (transforms/failpoints.py). After each kill the published marts are whole: the
previous publication byte for byte, or (killed after the new file replaced it) the complete new
marts. A day is in the warehouse whole or not at all. The re-run converges to exactly the marts
an uninterrupted run publishes, with no duplicate and no missing post.

Day 1 is run and published once; its data directory is copied for an uninterrupted run of day 2
(the reference) and for the chain: day 2 killed at the first point, re-run and killed at the
next one, and so on, then run to the end without a failpoint."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import signal
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from tests.pipeline_sites import (
    Site,
    assert_same_marts,
    assert_same_warehouse,
    generated_site,
    listener_run,
    published_marts,
    warehouse_rows,
)
from transforms.config import CONFIG_ENV, DATA_DIR_ENV

pytestmark = pytest.mark.slow

POSTS_PER_DAY = 300
# In pipeline order; each kill's re-run redoes the steps before it. `@5`: five seconds into the
# dbt build (about 10 s here), so the build is killed while dbt writes.
KILL_POINTS = [
    "extract:facebook:done",  # the mapped extracts run in no fixed order: some may not have
    "gate_raw:done",
    "clean:done",
    "classify:done",
    "gate_classified:done",
    "load:posts-inserted",  # inside the load's transaction
    "load:done",
    "build:started@5",
    "build:done",
    "gate_marts:done",
    "publish:written",  # the new file complete, the old one still published
    "publish:replaced",  # the new file published; Parquet and published.json not yet
    "publish:done",
]
REPLACED = {"publish:replaced", "publish:done"}  # kills after the new file replaced the old one


@dataclass(frozen=True)
class Kill:
    """What one killed run left behind."""

    point: str
    returncode: int
    output: str
    published: dict[str, str]
    day_post_ids: list[str]
    build_finished: bool | None
    marts: dict[str, pl.DataFrame] | None  # read when the kill came after the replacement


def published_files(site: Site) -> dict[str, str]:
    """sha256 of each published file (the marts, their manifest, the Parquet set, ...); hidden
    ones are a publication being written, which no reader opens."""
    folder = site.data / "published"
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    }


def day_post_ids(site: Site, day: dt.date) -> list[str]:
    rows = warehouse_rows(site, "select post_id from raw.posts where day = ? order by 1", [day])
    return [r[0] for r in rows]


def build_finished(site: Site) -> bool | None:
    state = site.data / "warehouse" / "last_build.json"
    return json.loads(state.read_text())["finished"] if state.exists() else None


@pytest.fixture(scope="module")
def day1(tmp_path_factory) -> tuple[Site, dt.date]:
    """Two generated days; day 1 run and published. Returns the site and day 2."""
    site, start = generated_site(tmp_path_factory.mktemp("crash"), 2, POSTS_PER_DAY)
    returncode, output = listener_run(site, start)
    assert returncode == 0, output
    return site, start + dt.timedelta(days=1)


@pytest.fixture(scope="module")
def reference(day1, tmp_path_factory) -> Site:
    """Day 2 run once, uninterrupted, on a copy of the day-1 data directory."""
    site, day2 = day1
    copy = site.copy(tmp_path_factory.mktemp("reference"))
    returncode, output = listener_run(copy, day2)
    assert returncode == 0, output
    return copy


@pytest.fixture(scope="module")
def chain(day1, reference, tmp_path_factory) -> tuple[Site, dict[str, str], list[Kill]]:
    """Day 2 killed at each point in turn in one data directory, then run to the end. Returns
    the site, the day-1 publication's file digests and what each kill left."""
    site, day2 = day1
    site = site.copy(tmp_path_factory.mktemp("chain"))
    before = published_files(site)
    kills = []
    for point in KILL_POINTS:
        returncode, output = listener_run(site, day2, point)
        marts = published_marts(site) if point in REPLACED else None
        kills.append(
            Kill(point, returncode, output, published_files(site), day_post_ids(site, day2),
                 build_finished(site), marts)
        )  # fmt: skip
    returncode, output = listener_run(site, day2)
    assert returncode == 0, f"the run after the kills failed:\n{output}"
    return site, before, kills


def test_every_kill_point_is_reached_and_kills(chain):
    _, _, kills = chain
    for kill in kills:
        died = f"{kill.point}: exit {kill.returncode}\n{kill.output}"
        assert kill.returncode == -signal.SIGKILL, died
    (build,) = [k for k in kills if k.point.startswith("build:started")]
    assert build.build_finished is False, "the kill did not land while dbt was building"


def test_the_published_marts_are_never_partially_written(chain, reference):
    """Byte for byte the day-1 publication until the new marts file replaces it; after that, the
    complete new marts, while the Parquet set and published.json stay the previous ones until
    each is replaced in turn."""
    _, before, kills = chain
    final = published_marts(reference)
    for kill in kills:
        if kill.point not in REPLACED:
            assert kill.published == before, f"killed at {kill.point}, the publication changed"
            continue
        assert kill.marts is not None
        assert_same_marts(kill.marts, final)
        if kill.point == "publish:replaced":
            assert without_marts_file(kill.published) == without_marts_file(before)


def without_marts_file(files: dict[str, str]) -> dict[str, str]:
    return {name: digest for name, digest in files.items() if name != "listener.duckdb"}


def test_a_day_is_loaded_whole_or_not_at_all(day1, chain, reference):
    _, day2 = day1
    _, _, kills = chain
    whole = day_post_ids(reference, day2)
    assert whole, "the reference loaded no post"
    for kill in kills:
        loaded = KILL_POINTS.index(kill.point) >= KILL_POINTS.index("load:done")
        count = len(kill.day_post_ids)
        assert kill.day_post_ids == (whole if loaded else []), f"{kill.point}: {count} posts"


def test_the_rerun_publishes_exactly_the_uninterrupted_marts(chain, reference):
    site, _, _ = chain
    assert_same_marts(published_marts(site), published_marts(reference))
    published, expected = published_files(site), published_files(reference)
    assert set(published) == set(expected)
    manifest = [json.loads((s.data / "published" / "published.json").read_text())["tables"]
                for s in (site, reference)]  # fmt: skip
    assert manifest[0] == manifest[1]


def test_no_post_is_duplicated_or_missing(chain, reference):
    site, _, _ = chain
    assert_same_warehouse(site, reference)


def test_a_load_killed_mid_transaction_leaves_the_day_as_it_was(day1, tmp_path, monkeypatch):
    """A re-delivered export brings new posts to a loaded day; its load is killed after the posts
    are inserted, before the commit: the day holds exactly its previous posts, and a retry of the
    load brings the new ones."""
    site, day2 = day1
    site = site.copy(tmp_path)
    day = day2 - dt.timedelta(days=1)
    before = day_post_ids(site, day)
    counts = "select count(*) from raw.post_snapshots union all select count(*) from raw.load_audit"
    snapshots_before = warehouse_rows(site, counts)
    export = site.data / "landing" / "reddit" / f"{day}.jsonl"
    added = redeliver_with_new_posts(export, 3)

    returncode, output = listener_run(site, day, "load:posts-inserted")

    assert returncode == -signal.SIGKILL, output
    assert day_post_ids(site, day) == before
    assert warehouse_rows(site, counts) == snapshots_before
    monkeypatch.setenv(CONFIG_ENV, str(site.config))
    monkeypatch.setenv(DATA_DIR_ENV, str(site.data))
    from transforms import pipeline

    pipeline.load(day)
    assert day_post_ids(site, day) == sorted(before + [f"reddit:{i}" for i in added])


def redeliver_with_new_posts(export: Path, n: int) -> list[str]:
    """Append n copies of the export's first post under new ids; returns their native ids."""
    first = json.loads(export.read_text().splitlines()[0])
    rows = [{**first, "id": f"{first['id']}x{i}"} for i in range(n)]
    with export.open("a") as out:
        out.writelines(json.dumps(row) + "\n" for row in rows)
    return [row["id"] for row in rows]
