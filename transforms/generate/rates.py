"""The generator's knobs: how often each kind of post, label, language and link occurs.

Probabilities are tuned so the landing data looks like a real export mix (see docs/sample_data.md);
the planted effects (spike, campaign, rising brand) live in `effects.py`.
"""

from __future__ import annotations

import numpy as np

from transforms.schema import INTENT_LABELS, SENTIMENT_LABELS

INTENTS = INTENT_LABELS  # complaint, purchase_intent, question, praise, other
SENTIMENTS = SENTIMENT_LABELS  # negative, neutral, positive
COMPLAINT, PURCHASE, QUESTION, PRAISE, OTHER = range(5)
NEGATIVE, NEUTRAL, POSITIVE = range(3)
TOPICS = (
    "coverage",
    "5g",
    "outage",
    "billing",
    "roaming",
    "support",
    "store",
    "upgrade",
    "plans",
    "prices",
)
T = {name: i for i, name in enumerate(TOPICS)}
LANGS = ("en", "es", "pt", "fr", "de")

# Share of each platform in the daily volume.
PLATFORM_MIX = {
    "x": 0.40,
    "reddit": 0.15,
    "facebook": 0.15,
    "instagram": 0.12,
    "youtube": 0.10,
    "reviews": 0.08,
}

# Per platform: spam, unrelated (brand word in another sense), duplicate (repost/copy).
# Weighted by PLATFORM_MIX these give ~5% spam, ~6% unrelated, ~8% duplicates.
NOISE_RATES = {
    "x": (0.07, 0.07, 0.14),
    "reddit": (0.03, 0.07, 0.04),
    "facebook": (0.05, 0.06, 0.05),
    "instagram": (0.06, 0.06, 0.04),
    "youtube": (0.05, 0.06, 0.03),
    "reviews": (0.02, 0.01, 0.03),
}
RETWEET_SHARE = 0.75  # duplicates on x that are retweets ("RT @handle: ...") rather than copies
REDDIT_COMMENT_SHARE = 0.6  # reddit posts that are comments (t1_) rather than submissions (t3_)

NON_ENGLISH_RATE = 0.057  # of organic posts: ~4% of all posts
NON_ENGLISH_LANGS = np.array([0.0, 0.45, 0.25, 0.15, 0.15])  # weights over LANGS
COMPARISON_RATE = 0.10  # organic posts that compare two brands
TYPO_RATE = 0.06
SHOUTING_RATE = 0.12  # negative complaints written in ALL CAPS
REVIEW_ENTITY_RATE = 0.10  # review texts scraped with &#39; / &amp; entities

# Intent mix of organic posts per brand role; the rising brand gets more praise and switchers.
INTENT_MIX = np.array([0.30, 0.12, 0.20, 0.18, 0.20])
RISING_INTENT_MIX = np.array([0.20, 0.18, 0.17, 0.27, 0.18])
# Sentiment given intent (rows: intents; columns: negative, neutral, positive).
SENTIMENT_GIVEN_INTENT = np.array(
    [
        [0.90, 0.10, 0.00],  # complaint
        [0.06, 0.56, 0.38],  # purchase_intent
        [0.14, 0.78, 0.08],  # question
        [0.00, 0.07, 0.93],  # praise
        [0.18, 0.55, 0.27],  # other
    ]
)
# Topic given intent (rows: intents; columns: TOPICS).
TOPIC_GIVEN_INTENT = np.array(
    [
        [0.15, 0.10, 0.20, 0.20, 0.06, 0.17, 0.05, 0.03, 0.02, 0.02],
        [0.05, 0.05, 0.00, 0.00, 0.00, 0.00, 0.15, 0.20, 0.30, 0.25],
        [0.10, 0.10, 0.05, 0.15, 0.15, 0.05, 0.10, 0.10, 0.10, 0.10],
        [0.20, 0.20, 0.00, 0.00, 0.05, 0.20, 0.10, 0.10, 0.08, 0.07],
        [0.15, 0.15, 0.00, 0.00, 0.00, 0.10, 0.20, 0.15, 0.15, 0.10],
    ]
)
# Intent of organic posts that carry a link (people share offers, not outages).
LINK_INTENT_MIX = np.array([0.0, 0.35, 0.10, 0.35, 0.20])
# Default sentiment per intent for non-English templates (one tone per template set).
NON_ENGLISH_SENTIMENT = np.array([NEGATIVE, NEUTRAL, NEUTRAL, POSITIVE, NEUTRAL])

# How brands are written: alias / @handle / #hashtag, per platform.
MENTION_FORMS = {
    "x": (0.55, 0.25, 0.20),
    "reddit": (0.95, 0.03, 0.02),
    "facebook": (0.85, 0.10, 0.05),
    "instagram": (0.45, 0.20, 0.35),
    "youtube": (0.90, 0.05, 0.05),
    "reviews": (1.0, 0.0, 0.0),
}
LOWERCASE_ALIAS_RATE = 0.15
# Chance of trailing hashtags and emoji per platform.
HASHTAG_TAIL_RATE = {
    "x": 0.20,
    "reddit": 0.0,
    "facebook": 0.05,
    "instagram": 0.60,
    "youtube": 0.03,
    "reviews": 0.0,
}
EMOJI_RATE = {
    "x": 0.35,
    "reddit": 0.08,
    "facebook": 0.30,
    "instagram": 0.60,
    "youtube": 0.25,
    "reviews": 0.05,
}

# Scheduled link posts, per row of a social platform (not reviews).
ANNOUNCE_RATE_TRACKED = 0.006
ANNOUNCE_RATE_COMPETITOR = 0.003
ORGANIC_LINK_RATE = 0.021  # ~3% of organic posts
# Brand replies: share of eligible posts (English complaints and purchase intents mentioning the
# brand) answered. Set a little above the planned 60% / 25%: slots are placed without looking at
# where the posts are, and some posts that look eligible in the ground truth (e.g. unfilled reply
# slots turned into ordinary posts) are never candidates.
REPLY_COVERAGE_TRACKED = 0.66
REPLY_COVERAGE_COMPETITOR = 0.28
REPLY_DELAY_MEDIAN_MIN = {"tracked": 40.0, "competitor": 120.0}
REPLY_LOOKBACK = 64  # candidate rows scanned for a reply target
DUPLICATE_DELAY_MEDIAN_MIN = 150.0
DUPLICATE_LOOKBACK = 16

# Author pools (followers are lognormal: heavy-tailed).
FOLLOWERS_MEDIAN = 180.0
FOLLOWERS_SIGMA = 1.7
SPAM_FOLLOWERS_MEDIAN = 25.0
VERIFIED_RATE = 0.019
AUTHOR_POOL_PER_POST = 2.5  # pool size per daily post of the platform (some authors post a lot)

# Campaign mix of the tracked brand's link posts (switch & save only during the campaign).
CAMPAIGN_MIX_NORMAL = {"always_on": 0.6, "family_plan": 0.4}
CAMPAIGN_MIX_PROMO = {"switch_save": 0.5, "always_on": 0.3, "family_plan": 0.2}
CAMPAIGN_PATHS = {
    "switch_save": "/switch-and-save",
    "always_on": "/plans",
    "family_plan": "/family-plan",
    "competitor": "/deals",
}
