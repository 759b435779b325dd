"""The quarantine ledger: held-back batches leave their day's reads and the watermark; releases
need a reason; stopped loads resolve when their checkpoint passes."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.transforms.raw_batches import DAY, commit, raw_posts
from transforms import batch_quarantine, raw_zone
from transforms.errors import ListenerError


def hold(config, batch_id: str) -> None:
    batch_quarantine.quarantine_batch(
        config, batch_id=batch_id, source="reddit", day=DAY, checkpoint="raw", rows=5,
        failures=["raw_posts: expect_column_values_to_not_be_null post_id"], report="r.json",
    )  # fmt: skip


def test_a_held_back_batch_leaves_the_days_reads_until_released(config):
    commit(config, "reddit", DAY, raw_posts(5, "reddit", DAY, "r1"))
    commit(config, "reddit", DAY, raw_posts(3, "reddit", DAY, "r2"))
    hold(config, "r1")
    assert raw_zone.day_posts(config, ["reddit"], DAY).height == 3
    assert [m.batch_id for m in raw_zone.day_manifests(config, ["reddit"], DAY)] == ["r2"]
    assert len(raw_zone.committed_batches(config, "reddit", DAY)) == 2  # the files stay
    with pytest.raises(ListenerError, match="needs a reason"):
        batch_quarantine.release(config, "r1", "  ")
    released = batch_quarantine.release(config, "r1", "checked by hand")
    assert released.release_reason == "checked by hand" and not released.is_open
    assert raw_zone.day_posts(config, ["reddit"], DAY).height == 8


def test_the_first_verdict_on_a_batch_is_kept(config):
    hold(config, "r1")
    again = batch_quarantine.quarantine_batch(
        config, batch_id="r1", source="reddit", day=DAY, checkpoint="raw", rows=5,
        failures=["something else"], report="other.json",
    )  # fmt: skip
    assert again.failures == ["raw_posts: expect_column_values_to_not_be_null post_id"]
    assert len(batch_quarantine.records(config)) == 1


def test_a_held_back_api_batch_does_not_advance_the_watermark(config):
    for batch_id, after in (("x1", "2026-10-10T08:00:00Z"), ("x2", "2026-10-10T20:00:00Z")):
        commit(config, "x", DAY, raw_posts(1, "x", DAY, batch_id), watermark_after=after)
    assert raw_zone.current_watermark(config, "x") == "2026-10-10T20:00:00Z"
    hold(config, "x2")
    assert raw_zone.current_watermark(config, "x") == "2026-10-10T08:00:00Z"


def test_stopped_loads_resolve_when_their_checkpoint_passes(config):
    for day in (DAY, DAY + dt.timedelta(days=1)):
        batch_quarantine.record_stopped_load(
            config, checkpoint="classified_posts", run=day.isoformat(), days=[day],
            failures=["p_sum"], report="r.json",
        )  # fmt: skip
    batch_quarantine.record_stopped_load(
        config, checkpoint="marts", run="through-2026-10-11", days=[DAY], failures=["x"],
        report="m.json",
    )  # fmt: skip
    assert batch_quarantine.resolve_loads(config, "classified_posts", DAY.isoformat()) == [
        f"classified_posts-{DAY}"
    ]
    assert batch_quarantine.resolve_loads(config, "marts") == ["marts-through-2026-10-11"]
    still = [r.record_id for r in batch_quarantine.records(config) if r.is_open]
    assert still == [f"classified_posts-{DAY + dt.timedelta(days=1)}"]
    with pytest.raises(ListenerError, match="not a batch"):
        batch_quarantine.release(config, still[0], "no")


def test_the_cli_lists_and_releases(config, capsys, monkeypatch):
    from transforms.cli import main
    from transforms.config import DATA_DIR_ENV

    monkeypatch.setenv(DATA_DIR_ENV, str(config.data_dir))
    commit(config, "reddit", DAY, raw_posts(5, "reddit", DAY, "r1"))
    hold(config, "r1")
    assert main(["quarantine", "list"]) == 0
    listed = capsys.readouterr().out
    assert "r1  [batch, raw, 2026-10-10] held back" in listed
    assert "expect_column_values_to_not_be_null post_id" in listed
    assert main(["quarantine", "release", "r1", "--reason", "checked"]) == 0
    assert "re-run 2026-10-10" in capsys.readouterr().out
    assert main(["quarantine", "release", "nope", "--reason", "x"]) == 1
    assert main(["quarantine", "list"]) == 0
    assert "nothing is held back" in capsys.readouterr().out
