"""Exact copies, retweets and near copies of linked posts; short and unlinked texts stay."""

import numpy as np
import polars as pl

from transforms.near_duplicates import duplicate_kinds, signatures

TEMPLATE = "Get 7k REAL followers for just $15 today, DM now {} https://spam.example/{}"


def kinds(texts: list[str]) -> pl.DataFrame:
    content, signature = signatures(pl.Series(texts))
    return duplicate_kinds(np.arange(len(texts)), content, signature)


def test_exact_copies_and_retweets_repeat_the_first_post():
    out = kinds(["Nimbus ruined my weekend!", "nimbus ruined my weekend",
                 "RT @bob: Nimbus ruined my weekend https://t.example/1"])  # fmt: skip
    assert out["exact"].to_list() == [False, True, True]
    assert out["cluster_size"].to_list() == [3, 3, 3]


def test_a_spam_template_with_other_links_is_a_near_copy():
    texts = [TEMPLATE.format(word, i) for i, word in enumerate(["please", "please", "pls"])]
    out = kinds(texts)
    assert out["exact"].to_list() == [False, True, False]  # the link is not part of the text
    assert out["near"].to_list() == [False, False, True]


def test_similar_opinions_without_links_are_separate_voices():
    out = kinds(["the new nimbus plan is great value for my whole family this year",
                 "the new nimbus plan is great value for my whole family this month"])  # fmt: skip
    assert out["near"].to_list() == [False, False] and out["exact"].to_list() == [False, False]


def test_different_linked_posts_are_not_near_copies():
    out = kinds(
        [
            "Orbit Telecom 5G is now live in Phoenix, check the map https://o.example/a",
            "Apex Wireless opens a new store downtown with deals all week https://a.example",
        ]
    )
    assert not out["near"].any()
