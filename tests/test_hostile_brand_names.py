"""Brand names and terms are data, wherever they go: a config whose tracked brand's name, aliases
and exclusion terms, and a competitor's boolean query, hold quotes, semicolons, `--`, brackets,
`%` and HTML runs the whole pipeline (generate -> extract -> clean -> classify -> load -> dbt
build -> marts gate -> publish -> dashboard). The brands' mentions arrive in the published marts
under their exact names, nothing reaches SQL as code, the dashboard shows the names escaped, and
the label queue (a CSV people open in a spreadsheet) carries the texts safely.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from pathlib import Path

import duckdb
import polars as pl
import pytest
import yaml

from transforms import pipeline, zones
from transforms.config import CONFIG_ENV, DATA_DIR_ENV, PROJECT_ROOT, load_config
from transforms.tables import read_table

pytestmark = pytest.mark.slow

DAYS = 3
START = dt.date(2026, 10, 1)
# Each would end a SQL string or statement, start a comment, or be a LIKE wildcard if it were
# spliced into SQL; the tags and entity would be markup if spliced into HTML.
TRACKED_NAME = 'O\'Nimbus "Mobile"; DROP TABLE raw.posts; -- 100% (fast) <b>&co</b>'
TRACKED_ALIASES = ["O'Nimbus", "Nimbus; Mobile", '"Nimbus"', "Nimbus 100%", "Nimbus (fast)"]
APEX_NAME = "Apex 'Wireless'); --"
APEX_ALIASES = ["Apex's; 100%", "Apex (Wireless)"]
APEX_QUERY = '"Apex\'s; 100%" OR "Apex (Wireless)" OR @ApexWireless'


def hostile_config(path: Path) -> Path:
    raw = yaml.safe_load((PROJECT_ROOT / "config" / "listener.yml").read_text())
    raw["sources"] = [s for s in raw["sources"] if s.get("kind", "file") == "file"]
    tracked = raw["brands"]["tracked"]
    tracked.update(
        name=TRACKED_NAME,
        aliases=TRACKED_ALIASES,
        exclude=["nimbus; cloud", "it's 100% rain"],
        context=['5G "plan"', "bill;"],
    )
    apex = next(b for b in raw["brands"]["competitors"] if b["slug"] == "apex")
    apex.update(name=APEX_NAME, aliases=APEX_ALIASES, query=APEX_QUERY)
    raw["dashboard"]["themes"]["quotes; and -- dashes"] = ["100%", "o'nimbus"]
    path.write_text(yaml.safe_dump(raw, allow_unicode=True))
    return path


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The hostile config, through every stage to the published marts and the dashboard."""
    from transforms.generate import generate_sample

    root = tmp_path_factory.mktemp("hostile-brands")
    patch = pytest.MonkeyPatch()
    patch.setenv(DATA_DIR_ENV, str(root / "data"))
    patch.setenv(CONFIG_ENV, str(hostile_config(root / "listener.yml")))
    config = load_config()
    generate_sample(config, start=START, days=DAYS, posts_per_day=300)
    for offset in range(DAYS):
        pipeline.run_day(START + dt.timedelta(days=offset))
    pipeline.build()
    pipeline.gate_marts()
    pipeline.publish()
    page = Path(pipeline.dashboard())
    yield config, page
    patch.undo()


def published_rows(config, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(zones.published_warehouse(config)), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_the_config_keeps_the_names_exactly(published):
    config, _ = published
    assert config.brands.tracked.name == TRACKED_NAME
    assert config.brands.tracked.aliases == TRACKED_ALIASES


def test_mentions_arrive_in_the_published_marts_under_the_exact_names(published):
    config, _ = published
    rows = published_rows(
        config,
        "select brand, brand_name, sum(mentions) from share_of_voice_daily "
        "where brand_name in (?, ?) group by all order by brand",
        [TRACKED_NAME, APEX_NAME],
    )
    assert [(brand, name) for brand, name, _ in rows] == [
        ("apex", APEX_NAME),
        ("nimbus", TRACKED_NAME),
    ]
    assert all(mentions > 0 for *_, mentions in rows)
    # The competitive set is complete, and nothing was dropped or truncated by the names.
    names = {r[0] for r in published_rows(config, "select distinct brand_name from share_of_voice")}
    assert names == {b.name for b in config.brands.all}


def test_every_post_naming_a_hostile_alias_is_matched(published):
    """Aliases ending in `%` or `)` are whole terms too (a word boundary after `%` never
    matches: the pattern puts one only at an edge that is a word character)."""
    config, _ = published
    clean = pl.concat(
        pl.read_parquet(zones.clean_partition(config, START + dt.timedelta(days=d)) / name)
        for d in range(DAYS)
        for name in ["posts.parquet"]
    )
    matches = pl.concat(
        pl.read_parquet(zones.clean_partition(config, START + dt.timedelta(days=d)) / name)
        for d in range(DAYS)
        for name in ["post_brands.parquet"]
    )
    for alias in ["Nimbus 100%", "Nimbus (fast)", "Nimbus; Mobile", '"Nimbus"']:
        # A post naming the alias, and no other alias: only this alias can have matched it.
        others = [a for a in TRACKED_ALIASES if a != alias and alias not in a]
        naming = clean.filter(
            pl.col("text_clean").str.to_lowercase().str.contains(alias.lower(), literal=True)
            & ~pl.any_horizontal(
                pl.col("text_clean").str.to_lowercase().str.contains(o.lower(), literal=True)
                for o in others
            )
        )
        assert naming.height > 0, alias  # the generator wrote the alias into posts
        matched = matches.filter(pl.col("brand") == "nimbus")["post_id"]
        assert naming["post_id"].is_in(matched.implode()).all(), alias


def test_the_warehouse_holds_the_names_as_data(published):
    config, _ = published
    with duckdb.connect(str(zones.warehouse_file(config)), read_only=True) as con:
        brands = dict(con.execute("select brand, brand_name from raw.brands").fetchall())
        assert con.execute("select count(*) from raw.posts").fetchone()[0] > 0  # not dropped
    assert brands["nimbus"] == TRACKED_NAME and brands["apex"] == APEX_NAME


def test_the_dashboard_shows_the_names_escaped(published):
    _, page = published
    text = page.read_text(encoding="utf-8")
    assert "<b>&co</b>" not in text  # never markup
    assert html.escape(TRACKED_NAME, quote=False) in text or html.escape(TRACKED_NAME) in text
    assert TRACKED_NAME in html.unescape(text)


def test_the_label_queue_carries_the_brand_texts_safely(published, tmp_path):
    from transforms.label_queue import write_label_queue

    config, _ = published
    out = tmp_path / "relevance.csv"
    assert write_label_queue(config, "relevance", 200, out) > 0
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r)
    texts = read_table(out)["text"].to_list()
    hostile = [t for t in texts if re.search(r"[;'\"%()]", t)]
    assert hostile, "expected queue texts with quotes, semicolons, % or brackets"
    clean_texts = set(
        pl.concat(
            pl.read_parquet(p, columns=["text_clean"])
            for p in (config.data_dir / "clean").glob("day=*/posts.parquet")
        )["text_clean"]
    )
    assert set(texts) <= clean_texts  # read back exactly as the pipeline holds them
