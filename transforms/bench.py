"""`listener bench`: the whole pipeline timed on generated posts, against a peer baseline.

    listener bench --posts 1000000 [--json FILE] [--keep DIR] [--no-baseline]

One generated day of N posts (with its funnel rows) is written as file drops for every source.
Every stage of the real pipeline runs on it in its own process, in order (extract to the raw
zone, raw gate, clean, classify, classified gate, load, dbt build, marts gate, publish), so each
stage's peak resident memory is its own (read with wait4). Then the peer baseline
(transforms/bench_baseline.py: pandas, VADER row by row, row-wise inserts) processes the same
files, and an incremental day (1% of N new posts on the next day) runs through every stage on
top of the full load, once the full load's writes are on disk (as a day later). Printed and in
the JSON: per stage the seconds of its work, the seconds of its process (interpreter start and
imports included), posts per second and peak RSS.

Figures are measurements on this machine, never assertions: compare them with each other.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from transforms.config import Config, load_config

BENCH_DAY = dt.date(2026, 10, 1)
PIPELINE = (
    "extract", "gate_raw", "clean", "classify", "gate_classified", "load", "build",
    "gate_marts", "publish",
)  # fmt: skip
STAGES = ("generate", *PIPELINE)
INCREMENT = 0.01  # the incremental day's posts, as a share of the full day


@dataclass(frozen=True)
class StageResult:
    stage: str
    day: str
    seconds: float  # the stage's work, its libraries imported and models loaded
    startup_seconds: float  # importing those libraries and loading those models, in the process
    process_seconds: float  # its whole process: interpreter, start-up, work
    posts: int
    posts_per_second: float
    peak_rss_mib: float
    detail: dict[str, Any]


def bench_config(config: Config, data_dir: Path) -> dict[str, Any]:
    """The project config with every source a file drop under a fresh data directory."""
    raw = config.model_dump(mode="json", exclude_none=True)
    raw["data_dir"] = str(data_dir)
    raw["sources"] = [
        {
            "name": s.name,
            "platform": s.platform_name,
            "format": "jsonl",
            "path": f"landing/{s.name}",
        }
        if s.kind != "file"
        else {k: v for k, v in s.model_dump(mode="json", exclude_none=True).items()}
        for s in config.sources
    ]
    raw["sample"] = {**raw["sample"], "start": BENCH_DAY.isoformat(), "days": 1,
                     "bad_rows_per_source_day": 0}  # fmt: skip
    return raw


def run_stage(stage: str, config_file: Path, posts: int, day: dt.date) -> StageResult:
    """Run one stage in a child process; its times and its own peak RSS."""
    command = [
        sys.executable, "-m", "transforms.bench", "--stage", stage, "--posts", str(posts),
        "--day", day.isoformat(),
    ]  # fmt: skip
    env = {**os.environ, "LISTENER_CONFIG": str(config_file)}
    env.pop("LISTENER_DATA_DIR", None)
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    process_seconds = time.perf_counter() - started
    if child.returncode != 0:
        raise RuntimeError(f"bench stage {stage} failed with exit code {child.returncode}")
    detail = json.loads(output.strip().splitlines()[-1])
    seconds = detail.pop("seconds")
    startup = detail.pop("startup_seconds")
    return StageResult(
        stage=stage,
        day=day.isoformat(),
        seconds=round(seconds, 3),
        startup_seconds=round(startup, 3),
        process_seconds=round(process_seconds, 3),
        posts=posts,
        posts_per_second=round(posts / seconds) if seconds else 0,
        peak_rss_mib=round(usage.ru_maxrss / 1024, 1),  # Linux reports KiB
        detail=detail,
    )


def flush_writes() -> float:
    """Write what the full load left in the page cache to disk before the incremental day, as a
    day later would find it: otherwise whatever the kernel still holds of the full load's
    gigabytes is written back while the day runs, and the day's own writes (load, dbt's
    checkpoints, the publication's copy) queue behind it. Not part of either figure; the seconds
    it took are in the report."""
    started = time.perf_counter()
    os.sync()
    return time.perf_counter() - started


def stage_main(stage: str, posts: int, day: dt.date) -> dict[str, Any]:
    """Inside the child: start up (import what the stage uses, load its models), then do the
    stage's work; the two are timed apart. An Airflow task pays both; a worker that runs many
    days in one process (`listener run`, a backfill) pays the start-up once."""
    started = time.perf_counter()
    from transforms.bench_stages import STAGE_WORK, prepare

    config = load_config()
    prepare(stage, config)
    ready = time.perf_counter()
    counts = STAGE_WORK[stage](config, day, posts)
    return {"seconds": time.perf_counter() - ready, "startup_seconds": ready - started, **counts}


def summarize(results: list[StageResult], posts: int) -> dict[str, Any]:
    """End to end over the pipeline's stages (generation is the input, not the pipeline)."""
    stages = [r for r in results if r.stage in PIPELINE]
    work = sum(r.seconds for r in stages)
    startup = sum(r.startup_seconds for r in stages)
    process = sum(r.process_seconds for r in stages)
    return {
        "posts": posts,
        "seconds": round(work, 3),
        "startup_seconds": round(startup, 3),
        "process_seconds": round(process, 3),
        "posts_per_second": round(posts / work) if work else 0,
        "peak_rss_mib": max(r.peak_rss_mib for r in stages),
    }


def run_bench(posts: int, keep: Path | None = None, baseline: bool = True) -> dict[str, Any]:
    config = load_config()
    increment = max(1, round(posts * INCREMENT))
    next_day = BENCH_DAY + dt.timedelta(days=1)
    with tempfile.TemporaryDirectory(prefix="listener-bench-") as tmp:
        root = keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        config_file = root / "bench.yml"
        config_file.write_text(yaml.safe_dump(bench_config(config, root / "data")))
        full = [run_stage(stage, config_file, posts, BENCH_DAY) for stage in STAGES]
        peer = run_stage("baseline", config_file, posts, BENCH_DAY) if baseline else None
        flush_seconds = flush_writes()
        daily = [run_stage(stage, config_file, increment, next_day) for stage in STAGES]
    end_to_end = summarize(full, posts)
    incremental = summarize(daily, increment)
    report: dict[str, Any] = {
        "posts": posts,
        "cpus": os.cpu_count(),
        "stages": [asdict(r) for r in full],
        "end_to_end": end_to_end,
        "incremental": {
            **incremental,
            "stages": [asdict(r) for r in daily],
            "share_of_full": round(incremental["seconds"] / end_to_end["seconds"], 4),
            "flushed_before_seconds": round(flush_seconds, 3),
            "process_share_of_full": round(
                incremental["process_seconds"] / end_to_end["process_seconds"], 4
            ),
        },
    }
    if peer is not None:
        report["baseline"] = {
            **asdict(peer),
            "speedup": round(peer.seconds / end_to_end["seconds"], 2),
            "process_speedup": round(peer.process_seconds / end_to_end["process_seconds"], 2),
        }
    return report


def _row(name: str, figures: dict[str, Any]) -> str:
    return (
        f"{name:<26} {figures['seconds']:>8.2f} {figures['startup_seconds']:>8.2f} "
        f"{figures['process_seconds']:>9.2f} {figures['posts_per_second']:>9,.0f} "
        f"{figures['peak_rss_mib']:>8,.0f}"
    )


def print_report(report: dict[str, Any]) -> None:
    print(f"{report['posts']:,} posts, {report['cpus']} CPUs")
    print(f"{'stage':<26} {'work s':>8} {'start s':>8} {'process s':>9} {'posts/s':>9} "
          f"{'RSS MiB':>8}")  # fmt: skip
    for s in report["stages"]:
        print(_row(s["stage"], s))
    e2e = report["end_to_end"]
    print(_row("end to end (no generate)", e2e))
    if "baseline" in report:
        b = report["baseline"]
        print(_row("peer baseline", b))
        print(f"Listener is {b['speedup']}x the baseline's speed ({b['process_speedup']}x "
              "counting process start-up)")  # fmt: skip
    inc = report["incremental"]
    print(_row(f"incremental day ({inc['posts']:,})", inc))
    print(f"(the full load's writes put on disk before it: {inc['flushed_before_seconds']:.1f} s)")
    print(f"an incremental day costs {inc['share_of_full']:.1%} of the full load "
          f"({inc['process_share_of_full']:.1%} counting process start-up)")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--keep", type=Path, help="keep the generated data in this folder")
    parser.add_argument("--no-baseline", action="store_true", help="skip the peer baseline")
    parser.add_argument("--stage", choices=(*STAGES, "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("--day", type=dt.date.fromisoformat, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stage:  # the child's role
        print(json.dumps(stage_main(args.stage, args.posts, args.day or BENCH_DAY)))
        return 0
    report = run_bench(args.posts, args.keep, baseline=not args.no_baseline)
    print_report(report)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
