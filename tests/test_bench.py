"""`listener bench` runs every stage of the pipeline in its own process, the peer baseline on the
same posts and an incremental day, and reports figures (never asserts them)."""

import json

import pytest

from transforms import bench


@pytest.mark.slow
def test_bench_reports_every_stage_the_baseline_and_an_incremental_day(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert bench.main(["--posts", "1500", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert [s["stage"] for s in report["stages"]] == list(bench.STAGES)
    for stage in report["stages"]:
        assert stage["posts"] == 1500 and stage["peak_rss_mib"] > 0
        assert stage["process_seconds"] >= stage["seconds"] + stage["startup_seconds"]
        assert stage["seconds"] > 0 and stage["startup_seconds"] > 0
    gates = [s for s in report["stages"] if s["stage"].startswith("gate_")]
    assert all(g["startup_seconds"] > 1 for g in gates), "importing GX is start-up, not work"
    by_stage = {s["stage"]: s["detail"] for s in report["stages"]}
    assert by_stage["clean"]["posts"] == by_stage["classify"]["posts"] > 1400
    assert by_stage["load"]["posts"] == by_stage["classify"]["posts"]
    assert by_stage["publish"]["tables"] > 10
    e2e = report["end_to_end"]
    pipeline = [s for s in report["stages"] if s["stage"] != "generate"]
    assert e2e["seconds"] == pytest.approx(sum(s["seconds"] for s in pipeline), abs=0.01)
    assert e2e["startup_seconds"] == pytest.approx(
        sum(s["startup_seconds"] for s in pipeline), abs=0.01
    )

    baseline = report["baseline"]
    assert baseline["detail"]["rows_read"] == by_stage["extract"]["accepted"], "the same posts"
    assert set(baseline["detail"]["steps"]) == {"read", "clean", "classify", "insert", "aggregate"}
    assert baseline["speedup"] == pytest.approx(baseline["seconds"] / e2e["seconds"], abs=0.006)

    incremental = report["incremental"]
    assert [s["day"] for s in incremental["stages"]] == ["2026-10-02"] * len(bench.STAGES)
    assert incremental["posts"] == 15
    assert incremental["flushed_before_seconds"] >= 0
    assert incremental["share_of_full"] == pytest.approx(
        incremental["seconds"] / e2e["seconds"], rel=0.01
    )
    printed = capsys.readouterr().out
    assert "end to end" in printed and "peer baseline" in printed and "incremental day" in printed
