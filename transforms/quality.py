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
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
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


def _quiet_great_expectations() -> None:
    # GX phones home and logs hundreds of registration lines unless told otherwise.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)


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
    _quiet_great_expectations()
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
    named: list[str] = []
    for item in spec["expectations"]:
        kwargs = item.get("kwargs", {})
        for column in [kwargs.get("column"), *kwargs.get("column_list", [])]:
            if column and column not in named:
                named.append(column)
    return named


def _validation_definition(context: Any, suite_name: str) -> Any:
    """Register the suite as its reviewed file says (replacing an older version), with a
    whole-dataframe batch of the pandas data source."""
    import great_expectations as gx

    try:
        source = context.data_sources.get(DATASOURCE)
    except KeyError:
        source = context.data_sources.add_pandas(DATASOURCE)
    try:
        asset = source.get_asset(suite_name)
    except LookupError:
        asset = source.add_dataframe_asset(suite_name)
    try:
        batch = asset.get_batch_definition("whole")
    except KeyError:
        batch = asset.add_batch_definition_whole_dataframe("whole")
    spec = load_suite_spec(suite_name)
    suite = context.suites.add_or_update(
        gx.ExpectationSuite(
            name=suite_name, expectations=[_expectation(i) for i in spec["expectations"]]
        )
    )
    return context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite_name, data=batch, suite=suite)
    )


def validate(
    frame: pl.DataFrame,
    suite_name: str,
    run_name: str,
    quality_dir: Path,
    index_column: str | None = None,
) -> GateResult:
    """Run a suite on a Polars frame (GX has no Polars engine: validated as pandas), store the
    result in the GX project and write the run's JSON report. A failed critical expectation also
    renders the run's Data Docs page, so the error can point at it.

    With `index_column`, each failure lists the distinct values of that column among its failing
    rows as `culprits` (for the raw checkpoint: the batches to quarantine)."""
    import great_expectations as gx

    result_format: dict[str, Any] = {"result_format": "SUMMARY"}
    if index_column:
        result_format = {"result_format": "COMPLETE",
                         "unexpected_index_column_names": [index_column]}  # fmt: skip
    with gx_project(quality_dir) as context:
        checkpoint = context.checkpoints.add_or_update(
            gx.Checkpoint(
                name=suite_name,
                validation_definitions=[_validation_definition(context, suite_name)],
                actions=[],
                result_format=result_format,
            )
        )
        # GX sees only the columns the suite checks: converting the rest to pandas is waste.
        wanted = [
            *suite_columns(load_suite_spec(suite_name)),
            *([index_column] if index_column else []),
        ]
        checked = frame.select(c for c in dict.fromkeys(wanted) if c in frame.columns)
        outcome = checkpoint.run(
            batch_parameters={"dataframe": checked.to_pandas()},
            run_id=gx.RunIdentifier(run_name=run_name),
        )
        (identifier, validation), *_ = outcome.run_results.items()
        result = _gate_result(suite_name, frame.height, validation, index_column)
        if not result.passed:
            context.build_data_docs(resource_identifiers=[identifier])
            urls = context.get_docs_sites_urls(resource_identifier=identifier)
            result.data_docs = urls[0]["site_url"] if urls else ""
    report = quality_dir / suite_name / f"{run_name}.json"
    result.report = str(report)
    write_atomic_bytes(json.dumps(asdict(result), indent=2, default=str).encode(), report)
    return result


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
