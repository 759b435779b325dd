"""Brand terms that begin or end with punctuation (`Nimbus 100%`, `Nimbus (fast)`, `"Nimbus"`,
`O'Nimbus`) are whole terms like any other: found between spaces or at the ends of a post, and
not inside a longer word."""

import polars as pl
import pytest

from transforms.clean import lowercase_term_pattern


def found(terms: list[str], texts: list[str]) -> list[bool]:
    pattern = lowercase_term_pattern(terms)
    return pl.Series([t.lower() for t in texts]).str.contains(pattern).to_list()


@pytest.mark.parametrize(
    "term, inside, not_inside",
    [
        ("Nimbus 100%", ["love nimbus 100% of the time", "nimbus 100%", "(nimbus 100%)"],
         ["nimbus 1000% more", "xnimbus 100%"]),
        ("Nimbus (fast)", ["got nimbus (fast) today", "nimbus (fast)"], ["nimbus (faster)"]),
        ('"Nimbus"', ['they said "nimbus" again', '"nimbus"'], ["nimbus"]),
        ("O'Nimbus", ["o'nimbus rocks", "so o'nimbus"], ["o'nimbusy"]),
        ("Nimbus; Mobile", ["nimbus; mobile is down"], ["nimbus; mobiles"]),
        ("Nimbus", ["nimbus!", "hey nimbus"], ["cumulonimbus", "nimbusy"]),
    ],
)  # fmt: skip
def test_terms_with_punctuation_at_an_edge_match_as_whole_terms(term, inside, not_inside):
    assert found([term], inside) == [True] * len(inside)
    assert found([term], not_inside) == [False] * len(not_inside)


def test_a_list_mixing_both_kinds_finds_each():
    terms = ["Nimbus 100%", "Nimbus Mobile", "nimbus"]
    assert found(terms, ["nimbus 100%", "nimbus mobile", "nimbus", "nimbusx"]) == [
        True, True, True, False,
    ]  # fmt: skip
