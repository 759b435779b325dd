import datetime as dt

import polars as pl

from transforms import schema
from transforms.clean import clean_posts, regex_escape, term_pattern
from transforms.config import load_config

BRANDS = load_config().brands.all
DAY = dt.date(2026, 10, 5)


def raw(*texts: str, **columns) -> pl.DataFrame:
    n = len(texts)
    base = {
        "post_id": [f"x:{i}" for i in range(n)],
        "platform": ["x"] * n,
        "native_id": [str(i) for i in range(n)],
        "created_at": [dt.datetime(2026, 10, 5, 8, i, tzinfo=dt.UTC) for i in range(n)],
        "author_id": [f"a{i}" for i in range(n)],
        "author_handle": [f"@person{i}" for i in range(n)],
        "author_followers": [500] * n,
        "author_verified": [False] * n,
        "text": list(texts),
        "lang": [None] * n,
        "in_reply_to_post_id": [None] * n,
        "repost_of_post_id": [None] * n,
        "likes": [1] * n,
        "shares": [0] * n,
        "comments": [0] * n,
        "impressions": [None] * n,
        "rating": [None] * n,
        "source": ["x"] * n,
        "batch_id": ["b"] * n,
        "day": [DAY] * n,
    }
    base.update(columns)
    frame = pl.DataFrame(base)
    absent = [pl.lit(None).alias(c) for c in schema.RAW_POST if c not in frame.columns]
    return frame.with_columns(absent).select(list(schema.RAW_POST)).cast(schema.RAW_POST)


def brands_of(matches: pl.DataFrame, post_id: str) -> dict[str, str]:
    rows = matches.filter(pl.col("post_id") == post_id)
    return dict(zip(rows["brand"], rows["matched_by"], strict=True))


def test_brand_matching_by_handle_hashtag_and_alias():
    posts, matches = clean_posts(
        raw(
            "@NimbusMobile my bill is wrong again",
            "loving the #OrbitFiber speeds",
            "switched from Apex to pulse connect, way better",
            "nothing to see here",
        ),
        BRANDS,
    )
    assert brands_of(matches, "x:0") == {"nimbus": "handle"}
    assert brands_of(matches, "x:1") == {"orbit": "hashtag"}
    assert brands_of(matches, "x:2") == {"apex": "alias", "pulse": "phrase"}
    assert brands_of(matches, "x:3") == {}
    reasons = dict(zip(posts["post_id"], posts["exclusion_reason"], strict=True))
    assert reasons["x:0"] is None and reasons["x:3"] == "no_brand_match"


def test_exclusion_terms_drop_unrelated_senses_but_not_handles():
    posts, matches = clean_posts(
        raw(
            "cumulonimbus clouds over the bay, nimbus everywhere",
            "apex predator documentary tonight",
            "apex predator doc, then called @ApexCares about my bill",
            "Nimbusy is not a word",
        ),
        BRANDS,
    )
    # The unrelated senses are kept as `excluded` matches (the reason survives), never as voice.
    assert brands_of(matches, "x:0") == {"nimbus": "excluded"}
    assert brands_of(matches, "x:1") == {"apex": "excluded"}
    assert brands_of(matches, "x:2") == {"apex": "handle"}
    assert brands_of(matches, "x:3") == {}
    reasons = dict(zip(posts["post_id"], posts["exclusion_reason"], strict=True))
    assert reasons == {"x:0": "no_brand_match", "x:1": "no_brand_match", "x:2": None,
                       "x:3": "no_brand_match"}  # fmt: skip


def test_context_terms_confirm_a_one_word_alias(config):
    nimbus = config.brands.tracked.model_copy(update={"context": ["5g", "plan"]})
    _, matches = clean_posts(raw("nimbus 5G is fast", "nimbus again"), [nimbus])
    assert brands_of(matches, "x:0") == {"nimbus": "context"}
    assert brands_of(matches, "x:1") == {"nimbus": "alias"}


def test_text_normalization_links_and_utm():
    posts, _ = clean_posts(
        raw(
            "Deal &amp; more: https://nimbusmobile.example/p?utm_source=x&utm_medium=social"
            "&utm_campaign=nimbus_switch_save&utm_content=123  #Nimbus5G   @Friend"
        ),
        BRANDS,
    )
    row = posts.row(0, named=True)
    assert row["text_clean"].startswith("Deal & more:")
    assert "  " not in row["text_clean"]
    assert row["utm_campaign"] == "nimbus_switch_save"
    assert row["utm_source"] == "x" and row["utm_content"] == "123"
    assert row["hashtags"] == "#nimbus5g" and row["mentions"] == "@friend"


def test_own_posts_duplicates_and_spam_are_flagged_not_dropped():
    posts, _ = clean_posts(
        raw(
            "We are sorry about the outage, DM us @NimbusHelp",
            "Nimbus coverage is great in Denver",
            "RT @someone: Nimbus coverage is great in Denver",
            "nimbus coverage is GREAT in denver!!",
            "FREE FOLLOWERS giveaway click here http://spam.example #nimbus5g #a #b #c",
            author_handle=["@NimbusHelp", "@a", "@b", "@c", "@d"],
            author_followers=[90_000, 300, 300, 300, 3],
            repost_of_post_id=[None, None, "x:1", None, None],
        ),
        BRANDS,
    )
    assert posts.height == 5
    reasons = dict(zip(posts["post_id"], posts["exclusion_reason"], strict=True))
    assert reasons == {
        "x:0": "own_post",
        "x:1": None,
        "x:2": "duplicate",
        "x:3": "duplicate",
        "x:4": "spam",
    }
    assert posts.filter(pl.col("post_id") == "x:0")["own_brand"][0] == "nimbus"


def test_language_from_platform_or_stopwords():
    posts, _ = clean_posts(
        raw(
            "my Nimbus phone is not working and the support is useless",
            "el servicio de Nimbus es muy malo para mi casa",
            "Nimbus",
            "Nimbus geht nicht",
            lang=[None, None, None, "de"],
        ),
        BRANDS,
    )
    assert posts.sort("post_id")["is_english"].to_list() == [True, False, True, False]


def test_regex_escape_keeps_terms_literal():
    assert regex_escape("a.b(c)") == r"a\.b\(c\)"
    frame = pl.DataFrame({"t": ["price is $5 (promo)", "price is 55 promo"]})
    hit = frame.select(pl.col("t").str.contains(term_pattern(["$5 (promo)"])))["t"].to_list()
    assert hit == [True, False]


def test_what_the_source_declares_is_believed(config):
    frame = raw(
        "loving the new plan",  # a vendor export of the nimbus query: no brand word in the text
        "thanks for reaching out, we will DM you",  # marked as the brand's own by the export
        "great deal https://t.co/abc",  # the platform expanded the short link
        declared_brand=["nimbus", None, None],
        declared_own_post=[None, True, None],
        declared_urls=[None, None, "https://nimbusmobile.example/deal?utm_source=x&utm_campaign=s"],
    )
    posts, matches = clean_posts(frame, config.brands.all)
    assert matches.filter(pl.col("post_id") == "x:0")["matched_by"].to_list() == ["source"]
    assert posts["is_own_post"].to_list() == [False, True, False]
    assert posts["own_brand"][1] == config.brands.tracked.slug
    assert posts["utm_campaign"][2] == "s"
    assert posts["urls"][2].split(" ") == [
        "https://t.co/abc",
        "https://nimbusmobile.example/deal?utm_source=x&utm_campaign=s",
    ]


def test_a_brand_query_decides_what_the_brand_matches(config):
    orbit = config.brands.competitors[1].model_copy(
        update={"query": '({Orbit} OR @OrbitTelecom) AND NOT "in orbit"'}
    )
    frame = raw(
        "the new Orbit plan is cheap",
        "satellites in orbit, and Orbit is down",
        "orbit gum is back",
        "thanks @OrbitTelecom",
    )
    _, matches = clean_posts(frame, [config.brands.tracked, orbit])
    assert matches.select("post_id", "matched_by").rows() == [("x:0", "query"), ("x:3", "query")]


def test_emoji_cashtags_and_click_ids(config):
    frame = raw(
        "love the new plan 😍🔥 :) see https://nimbusmobile.example/p?gclid=AbC1&utm_source=x",
        "$nmbs up 5% today, $5 off at https://a.example/x?y=1 http://b.example/:)",
    )
    posts, _ = clean_posts(frame, config.brands.all)
    assert posts["emojis"].to_list() == ["😍 🔥 :)", ""]
    assert posts["cashtags"].to_list() == ["", "$NMBS"]
    assert posts["click_id"].to_list() == ["AbC1", None]
