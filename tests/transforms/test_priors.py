"""The out-of-the-box priors: intent rules and brand-relevance rules."""

import numpy as np
import polars as pl

from transforms import schema
from transforms.priors import intent_prior, relevance_prior
from transforms.text_features import featurize

INTENTS = np.array(schema.INTENT_LABELS)


def intents(texts: list[str]) -> list[str]:
    series = pl.Series(texts)
    return INTENTS[intent_prior(series, featurize(series)).argmax(axis=1)].tolist()


def test_intent_rules_for_triage():
    assert intents(
        [
            "@NimbusHelp my phone is still not working after 3 days, please fix this",
            "do you have resellers in Missouri? thinking of switching",
            "what time does the downtown store open?",
            "thank you Nimbus, the support team was amazing today!",
            "watching the game tonight",
        ]
    ) == ["complaint", "purchase_intent", "question", "praise", "other"]


def test_relevance_rules_by_how_the_brand_matched(config):
    texts = pl.Series(["@NimbusMobile hi", "nimbus is down", "cumulonimbus and nimbus clouds",
                       "Nimbus Mobile rocks", "nothing here"])  # fmt: skip
    relevant = relevance_prior(texts, config.brands.all)[:, 1]
    assert relevant[0] > relevant[3] > relevant[1] > 0.5 > relevant[4] > relevant[2]
