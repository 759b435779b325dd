"""`listener bench`: every stage of the pipeline timed on generated posts, with peak memory.

    listener bench --posts 1000000 [--json FILE] [--keep DIR]

The posts are one generated day (`listener generate`), written as file drops for every source.
Each stage runs in its own process, so its peak resident memory is its own (read with wait4),
and prints seconds and posts per second. Figures are measurements on this machine, never
assertions: compare them with each other, not with a fixed number.
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
STAGES = ("generate", "extract", "clean", "classify")


@dataclass(frozen=True)
class StageResult:
    stage: str
    seconds: float
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


def run_stage(stage: str, config_file: Path, posts: int) -> StageResult:
    """Run one stage in a child process; its wall time and its own peak RSS."""
    command = [sys.executable, "-m", "transforms.bench", "--stage", stage, "--posts", str(posts)]
    env = {**os.environ, "LISTENER_CONFIG": str(config_file)}
    env.pop("LISTENER_DATA_DIR", None)
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if child.returncode != 0:
        raise RuntimeError(f"bench stage {stage} failed with exit code {child.returncode}")
    detail = json.loads(output.strip().splitlines()[-1])
    inner = detail.pop("seconds")
    return StageResult(
        stage=stage,
        seconds=round(inner, 3),
        posts=posts,
        posts_per_second=round(posts / inner) if inner else 0,
        peak_rss_mib=round(usage.ru_maxrss / 1024, 1),  # Linux reports KiB
        detail={**detail, "process_seconds": round(seconds, 3)},
    )


def stage_main(stage: str, posts: int) -> dict[str, Any]:
    """Inside the child: do the stage's work and time only that work (not imports)."""
    config = load_config()
    if stage == "generate":
        from transforms.generate import generate_sample

        started = time.perf_counter()
        report = generate_sample(config, start=BENCH_DAY, days=1, posts_per_day=posts)
        return {"seconds": time.perf_counter() - started, "written": sum(report.posts.values())}
    if stage == "extract":
        from transforms.extract import extract_source_day

        started = time.perf_counter()
        reports = [extract_source_day(config, s, BENCH_DAY) for s in config.sources]
        accepted = sum(r.rows_accepted for r in reports)
        return {"seconds": time.perf_counter() - started, "accepted": accepted}
    if stage == "clean":
        from transforms.clean import clean_day

        started = time.perf_counter()
        counts = clean_day(config, BENCH_DAY)
        return {"seconds": time.perf_counter() - started, **counts}
    if stage == "classify":
        from transforms.classify import classify_day, ensure_default_models

        ensure_default_models(config)  # model training is not classification
        started = time.perf_counter()
        counts = classify_day(config, BENCH_DAY)
        return {"seconds": time.perf_counter() - started, **counts}
    raise ValueError(f"unknown stage {stage}")


def run_bench(posts: int, keep: Path | None = None) -> dict[str, Any]:
    config = load_config()
    with tempfile.TemporaryDirectory(prefix="listener-bench-") as tmp:
        root = keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        config_file = root / "bench.yml"
        config_file.write_text(yaml.safe_dump(bench_config(config, root / "data")))
        results = [run_stage(stage, config_file, posts) for stage in STAGES]
    by_stage = {r.stage: r for r in results}
    clean_classify = by_stage["clean"].seconds + by_stage["classify"].seconds
    return {
        "posts": posts,
        "cpus": os.cpu_count(),
        "stages": [asdict(r) for r in results],
        "clean_and_classify": {
            "seconds": round(clean_classify, 3),
            "posts_per_second": round(posts / clean_classify),
            "peak_rss_mib": max(by_stage["clean"].peak_rss_mib, by_stage["classify"].peak_rss_mib),
        },
    }


def print_report(report: dict[str, Any]) -> None:
    print(f"{'stage':<10} {'seconds':>9} {'posts/s':>11} {'peak RSS MiB':>13}")
    for stage in report["stages"]:
        print(
            f"{stage['stage']:<10} {stage['seconds']:>9.2f} {stage['posts_per_second']:>11,} "
            f"{stage['peak_rss_mib']:>13,.0f}"
        )
    both = report["clean_and_classify"]
    print(
        f"{'clean+classify':<10} {both['seconds']:>5.2f} {both['posts_per_second']:>11,} "
        f"{both['peak_rss_mib']:>13,.0f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--keep", type=Path, help="keep the generated data in this folder")
    parser.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)  # the child's role
    args = parser.parse_args(argv)
    if args.stage:
        print(json.dumps(stage_main(args.stage, args.posts)))
        return 0
    report = run_bench(args.posts, args.keep)
    print_report(report)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
