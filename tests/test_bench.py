"""`listener bench` runs every stage in its own process and reports figures (never asserts them)."""

import json

import pytest

from transforms import bench


@pytest.mark.slow
def test_bench_reports_every_stage(tmp_path):
    out = tmp_path / "bench.json"
    assert bench.main(["--posts", "1500", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert [s["stage"] for s in report["stages"]] == list(bench.STAGES)
    for stage in report["stages"]:
        assert stage["seconds"] > 0 and stage["peak_rss_mib"] > 0 and stage["posts"] == 1500
    by_stage = {s["stage"]: s for s in report["stages"]}
    assert by_stage["clean"]["detail"]["posts"] == by_stage["classify"]["detail"]["posts"] > 1400
    assert report["clean_and_classify"]["posts_per_second"] > 0
