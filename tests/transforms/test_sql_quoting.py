"""Configuration values never reach SQL as code. Brand names travel as parameters (tested end to
end in tests/test_hostile_brand_names.py); the data directory's path is the one value spliced
into SQL text (DuckDB's ATTACH and COPY take no parameters), so it is quoted: a path with quotes,
semicolons and `--` publishes like any other."""

from __future__ import annotations

import duckdb
import polars as pl

from transforms import pipeline, zones
from transforms.config import DATA_DIR_ENV, load_config
from transforms.warehouse import connect


def test_publish_from_a_data_directory_whose_path_holds_quotes(tmp_path, monkeypatch):
    data_dir = tmp_path / 'it\'s; "data" -- 100%' / "data"
    monkeypatch.setenv(DATA_DIR_ENV, str(data_dir))
    config = load_config()
    with connect(config) as con:
        con.execute("create schema marts")
        con.execute("create table marts.share_of_voice as select 'nimbus' as brand, 3 as mentions")
    assert pipeline.publish() == {"share_of_voice": 1}
    with duckdb.connect(str(zones.published_warehouse(config)), read_only=True) as con:
        assert con.execute("select brand, mentions from share_of_voice").fetchall() == [
            ("nimbus", 3)
        ]
    parquet = zones.published_dir(config) / "parquet" / "share_of_voice.parquet"
    assert pl.read_parquet(parquet).rows() == [("nimbus", 3)]
