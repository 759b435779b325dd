"""The retraining job: learns from the labels file when there is one, and promotes a candidate
only when it beats the model in use on the same held-out rows."""

from __future__ import annotations

import polars as pl

from transforms.generate import labelled_corpus
from transforms.model_registry import current_version_dir
from transforms.retraining import labels_file, retrain


def write_labels(config, task: str, labels: list[str], texts: list[str]) -> None:
    path = labels_file(config, task)
    path.parent.mkdir(parents=True, exist_ok=True)
    pl.DataFrame({"text": texts, "label": labels}).write_csv(path)


def test_labels_are_learned_and_a_candidate_that_does_not_win_is_not_promoted(config):
    corpus = labelled_corpus(1_500, 7, config)
    write_labels(config, "sentiment", corpus["sentiment"].to_list(), corpus["text"].to_list())
    first = retrain(config, "sentiment")
    assert first["trained"] and first["candidate"]["method"] == "supervised"
    assert first["promoted"], first["reason"]
    promoted_version = first["candidate"]["version"]

    # The same labels again: the model in use learned from every row, the held-out ones
    # included, so a candidate fitted on four fifths cannot beat it and must not replace it.
    second = retrain(config, "sentiment")
    assert second["trained"] and not second["promoted"]
    assert "does not beat" in second["reason"]
    directory = config.data_dir / "models" / "sentiment"
    assert current_version_dir(directory).name == promoted_version


def test_relevance_without_labels_is_skipped_with_the_reason(config):
    result = retrain(config, "relevance")
    assert result == {
        "task": "relevance",
        "trained": False,
        "promoted": False,
        "reason": f"no labels at {labels_file(config, 'relevance')}: relevance learns only "
        "from labelled matches",
    }
