"""`make eval`: macro-F1 of the out-of-the-box sentiment model on real, human-labelled posts.

Reads the evaluation sets from `../shared/data/` (never copied into the repository, never needed at
run time) and prints one JSON object per set. A majority-class baseline is printed beside each
score so the figure can be read honestly.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import polars as pl
from sklearn.metrics import f1_score

from transforms.classify import ensure_default_models, load_model, predict
from transforms.config import PROJECT_ROOT, load_config
from transforms.zones import models_dir

SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
SENTIMENT140_LABELS = {"0": "negative", "2": "neutral", "4": "positive"}


def real_sets(root: Path = SHARED_DATA) -> dict[str, pl.DataFrame]:
    """text + label (negative/neutral/positive) for each real set that is present."""
    sets: dict[str, pl.DataFrame] = {}
    tweeteval = root / "tweeteval_sentiment" / "tweeteval_sentiment_test.csv"
    if tweeteval.exists():
        sets["tweeteval_test"] = pl.read_csv(tweeteval).select("text", "label")
    sanders = root / "sanders_brand_sentiment" / "sanders_full_corpus.csv"
    if sanders.exists():
        frame = pl.read_csv(sanders).filter(pl.col("Sentiment") != "irrelevant")
        sets["sanders_relevant"] = frame.select(text="TweetText", label="Sentiment")
    s140 = root / "sentiment140_test" / "testdata.manual.2009.06.14.csv"
    if s140.exists():
        frame = pl.read_csv(s140, has_header=False, infer_schema=False, encoding="utf8-lossy")
        sets["sentiment140_test"] = frame.select(
            text=pl.col("column_6"), label=pl.col("column_1").replace_strict(SENTIMENT140_LABELS)
        )
    return sets


def main() -> int:
    sets = real_sets()
    if not sets:
        print(f"no evaluation data found under {SHARED_DATA}; nothing to report")
        return 0
    config = load_config()
    with tempfile.TemporaryDirectory() as tmp:
        config = config.model_copy(update={"data_dir": Path(tmp)})
        ensure_default_models(config)
        pipeline, card = load_model(models_dir(config) / "sentiment")
        for name, frame in sets.items():
            truth = frame["label"].to_list()
            predicted, _ = predict(pipeline, frame["text"])
            majority = frame["label"].mode()[0]
            report = {
                "set": name,
                "rows": frame.height,
                "model": f"default sentiment {card.version}",
                "macro_f1": round(f1_score(truth, list(predicted), average="macro"), 4),
                "majority_class_macro_f1": round(
                    f1_score(truth, [majority] * len(truth), average="macro"), 4
                ),
            }
            print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
