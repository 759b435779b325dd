"""`labelled_corpus`: English brand posts with their labels, to train the first classifiers."""

from __future__ import annotations

import numpy as np
import polars as pl

from transforms.config import PLATFORMS, Config, load_config
from transforms.generate import rates
from transforms.generate.hashing import Keys, Stream, cumulative, pick, pick_rows
from transforms.generate.plan import Planner
from transforms.generate.text import comparison_allowed

_SENT_CUM = cumulative(rates.SENTIMENT_GIVEN_INTENT)
_TOPIC_CUM = cumulative(rates.TOPIC_GIVEN_INTENT)
_INTENT_CUM = cumulative(rates.INTENT_MIX)
_PLATFORM_CUM = cumulative(np.array([rates.PLATFORM_MIX[p] for p in PLATFORMS]))


def labelled_corpus(n: int, seed: int, config: Config | None = None) -> pl.DataFrame:
    """`n` English brand-relevant posts with columns text, sentiment, intent.

    Built by the sample's text machinery from its own random stream ("labelled-corpus"), so the
    texts are not copies of the sample's posts. Texts are as people type them: no HTML entities
    and no links (those are export artefacts the pipeline removes before classifying).
    """
    config = config or load_config()
    planner = Planner(config, config.sample.start, 1, 10, seed)
    stream = Stream(seed, "labelled-corpus")
    keys = Keys([(stream, np.arange(n, dtype=np.int64))])
    n_brands = len(planner.brands)
    shares = planner.effects.brand_shares(planner.start)
    brand_cum = cumulative(np.array([shares[s] for s in planner.slugs]))

    platform = pick(_PLATFORM_CUM, keys.uniform("platform"))
    brand1 = pick(brand_cum, keys.uniform("brand"))
    other = (brand1 + 1 + keys.below("brand2", max(1, n_brands - 1))) % n_brands
    intent = pick(_INTENT_CUM, keys.uniform("intent"))
    sentiment = pick_rows(_SENT_CUM, intent, keys.uniform("sentiment"))
    topic = pick_rows(_TOPIC_CUM, intent, keys.uniform("topic"))
    comparison = (
        (keys.uniform("comparison") < rates.COMPARISON_RATE)
        & comparison_allowed()[intent, sentiment]
        & (n_brands > 1)
    )
    texts = planner.text.organic(
        keys, platform, brand1, np.where(comparison, other, -1), intent, sentiment, topic
    )
    return pl.DataFrame(
        {
            "text": texts,
            "sentiment": pl.Series(rates.SENTIMENTS).gather(sentiment),
            "intent": pl.Series(rates.INTENTS).gather(intent),
        }
    )
