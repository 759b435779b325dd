"""Quality gates: validate a batch with Great Expectations before it may go further.

Suites are reviewed YAML files in `expectations/`, one per checkpoint (raw posts, raw batches,
classified posts, marts). Each expectation names a GX expectation type, its arguments and a
severity: a failed `critical` expectation stops the load, a failed `warning` is reported and the
batch goes on.

Results are kept twice under `data/quality/`: a short JSON report per run
(`<suite>/<run>.json`: what failed, how badly, why it matters) and GX's own validation results in
a file-backed GX project (`gx/`), from which the Data Docs site is built
(`gx/uncommitted/data_docs/local_site/index.html`, `listener quality-docs`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import math
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from transforms.config import PROJECT_ROOT
from transforms.errors import GateStopped
from transforms.files import write_atomic_bytes

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
SEVERITIES = ("critical", "warning")
DATASOURCE = "listener"
DATA_DOCS_INDEX = Path("gx") / "uncommitted" / "data_docs" / "local_site" / "index.html"


class QualityGateError(GateStopped):
    """A critical expectation failed: the batch must not go further."""


@dataclass
class GateResult:
    suite: str
    rows: int
    passed: bool
    failures: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    report: str = ""
    data_docs: str = ""  # the Data Docs page of this validation, when it was built


def _configure_great_expectations() -> None:
    # GX phones home and logs hundreds of registration lines unless told otherwise.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    # GX labels every pandas batch under 1 GB with an MD5 of all its rows' hashes
    # (`pandas_data_fingerprint` in the batch markers), and bigger batches with nothing. The
    # label checks nothing, and hashing Arrow-backed strings row by row was 40% of a gate's work
    # (py-spy, 1M posts): every batch is treated as a big one. Our reports name the run instead.
    from great_expectations.execution_engine import pandas_execution_engine

    pandas_execution_engine.HASH_THRESHOLD = 0


def load_suite_spec(name: str, directory: Path = EXPECTATIONS_DIR) -> dict[str, Any]:
    """Read and check a suite file; errors name the file and the expectation."""
    path = directory / f"{name}.yml"
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    for number, item in enumerate(spec.get("expectations", [])):
        where = f"{path}: expectations[{number}]"
        unknown = set(item) - {"type", "kwargs", "severity", "why"}
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
        if item.get("severity") not in SEVERITIES:
            raise ValueError(f"{where}: severity must be one of {SEVERITIES}")
        if not str(item.get("type", "")).startswith("expect_"):
            raise ValueError(f"{where}: type must name a GX expectation (expect_...)")
    return spec


def _expectation(item: dict[str, Any]):
    import great_expectations as gx

    class_name = "".join(part.title() for part in item["type"].split("_"))
    expectation_class = getattr(gx.expectations, class_name, None)
    if expectation_class is None:
        raise ValueError(f"unknown Great Expectations expectation {item['type']!r}")
    meta = {"severity": item["severity"], "why": item.get("why", "")}
    return expectation_class(**item.get("kwargs", {}), meta=meta)


@contextlib.contextmanager
def gx_project(quality_dir: Path) -> Iterator[Any]:
    """The file-backed GX project under `quality_dir/gx`, held under a lock: the ingest and
    warehouse DAGs may validate at the same time, and GX's stores are plain files."""
    _configure_great_expectations()
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    quality_dir.mkdir(parents=True, exist_ok=True)
    with open(quality_dir / ".gx.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        context = gx.get_context(mode="file", project_root_dir=quality_dir)
        context.variables.progress_bars = ProgressBarsConfig(globally=False)  # not saved
        yield context


def suite_columns(spec: dict[str, Any]) -> list[str]:
    """The columns a suite's expectations name, in order of first mention."""
    return _columns(spec["expectations"])


def _columns(expectations: list[dict[str, Any]]) -> list[str]:
    named: list[str] = []
    for item in expectations:
        kwargs = item.get("kwargs", {})
        for column in [kwargs.get("column"), *kwargs.get("column_list", [])]:
            if column and column not in named:
                named.append(column)
    return named


def _is_row_level(item: dict[str, Any]) -> bool:
    """Whether an expectation judges each row on its own values (a map expectation), so that it
    can be checked on a partition of the rows; aggregates (a column's mean...) need them all."""
    from great_expectations.expectations.expectation import (
        ColumnMapExpectation,
        ColumnPairMapExpectation,
        MulticolumnMapExpectation,
    )

    kinds = (ColumnMapExpectation, ColumnPairMapExpectation, MulticolumnMapExpectation)
    return isinstance(_expectation(item), kinds)


def split_for_partitions(
    spec: dict[str, Any], partition_column: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The suite's row-level and day-level expectations, for a validation in partitions of the
    rows by `partition_column`. Exact only when every uniqueness check includes that column
    (repeats of a key then share a partition) and no row-level check allows a share of
    failures (`mostly`): anything else is refused."""
    rows, day = [], []
    for item in spec["expectations"]:
        if not _is_row_level(item):
            day.append(item)
            continue
        kwargs = item.get("kwargs", {})
        if "unique" in item["type"] and partition_column not in _columns([item]):
            raise ValueError(
                f"{spec['suite']}: {item['type']} on {_columns([item])} cannot be checked in "
                f"partitions by {partition_column}"
            )
        if kwargs.get("mostly", 1) < 1:
            raise ValueError(f"{spec['suite']}: {item['type']} with mostly cannot be partitioned")
        rows.append(item)
    return rows, day


def _checkpoint(context: Any, name: str, expectations: list[dict[str, Any]], result_format: dict):
    """Register a suite of these expectations (replacing an older version) with a
    whole-dataframe batch of the pandas data source, and its checkpoint."""
    import great_expectations as gx

    try:
        source = context.data_sources.get(DATASOURCE)
    except KeyError:
        source = context.data_sources.add_pandas(DATASOURCE)
    try:
        asset = source.get_asset(name)
    except LookupError:
        asset = source.add_dataframe_asset(name)
    try:
        batch = asset.get_batch_definition("whole")
    except KeyError:
        batch = asset.add_batch_definition_whole_dataframe("whole")
    suite = context.suites.add_or_update(
        gx.ExpectationSuite(name=name, expectations=[_expectation(i) for i in expectations])
    )
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=name, data=batch, suite=suite)
    )
    return context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=name, validation_definitions=[definition], actions=[], result_format=result_format
        )
    )


PARTITION_ROWS = int(os.environ.get("LISTENER_GATE_PARTITION_ROWS", "500000"))
PARTITION_SEED = 20261001


@dataclass(frozen=True)
class _Run:
    """One checkpoint run: a suite (or part of one) on a frame."""

    name: str
    expectations: list[dict[str, Any]]
    frame: Any  # () -> pl.DataFrame: built only when the run starts, so one is held at a time
    run_name: str


def _runs(
    lazy: pl.LazyFrame, rows: int, spec: dict[str, Any], run_name: str,
    partition_column: str | None,
) -> list[_Run]:  # fmt: skip
    """The whole suite on the whole frame; or, past PARTITION_ROWS rows with a partition
    column, its row-level expectations on each hash partition of the rows and its day-level
    ones on the columns they need (which bounds the memory of a day of millions of posts)."""
    name = spec["suite"]
    parts = math.ceil(rows / PARTITION_ROWS) if partition_column else 1
    if parts <= 1:
        return [_Run(name, spec["expectations"], lazy.collect, run_name)]
    assert partition_column is not None
    row_level, day_level = split_for_partitions(spec, partition_column)
    part = pl.col(partition_column).hash(PARTITION_SEED) % parts
    runs = [
        _Run(f"{name}.rows", row_level, partial(lazy.filter(part == k).collect, engine="streaming"),
             f"{run_name} rows {k + 1} of {parts}")
        for k in range(parts)
    ]  # fmt: skip
    if day_level:
        columns = _columns(day_level)
        whole_columns = partial(lazy.select(columns).collect, engine="streaming")
        runs.append(_Run(f"{name}.day", day_level, whole_columns, run_name))
    return runs


def validate(
    frame: pl.DataFrame | pl.LazyFrame,
    suite_name: str,
    run_name: str,
    quality_dir: Path,
    index_column: str | None = None,
    partition_column: str | None = None,
) -> GateResult:
    """Run a suite on a Polars frame (GX has no Polars engine: validated as pandas), store the
    result in the GX project and write the run's JSON report. A failed critical expectation also
    renders the run's Data Docs page, so the error can point at it.

    With `index_column`, each failure lists the distinct values of that column among its failing
    rows as `culprits` (for the raw checkpoint: the batches to quarantine). With
    `partition_column`, a large frame (best given lazily) is validated in hash partitions of
    that column's values, one in memory at a time, and the results merged."""
    import great_expectations as gx

    result_format: dict[str, Any] = {"result_format": "SUMMARY"}
    if index_column:
        result_format = {"result_format": "COMPLETE",
                         "unexpected_index_column_names": [index_column]}  # fmt: skip
    spec = load_suite_spec(suite_name)
    # GX sees only the columns the suite checks: converting the rest to pandas is waste.
    lazy = frame.lazy()
    present = lazy.collect_schema().names()
    wanted = [*suite_columns(spec), *([index_column] if index_column else [])]
    lazy = lazy.select(c for c in dict.fromkeys(wanted) if c in present)
    rows = (
        frame.height if isinstance(frame, pl.DataFrame) else lazy.select(pl.len()).collect().item()
    )
    parts: list[GateResult] = []
    with gx_project(quality_dir) as context:
        checkpoints: dict[str, Any] = {}
        for run in _runs(lazy, rows, spec, run_name, partition_column):
            if run.name not in checkpoints:
                checkpoints[run.name] = _checkpoint(context, run.name, run.expectations,
                                                    result_format)  # fmt: skip
            outcome = checkpoints[run.name].run(
                batch_parameters={"dataframe": run.frame().to_pandas()},
                run_id=gx.RunIdentifier(run_name=run.run_name),
            )
            (identifier, validation), *_ = outcome.run_results.items()
            part = _gate_result(suite_name, rows, validation, index_column)
            if part.failures and not any(p.failures for p in parts):
                context.build_data_docs(resource_identifiers=[identifier])
                urls = context.get_docs_sites_urls(resource_identifier=identifier)
                part.data_docs = urls[0]["site_url"] if urls else ""
            parts.append(part)
    result = merge_results(suite_name, rows, parts)
    report = quality_dir / suite_name / f"{run_name}.json"
    result.report = str(report)
    write_atomic_bytes(json.dumps(asdict(result), indent=2, default=str).encode(), report)
    return result


def merge_results(suite_name: str, rows: int, parts: list[GateResult]) -> GateResult:
    """One result from the runs of a suite's parts: an expectation failed if it failed in any
    part; its unexpected counts add up and its culprits are pooled."""
    if len(parts) == 1:
        return parts[0]
    merged = GateResult(suite=suite_name, rows=rows, passed=True)
    merged.data_docs = next((p.data_docs for p in parts if p.data_docs), "")
    for kind in ("failures", "warnings"):
        combined: dict[str, dict[str, Any]] = {}
        for part in parts:
            for failure in getattr(part, kind):
                key = json.dumps([failure["expectation"], failure["kwargs"]], sort_keys=True,
                                 default=str)  # fmt: skip
                if key not in combined:
                    combined[key] = {**failure, "observed": dict(failure["observed"])}
                    continue
                into = combined[key]
                observed = into["observed"]
                if "unexpected_count" in observed:
                    observed["unexpected_count"] += failure["observed"].get("unexpected_count", 0)
                    observed.pop("unexpected_percent", None)  # of one part only
                partial = observed.get("partial_unexpected_list")
                if partial is not None:
                    more = failure["observed"].get("partial_unexpected_list") or []
                    observed["partial_unexpected_list"] = (partial + more)[:20]
                if "culprits" in into:
                    into["culprits"] = sorted({*into["culprits"], *failure.get("culprits", [])})
        setattr(merged, kind, list(combined.values()))
    merged.passed = not merged.failures
    return merged


def _gate_result(
    suite_name: str, rows: int, validation: Any, index_column: str | None
) -> GateResult:
    result = GateResult(suite=suite_name, rows=rows, passed=True)
    for item in validation.results:
        if item.success:
            continue
        config = item.expectation_config
        failure = {
            "expectation": config.type,
            "kwargs": {k: v for k, v in config.kwargs.items() if k != "batch_id"},
            "why": config.meta.get("why", ""),
            "observed": _observed(item.result),
        }
        if index_column:
            rows_failing = item.result.get("unexpected_index_list") or []
            failure["culprits"] = sorted({str(row[index_column]) for row in rows_failing})
        if config.meta.get("severity") == "critical":
            result.failures.append(failure)
        else:
            result.warnings.append(failure)
    result.passed = not result.failures
    return result


def _observed(result: dict[str, Any]) -> dict[str, Any]:
    keys = ("observed_value", "unexpected_count", "unexpected_percent", "partial_unexpected_list")
    return {k: result[k] for k in keys if k in result}


def build_data_docs(quality_dir: Path) -> Path:
    """Render the whole Data Docs site from every stored validation result; returns its index."""
    with gx_project(quality_dir) as context:
        context.build_data_docs()
    return quality_dir / DATA_DOCS_INDEX


def failure_lines(result: GateResult) -> list[str]:
    """One line per failed critical expectation: what, on which column, what was seen."""
    lines = []
    for failure in result.failures:
        kwargs = failure["kwargs"]
        column = kwargs.get("column") or ",".join(kwargs.get("column_list", []))
        where = f" in {', '.join(failure['culprits'])}" if failure.get("culprits") else ""
        lines.append(f"{failure['expectation']} {column}{where}: {failure['observed']}")
    return lines


def describe_failures(result: GateResult, what: str = "the load") -> str:
    lines = [f"quality gate {result.suite!r} stopped {what} ({result.rows} rows):"]
    lines += [f"  - {line}" for line in failure_lines(result)]
    lines.append(f"report: {result.report}")
    if result.data_docs:
        lines.append(f"data docs: {result.data_docs}")
    return "\n".join(lines)
