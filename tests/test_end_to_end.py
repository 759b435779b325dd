"""One real run of the DAGs, in-process, on a small generated month: the marts must show the
effects the generator planted, every row must be accounted for, and re-running a day must give
exactly the same marts."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import shutil
import statistics
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from transforms import publish, zones
from transforms.config import DATA_DIR_ENV
from transforms.publish import query_published

DAYS = 21
POSTS_PER_DAY = 500

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pipeline_run(tmp_path_factory):
    """Generate, then run listener_ingest for every day and listener_warehouse once."""
    from transforms.airflow_runner import run_range
    from transforms.config import load_config
    from transforms.generate import generate_sample, planted_effects
    from transforms.generate.faults import add_bad_rows

    data_dir = tmp_path_factory.mktemp("e2e") / "data"
    patch = pytest.MonkeyPatch()
    patch.setenv(DATA_DIR_ENV, str(data_dir))
    config = load_config()
    start = config.sample.start
    generate_sample(config, start=start, days=DAYS, posts_per_day=POSTS_PER_DAY)
    add_bad_rows(config, start, DAYS, per_source_day=2)
    end = start + dt.timedelta(days=DAYS - 1)
    run_range(config, start, end)
    yield config, planted_effects(config, start=start, days=DAYS), (start, end)
    patch.undo()


def published(config, sql: str) -> pl.DataFrame:
    with duckdb.connect(str(zones.published_warehouse(config)), read_only=True) as con:
        return con.sql(sql).pl()


def working(config, sql: str) -> pl.DataFrame:
    with duckdb.connect(str(zones.warehouse_file(config)), read_only=True) as con:
        return con.sql(sql).pl()


def test_every_row_is_published_or_quarantined(pipeline_run):
    config, _, _ = pipeline_run
    audit = working(config, "select sum(rows_read) r, sum(rows_quarantined) q from raw.load_audit")
    loaded = working(config, "select count(*) n from raw.post_snapshots")["n"][0]
    quarantined = working(config, "select count(*) n from raw.quarantine")["n"][0]
    assert audit["r"][0] > DAYS * POSTS_PER_DAY * 0.9
    assert audit["r"][0] == loaded + quarantined
    assert audit["q"][0] == quarantined
    # Two broken rows per file source and day, each caught for its own reason.
    assert quarantined == DAYS * 5 * 2
    reasons = working(config, "select distinct reason from raw.quarantine")["reason"].to_list()
    assert {"likes is negative", "missing required field id", "rating not 1-5"} <= set(reasons)


def test_weekend_complaint_spike_shows_in_sentiment_trend(pipeline_run):
    config, effects, _ = pipeline_run
    brand = effects.complaint_spike_brand
    trend = published(config, f"select day, negative from sentiment_trend where brand = '{brand}'")
    spike_days = set(effects.complaint_spike_days)
    spike = trend.filter(pl.col("day").is_in(spike_days))["negative"].to_list()
    normal = trend.filter(~pl.col("day").is_in(spike_days))["negative"].to_list()
    assert len(spike) == 2
    assert min(spike) >= 2.5 * statistics.median(normal)
    assert all(d.weekday() >= 5 for d in spike_days)


def test_weekend_complaint_spike_raises_one_critical_alert(pipeline_run):
    config, effects, _ = pipeline_run
    saturday, sunday = effects.complaint_spike_days
    alerts = published(
        config,
        "select alert_id, brand, alert_kind, severity, started_on, ended_on, peak_day from alerts",
    )
    spike = alerts.filter(
        (pl.col("brand") == effects.complaint_spike_brand)
        & (pl.col("started_on") <= sunday)
        & (pl.col("ended_on") >= saturday)
    )
    # one alert for the whole weekend, dated and peaking on the Saturday
    assert spike.select("alert_kind", "severity", "started_on", "peak_day").rows() == [
        ("negative_spike", "critical", saturday, saturday)
    ]
    others = alerts.filter(
        (pl.col("severity") == "critical") & (pl.col("alert_id") != spike["alert_id"][0])
    )
    assert others.height == 0, others


def test_rising_competitor_gains_share_of_voice(pipeline_run):
    config, effects, (start, end) = pipeline_run
    share = published(
        config,
        "select day, share_of_mentions from share_of_voice_daily "
        f"where brand = '{effects.rising_brand}' order by day",
    )
    first_week = share.filter(pl.col("day") < start + dt.timedelta(days=7))
    last_week = share.filter(pl.col("day") > end - dt.timedelta(days=7))
    assert last_week["share_of_mentions"].mean() > first_week["share_of_mentions"].mean() + 0.08


def test_campaign_lifts_attributed_conversions(pipeline_run):
    config, effects, _ = pipeline_run
    first, last = effects.campaign_days
    by_campaign = published(
        config,
        "select campaign, sum(conversions) as conversions, sum(sessions) as sessions "
        "from funnel_attribution where attribution_model = 'last_touch' "
        f"and day between '{first}' and '{last}' group by campaign order by conversions desc",
    )
    assert by_campaign["campaign"][0] == effects.campaign
    rates = by_campaign.with_columns(rate=pl.col("conversions") / pl.col("sessions"))
    campaign_rate = rates.filter(pl.col("campaign") == effects.campaign)["rate"][0]
    others = rates.filter(pl.col("campaign") != effects.campaign)["rate"]
    assert campaign_rate > 2 * others.max()


def test_shares_sum_to_one_and_dashboard_is_rendered(pipeline_run):
    config, _, _ = pipeline_run
    sums = published(
        config,
        "select day, sum(share_of_mentions) s from share_of_voice_daily group by day",
    )
    assert ((sums["s"] - 1).abs() < 1e-9).all()
    page = zones.dashboard_file(config).read_text()
    assert config.brands.tracked.name in page and "<svg" in page


def test_rerunning_a_day_gives_the_same_marts(pipeline_run):
    from transforms.airflow_runner import run_range

    config, _, (start, _) = pipeline_run
    tables = ["share_of_voice", "sentiment_trend", "funnel_attribution"]
    before = {t: published(config, f"select * from {t} order by all") for t in tables}
    posts_before = working(config, "select count(*) n from raw.posts")["n"][0]
    day = start + dt.timedelta(days=3)
    run_range(config, day, day)
    assert working(config, "select count(*) n from raw.posts")["n"][0] == posts_before
    for table in tables:
        after = published(config, f"select * from {table} order by all")
        # Identical rows; float sums may differ in the last bits with aggregation order.
        assert_frame_equal(after, before[table], check_exact=False, rel_tol=1e-12, abs_tol=1e-9)


def test_classifier_quality_is_published(pipeline_run):
    config, _, _ = pipeline_run
    quality = published(
        config, "select task, is_current, holdout_macro_f1 from classifier_quality order by task"
    )
    assert quality["task"].to_list() == ["intent", "relevance", "sentiment"]
    assert quality["is_current"].all()
    # Relevance's out-of-the-box rules have no labelled rows to be scored on.
    assert quality["holdout_macro_f1"].drop_nulls().min() > 0.5


def test_label_queue_feeds_training(pipeline_run, tmp_path, capsys):
    """The active-learning loop: queue the unsure posts, label them, train on the labels."""
    from transforms import cli

    config, _, _ = pipeline_run
    queue_file = tmp_path / "queue.csv"
    assert cli.main(["label-queue", "--size", "300", "--out", str(queue_file)]) == 0
    queue = pl.read_csv(queue_file)
    assert queue.height == 300 and queue["post_id"].n_unique() == 300
    assert queue["label"].null_count() == 300
    # A person fills in the labels; here the generator's ground truth plays that person.
    truth = pl.concat(
        [pl.read_parquet(p) for p in (config.data_dir / "ground_truth").glob("*.parquet")]
    ).select(post_id=pl.col("platform") + ":" + pl.col("id"), label=pl.col("sentiment"))
    queue.drop("label").join(truth, on="post_id").write_csv(queue_file)
    model = tmp_path / "model"
    assert cli.main(["train", "sentiment", "--labels", str(queue_file), "--text-column", "text",
                     "--label-column", "label", "--out", str(model)]) == 0  # fmt: skip
    assert (model / "CURRENT").exists()
    capsys.readouterr()


# --- the same marts on PostgreSQL, and incremental runs equal to full refreshes -----------------


def mart_rows(warehouse, table: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(f"select * from marts.{table}").fetchall()


def mart_names(warehouse) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'marts' and table_type in ('BASE TABLE', 'VIEW') "
            "order by table_name"
        ).fetchall()
    return [name for (name,) in rows]


def _sort_key(row: tuple) -> tuple:
    # Floats last and rounded, so rows that differ only in the last bits sort alike.
    return tuple(
        (1, round(v, 6)) if isinstance(v, float) else (0, "" if v is None else str(v)) for v in row
    )


def assert_same_rows(left: list[tuple], right: list[tuple], table: str) -> None:
    """Equal as multisets of rows; floats within 1e-9 (sums in another order differ in the last
    bits)."""
    assert len(left) == len(right), f"{table}: {len(left)} rows vs {len(right)}"
    for a, b in zip(sorted(left, key=_sort_key), sorted(right, key=_sort_key), strict=True):
        assert len(a) == len(b), table
        for x, y in zip(a, b, strict=True):
            if isinstance(x, float) or isinstance(y, float):
                assert x is not None and y is not None, f"{table}: {a} vs {b}"
                assert math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9), f"{table}: {a} vs {b}"
            else:
                assert x == y, f"{table}: {a} vs {b}"


def test_the_same_marts_are_built_on_postgres(pipeline_run):
    """Every mart, built by dbt on PostgreSQL (127.0.0.1:5432) from a copy of the raw schema,
    holds exactly the rows it holds on DuckDB: the models are portable."""
    from transforms import postgres_warehouse as pg
    from transforms.warehouse import run_dbt

    config, _, _ = pipeline_run
    duck = zones.warehouse_file(config)
    settings = pg.create_database(pg.PostgresSettings.from_env(), f"listener_e2e_{os.getpid()}")
    patch = pytest.MonkeyPatch()
    try:
        patch.setenv("LISTENER_PG_DATABASE", settings.database)
        counts = pg.copy_raw_schema(duck, settings)
        assert counts["posts"] == working(config, "select count(*) n from raw.posts")["n"][0]
        result = run_dbt(config, "build", target="postgres")
        assert result.success, result.failures
        marts = mart_names(duck)
        assert {"share_of_voice", "sentiment_trend", "funnel_attribution"} <= set(marts)
        assert pg.table_names(settings, "marts") == marts
        for table in marts:
            assert_same_rows(mart_rows(duck, table), pg.table_rows(settings, "marts", table), table)
    finally:
        patch.undo()
        pg.drop_database(settings)


def _copy_warehouse(config, name: str, tmp_path):
    copy = config.model_copy(update={"data_dir": tmp_path / name})
    zones.warehouse_file(copy).parent.mkdir(parents=True)
    shutil.copy(zones.warehouse_file(config), zones.warehouse_file(copy))
    return copy


def _add_late_and_updated_posts(
    config, end: dt.date, late_id: str, updated_id: str, old_id: str, old_day: dt.date
) -> None:
    """On the last day: a copy of `late_id` that arrives two days after it was written, a newer
    snapshot of `updated_id` with 5000 more likes, and one of `old_id`, first seen on `old_day`
    (long before the lookback), as the loader records it in raw.pending_days."""
    with duckdb.connect(str(zones.warehouse_file(config))) as con:
        con.execute("begin")
        con.execute(
            "insert into raw.posts select * replace (? as day, likes + 7000 as likes, "
            "observed_at + interval 20 day as observed_at) from raw.posts where post_id = ?",
            [end, old_id],
        )
        con.execute(
            "insert into raw.pending_days values (?, ?, ?)",
            [end, old_day, dt.datetime.now(dt.UTC).replace(tzinfo=None)],
        )
        con.execute(
            "insert into raw.posts select * replace (post_id || '-late' as post_id, "
            "native_id || '-late' as native_id, ? as day, observed_at + interval 2 day "
            "as observed_at) from raw.posts where post_id = ?",
            [end, late_id],
        )
        con.execute(
            "insert into raw.post_brands select * replace (post_id || '-late' as post_id, "
            "? as day) from raw.post_brands where post_id = ?",
            [end, late_id],
        )
        con.execute(
            "insert into raw.posts select * replace (? as day, likes + 5000 as likes, "
            "observed_at + interval 2 day as observed_at) from raw.posts where post_id = ?",
            [end, updated_id],
        )
        con.execute("commit")


def test_an_incremental_build_gives_the_rows_of_a_full_refresh(pipeline_run, tmp_path):
    """Build the marts on the data up to two days before the end, then load the last two days
    plus a late post, a newer engagement snapshot of a recent post and one of a post three weeks
    old, and build incrementally: every mart equals a full refresh of the same warehouse."""
    from transforms.warehouse import run_dbt

    config, _, (start, end) = pipeline_run
    cut = end - dt.timedelta(days=2)
    voice = working(
        config,
        "select p.post_id from raw.posts p join raw.post_brands b using (post_id) "
        f"where p.day = '{cut}' and coalesce(p.exclusion_reason, '') = '' order by p.post_id",
    )["post_id"]
    late_id, updated_id = voice[0], voice[1]
    old_day = start + dt.timedelta(days=1)
    old_id = working(
        config,
        "select p.post_id from raw.posts p join raw.post_brands b using (post_id) "
        f"where p.day = '{old_day}' and coalesce(p.exclusion_reason, '') = '' order by p.post_id",
    )["post_id"][0]
    # A finished pipeline run leaves nothing pending: its last build covered every loaded day.
    assert working(config, "select count(*) n from raw.pending_days")["n"][0] == 0

    incremental = _copy_warehouse(config, "incremental", tmp_path)
    with duckdb.connect(str(zones.warehouse_file(incremental))) as con:
        con.execute("create schema held_back")
        for table in ("posts", "post_brands", "post_snapshots"):
            con.execute(f"create table held_back.{table} as select * from raw.{table} "
                        f"where day > '{cut}'")  # fmt: skip
            con.execute(f"delete from raw.{table} where day > '{cut}'")
    assert run_dbt(incremental, "build", ["--full-refresh"]).success
    with duckdb.connect(str(zones.warehouse_file(incremental))) as con:
        for table in ("posts", "post_brands", "post_snapshots"):
            con.execute(f"insert into raw.{table} select * from held_back.{table}")
        con.execute("drop schema held_back cascade")
    _add_late_and_updated_posts(incremental, end, late_id, updated_id, old_id, old_day)
    result = run_dbt(incremental, "build")
    assert result.success, result.failures

    full = _copy_warehouse(config, "full", tmp_path)
    _add_late_and_updated_posts(full, end, late_id, updated_id, old_id, old_day)
    assert run_dbt(full, "build", ["--full-refresh"]).success

    inc_file, full_file = zones.warehouse_file(incremental), zones.warehouse_file(full)
    with duckdb.connect(str(inc_file), read_only=True) as con:
        kinds = dict(con.execute(
            "select table_name, table_type from information_schema.tables "
            "where table_schema = 'marts'"
        ).fetchall())  # fmt: skip
    assert kinds["share_of_voice"] == "BASE TABLE"
    marts = mart_names(full_file)
    assert mart_names(inc_file) == marts
    for table in marts:
        assert_same_rows(mart_rows(inc_file, table), mart_rows(full_file, table), table)
    # The late post counts on the day it was written, inside the rebuilt window.
    late_day = working_at(full_file, f"select day from staging.stg_listener__posts "
                                     f"where post_id = '{late_id}-late'")  # fmt: skip
    assert late_day == [(cut,)]


def working_at(warehouse, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_tracked_brand_answers_faster_and_more_often(pipeline_run):
    """The generator has the tracked brand answer about two thirds of its complaints and
    purchase intents after a median 40 minutes, competitors about a quarter after 120 minutes
    (transforms/generate/rates.py): the response marts must show both gaps. Delays stretch when
    there are few posts a day (the tracked median is about 80 minutes here, 41 on the demo
    month), so only the gaps are checked."""
    config, effects, _ = pipeline_run
    times = published(
        config,
        "select brand, count(*) as inbound, avg(case when responded then 1.0 else 0.0 end) "
        "as rate, percentile_cont(0.5) within group (order by response_minutes) as median "
        "from response_times group by brand",
    )
    by_brand = {row["brand"]: row for row in times.iter_rows(named=True)}
    tracked = by_brand.pop(effects.tracked_brand)
    assert tracked["inbound"] > 100
    for competitor in by_brand.values():
        assert tracked["rate"] > competitor["rate"] + 0.15
        assert competitor["median"] > 2 * tracked["median"]
    queue = query_published(
        config, "select brand, routed_team, priority_rank from triage_queue", restricted=True
    )
    assert set(queue["brand"]) == {effects.tracked_brand}
    assert set(queue["routed_team"]) <= {"support", "sales", "communications"}
    assert sorted(queue["priority_rank"]) == list(range(1, queue.height + 1))
    # the published queue is a view over the published items: it ages and ranks them as the
    # warehouse's view does
    restricted = zones.published_warehouse(config).parent / publish.RESTRICTED_FILE
    with duckdb.connect(str(restricted), read_only=True) as con:
        views = con.execute(
            "select view_name from duckdb_views() where view_name = 'triage_queue'"
        ).fetchall()
        assert views == [("triage_queue",)], "triage_queue is published as a view"
        served = con.sql("select * from triage_queue order by priority_rank").pl()
    with duckdb.connect(str(zones.warehouse_file(config)), read_only=True) as con:
        built = con.sql("select * from marts.triage_queue order by priority_rank").pl()
    assert_frame_equal(served, built)


def test_reports_are_archived_by_date_and_emailed_once(pipeline_run, smtp_inbox):
    from transforms.reports import deliver_report

    config, _, (_, end) = pipeline_run
    monday = end + dt.timedelta(days=1)
    weekly = deliver_report(config, "weekly", monday)
    assert (weekly.first, weekly.last) == (str(end - dt.timedelta(days=6)), str(end))
    assert weekly.sent and weekly.recipients == config.delivery.weekly.recipients
    (message,) = smtp_inbox
    assert message["X-Envelope-To"] == ", ".join(config.delivery.weekly.recipients)
    assert f"{weekly.first} to {weekly.last}" in message["Subject"]
    body = message.get_body(preferencelist=("html",)).get_content()
    assert config.brands.tracked.name in body and "cid:dashboard-png" in body
    assert "share of voice" in message.get_body(preferencelist=("plain",)).get_content()
    (inline,) = [p for p in message.walk() if p.get("Content-ID") == "<dashboard-png>"]
    assert inline.get_content_type() == "image/png"
    assert inline.get_content().startswith(b"\x89PNG")
    attached = {p.get_filename(): p for p in message.iter_attachments()}
    assert set(attached) == {"dashboard.pdf", "dashboard.html"}
    assert attached["dashboard.pdf"].get_content().startswith(b"%PDF-")
    page = attached["dashboard.html"].get_content()
    assert page.count('<svg class="chart"') == 5 and "Top complaint themes" in page
    archive = config.data_dir / "reports" / "weekly" / str(end)
    assert {p.name for p in archive.iterdir()} == {
        "dashboard.html", "dashboard.png", "dashboard.pdf", "message.eml", "delivery.json"
    }  # fmt: skip
    assert weekly.render_problem is None

    again = deliver_report(config, "weekly", monday)  # a retry, or the same run re-run
    assert "already sent" in again.reason and again.digest == weekly.digest
    assert len(smtp_inbox) == 1, "an unchanged report is not sent twice"


def test_a_report_after_publication_covers_the_newest_day_and_needs_no_mail_server(
    pipeline_run, monkeypatch
):
    from transforms.reports import deliver_report

    config, _, (_, end) = pipeline_run
    monkeypatch.delenv("AIRFLOW_CONN_LISTENER_SMTP", raising=False)
    daily = deliver_report(config, "daily", None)
    assert (daily.first, daily.last) == (str(end), str(end))
    assert not daily.sent and "no SMTP connection 'listener_smtp'" in daily.reason
    archive = config.data_dir / "reports" / "daily" / str(end)
    assert (archive / "message.eml").exists()
    assert daily.files == ["dashboard.html", "dashboard.pdf", "dashboard.png", "message.eml"]
    # Without a browser the report is still made, as HTML, and says why it has no pictures.
    monkeypatch.setenv("LISTENER_CHROMIUM", str(archive / "no-such-browser"))
    without = deliver_report(config, "daily", None)
    assert "LISTENER_CHROMIUM" in without.render_problem
    assert without.files == ["dashboard.html", "message.eml"], "no stale pictures are kept"
    monkeypatch.delenv("LISTENER_CHROMIUM")
    # A scheduled run past the newest published day says the data is late.
    late = deliver_report(config, "daily", end + dt.timedelta(days=3))
    assert late.last == str(end)


def test_column_descriptions_travel_with_the_published_marts(pipeline_run):
    """BI tools read table and column comments: the dbt descriptions, on the published copy."""
    config, _, _ = pipeline_run
    tables = published(
        config, "select table_name, comment from duckdb_tables() where schema_name = 'main'"
    )
    assert tables.height > 5 and tables["comment"].is_not_null().all()
    columns = published(
        config,
        "select column_name, comment from duckdb_columns() "
        "where schema_name = 'main' and table_name = 'alerts'",
    )
    described = dict(zip(columns["column_name"], columns["comment"], strict=True))
    assert described["alert_id"].startswith("'<brand>-<alert_kind>-<started_on>'")
    assert all(described.values()), [c for c, text in described.items() if not text]


def test_the_dashboard_of_the_spike_weekend_leads_with_it(pipeline_run):
    """The weekend's dashboard opens with the planted negative spike, in words, and every
    block has the pipeline's real numbers."""
    from transforms.dashboard.content import build

    config, effects, _ = pipeline_run
    saturday, sunday = effects.complaint_spike_days
    content = build(config, saturday, sunday)
    tracked = config.brands.tracked.name
    assert content.summary[0].startswith(f"Negative mentions of {tracked} rose ")
    assert f"on Saturday {saturday.isoformat()}" in content.summary[0]
    assert "critical alert" in content.summary[0]
    assert all(k.value is not None for k in content.kpis), content.kpis
    mentions = next(k for k in content.kpis if k.name == "Mentions")
    assert mentions.change > 0.5, "the spike weekend has far more mentions than the one before"
    named = [t for t in content.complaint_themes if t.name != "other"]
    assert named and all(t.examples for t in named)
    assert set(content.funnel["platform"]) >= {"x", "facebook", "instagram"}
    assert content.attribution["attribution_model"].n_unique() == 6
    assert content.period_alerts.height >= 1


def _readme_bi_queries() -> list[str]:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    section = readme.split("## BI access", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sql\n(.*?)```", section, flags=re.S)


def test_the_readme_bi_queries_answer_on_duckdb_and_postgres(pipeline_run, monkeypatch):
    """The example SQL of the README's BI section runs unchanged on the published DuckDB file and
    on the PostgreSQL warehouse the marts are published to, with the same answers."""
    from transforms import postgres_warehouse as pg
    from transforms.postgres_publish import publish_to_postgres

    config, _, _ = pipeline_run
    queries = _readme_bi_queries()
    assert len(queries) == 3
    settings = pg.create_database(pg.PostgresSettings.from_env(), f"listener_bi_e2e_{os.getpid()}")
    try:
        counts = publish_to_postgres(config, settings)
        assert counts == json.loads(zones.published_warehouse(config).with_name(
            "published.json").read_text())["tables"]  # fmt: skip
        connection = settings.connect()
        for sql in queries:
            duck = published(config, sql).rows()
            with connection.cursor() as cursor:
                cursor.execute(f"set search_path to {config.bi.schema_name}")
                cursor.execute(sql)
                server = cursor.fetchall()
            assert duck, f"no answer on DuckDB:\n{sql}"
            assert len(server) == len(duck) and server[0] == duck[0], sql
        connection.close()
    finally:
        pg.drop_database(settings)


def test_every_published_mart_has_a_parquet_copy(pipeline_run):
    config, _, _ = pipeline_run
    target = zones.published_warehouse(config)
    counts = json.loads(target.with_name("published.json").read_text())["tables"]
    folder = target.with_name("parquet")
    exported = set(counts) - set(publish.SHOWN_BY_VIEW)  # those are in their view's file
    assert {p.name.removesuffix(".parquet") for p in folder.iterdir()} == exported
    for table, rows in [(t, n) for t, n in counts.items() if t in exported]:
        files = publish.parquet_files(folder, table)
        assert files, table
        assert pl.scan_parquet(files).select(pl.len()).collect().item() == rows, table
    assert not list(folder.parent.glob(".parquet.*")), "no building or retired folder is left"
