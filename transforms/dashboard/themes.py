"""Complaint and purchase-intent themes: the configured topics (config `dashboard.themes`) that
the tracked brand's posts of a period talk about, with their change and example posts.

A post belongs to every theme with one of its terms anywhere in its lowercase text; a post in
no theme counts as "other", so the shares say how much of the conversation the themes explain."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

OTHER = "other"


@dataclass(frozen=True)
class Example:
    platform: str
    day: str
    engagement: int
    text: str


@dataclass(frozen=True)
class Theme:
    name: str
    posts: int
    share: float  # of the intent's posts in the period (a post can be in several themes)
    previous_share: float | None  # the same in the comparison period, None when it had none
    examples: tuple[Example, ...]


def theme_labels(posts: pl.DataFrame, themes: dict[str, list[str]]) -> pl.DataFrame:
    """One row per post x theme it belongs to (`theme`), "other" for a post in none."""
    if not themes:
        return posts.with_columns(theme=pl.lit(OTHER))
    text = pl.col("text").fill_null("").str.to_lowercase()
    matched = pl.concat_list(
        [pl.when(text.str.contains_any(terms)).then(pl.lit(name)) for name, terms in themes.items()]
    ).list.drop_nulls()
    named = pl.when(matched.list.len() > 0).then(matched).otherwise(pl.lit([OTHER]))
    return posts.with_columns(theme=named).explode("theme")


def _shares(labelled: pl.DataFrame, intent: str) -> pl.DataFrame:
    posts = labelled.filter(pl.col("intent") == intent)
    total = posts["post_id"].n_unique()
    if not total:
        return pl.DataFrame(schema={"theme": pl.String, "posts": pl.UInt32, "share": pl.Float64})
    return (
        posts.group_by("theme")
        .agg(posts=pl.col("post_id").n_unique())
        .with_columns(share=pl.col("posts") / total)
    )


def _examples(labelled: pl.DataFrame, intent: str, theme: str, count: int) -> tuple[Example, ...]:
    rows = (
        labelled.filter((pl.col("intent") == intent) & (pl.col("theme") == theme))
        .unique("post_id")
        .sort(["engagement", "day", "post_id"], descending=[True, True, False])
        .head(count)
    )
    return tuple(
        Example(r["platform"], str(r["day"]), int(r["engagement"] or 0), r["text"] or "")
        for r in rows.iter_rows(named=True)
    )


def top_themes(
    current: pl.DataFrame,
    previous: pl.DataFrame | None,
    themes: dict[str, list[str]],
    intent: str,
    limit: int = 5,
    examples: int = 2,
) -> list[Theme]:
    """The intent's most talked-about themes in `current` (posts of intent_posts), with their
    share in `previous` (None: no comparison) and the most engaging example posts; "other" is
    listed last."""
    now = theme_labels(current, themes)
    before = {} if previous is None else {
        r["theme"]: r["share"] for r in _shares(theme_labels(previous, themes), intent).to_dicts()
    }  # fmt: skip
    ranked = _shares(now, intent).sort(
        [pl.col("theme") == OTHER, "posts", "theme"], descending=[False, True, False]
    )
    named = ranked.filter(pl.col("theme") != OTHER).head(limit)
    rows = pl.concat([named, ranked.filter(pl.col("theme") == OTHER)])
    return [
        Theme(
            r["theme"],
            int(r["posts"]),
            float(r["share"]),
            before.get(r["theme"], 0.0) if previous is not None else None,
            _examples(now, intent, r["theme"], examples),
        )  # fmt: skip
        for r in rows.iter_rows(named=True)
    ]
