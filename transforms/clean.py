"""Clean: one day's raw posts from every source -> normalized, flagged, brand-matched posts.

All work is Polars expressions over the whole batch (no per-row Python). Every post is kept; a post
that must not count as voice carries an `exclusion_reason` (own_post, spam, duplicate,
no_brand_match) so the reason survives into the warehouse.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from transforms import raw_zone, schema, zones
from transforms.brand_query import compile_query, regex_escape
from transforms.config import Brand, Config
from transforms.files import write_parquet_atomic
from transforms.language import UNDETERMINED, detect_languages

HTML_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&#x27;": "'"}
URL_PATTERN = r"https?://[^\s<>\"']+"
HASHTAG_PATTERN = r"#\w+"
MENTION_PATTERN = r"@\w+"
EMOJI_PATTERN = r"\p{Extended_Pictographic}|(?:^|\s)[:;=]-?[)(DPp](?:$|\s)"
CASHTAG_PATTERN = r"\$[A-Za-z][A-Za-z.]{0,5}\b"
CLICK_ID_PATTERN = r"[?&](?:fbclid|gclid|gbraid|wbraid|ttclid|msclkid|twclid|li_fat_id)=([^&\s#]+)"

# Generic marketing-spam phrases; each hit raises the spam score.
SPAM_PHRASES = (
    r"free followers|real followers|buy followers|cheap followers|follow back|followback|"
    r"follow for follow|\bf4f\b|giveaway|dm (me|us|for|now)|crypto|bitcoin|\bbtc\b|airdrop|"
    r"earn \$|free \$|gift cards?|claim (at|now|your)|you have been selected|click (here|the link)|"
    r"promo code|100% free|from home|limited offer|check my (bio|profile)"
)
# Link shorteners hide the destination; common in spam, rare in brand and customer posts.
SHORTENER = r"https?://(bit\.ly|tinyurl\.com|t\.co|goo\.gl|ow\.ly)/"
SPAM_THRESHOLD = 0.5


def term_pattern(terms: list[str]) -> str:
    """Case-insensitive whole-word match of any of the terms."""
    alternatives = "|".join(regex_escape(t) for t in sorted(terms, key=len, reverse=True))
    return rf"(?i)(^|[^\w])({alternatives})([^\w]|$)"


def normalize_text(text: pl.Expr) -> pl.Expr:
    return (
        text.str.replace_many(list(HTML_ENTITIES), list(HTML_ENTITIES.values()))
        .str.normalize("NFKC")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )


def join_found(
    text: pl.Expr, pattern: str, lower: bool = False, declared: pl.Expr | None = None
) -> pl.Expr:
    """Space-separated matches in the text, plus those the platform declared (deduplicated)."""
    found = text.str.extract_all(pattern)
    if declared is not None:
        found = found.list.concat(declared.fill_null("").str.split(" ")).list.eval(
            pl.element().filter(pl.element() != "")
        )
    if lower:
        found = found.list.eval(pl.element().str.to_lowercase())
    return found.list.unique(maintain_order=True).list.join(" ")


def utm_param(name: str) -> pl.Expr:
    return pl.col("urls").str.extract(rf"[?&]{name}=([^&\s#]+)", 1)


def emojis(text: pl.Expr) -> pl.Expr:
    """Emoji and classic emoticons, in order (an emoticon must stand alone, not in a URL)."""
    found = text.str.extract_all(EMOJI_PATTERN).list.eval(pl.element().str.strip_chars())
    return found.list.join(" ")


def content_hash(text: pl.Expr) -> pl.Expr:
    """Hash of the text with retweet prefix, links, mentions and punctuation removed."""
    core = (
        text.str.to_lowercase()
        .str.replace(r"^rt @\w+:?\s*", "")
        .str.replace_all(URL_PATTERN, " ")
        .str.replace_all(MENTION_PATTERN, " ")
        .str.replace_all(r"[^\w#]+", " ")
        .str.strip_chars()
    )
    return core.hash(seed=0).cast(pl.String)


def language_column(raw: pl.DataFrame) -> pl.Series:
    """The platform's language tag (first two letters) when given, else the detected language."""
    tagged = raw["lang"].str.to_lowercase().str.slice(0, 2)
    detected = detect_languages(raw["text_clean"])
    return tagged.fill_null(detected).alias("language")


def spam_score() -> pl.Expr:
    phrase_hits = pl.col("text_clean").str.to_lowercase().str.count_matches(SPAM_PHRASES)
    n_urls = pl.col("urls").str.count_matches(URL_PATTERN)
    n_tags = pl.col("hashtags").str.count_matches(HASHTAG_PATTERN)
    score = (
        pl.min_horizontal(phrase_hits * 0.35, pl.lit(0.7))
        + pl.when(pl.col("author_followers").fill_null(0) < 20).then(0.2).otherwise(0.0)
        + pl.when(n_urls >= 1).then(0.1).otherwise(0.0)
        + pl.when(pl.col("urls").str.contains(SHORTENER)).then(0.2).otherwise(0.0)
        + pl.when(n_tags >= 4).then(0.2).otherwise(0.0)
    )
    return pl.min_horizontal(score, pl.lit(1.0))


def brand_handles(brands: list[Brand]) -> dict[str, str]:
    """Lowercase handle -> brand slug, for recognising the brands' own accounts."""
    return {h.lower(): b.slug for b in brands for h in b.handles}


def brand_match(brand: Brand) -> pl.Expr:
    """How a post mentions the brand, strongest first, or null when it does not.

    handle, hashtag: the brand's account or tag. phrase: a multi-word alias ("Nimbus Mobile").
    context: a one-word alias with one of the brand's context terms ("nimbus" + "5G").
    alias: a one-word alias alone, the ambiguous case the relevance classifier decides.
    excluded: an alias with an exclusion term (the word in another sense: "cumulonimbus"); kept
    so the reason survives, never counted. source: the export says the post is about the brand.
    A brand with a boolean `query` is matched by that query alone ('query'), see brand_query.py.
    """
    declared = pl.col("declared_brand") == brand.slug  # the export says so (a vendor query)
    if brand.query is not None:
        return (
            pl.when(compile_query(brand.query))
            .then(pl.lit("query"))
            .when(declared)
            .then(pl.lit("source"))
            .otherwise(None)
            .alias(f"_brand_{brand.slug}")
        )
    mentions = pl.col("mentions").str.split(" ")
    tags = pl.col("hashtags").str.split(" ")
    by_handle = mentions.list.eval(
        pl.element().is_in([h.lower() for h in brand.handles])
    ).list.any()
    by_hashtag = tags.list.eval(pl.element().is_in([t.lower() for t in brand.hashtags])).list.any()
    text = pl.col("text_clean")
    phrases = [a for a in brand.aliases if len(a.split()) > 1]
    words = [a for a in brand.aliases if len(a.split()) == 1]
    by_phrase = text.str.contains(term_pattern(phrases)) if phrases else pl.lit(False)
    by_word = text.str.contains(term_pattern(words)) if words else pl.lit(False)
    in_context = text.str.contains(term_pattern(brand.context)) if brand.context else pl.lit(False)
    excluded = text.str.contains(term_pattern(brand.exclude)) if brand.exclude else pl.lit(False)
    return (
        pl.when(by_handle)
        .then(pl.lit("handle"))
        .when(by_hashtag)
        .then(pl.lit("hashtag"))
        .when((by_phrase | by_word) & excluded)
        .then(pl.lit("excluded"))
        .when(by_phrase)
        .then(pl.lit("phrase"))
        .when(by_word & in_context)
        .then(pl.lit("context"))
        .when(by_word)
        .then(pl.lit("alias"))
        .when(declared)
        .then(pl.lit("source"))
        .otherwise(None)
        .alias(f"_brand_{brand.slug}")
    )


def entity_columns() -> dict[str, pl.Expr]:
    """URLs, hashtags and mentions from the text plus those the platform declared."""
    text = pl.col("text_clean")
    return {
        "urls": join_found(text, URL_PATTERN, declared=pl.col("declared_urls")),
        "hashtags": join_found(text, HASHTAG_PATTERN, True, pl.col("declared_hashtags")),
        "mentions": join_found(text, MENTION_PATTERN, True, pl.col("declared_mentions")),
    }


def brand_match_strength(texts: pl.Series, brands: list[Brand]) -> pl.Series:
    """The strongest way each text matches any of the brands (null when none), for texts alone."""
    from transforms.priors import RELEVANCE_BY_MATCH

    frame = pl.DataFrame({"text": texts.cast(pl.String)}).with_columns(
        text_clean=normalize_text(pl.col("text").fill_null("")),
        declared_urls=pl.lit(None, pl.String),
        declared_hashtags=pl.lit(None, pl.String),
        declared_mentions=pl.lit(None, pl.String),
        declared_brand=pl.lit(None, pl.String),
    )
    frame = frame.with_columns(**entity_columns()).select([brand_match(b) for b in brands])
    rank = {way: i for i, way in enumerate(sorted(RELEVANCE_BY_MATCH, key=RELEVANCE_BY_MATCH.get))}
    ranked = frame.select(
        pl.max_horizontal(
            pl.col(c).replace_strict(rank, default=-1, return_dtype=pl.Int32) for c in frame.columns
        )
    ).to_series()
    names = {i: way for way, i in rank.items()}
    return ranked.replace_strict(names, default=None, return_dtype=pl.String)


def clean_posts(raw: pl.DataFrame, brands: list[Brand]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (clean posts, post x brand matches) for one batch of raw posts."""
    handles = brand_handles(brands)
    frame = (
        raw.sort("created_at", "post_id")
        .with_columns(text_clean=normalize_text(pl.col("text")))
        .pipe(lambda frame: frame.with_columns(language_column(frame)))
        .with_columns(
            **entity_columns(),
            content_hash=content_hash(pl.col("text_clean")),
            own_brand=pl.coalesce(
                pl.col("author_handle")
                .str.to_lowercase()
                .replace_strict(handles, default=None, return_dtype=pl.String),
                # A source that marks the brand's own posts (an "inbound" column) is believed.
                pl.when(pl.col("declared_own_post")).then(
                    pl.coalesce(pl.col("declared_brand"), pl.lit(brands[0].slug))
                ),
            ),
        )
        .with_columns(
            [brand_match(b) for b in brands],
            utm_source=utm_param("utm_source"),
            utm_medium=utm_param("utm_medium"),
            utm_campaign=utm_param("utm_campaign"),
            utm_content=utm_param("utm_content"),
            click_id=pl.col("urls").str.extract(CLICK_ID_PATTERN, 1),
            emojis=emojis(pl.col("text_clean")),
            cashtags=join_found(pl.col("text_clean"), CASHTAG_PATTERN).str.to_uppercase(),
            is_own_post=pl.col("own_brand").is_not_null(),
            is_duplicate=pl.col("repost_of_post_id").is_not_null()
            | (pl.int_range(pl.len()).over("content_hash") > 0),
            is_english=pl.col("language").is_in(["en", UNDETERMINED]),
            spam_score=spam_score(),
        )
        .with_columns(is_spam=(pl.col("spam_score") >= SPAM_THRESHOLD) & ~pl.col("is_own_post"))
    )
    brand_columns = [f"_brand_{b.slug}" for b in brands]
    any_brand = pl.any_horizontal(
        [pl.col(c).is_not_null() & (pl.col(c) != "excluded") for c in brand_columns]
    )
    frame = frame.with_columns(
        exclusion_reason=pl.when(pl.col("is_own_post"))
        .then(pl.lit("own_post"))
        .when(pl.col("is_spam"))
        .then(pl.lit("spam"))
        .when(pl.col("is_duplicate"))
        .then(pl.lit("duplicate"))
        .when(~any_brand)
        .then(pl.lit("no_brand_match"))
        .otherwise(None)
    )
    matches = (
        frame.select("post_id", "day", *brand_columns)
        .unpivot(index=["post_id", "day"], variable_name="brand", value_name="matched_by")
        .drop_nulls("matched_by")
        .with_columns(pl.col("brand").str.strip_prefix("_brand_"))
        .select(list(schema.BRAND_MATCH))
        .sort("post_id", "brand")
        .cast(schema.BRAND_MATCH)
    )
    return frame.select(list(schema.CLEAN_POST)).cast(schema.CLEAN_POST), matches


def read_raw_day(config: Config, day: dt.date) -> pl.DataFrame:
    """Every source's accepted posts for one day, the latest snapshot of each post."""
    posts = raw_zone.day_posts(config, [s.name for s in config.sources], day)
    return raw_zone.latest_snapshots(posts)


def clean_day(config: Config, day: dt.date) -> dict[str, int]:
    """Clean one day and write `clean/day=<d>/posts.parquet` and `post_brands.parquet`."""
    posts, matches = clean_posts(read_raw_day(config, day), config.brands.all)
    partition = zones.clean_partition(config, day)
    write_parquet_atomic(posts, partition / "posts.parquet")
    write_parquet_atomic(matches, partition / "post_brands.parquet")
    reasons = posts.group_by("exclusion_reason").len().iter_rows()
    return {
        "posts": posts.height,
        "brand_matches": matches.height,
        **{f"excluded_{r or 'none'}": n for r, n in reasons},
    }
