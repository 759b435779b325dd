"""The canonical schemas, in one place.

Every stage reads and writes these column sets, so a reader can follow a post from a landing file
to a mart by looking here. Types are Polars types; the warehouse loader maps them to SQL types.

Landing post (the canonical fields a source delivers; an export with other column names is mapped
onto these by the source's `mapping` in config/listener.yml, and API connectors emit them directly):
    platform           x / reddit / facebook / instagram / youtube / reviews (else the source's own)
    id                 platform-native id of the post (string)
    created_at         ISO-8601 timestamp with offset (e.g. 2026-10-01T08:15:00Z)
    author_id          platform-native id of the author
    author_handle      the author's handle, with '@'
    author_followers   followers of the author when the post was exported
    author_verified    platform verification badge
    text               the post text as exported (may contain HTML entities)
    lang               language reported by the platform (may be empty)
    in_reply_to_id     native id of the post this one answers (empty when none)
    repost_of_id       native id of the reposted/retweeted post (empty when none)
    quote_of_id        native id of the quoted post (empty when none)
    likes, shares, comments   engagement counts at export time
    impressions        views where the platform reports them (empty elsewhere)
    rating             1-5 stars, reviews only (empty elsewhere)
    urls, hashtags, mentions   space-separated entities the platform reports (else from text)
    brand              brand slug the export is about (a vendor export of one brand's query)
    is_own_post        true when the post was written by the brand's own account

Raw post = landing post typed + post_id (`<platform>:<id>`), source, batch_id, day (the load's
data-interval day), observed_at (when these engagement counts were true) and loaded_at. The raw
zone keeps every snapshot; the latest snapshot of a post wins downstream.
Clean post = raw post + derived text fields and flags (see CLEAN_POST).
Classified post = clean post + sentiment and intent labels with probabilities.
"""

from __future__ import annotations

import polars as pl

LANDING_POST: dict[str, pl.DataType] = {
    "platform": pl.String(),
    "id": pl.String(),
    "created_at": pl.String(),
    "author_id": pl.String(),
    "author_handle": pl.String(),
    "author_followers": pl.Int64(),
    "author_verified": pl.Boolean(),
    "text": pl.String(),
    "lang": pl.String(),
    "in_reply_to_id": pl.String(),
    "repost_of_id": pl.String(),
    "quote_of_id": pl.String(),
    "likes": pl.Int64(),
    "shares": pl.Int64(),
    "comments": pl.Int64(),
    "impressions": pl.Int64(),
    "rating": pl.Int64(),
    "urls": pl.String(),
    "hashtags": pl.String(),
    "mentions": pl.String(),
    "brand": pl.String(),
    "is_own_post": pl.Boolean(),
}

# Fields a landing row must carry; a row without one of them is quarantined.
REQUIRED_LANDING_FIELDS = ("id", "created_at", "author_id", "text")

RAW_POST: dict[str, pl.DataType] = {
    "post_id": pl.String(),
    "platform": pl.String(),
    "native_id": pl.String(),
    "created_at": pl.Datetime("us", "UTC"),
    "author_id": pl.String(),
    "author_handle": pl.String(),
    "author_followers": pl.Int64(),
    "author_verified": pl.Boolean(),
    "text": pl.String(),
    "lang": pl.String(),
    "in_reply_to_post_id": pl.String(),
    "repost_of_post_id": pl.String(),
    "quote_of_post_id": pl.String(),
    "likes": pl.Int64(),
    "shares": pl.Int64(),
    "comments": pl.Int64(),
    "impressions": pl.Int64(),
    "rating": pl.Int64(),
    "declared_urls": pl.String(),  # entities reported by the platform (t.co links expanded)
    "declared_hashtags": pl.String(),
    "declared_mentions": pl.String(),
    "declared_brand": pl.String(),  # brand slug the source says the post is about
    "declared_own_post": pl.Boolean(),  # the source says a brand account wrote it
    "source": pl.String(),
    "batch_id": pl.String(),
    "day": pl.Date(),
    "observed_at": pl.Datetime("us", "UTC"),  # when the engagement counts were read
    "loaded_at": pl.Datetime("us", "UTC"),  # when the batch was committed to the raw zone
}

# One row per post per batch that saw it: engagement history, for velocity.
POST_SNAPSHOT: dict[str, pl.DataType] = {
    "post_id": pl.String(),
    "observed_at": pl.Datetime("us", "UTC"),
    "likes": pl.Int64(),
    "shares": pl.Int64(),
    "comments": pl.Int64(),
    "impressions": pl.Int64(),
    "author_followers": pl.Int64(),
    "source": pl.String(),
    "batch_id": pl.String(),
    "day": pl.Date(),
}

QUARANTINE: dict[str, pl.DataType] = {
    "source": pl.String(),
    "batch_id": pl.String(),
    "day": pl.Date(),
    "file": pl.String(),
    "line_number": pl.Int64(),
    "reason": pl.String(),
    "raw_payload": pl.String(),
}

CLEAN_POST: dict[str, pl.DataType] = {
    **RAW_POST,
    "text_clean": pl.String(),  # unescaped, NFKC-normalized, whitespace collapsed
    "urls": pl.String(),  # space-separated URLs found in the text
    "hashtags": pl.String(),  # space-separated, lowercase, with '#'
    "mentions": pl.String(),  # space-separated, lowercase, with '@'
    "utm_source": pl.String(),
    "utm_medium": pl.String(),
    "utm_campaign": pl.String(),
    "utm_content": pl.String(),
    "click_id": pl.String(),  # ad click id in a link (fbclid, gclid, ttclid, msclkid, ...)
    "emojis": pl.String(),  # space-separated emoji and emoticons, in order
    "cashtags": pl.String(),  # space-separated, uppercase, with '$'
    "content_hash": pl.String(),  # hash of the normalized text, for duplicate detection
    "cluster_size": pl.Int64(),  # posts sharing this text, exactly or nearly (1: unique)
    "duplicate_kind": pl.String(),  # repost / copy (same text) / near_copy; null for originals
    "author_posts": pl.Int64(),  # posts by the same author that day
    "author_copy_share": pl.Float64(),  # share of the author's posts that day that are copies
    "is_own_post": pl.Boolean(),  # written by one of the tracked or competitor brand accounts
    "own_brand": pl.String(),  # slug of the brand whose account wrote it
    "is_duplicate": pl.Boolean(),  # repost, copy or near copy of an earlier post
    "spam_score": pl.Float64(),
    "spam_reasons": pl.String(),  # the spam signals that fired, comma-separated
    "is_spam": pl.Boolean(),
    "language": pl.String(),  # ISO 639-1 from the platform, else detected; `und` if unclear
    "is_english": pl.Boolean(),  # language en or und: what the classifiers support
    "exclusion_reason": pl.String(),  # why the post does not count as voice (empty when it does)
}

SENTIMENT_LABELS = ("negative", "neutral", "positive")
INTENT_LABELS = ("complaint", "purchase_intent", "question", "praise", "other")

CLASSIFIED_POST: dict[str, pl.DataType] = {
    **CLEAN_POST,
    "sentiment": pl.String(),  # negative / neutral / positive, or unknown for unsupported languages
    **{f"p_{label}": pl.Float64() for label in SENTIMENT_LABELS},
    "intent": pl.String(),  # one of INTENT_LABELS, or unknown for unsupported languages
    "intent_confidence": pl.Float64(),
    "model_version": pl.String(),
}

# Brand matches as cleaning finds them (transforms/clean.py brand_match).
BRAND_MATCH: dict[str, pl.DataType] = {
    "post_id": pl.String(),
    "brand": pl.String(),  # brand slug
    # handle / hashtag / phrase / context / alias / excluded / query / source
    "matched_by": pl.String(),
    "day": pl.Date(),
}

# ... and after the relevance classifier (transforms/classify.py): what the warehouse loads.
# What classification adds to a clean post (clean/day=<d>/classifications.parquet); a classified
# post is the clean post joined with these on post_id (transforms/classify.py classified_day).
CLASSIFICATION: dict[str, pl.DataType] = {
    "post_id": pl.String(),
    "exclusion_reason": pl.String(),  # the clean post's, or `irrelevant` (classify adds it)
    **{c: CLASSIFIED_POST[c] for c in CLASSIFIED_POST if c not in CLEAN_POST},
}
# The clean columns classification reads.
CLASSIFY_INPUT = ("post_id", "text_clean", "is_english", "exclusion_reason")

POST_BRAND: dict[str, pl.DataType] = {
    **BRAND_MATCH,
    "p_relevant": pl.Float64(),  # probability that the post is about the brand
    "is_relevant": pl.Boolean(),  # p_relevant >= 0.5; irrelevant matches never count as voice
}

# One row per saved classifier version (data/models/<task>/<version>/model_card.json).
MODEL_VERSION: dict[str, pl.DataType] = {
    "task": pl.String(),
    "version": pl.String(),
    "is_current": pl.Boolean(),
    "method": pl.String(),  # prior / generated / self_trained / supervised
    "trained_on": pl.String(),
    "training_rows": pl.Int64(),
    "training_data_sha256": pl.String(),
    "holdout_rows": pl.Int64(),
    "holdout_macro_f1": pl.Float64(),
    "holdout_accuracy": pl.Float64(),
    "evaluated_on": pl.String(),  # what the held-out scores were measured on
    "created_at": pl.String(),
}

BRAND: dict[str, pl.DataType] = {
    "brand": pl.String(),
    "brand_name": pl.String(),
    "is_tracked": pl.Boolean(),
}

# Funnel tables as they land (one CSV per table per day) and as they are loaded.
FUNNEL: dict[str, dict[str, pl.DataType]] = {
    "web_sessions": {
        "session_id": pl.String(),
        "visitor_id": pl.String(),
        "started_at": pl.Datetime("us", "UTC"),
        "landing_page": pl.String(),
        "utm_source": pl.String(),
        "utm_medium": pl.String(),
        "utm_campaign": pl.String(),
        "utm_content": pl.String(),  # native id of the post whose link was clicked
        "click_id": pl.String(),
    },
    "leads": {
        "lead_id": pl.String(),
        "visitor_id": pl.String(),
        "created_at": pl.Datetime("us", "UTC"),
    },
    "opportunities": {
        "opportunity_id": pl.String(),
        "lead_id": pl.String(),
        "created_at": pl.Datetime("us", "UTC"),
        "stage": pl.String(),
        "amount": pl.Float64(),
    },
    "orders": {
        "order_id": pl.String(),
        "visitor_id": pl.String(),
        "ordered_at": pl.Datetime("us", "UTC"),
        "revenue": pl.Float64(),
        "currency": pl.String(),
    },
    "campaign_spend": {
        "day": pl.Date(),
        "platform": pl.String(),
        "campaign": pl.String(),
        "spend": pl.Float64(),
        "impressions": pl.Int64(),
        "clicks": pl.Int64(),
    },
}

# Ground truth written by the generator next to (never inside) the landing zone. Used only by
# tests and evaluation: the pipeline never reads it.
GROUND_TRUTH: dict[str, pl.DataType] = {
    "platform": pl.String(),
    "id": pl.String(),
    "brands": pl.String(),  # space-separated slugs the post is truly about (empty when none)
    "sentiment": pl.String(),
    "intent": pl.String(),
    "is_spam": pl.Boolean(),
    "is_unrelated": pl.Boolean(),  # uses a brand word in an unrelated sense
    "is_duplicate": pl.Boolean(),
    "is_own_post": pl.Boolean(),
    "lang": pl.String(),
}
