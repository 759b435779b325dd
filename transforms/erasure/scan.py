"""Finding the subject: the author's posts, reposts of them (erased with them: a repost is a
copy of their words) and the posts of others that reply to or quote them, from every place
that holds posts: the landing zone (files not loaded yet), the raw and clean zones and the
warehouse (after retention, only the warehouse may still hold an old day)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from transforms import zones
from transforms.config import Config
from transforms.erasure.landing import landing_posts
from transforms.erasure.raw_batches import batch_folders
from transforms.erasure.subject import FIND_COLUMNS, LINK_COLUMNS, Subject


def find_subject(config: Config, author_id: str, platform: str | None) -> Subject:
    """Their posts, reposts of them, and posts linking to them, from every place that holds
    posts: the landing zone (files not loaded yet), the raw and clean zones and the warehouse
    (after retention, only the warehouse may still hold an old day)."""
    subject = Subject(author_id=author_id, platform=platform)
    posts = _all_posts(config, subject)
    own = posts.filter(subject.owns().fill_null(False))
    subject.post_ids = set(own["post_id"].drop_nulls())
    subject.own_posts = len(subject.post_ids)
    subject.handles = {h.lstrip("@") for h in own["author_handle"].drop_nulls() if h.strip("@")}
    while True:  # reposts of reposts point at the original on X, but other exports may chain
        reposts = posts.filter(
            pl.col("repost_of_post_id").is_in(sorted(subject.post_ids))
            & ~pl.col("post_id").is_in(sorted(subject.post_ids))
        )
        if reposts.is_empty():
            break
        subject.post_ids |= set(reposts["post_id"].drop_nulls())
    mine = posts.filter(pl.col("post_id").is_in(sorted(subject.post_ids)))
    subject.texts = {t for c in ("text", "text_clean") for t in mine[c].drop_nulls() if t}
    linked = posts.filter(
        pl.any_horizontal(pl.col(c).is_in(sorted(subject.post_ids)) for c in LINK_COLUMNS)
    )
    subject.linked_ids = set(linked["post_id"].drop_nulls()) - subject.post_ids
    return subject


def _all_posts(config: Config, subject: Subject) -> pl.DataFrame:
    columns = [*FIND_COLUMNS, *LINK_COLUMNS]
    frames = [_scan(raw_post_files(config), columns), _scan(clean_post_files(config), columns)]
    frames += [_warehouse_posts(config, columns), landing_posts(config, subject)]
    shape = {c: pl.String() for c in [*columns, "text_clean"]}
    found = [
        f.cast({c: t for c, t in shape.items() if c in f.columns}) for f in frames if f is not None
    ]
    empty = pl.DataFrame(schema=shape)
    return pl.concat([empty, *found], how="diagonal_relaxed")


def _scan(files: list[Path], columns: list[str]) -> pl.DataFrame | None:
    """The columns of the files that have them, as text (file by file: a batch whose schema
    drifted must not hide the others)."""
    frames = []
    for path in files:
        present = [c for c in [*columns, "text_clean"] if c in pl.read_parquet_schema(path)]
        frames.append(pl.read_parquet(path, columns=present).cast(pl.String))
    return pl.concat(frames, how="diagonal_relaxed") if frames else None


def _warehouse_posts(config: Config, columns: list[str]) -> pl.DataFrame | None:
    if not zones.warehouse_file(config).exists():
        return None
    from transforms.warehouse import connect

    with connect(config) as con:
        return con.sql(f"select {', '.join([*columns, 'text_clean'])} from raw.posts").pl()


def raw_post_files(config: Config) -> list[Path]:
    return [f / "posts.parquet" for f in batch_folders(config) if (f / "posts.parquet").exists()]


def clean_post_files(config: Config) -> list[Path]:
    return sorted((config.data_dir / "clean").glob("day=*/posts.parquet"))
