"""Quality gate: validate a batch with Great Expectations before it may be loaded.

Suites are reviewed YAML files in `expectations/` (one per checkpoint). Each expectation names a GX
expectation type, its arguments and a severity: a failed `critical` expectation stops the load, a
failed `warning` is reported and the batch goes on. Every run writes its result as JSON under
`data/quality/<suite>/`, and a stopped load says which expectations failed and where the report is.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from transforms import zones
from transforms.config import PROJECT_ROOT, Config
from transforms.errors import ListenerError
from transforms.files import write_atomic_bytes

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
SEVERITIES = ("critical", "warning")


class QualityGateError(ListenerError):
    """A critical expectation failed: the batch must not be loaded."""


@dataclass
class GateResult:
    suite: str
    rows: int
    passed: bool
    failures: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    report: str = ""


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


def validate(frame: pl.DataFrame, suite_name: str, run_name: str, report_dir: Path) -> GateResult:
    """Run a suite on a Polars frame (GX has no Polars engine: validated as pandas)."""
    _quiet_great_expectations()
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    spec = load_suite_spec(suite_name)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("listener").add_dataframe_asset(suite_name)
    batch = asset.add_batch_definition_whole_dataframe("batch")
    suite = context.suites.add(
        gx.ExpectationSuite(
            name=suite_name, expectations=[_expectation(i) for i in spec["expectations"]]
        )
    )
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{suite_name}-{run_name}", data=batch, suite=suite)
    )
    outcome = definition.run(batch_parameters={"dataframe": frame.to_pandas()})

    result = GateResult(suite=suite_name, rows=frame.height, passed=True)
    for item in outcome.results:
        if item.success:
            continue
        config = item.expectation_config
        failure = {
            "expectation": config.type,
            "kwargs": {k: v for k, v in config.kwargs.items() if k != "batch_id"},
            "why": config.meta.get("why", ""),
            "observed": _observed(item.result),
        }
        if config.meta.get("severity") == "critical":
            result.failures.append(failure)
        else:
            result.warnings.append(failure)
    result.passed = not result.failures
    report = report_dir / suite_name / f"{run_name}.json"
    result.report = str(report)
    payload = {**asdict(result), "gx_result": outcome.to_json_dict()}
    write_atomic_bytes(json.dumps(payload, indent=2, default=str).encode(), report)
    return result


def _observed(result: dict[str, Any]) -> dict[str, Any]:
    keys = ("observed_value", "unexpected_count", "unexpected_percent", "partial_unexpected_list")
    return {k: result[k] for k in keys if k in result}


def describe_failures(result: GateResult) -> str:
    lines = [f"quality gate {result.suite!r} stopped the load ({result.rows} rows):"]
    for failure in result.failures:
        column = failure["kwargs"].get("column", "")
        lines.append(f"  - {failure['expectation']} {column}: {failure['observed']}")
    lines.append(f"report: {result.report}")
    return "\n".join(lines)


def with_probability_sum(frame: pl.DataFrame) -> pl.DataFrame:
    """Derived column the suite checks: the sentiment probabilities of a post sum to 1."""
    return frame.with_columns(p_sum=pl.sum_horizontal("p_negative", "p_neutral", "p_positive"))


def gate_classified_day(config: Config, day: dt.date) -> GateResult:
    """Validate one day's classified posts; raise QualityGateError on a critical failure."""
    from transforms.classify import classified_day

    frame = classified_day(config, day)
    frame = with_probability_sum(frame).with_columns(
        text_length=pl.col("text").str.len_chars(),
        p_sum=pl.when(pl.col("sentiment") == "unknown").then(None).otherwise(pl.col("p_sum")),
    )
    result = validate(frame, "classified_posts", day.isoformat(), zones.quality_dir(config))
    if not result.passed:
        raise QualityGateError(describe_failures(result))
    return result
