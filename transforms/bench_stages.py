"""The work of each `listener bench` stage, as it runs inside the stage's own process.

Each function does exactly what the pipeline's task does for one day and returns its counts; the
caller times only the call (not the imports and the interpreter start, which `bench` reports
separately as process seconds)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from transforms.config import Config


def generate(config: Config, day: dt.date, posts: int) -> dict[str, Any]:
    from transforms.generate import generate_sample

    report = generate_sample(config, start=day, days=1, posts_per_day=posts)
    return {"written": sum(report.posts.values())}


def extract(config: Config, day: dt.date, posts: int) -> dict[str, Any]:
    from transforms.extract import extract_source_day

    reports = [extract_source_day(config, s, day) for s in config.sources]
    return {"accepted": sum(r.rows_accepted for r in reports)}


def gate_raw(config: Config, day: dt.date, posts: int) -> dict[str, Any]:
    from transforms.raw_gate import gate_raw_day

    result = gate_raw_day(config, day)
    return {"rows": result["rows"], "batches": result["batches"]}


def clean(config: Config, day: dt.date, posts: int) -> dict[str, Any]:
    from transforms.clean import clean_day

    return clean_day(config, day)


def classify(config: Config, day: dt.date, posts: int) -> dict[str, Any]:
    from transforms.classify import classify_day

    return classify_day(config, day)


def gate_classified(config: Config, day: dt.date, posts: int) -> dict[str, Any]:
    from transforms.classified_gate import gate_classified_day

    return {"rows": gate_classified_day(config, day).rows}


def load(config: Config, day: dt.date, posts: int) -> dict[str, Any]:
    from transforms.warehouse import load_day

    return load_day(config, day)


def build(config: Config, day: dt.date, posts: int) -> dict[str, Any]:
    from transforms.warehouse import build_marts

    return {"nodes": build_marts(config).nodes}


def gate_marts(config: Config, day: dt.date, posts: int) -> dict[str, Any]:
    from transforms.mart_gate import gate_marts as run_gate

    return {"rows": run_gate(config, f"bench-{day}").rows}


def publish(config: Config, day: dt.date, posts: int) -> dict[str, Any]:
    from transforms.publish import publish as publish_marts

    counts = publish_marts(config)
    return {"tables": len(counts), "rows": sum(counts.values())}


def baseline(config: Config, day: dt.date, posts: int) -> dict[str, Any]:
    from transforms import zones
    from transforms.bench_baseline import run_baseline

    warehouse: Path = zones.warehouse_file(config)
    return run_baseline(config, day, warehouse)


# What each stage imports before it can start: reported as its start-up, apart from its work.
STAGE_IMPORTS: dict[str, tuple[str, ...]] = {
    "generate": ("transforms.generate",),
    "extract": ("transforms.extract",),
    "gate_raw": ("transforms.raw_gate", "great_expectations"),
    "clean": ("transforms.clean",),
    "classify": ("transforms.classify",),
    "gate_classified": ("transforms.classified_gate", "great_expectations"),
    "load": ("transforms.warehouse",),
    "build": ("transforms.warehouse", "dbt.cli.main", "dbt.adapters.duckdb"),
    "gate_marts": ("transforms.mart_gate", "great_expectations"),
    "publish": ("transforms.publish",),
    "baseline": ("transforms.bench_baseline",),
}


def prepare(stage: str, config: Config) -> None:
    """What a stage needs done before its work and that is not its work: importing its
    libraries, and training the default models once (a worker does not repeat it per day)."""
    import importlib

    for module in STAGE_IMPORTS[stage]:
        importlib.import_module(module)
    if stage == "classify":
        from transforms.classify import ensure_default_models

        ensure_default_models(config)
    if stage == "build":
        # dbt parses the project once and keeps the result for every later build (in the
        # process and, for later processes, in the target folder): 4-5 s the first time, like a
        # model's training.
        from transforms.warehouse import parsed_project

        parsed_project(config)


STAGE_WORK: dict[str, Callable[[Config, dt.date, int], dict[str, Any]]] = {
    "generate": generate,
    "extract": extract,
    "gate_raw": gate_raw,
    "clean": clean,
    "classify": classify,
    "gate_classified": gate_classified,
    "load": load,
    "build": build,
    "gate_marts": gate_marts,
    "publish": publish,
    "baseline": baseline,
}
