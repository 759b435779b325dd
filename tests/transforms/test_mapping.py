"""A user's own export, mapped with YAML only: the example README.md shows is the one tested."""

import datetime as dt
import json
import re

import fsspec
import polars as pl
import pytest
import yaml

from transforms import raw_zone
from transforms.config import PROJECT_ROOT, ConfigError, Source, load_config
from transforms.extract import extract_source_day

DAY = dt.date(2026, 10, 5)
README = PROJECT_ROOT / "README.md"

EXPORT = """\
Mention Id;Network;Date;Author Id;Author;Followers;Content;Likes;Reposts;Inbound;Is Reply;Reply To
m1;Twitter;Mon Oct 05 14:03:00 +0000 2026;u1;@ann;120;Nimbus 5G is great;4;1;true;no;
m2;Twitter;Mon Oct 05 14:10:00 +0200 2026;n1;@NimbusHelp;9000;Sorry, DM us;1;0;false;yes;m9
m3;IG;Sun Oct 04 09:00:00 +0000 2026;u3;@cy;55;my phone bill doubled;0;0;true;no;
m4;TikTok;Mon Oct 05 10:00:00 +0000 2026;u4;@dee;10;hello;0;0;true;no;
m5;Twitter;05/10/2026 10:00;u5;@eve;10;wrong date format;0;0;true;no;
m6;Twitter;Mon Apr 06 22:19:45 +0000 2009;u6;@old;10;an old post;2;0;true;no;
"""


def example_source() -> Source:
    """The source README.md's "Load your own export" section adds to the config."""
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text(), flags=re.S)
    example = next(b for b in blocks if "vendor_mentions" in b)
    return Source.model_validate(yaml.safe_load(example)["sources"][0])


def test_the_readme_shows_the_export_it_maps():
    text = README.read_text()
    for line in EXPORT.splitlines()[:3]:
        assert line in text


def deliver(config, name: str, text: str) -> None:
    folder = config.data_dir / "landing" / "vendor"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)


def test_a_vendor_csv_loads_with_a_yaml_mapping_only(config):
    deliver(config, "mentions-week-41.csv", EXPORT)
    report = extract_source_day(config, example_source(), DAY)
    assert (report.rows_read, report.rows_accepted, report.rows_quarantined) == (6, 4, 2)

    folder = raw_zone.batch_dir(config, "vendor_mentions", DAY, report.batch_id)
    posts = pl.read_parquet(folder / "posts.parquet").sort("native_id")
    assert posts["post_id"].to_list() == ["x:m1", "x:m2", "instagram:m3", "x:m6"]
    assert posts["created_at"][1] == dt.datetime(2026, 10, 5, 12, 10, tzinfo=dt.UTC)
    assert posts["created_at"][3].year == 2009  # max_lateness_days: null keeps history
    assert posts["declared_own_post"].to_list() == [False, True, False, False]
    assert posts["in_reply_to_post_id"].to_list() == [None, "x:m9", None, None]
    assert posts["declared_brand"].unique().to_list() == ["nimbus"]
    assert posts["author_followers"][1] == 9000 and posts["shares"][0] == 1

    quarantine = pl.read_parquet(folder / "quarantine.parquet")
    reasons = dict(zip(quarantine["line_number"], quarantine["reason"], strict=True))
    assert reasons == {
        5: "unknown platform 'TikTok'",
        6: "created_at is not a timestamp ('%a %b %d %H:%M:%S %z %Y')",
    }
    assert quarantine["raw_payload"][0].startswith("m4;TikTok;")


def test_a_drop_folder_loads_each_new_file_once_on_any_day(config):
    source = example_source()
    deliver(config, "mentions-week-41.csv", EXPORT)
    first = extract_source_day(config, source, DAY)
    deliver(config, "mentions-week-41-copy.csv", EXPORT)  # the same export sent twice
    header = EXPORT.splitlines()[0]
    deliver(
        config, "mentions-week-42.csv", header + "\n" + EXPORT.splitlines()[1].replace("m1", "m7")
    )
    later = extract_source_day(config, source, DAY + dt.timedelta(days=1))
    assert first.files == ["mentions-week-41.csv"]
    assert later.files == ["mentions-week-42.csv"]
    assert later.skipped_files == ["mentions-week-41-copy.csv", "mentions-week-41.csv"]
    assert later.rows_accepted == 1


def test_a_file_without_a_header_and_an_epoch_timestamp(config):
    source = Source.model_validate(
        {
            "name": "archive",
            "platform": "x",
            "format": "csv",
            "path": "landing/archive",
            "pattern": "*.csv",
            "csv": {"has_header": False, "columns": ["polarity", "id", "ts", "user", "text"]},
            "mapping": {
                "fields": {"id": "id", "created_at": "ts", "author_id": "user", "text": "text"},
            },
        }
    )
    folder = config.data_dir / "landing" / "archive"
    folder.mkdir(parents=True)
    (folder / "dump.csv").write_text('4,17,1791194400,sam,"nimbus, finally fast"\n')
    report = extract_source_day(config, source, DAY)
    posts = pl.read_parquet(
        raw_zone.batch_dir(config, "archive", DAY, report.batch_id) / "posts.parquet"
    )
    assert posts.select("post_id", "author_id", "text").row(0) == (
        "x:17",
        "sam",
        "nimbus, finally fast",
    )


def test_own_posts_by_listed_accounts_and_a_missing_column(config):
    source = Source.model_validate(
        {
            "name": "brand_export",
            "platform": "facebook",
            "format": "jsonl",
            "path": "landing/brand",
            "mapping": {
                "fields": {
                    "id": "post.id",
                    "created_at": "post.time",
                    "author_id": "from.id",
                    "author_handle": "from.name",
                    "text": "post.message",
                    "likes": "reactions",  # not in this export
                },
                "own_posts": {"authors": ["@NimbusMobile", "page-1"]},
            },
        }
    )
    rows = [
        {"post": {"id": "1", "time": "2026-10-05T09:00:00Z", "message": "hi"},
         "from": {"id": "page-1", "name": "Nimbus"}},
        {"post": {"id": "2", "time": "2026-10-05T09:05:00Z", "message": "yo"},
         "from": {"id": "u2", "name": "nimbusmobile"}},
        {"post": {"id": "3", "time": "2026-10-05T09:06:00Z", "message": "hey"},
         "from": {"id": "u3", "name": "carol"}},
    ]  # fmt: skip
    folder = config.data_dir / "landing" / "brand"
    folder.mkdir(parents=True)
    (folder / "2026-10-05.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    report = extract_source_day(config, source, DAY)
    posts = raw_zone.day_posts(config, ["brand_export"], DAY).sort("native_id")
    assert report.rows_accepted == 3
    assert posts["declared_own_post"].to_list() == [True, True, False]
    assert posts["likes"].to_list() == [0, 0, 0]


def test_files_from_an_fsspec_url(config):
    fs = fsspec.filesystem("memory")
    fs.pipe(
        "memory://exports/2026-10-05.jsonl",
        json.dumps(
            {"id": "9", "created_at": "2026-10-05T01:00:00Z", "author_id": "a", "text": "nimbus"}
        ).encode(),  # fmt: skip
    )
    source = Source.model_validate(
        {"name": "remote", "platform": "reddit", "format": "jsonl", "path": "memory://exports"}
    )
    report = extract_source_day(config, source, DAY)
    assert report.rows_accepted == 1 and report.files == ["2026-10-05.jsonl"]
    assert raw_zone.day_posts(config, ["remote"], DAY)["post_id"].to_list() == ["reddit:9"]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"mapping": {"fields": {"identifier": "Id"}}}, "unknown canonical field(s) identifier"),
        ({"mapping": {"fields": {"id": "Id"}, "constants": {"id": "x"}}}, "both as a column"),
        ({"mapping": {"platform_values": {"TikTok": "tiktok"}}}, "unknown platforms: tiktok"),
        ({"platform": None}, "needs `platform`"),
        ({"format": None}, "a file source needs format"),
        ({"csv": {"has_header": False}}, "needs `columns`"),
        ({"kind": "x_recent_search"}, "needs `query`"),
    ],
)
def test_bad_source_settings_are_clear_errors(tmp_path, change, message):
    raw = yaml.safe_load((PROJECT_ROOT / "config" / "listener.yml").read_text())
    raw["sources"][1].update(change)  # reddit, a file source
    path = tmp_path / "listener.yml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError, match="sources\\[1\\]") as error:
        load_config(path)
    assert message in str(error.value)


def test_a_typed_parquet_export(config):
    """Parquet keeps types: datetimes, integers and lists become canonical fields too."""
    source = Source.model_validate(
        {
            "name": "archive",
            "platform": "instagram",
            "format": "parquet",
            "path": "landing/archive",
            "mapping": {
                "fields": {"id": "pk", "created_at": "taken_at", "author_id": "owner",
                           "text": "caption", "likes": "like_count", "hashtags": "tags"},
            },
        }
    )  # fmt: skip
    folder = config.data_dir / "landing" / "archive"
    folder.mkdir(parents=True)
    pl.DataFrame(
        {
            "pk": [11, 12],
            "taken_at": [dt.datetime(2026, 10, 5, 7, tzinfo=dt.UTC), dt.datetime(2026, 10, 5, 8)],
            "owner": ["o1", "o2"],
            "caption": ["new phone from nimbus", None],
            "like_count": [5, -1],
            "tags": [["#nimbus5g", "#new"], []],
        }
    ).write_parquet(folder / "2026-10-05.parquet")
    report = extract_source_day(config, source, DAY)
    assert (report.rows_read, report.rows_accepted, report.rows_quarantined) == (2, 1, 1)
    posts = raw_zone.day_posts(config, ["archive"], DAY)
    assert posts.select("post_id", "likes", "declared_hashtags").row(0) == (
        "instagram:11",
        5,
        "#nimbus5g #new",
    )
    assert posts["created_at"][0] == dt.datetime(2026, 10, 5, 7, tzinfo=dt.UTC)
    quarantine = raw_zone.day_quarantine(config, ["archive"], DAY)
    assert quarantine["reason"].to_list() == ["missing required field text"]
    assert json.loads(quarantine["raw_payload"][0])["pk"] == 12
