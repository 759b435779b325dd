"""Erasure of one author: their posts, reposts of them and every trace of their ids, handle and
texts leave every file under the data directory, other authors' rows stay, the row accounting
still balances and re-running a day brings nothing back."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gzip
import hashlib
import hmac
import html
import io
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pytest

from transforms import raw_zone, zones
from transforms.clean import clean_day
from transforms.config import DATA_DIR_ENV
from transforms.erasure import PSEUDONYM_KEY_ENV, forget_author
from transforms.extract import extract_source_day

DAY = dt.date(2026, 10, 5)
LATER = DAY + dt.timedelta(days=1)  # delivered, not loaded yet
AUTHOR = "t2_forgetme"
HANDLE = "@forget_me"
WORD = "0-9A-Za-z_"


# --- a scan of every file under the data directory -------------------------------------------


@dataclass(frozen=True)
class Needles:
    """What must not remain: ids and handles as whole tokens (any case), texts anywhere."""

    tokens: frozenset[str]
    texts: frozenset[str]

    def python_pattern(self) -> re.Pattern:
        alternatives = "|".join(re.escape(t) for t in sorted(self.tokens, key=len, reverse=True))
        return re.compile(rf"(?i)(?<![{WORD}])(?:{alternatives})(?![{WORD}])")

    def duckdb_pattern(self) -> str:  # RE2 has no look-behind
        alternatives = "|".join(re.escape(t) for t in sorted(self.tokens, key=len, reverse=True))
        return rf"(?i)(^|[^{WORD}])(?:{alternatives})([^{WORD}]|$)"


def _leaves(value) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [str(k), *_leaves(v)]]
    if isinstance(value, list):
        return [s for v in value for s in _leaves(v)]
    return [] if value is None else [str(value)]


def file_strings(path: Path) -> list[str]:
    """The strings a file holds: Parquet values, JSON/JSONL leaves (escapes decoded), CSV cells,
    unescaped HTML, and the raw text of any file (models, logs, SQL, ...)."""
    name, data = path.name, path.read_bytes()
    if name.endswith(".gz"):
        name, data = name[:-3], gzip.decompress(data)
    if name.endswith(".parquet"):
        frame = pl.read_parquet(io.BytesIO(data))
        return [
            v for c in frame.columns for v in frame[c].cast(pl.String, strict=False).drop_nulls()
        ]
    text = data.decode("utf-8", "replace")
    strings = [text]
    if name.endswith(".jsonl"):
        for line in text.splitlines():
            with contextlib.suppress(ValueError):
                strings += _leaves(json.loads(line))
    elif name.endswith(".json"):
        with contextlib.suppress(ValueError):
            strings += _leaves(json.loads(text))
    elif name.endswith(".csv"):
        strings += [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    elif name.endswith(".html"):
        strings.append(html.unescape(text))
    return strings


def duckdb_traces(path: Path, needles: Needles) -> list[str]:
    """Every text column of every table and view of a DuckDB file, via information_schema."""
    found = []
    with duckdb.connect(str(path), read_only=True) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR' order by all"
        ).fetchall()
        for schema, table, column in columns:
            n = con.execute(
                f'select count(*) from "{schema}"."{table}" where regexp_matches("{column}", ?) '
                f'or list_has_any(?, ["{column}"]) '
                f'or len(list_filter(?, lambda t: contains("{column}", t))) > 0',
                [needles.duckdb_pattern(), sorted(needles.texts), sorted(needles.texts)],
            ).fetchone()[0]
            if n:
                found.append(f"{path.name}: {schema}.{table}.{column} ({n} rows)")
    return found


def traces(data_dir: Path, needles: Needles) -> list[str]:
    """Where under the data directory any needle remains."""
    pattern = needles.python_pattern()
    found: list[str] = []
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        if path.suffix == ".duckdb":
            found += duckdb_traces(path, needles)
            continue
        for value in file_strings(path):
            if pattern.search(value) or any(t in value for t in needles.texts):
                found.append(str(path.relative_to(data_dir)))
                break
    return found


# --- a small delivery, loaded and cleaned ----------------------------------------------------


def record(native: str, author: str, text: str, **extra) -> dict:
    return {"id": native, "created_at": f"{DAY}T09:{len(native):02d}:00Z", "author_id": author,
            "author_handle": HANDLE if author == AUTHOR else "@someone", "text": text,
            "likes": 1, **extra}  # fmt: skip


A1 = "Nimbus Mobile dropped my call again on the train"
A2 = "Nimbus support answered within minutes today"
REVIEW = "Nimbus Mobile store visit:\nthe clerk was rude"
REDDIT_LINES = [
    json.dumps(record("p1", AUTHOR, A1)),
    json.dumps(record("p2", "t2_other", "Apex Wireless has been fine for me")),
    json.dumps(record("p3", "t2_other", f"{HANDLE} same here with Nimbus", in_reply_to_id="p1")),
    json.dumps(record("p4", "t2_third", f"RT {HANDLE}: {A1}", repost_of_id="p1")),
    json.dumps(record("p5", AUTHOR, A2)),
    '{"id": "p6", "author_id": "t2_forgetme", "text": "Nimbus again',  # malformed: theirs
    "{oops",  # malformed: nobody's
    json.dumps(record("p8", "t2_other", "Orbit Telecom is fine", likes=-1)),  # negative likes
]
REVIEW_COLUMNS = "id,created_at,author_id,author_handle,text,likes,rating"
OTHER_REVIEW = f"r2,{DAY}T11:00:00Z,R_OTHER,@someone,Pulse Connect is great,0,5\r\n"
REVIEWS_CSV = (
    f'{REVIEW_COLUMNS}\r\nr1,{DAY}T10:00:00Z,{AUTHOR},{HANDLE},"{REVIEW}",0,1\r\n{OTHER_REVIEW}'
)


def landing(config, source: str) -> Path:
    return zones.landing_file(config, config.source(source), DAY)


@pytest.fixture
def delivered(config, monkeypatch):
    """Reddit and reviews exports of DAY, extracted and cleaned, with labels, ground truth, a
    quality report and a web session that credit the author's posts."""
    monkeypatch.delenv(PSEUDONYM_KEY_ENV, raising=False)
    for source, data in [("reddit", "\n".join(REDDIT_LINES) + "\n"), ("reviews", REVIEWS_CSV)]:
        path = landing(config, source)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode())
        extract_source_day(config, config.source(source), DAY)
    clean_day(config, DAY)
    later = zones.landing_file(config, config.source("reddit"), LATER)
    later.write_text(json.dumps({**record("q1", AUTHOR, A2), "created_at": f"{LATER}T08:00:00Z"}))
    labels = config.data_dir / config.retraining.labels_dir
    labels.mkdir(parents=True)
    pl.DataFrame(
        {"post_id": ["reddit:p1", "reddit:p2", "reddit:p3"],
         "text": [A1, "Apex Wireless has been fine for me", f"{HANDLE} same here with Nimbus"],
         "label": ["negative", "neutral", "neutral"]}
    ).write_csv(labels / "sentiment.csv")  # fmt: skip
    pl.DataFrame({"text": [A2, "something else"], "label": ["praise", "other"]}).write_csv(
        labels / "intent.csv"
    )
    truth = zones.ground_truth_file(config, DAY)
    truth.parent.mkdir(parents=True)
    pl.DataFrame({"platform": ["reddit"] * 3, "id": ["p1", "p2", "p5"]}).write_parquet(truth)
    pl.DataFrame({"platform": ["reddit"], "id": ["q1"]}).write_parquet(
        zones.ground_truth_file(config, LATER)
    )
    report = zones.quality_dir(config) / "raw_posts" / f"{DAY}.json"
    report.parent.mkdir(parents=True)
    report.write_text(json.dumps({"failures": [{"partial_unexpected_list": ["reddit:p5", "x"]}]}))
    sessions = zones.funnel_file(config, "web_sessions", DAY)
    sessions.parent.mkdir(parents=True)
    sessions.write_text("session_id,visitor_id,utm_content\ns1,v1,p1\ns2,v2,zz9\n")
    return config


NEEDLES = Needles(
    tokens=frozenset({AUTHOR, "forget_me", "p1", "p4", "p5", "p6", "r1", "q1"}),
    texts=frozenset({A1, A2, REVIEW, "Nimbus again"}),
)


def batch(config, source: str) -> Path:
    (folder,) = raw_zone.committed_batches(config, source, DAY)
    return folder


def test_the_scan_finds_the_author_before_erasure(delivered):
    found = traces(delivered.data_dir, NEEDLES)
    for place in ["landing/reddit", "landing/reviews", "raw/source=reddit", "raw/source=reviews",
                  "clean/day=", "labels/sentiment.csv", "labels/intent.csv", "ground_truth/",
                  "quality/raw_posts", "landing/funnel/web_sessions"]:  # fmt: skip
        assert any(f.startswith(place) for f in found), (place, found)


def test_forgetting_an_author_removes_every_trace(delivered):
    config = delivered
    landed = landing(config, "reddit").read_bytes()

    report = forget_author(config, AUTHOR)

    assert traces(config.data_dir, NEEDLES) == []
    assert (report.posts, report.reposts) == (4, 1)  # p1, p5, r1, q1 (not loaded); p4 reposts p1
    assert report.removed["raw_post_rows"] == 4
    assert report.removed["raw_quarantine_rows"] == 1  # p6 (malformed, holds the id)
    assert report.removed["landing_rows"] == 6  # p1, p4, p5, p6, r1, q1
    assert report.redacted["raw_post_rows"] == 1  # p3 replied to p1
    assert report.removed["label_rows"] == 2 and report.redacted["label_rows"] == 1
    assert report.removed["ground_truth_rows"] == 3  # p1, p5 and q1
    assert report.marts_rebuilt is False  # no warehouse yet: nothing to rebuild

    posts = pl.read_parquet(batch(config, "reddit") / "posts.parquet")
    assert sorted(posts["post_id"]) == ["reddit:p2", "reddit:p3"]
    reply = posts.row(by_predicate=pl.col("post_id") == "reddit:p3", named=True)
    assert reply["text"] == "@erased same here with Nimbus"
    assert reply["in_reply_to_post_id"] is None
    # Every other delivered line keeps its bytes; the reply is rewritten, redacted.
    kept = landing(config, "reddit").read_bytes().split(b"\n")
    original = landed.split(b"\n")
    assert [original[i] for i in (1, 6, 7)] == [kept[0], kept[2], kept[3]]
    assert json.loads(kept[1])["in_reply_to_id"] is None
    # The review spanning two lines goes as one record; the other keeps its bytes.
    assert landing(config, "reviews").read_bytes() == f"{REVIEW_COLUMNS}\r\n{OTHER_REVIEW}".encode()
    assert pl.read_parquet(zones.ground_truth_file(config, DAY))["id"].to_list() == ["p2"]
    assert zones.landing_file(config, config.source("reddit"), LATER).read_bytes() == b""
    clean = pl.read_parquet(zones.clean_partition(config, DAY) / "posts.parquet")
    assert sorted(clean["post_id"]) == ["reddit:p2", "reddit:p3", "reviews:r2"]
    sessions = pl.read_csv(zones.funnel_file(config, "web_sessions", DAY), infer_schema=False)
    assert sessions["utm_content"].to_list() == [None, "zz9"]


def test_the_manifest_accounts_for_erased_rows_and_reruns_load_nothing(delivered):
    config = delivered
    original = landing(config, "reddit").read_bytes()
    before = raw_zone.read_manifest(batch(config, "reddit"))

    forget_author(config, AUTHOR)

    after = raw_zone.read_manifest(batch(config, "reddit"))
    assert (after.rows_read, after.rows_accepted, after.rows_quarantined, after.erased_rows) == (
        before.rows_read, 2, before.rows_quarantined - 1, 4,
    )  # fmt: skip
    raw_zone.check_accounting(after)
    assert pl.read_parquet(batch(config, "reddit") / "quarantine.parquet").height == (
        after.rows_quarantined
    )
    (entry,) = after.files
    assert entry.sha256 == hashlib.sha256(landing(config, "reddit").read_bytes()).hexdigest()
    assert entry.previous_sha256 == [before.files[0].sha256]
    # A re-run skips the rewritten file, and a re-delivery of the original is not loaded again.
    rerun = extract_source_day(config, config.source("reddit"), DAY)
    assert rerun.batch_id is None and rerun.skipped_files == [f"{DAY}.jsonl"]
    gz = landing(config, "reddit").with_name(f"{DAY}.jsonl.gz")
    gz.write_bytes(gzip.compress(original))
    redelivered = extract_source_day(config, config.source("reddit"), DAY)
    assert redelivered.batch_id is None and f"{DAY}.jsonl.gz" in redelivered.skipped_files
    assert len(raw_zone.committed_batches(config, "reddit", DAY)) == 1


def test_a_platform_limits_the_erasure(delivered):
    config = delivered
    reddit = landing(config, "reddit").read_bytes()

    report = forget_author(config, AUTHOR, platform="reviews")

    assert (report.posts, report.reposts) == (1, 0)
    assert landing(config, "reddit").read_bytes() == reddit
    assert "r1" not in landing(config, "reviews").read_text()
    assert pl.read_parquet(batch(config, "reddit") / "posts.parquet").height == 5


def test_an_author_without_data_is_a_clean_no_op_and_is_logged_without_the_id(delivered):
    config = delivered
    files = {p: p.read_bytes() for p in config.data_dir.rglob("*") if p.is_file()}

    report = forget_author(config, "t2_nobody")

    assert (report.posts, report.reposts, report.marts_rebuilt) == (0, 0, False)
    assert set(report.removed.values()) == {0} and set(report.redacted.values()) <= {0}
    assert {p: p.read_bytes() for p in files} == files  # nothing else changed
    log = Path(report.log)
    assert log.parent == config.data_dir / "erasure"
    entry = json.loads(log.read_text())
    assert "t2_nobody" not in log.read_text()
    assert entry["subject_hash"] == hashlib.sha256(b"*:t2_nobody").hexdigest()
    assert "unkeyed" in entry["hash_method"] and len(entry["runs"]) == 1
    assert forget_author(config, "t2_nobody").log == report.log  # the same entry, no timestamp
    assert len(json.loads(log.read_text())["runs"]) == 2


def test_the_log_hash_is_keyed_when_a_key_is_set(delivered, monkeypatch):
    monkeypatch.setenv(PSEUDONYM_KEY_ENV, "secret-key")
    report = forget_author(delivered, AUTHOR, "reddit")
    expected = hmac.new(b"secret-key", f"reddit:{AUTHOR}".encode(), hashlib.sha256).hexdigest()
    assert report.subject_hash == expected and report.hash_method.startswith("hmac-sha256")
    assert AUTHOR not in Path(report.log).read_text()


def test_the_cli_prints_the_report(delivered, monkeypatch, capsys):
    from transforms import cli

    monkeypatch.setenv(DATA_DIR_ENV, str(delivered.data_dir))
    assert cli.main(["forget", "--author", AUTHOR, "--platform", "reddit"]) == 0
    out = capsys.readouterr().out
    assert "3 posts and 1 reposts" in out and "raw_post_rows" in out and AUTHOR not in out
    assert cli.main(["forget", "--author", AUTHOR, "--platform", "myspace"]) == 1
    assert "unknown platform" in capsys.readouterr().err


# --- a real pipeline run ---------------------------------------------------------------------

PIPELINE_DAYS = 3
POSTS_PER_DAY = 150
LANDING_COLUMNS = ["id", "author_id", "author_handle", "text", "in_reply_to_id", "repost_of_id"]


def generated_posts(config) -> pl.DataFrame:
    """Every generated post (file drops and sample-API folders) with its platform and day."""
    frames = []
    for source in config.sources:
        for k in range(PIPELINE_DAYS):
            day = config.sample.start + dt.timedelta(days=k)
            path = zones.generated_landing_file(config, source, day)
            if path.suffix == ".csv":
                frame = pl.read_csv(path, infer_schema=False)
            else:
                frame = pl.read_ndjson(path, schema=dict.fromkeys(LANDING_COLUMNS, pl.String))
            frames.append(
                frame.select(LANDING_COLUMNS).with_columns(
                    platform=pl.lit(source.platform_name),
                    source=pl.lit(source.name),
                    day=pl.lit(day),
                )
            )
    return pl.concat(frames)


def pick_author(config, posts: pl.DataFrame) -> dict:
    """An author on a file source whose handle is theirs alone and whose texts and handle appear
    nowhere but in their posts and in posts linking to them, preferring one with a reply (so
    redaction is exercised) and more posts."""
    brand_handles = {h.lower() for b in config.brands.all for h in b.handles}
    owners = posts.group_by("author_handle").agg(pl.col("author_id").n_unique().alias("n"))
    unique = owners.filter(pl.col("n") == 1)["author_handle"].implode()
    candidates = []
    for (author,), mine in posts.filter(pl.col("author_handle").is_in(unique)).group_by(
        "author_id"
    ):
        handle = mine["author_handle"][0]
        if (
            len(author) < 6
            or handle.lower() in brand_handles
            or mine["text"].str.len_chars().min() < 20
        ):
            continue
        natives = mine["id"].implode()
        linked = posts.filter(
            pl.col("in_reply_to_id").is_in(natives) | pl.col("repost_of_id").is_in(natives)
        )
        others = posts.filter(
            (pl.col("author_id") != author) & ~pl.col("id").is_in(linked["id"].implode())
        )
        if others["text"].str.contains(handle, literal=True).any() or any(
            others["text"].str.contains(t, literal=True).any() for t in mine["text"]
        ):
            continue
        replies = linked["in_reply_to_id"].drop_nulls().len()
        file_sources = [s for s in mine["source"].unique() if config.source(s).kind == "file"]
        if file_sources:
            candidates.append((replies, mine.height, author, handle, file_sources[0]))
    replies, _, author, handle, source = max(candidates)
    assert replies > 0, "no author with a reply in the sample: raise POSTS_PER_DAY"
    return {"author_id": author, "handle": handle, "source": source}


def bi_pseudonyms(settings, schema: str) -> list[tuple]:
    """Every author pseudonym in the BI warehouse's post_engagement mart."""
    connection = settings.connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"select distinct author_pseudonym from {schema}.post_engagement")
            return cursor.fetchall()
    finally:
        connection.close()


@pytest.mark.slow
def test_forgetting_an_author_after_a_real_pipeline_run(tmp_path, monkeypatch, request):
    """Generate three days, run the pipeline on two of them and publish; then forget an author
    with posts on a loaded and on the not yet loaded day, a reply to them, a second post and a
    malformed line of theirs: nothing of theirs remains in any file or table (working and
    published warehouse included), other rows do, the marts build, and neither a re-run of a
    loaded day nor the first load of the third day brings them back."""
    from transforms import classify, cli, pipeline, publish, warehouse
    from transforms import postgres_warehouse as pg
    from transforms.config import load_config
    from transforms.generate import generate_sample
    from transforms.label_queue import classified_posts
    from transforms.postgres_publish import publish_to_postgres
    from transforms.sample_api import serving_sample_apis
    from transforms.summary import stage_counts

    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "data"))
    monkeypatch.delenv(PSEUDONYM_KEY_ENV, raising=False)
    monkeypatch.setattr(classify, "DEFAULT_CORPUS_SIZE", 3_000)  # smaller default models
    config = load_config()
    days = [config.sample.start + dt.timedelta(days=k) for k in range(PIPELINE_DAYS)]
    generate_sample(config, start=days[0], days=PIPELINE_DAYS, posts_per_day=POSTS_PER_DAY)
    delivered = generated_posts(config)
    chosen = pick_author(config, delivered)
    author, source = chosen["author_id"], config.source(chosen["source"])
    generated = delivered.filter(pl.col("author_id") == author)
    extra = {"id": "forget-extra-1", "created_at": f"{days[0]}T12:00:00Z", "author_id": author,
             "author_handle": chosen["handle"], "text": "Nimbus Mobile roaming charges are a joke",
             "platform": source.platform_name}  # fmt: skip
    with zones.landing_file(config, source, days[0]).open("a") as handle:
        handle.write(json.dumps(extra) + "\n" + f'{{"author_id": "{author}", "text": "trunc\n')

    def ingest(day: dt.date) -> None:
        with serving_sample_apis(config):
            pipeline.run_day(day)

    for day in days[:2]:
        ingest(day)
    assert warehouse.run_dbt(config, "run").success  # models only: the tests run after erasure
    publish.publish(config)
    labels = config.data_dir / config.retraining.labels_dir
    labels.mkdir()
    queue = classified_posts(config).select("post_id", pl.col("text_clean").alias("text")).collect()
    queue.with_columns(label=pl.lit("neutral")).write_csv(labels / "sentiment.csv")
    queue.select("text").write_csv(labels / "intent.csv")

    with duckdb.connect(str(zones.warehouse_file(config)), read_only=True) as con:
        posts = con.sql(
            "select post_id, native_id, author_id, text, text_clean, repost_of_post_id "
            "from raw.posts"
        ).pl()
    mine = posts.filter(pl.col("author_id") == author)
    reposts = posts.filter(pl.col("repost_of_post_id").is_in(mine["post_id"].implode()))
    # What BI tools know them by: their pseudonym in the published marts.
    alias = publish.pseudonym(publish.pseudonym_key(config), source.platform_name, author)
    assert (
        publish.query_published(
            config, f"select count(*) n from post_engagement where author_pseudonym = '{alias}'"
        )["n"][0]
        > 0
    )
    needles = Needles(
        tokens=frozenset({author, chosen["handle"].lstrip("@"), *generated["id"], extra["id"],
                          *mine["post_id"], *mine["native_id"], *reposts["native_id"], alias}),
        texts=frozenset({*generated["text"], extra["text"], *mine["text"], *mine["text_clean"]}),
    )  # fmt: skip
    before = traces(config.data_dir, needles)
    # The BI warehouse's copy (PostgreSQL) knows them by their pseudonym too.
    bi = pg.create_database(pg.PostgresSettings.from_env(), f"listener_erasure_{os.getpid()}")
    request.addfinalizer(lambda: pg.drop_database(bi))
    monkeypatch.setenv(
        "AIRFLOW_CONN_LISTENER_WAREHOUSE",
        f"postgresql://{bi.user}@{bi.host}:{bi.port}/{bi.database}",
    )
    publish_to_postgres(config, bi)
    assert alias in {row[0] for row in bi_pseudonyms(bi, config.bi.schema_name)}
    places = ["listener.duckdb: raw.posts", "listener.duckdb: main.",
              "listener_restricted.duckdb: main.", f"landing/{source.name}",
              f"raw/source={source.name}", "clean/day=", "labels/", "ground_truth/"]  # fmt: skip
    for place in places:
        assert any(f.startswith(place) for f in before), (place, before)
    others_before = len(posts) - len(mine) - len(reposts)

    report = forget_author(config, author)

    # Their posts loaded, and delivered only (the third day's, not loaded yet).
    delivered_ids = {f"{source.platform_name}:{n}" for n in [*generated["id"], extra["id"]]}
    assert report.posts == len(delivered_ids | set(mine["post_id"]))
    assert report.reposts == reposts.height
    assert report.removed["landing_rows"] >= generated.height + 2  # + the extra and broken lines
    assert report.marts_rebuilt and report.marts_published
    assert report.redacted["raw_post_rows"] >= 1  # the reply to them stays, redacted
    assert report.removed["raw_quarantine_rows"] >= 1  # the malformed line
    assert traces(config.data_dir, needles) == []
    with duckdb.connect(str(zones.warehouse_file(config)), read_only=True) as con:
        assert con.execute("select count(*) from raw.posts").fetchone()[0] == others_before
    assert publish.query_published(config, "select count(*) n from share_of_voice")["n"][0] > 0
    counts = stage_counts(config)
    erased = report.removed["raw_post_rows"] + report.removed["raw_quarantine_rows"]
    assert counts["erased on request"] == erased
    # `listener forget` republishes the BI warehouse's copy as well (the DAG's publish_postgres)
    assert cli.main(["forget", "--author", author]) == 0
    pseudonyms = bi_pseudonyms(bi, config.bi.schema_name)
    assert pseudonyms and alias not in {row[0] for row in pseudonyms}
    assert counts["extracted"] == (
        counts["loaded (post snapshots)"] + counts["quarantined"] + counts["in quarantined batches"]
        + erased
    )  # fmt: skip
    for folder in raw_zone.committed_batches(config, source.name):
        raw_zone.check_accounting(raw_zone.read_manifest(folder))

    # A re-run of a loaded day reloads it without them; the third day loads without them.
    ingest(days[0])
    ingest(days[2])
    assert traces(config.data_dir, needles) == []
    assert forget_author(config, author).marts_rebuilt is False  # nothing left to erase


def test_an_expired_day_is_erased_from_the_warehouse_and_its_manifest(config):
    """After retention only the warehouse holds an old day: the author's rows go there, and the
    kept manifest (and the load audit) count them as erased."""
    from tests.transforms.raw_batches import commit, raw_posts
    from transforms.config import Retention
    from transforms.retention import expire_raw
    from transforms.warehouse import connect

    old = dt.date(2025, 1, 6)
    posts = raw_posts(3, "reddit", old, "reddit-old")  # authors a0, a1, a2
    batch_id = commit(config, "reddit", old, posts)
    with connect(config) as con:
        con.register("incoming", posts.to_arrow())
        con.execute(
            "insert into raw.posts by name select post_id, author_id, text, day from incoming"
        )
        con.execute(
            "insert into raw.post_snapshots by name select post_id, batch_id, day from incoming"
        )
        con.execute(
            "insert into raw.load_audit (day, source, batch_id, rows_read, rows_accepted, "
            "rows_quarantined) values (?, 'reddit', ?, 3, 3, 0)",
            [old, batch_id],
        )
    config = config.model_copy(update={"retention": Retention(raw_days=30)})
    assert expire_raw(config, dt.date(2026, 10, 1)).batches_expired == 1

    report = forget_author(config, "a1")

    assert report.posts == 1
    assert report.removed["warehouse_posts_rows"] == 1
    assert report.removed["warehouse_post_snapshots_rows"] == 1
    (folder,) = raw_zone.committed_batches(config, "reddit", old)
    manifest = raw_zone.read_manifest(folder)
    assert (manifest.rows_read, manifest.rows_accepted, manifest.erased_rows) == (3, 2, 1)
    with connect(config) as con:
        audit = con.execute("select rows_accepted, rows_erased from raw.load_audit").fetchall()
        authors = con.execute("select author_id from raw.posts order by 1").fetchall()
    assert audit == [(2, 1)] and authors == [("a0",), ("a2",)]


def test_the_csv_rewrite_reads_past_a_huge_field_and_a_stray_carriage_return():
    """The erasure reads a delivered CSV as the extractor does: a 200 KB field and a record the
    csv module refuses do not end the file, so the author's rows after them are still found;
    every other record keeps its bytes."""
    from transforms.config import CsvOptions
    from transforms.erasure.deliveries import rewrite_csv
    from transforms.erasure.subject import Subject

    huge = "x" * 200_000
    data = (
        "id,author_id,text\n"
        f"1,someone,{huge}\n"
        "2,someone,bare\rreturn\n"
        f"3,{AUTHOR},mine after both\n"
        '4,someone,"quoted, kept"\n'
    ).encode()

    def judge(record, raw: str):
        return "drop" if (record or {}).get("author_id") == AUTHOR or AUTHOR in raw else "keep"

    result = rewrite_csv(data, CsvOptions(), judge, Subject(author_id=AUTHOR, platform=None))
    assert result.dropped == 1
    assert result.data == data.replace(f"3,{AUTHOR},mine after both\n".encode(), b"")
