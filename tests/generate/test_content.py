"""What the posts look like: mix, labels, texts, replies and reposts."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl

from transforms.generate import labelled_corpus
from transforms.schema import INTENT_LABELS, SENTIMENT_LABELS

from .conftest import Sample

VOICE = (
    ~pl.col("is_spam") & ~pl.col("is_unrelated") & ~pl.col("is_duplicate") & ~pl.col("is_own_post")
)


def _share(posts: pl.DataFrame, condition: pl.Expr) -> float:
    return posts.select(condition.mean()).item()


def test_platform_mix_and_noise_shares_are_roughly_as_planned(sample: Sample) -> None:
    posts = sample.posts
    mix = {p: n / posts.height for p, n in posts.group_by("platform").len().iter_rows()}
    planned = {"x": 0.40, "reddit": 0.15, "facebook": 0.15, "instagram": 0.12, "youtube": 0.10}
    for platform, share in planned.items():
        assert abs(mix[platform] - share) < 0.015, mix
    assert 0.035 < _share(posts, pl.col("is_spam")) < 0.07
    assert 0.06 < _share(posts, pl.col("is_duplicate")) < 0.10
    assert 0.045 < _share(posts, pl.col("is_unrelated")) < 0.075
    assert 0.025 < _share(posts, pl.col("true_lang") != "en") < 0.055
    assert 0.05 < _share(posts, pl.col("is_own_post")) < 0.20
    # Every ground-truth label is one the classifiers know.
    assert set(posts["sentiment"].unique()) == set(SENTIMENT_LABELS)
    assert set(posts["intent"].unique()) == set(INTENT_LABELS)


def test_sentiment_and_intent_are_correlated_but_not_identical(sample: Sample) -> None:
    voice = sample.posts.filter(VOICE)

    def share(intent: str, sentiment: str) -> float:
        of_intent = voice.filter(pl.col("intent") == intent)
        return _share(of_intent, pl.col("sentiment") == sentiment)

    assert share("complaint", "negative") > 0.8
    assert share("praise", "positive") > 0.8
    assert share("question", "neutral") > 0.6
    assert 0.02 < share("question", "negative") < 0.3


def test_platform_specific_columns(sample: Sample) -> None:
    posts = sample.posts
    views = pl.col("platform").is_in(["x", "youtube"])
    reviews = pl.col("platform") == "reviews"
    assert posts.filter(views)["impressions"].null_count() == 0
    assert posts.filter(~views)["impressions"].null_count() == posts.filter(~views).height
    assert (posts.filter(views)["lang"] == posts.filter(views)["true_lang"]).all()
    assert posts.filter(~views)["lang"].null_count() == posts.filter(~views).height
    ratings = posts.filter(reviews & ~pl.col("is_own_post"))["rating"]
    assert ratings.null_count() == 0 and ratings.is_between(1, 5).all()
    assert posts.filter(~reviews)["rating"].null_count() == posts.filter(~reviews).height
    negative = posts.filter(reviews & VOICE & (pl.col("sentiment") == "negative"))["rating"]
    positive = posts.filter(reviews & VOICE & (pl.col("sentiment") == "positive"))["rating"]
    assert negative.max() <= 2 and positive.min() >= 4


def test_authors_and_engagement_are_heavy_tailed(sample: Sample) -> None:
    people = sample.posts.filter(VOICE & (pl.col("platform") != "reviews"))
    followers = people["author_followers"]
    assert followers.quantile(0.99) > 20 * followers.median()
    assert 0.005 < _share(people, pl.col("author_verified")) < 0.05
    assert people["likes"].quantile(0.99) > 10 * max(1, people["likes"].median())
    correlation = people.select(
        pl.corr(pl.col("author_followers").log1p(), pl.col("likes").log1p())
    ).item()
    assert correlation > 0.3
    # Some authors post often, most rarely.
    posts_per_author = people.group_by("platform", "author_id").len()["len"]
    assert posts_per_author.max() >= 5


def test_relevant_posts_name_their_brands_and_avoid_exclusion_terms(sample: Sample) -> None:
    brands = {b.slug: b for b in sample.config.brands.all}
    excluded = [t.lower() for b in brands.values() for t in b.exclude]
    voice = sample.posts.filter(VOICE & (pl.col("true_lang") == "en"))
    for text, slugs in voice.select("text", "brands").iter_rows():
        lowered = text.lower()
        for slug in slugs.split():
            terms = [*brands[slug].aliases, *brands[slug].handles, *brands[slug].hashtags]
            assert any(t.lower() in lowered for t in terms), (text, slugs)
        assert not any(term in lowered for term in excluded), text


def test_unrelated_posts_use_a_brand_word_in_another_sense(sample: Sample) -> None:
    brands = sample.config.brands.all
    words = {w.lower() for b in brands for a in b.aliases for w in a.split()}
    words |= {t.lower() for b in brands for t in b.exclude}
    unrelated = sample.posts.filter(pl.col("is_unrelated"))
    assert (unrelated["brands"] == "").all()
    for text in unrelated["text"]:
        assert any(w in text.lower() for w in words), text
    # Most carry an exclusion term; a few are harder (the alias alone: "Apex, NC").
    excluded = [t.lower() for b in brands for t in b.exclude]
    carried = [any(t in text.lower() for t in excluded) for text in unrelated["text"]]
    assert 0.7 < sum(carried) / len(carried) < 0.97


def test_spam_comes_from_small_accounts_and_repeats_itself(sample: Sample) -> None:
    spam = sample.posts.filter(pl.col("is_spam"))
    assert spam["author_followers"].median() < 100
    assert (spam["brands"] == "").all()
    templates = spam["text"].str.replace_all(r"https?://\S+|\d+", "").n_unique()
    assert templates < spam.height / 5  # the same few templates over and over
    assert _share(spam, pl.col("text").str.contains("#")) > 0.3


def test_x_has_entities_escaped_like_the_api(sample: Sample) -> None:
    x = sample.posts.filter(pl.col("platform") == "x")["text"].to_list()
    assert not any(re.search(r"&(?!amp;|lt;|gt;)", text) for text in x)
    assert any("&amp;" in text for text in x)


def test_retweets_and_copies_point_at_earlier_posts(sample: Sample) -> None:
    posts = sample.posts
    originals = posts.select(
        "platform",
        pl.col("id").alias("repost_of_id"),
        pl.col("author_handle").alias("original_author"),
        pl.col("text").alias("original_text"),
        pl.col("ts").alias("original_ts"),
        pl.col("is_duplicate").alias("original_is_duplicate"),
    )
    retweets = posts.filter(pl.col("repost_of_id").is_not_null()).join(
        originals, on=["platform", "repost_of_id"], how="left"
    )
    assert retweets.height > 0 and (retweets["platform"] == "x").all()
    assert retweets["original_text"].null_count() == 0
    assert retweets["is_duplicate"].all() and not retweets["original_is_duplicate"].any()
    assert (retweets["ts"] >= retweets["original_ts"]).all()
    expected = "RT " + retweets["original_author"] + ": " + retweets["original_text"]
    assert (retweets["text"] == expected).all()
    copies = posts.filter(pl.col("is_duplicate") & pl.col("repost_of_id").is_null())
    voice_texts = set(posts.filter(~pl.col("is_duplicate"))["text"])
    assert _share(copies, pl.col("text").is_in(list(voice_texts))) > 0.95


def test_brand_replies_answer_earlier_posts_of_the_day_before_at_most(sample: Sample) -> None:
    posts = sample.posts
    targets = posts.select(
        "platform",
        pl.col("id").alias("in_reply_to_id"),
        pl.col("ts").alias("target_ts"),
        pl.col("brands").alias("target_brands"),
        pl.col("intent").alias("target_intent"),
    )
    replies = posts.filter(pl.col("in_reply_to_id").is_not_null()).join(
        targets, on=["platform", "in_reply_to_id"], how="left"
    )
    assert replies.height > 0
    assert replies["target_ts"].null_count() == 0  # every reply answers a post in the data
    assert replies["is_own_post"].all()
    delay = replies["ts"] - replies["target_ts"]
    assert (delay.dt.total_seconds() >= 60).all()
    assert (replies["day"] - replies["target_ts"].dt.date() <= dt.timedelta(days=1)).all()
    assert replies["target_intent"].is_in(["complaint", "purchase_intent"]).all()
    handles = {h: b.slug for b in sample.config.brands.all for h in b.handles}
    owners = replies["author_handle"].replace_strict(handles)
    assert all(o in t.split() for o, t in zip(owners, replies["target_brands"], strict=True))

    # The tracked brand answers ~60% of its complaints and purchase questions, once each.
    eligible = posts.filter(
        VOICE
        & (pl.col("true_lang") == "en")
        & pl.col("brands").str.contains("nimbus")
        & pl.col("intent").is_in(["complaint", "purchase_intent"])
        & ~pl.col("day").is_in(sample.effects.complaint_spike_days)
    )
    nimbus = replies.filter(pl.col("author_handle").is_in(["@NimbusHelp", "@NimbusMobile"]))
    answered = eligible["id"].is_in(nimbus["in_reply_to_id"].implode())
    assert 0.45 < answered.mean() < 0.75, answered.mean()
    assert nimbus["in_reply_to_id"].is_duplicated().sum() == 0
    minutes = (nimbus["ts"] - nimbus["target_ts"]).dt.total_minutes()
    assert 5 <= minutes.median() <= 120 and minutes.max() > 120


def test_brand_posts_come_from_configured_verified_accounts(sample: Sample) -> None:
    handles = [h for b in sample.config.brands.all for h in b.handles]
    own = sample.posts.filter(pl.col("is_own_post"))
    assert own["author_handle"].is_in(handles).all()
    assert own.filter(pl.col("platform") != "reviews")["author_verified"].all()
    assert not sample.posts.filter(~pl.col("is_own_post"))["author_handle"].is_in(handles).any()
    announcements = own.filter(pl.col("in_reply_to_id").is_null())
    assert announcements["text"].str.contains(r"utm_content=").all()


def test_texts_vary_and_have_no_leftover_placeholders(sample: Sample) -> None:
    assert not sample.posts["text"].str.contains(r"\{[a-z0-9_]+\}").any()
    voice = sample.posts.filter(VOICE)
    assert voice["text"].n_unique() > 0.97 * voice.height
    assert (
        _share(voice, pl.col("text").str.contains(r"[😀-🙏🔥🚀💯👏❤️🤔👀📱🙌😡🤬😤🙄😩👎💀😠🤦]"))
        > 0.1
    )
    assert voice["text"].str.contains(r"^[A-Z0-9@# !.,?'$:]+$").any()  # ALL CAPS rants


def test_organic_links_carry_utm_parameters_of_their_own_post(sample: Sample) -> None:
    linked = sample.posts.filter(VOICE & pl.col("text").str.contains("utm_content="))
    assert 0.01 < linked.height / sample.posts.filter(VOICE).height < 0.06
    for text, post_id, platform in linked.select("text", "id", "platform").iter_rows():
        url = re.search(r"https://\S+", text.replace("&amp;", "&")).group(0)
        assert f"utm_source={platform}&utm_medium=social" in url
        assert url.endswith(f"utm_content={post_id}")


def test_labelled_corpus_is_english_brand_talk_with_every_label() -> None:
    corpus = labelled_corpus(3000, seed=11)
    assert corpus.columns == ["text", "sentiment", "intent"]
    assert corpus.height == 3000
    assert set(corpus["sentiment"].unique()) == set(SENTIMENT_LABELS)
    assert set(corpus["intent"].unique()) == set(INTENT_LABELS)
    assert corpus["text"].n_unique() > 2900
    assert not corpus["text"].str.contains("https?://|&amp;").any()
    assert corpus.equals(labelled_corpus(3000, seed=11))
    assert not corpus.equals(labelled_corpus(3000, seed=12))
