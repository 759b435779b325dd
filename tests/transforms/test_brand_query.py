"""Boolean brand queries: syntax, matching and clear errors."""

import re

import polars as pl
import pytest
import yaml

from transforms.brand_query import And, Near, Not, Or, QueryError, Term, compile_query, parse
from transforms.config import PROJECT_ROOT, Brand, ConfigError, load_config

POSTS = pl.DataFrame(
    {
        "text_clean": [
            "I love Nimbus Mobile!",  # 0
            "cumulonimbus clouds over the bay",  # 1
            "the new Orbit plan is cheap",  # 2
            "the moon's orbit around earth",  # 3
            "nimbus again, rain cloud ahead",  # 4
            "Nimbus - Mobile deal of the week",  # 5
            "switching to nimbus tomorrow",  # 6
            "AT&T and c++ fans",  # 7
            "Nimbus prices went up, I will switch",  # 8
            None,  # 9
        ],
        "mentions": ["", "", "@orbittelecom", "", "", "", "", "", "", None],
        "hashtags": ["", "", "", "", "#nimbus5g", "", "", "", "", None],
    }
)


def matches(query: str) -> list[int]:
    flags = POSTS.select(compile_query(query).alias("m"))["m"]
    return [i for i, hit in enumerate(flags) if hit]


def test_precedence_and_implicit_and():
    assert parse("a b OR c NOT d") == Or(
        (
            And((Term("word", "a"), Term("word", "b"))),
            And((Term("word", "c"), Not(Term("word", "d")))),
        )
    )
    assert parse('"a b" NEAR/3 {C}') == Near(Term("phrase", "a b"), Term("case", "C"), 3)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("nimbus", [0, 4, 5, 6, 8]),  # whole words only: not "cumulonimbus"
        ('"nimbus mobile"', [0, 5]),  # a phrase across punctuation
        ("nimbus mobile", [0, 5]),  # adjacent terms mean AND
        ('nimbus AND NOT ("rain cloud" OR mobile)', [6, 8]),
        ("{Orbit}", [2]),  # case-sensitive: the brand, not the word
        ("orbit NOT {Orbit}", [3]),
        ("@OrbitTelecom", [2]),
        ("#Nimbus5G", [4]),
        ("switch*", [6, 8]),  # prefix wildcard
        ("switch* NEAR/1 nimbus", [6]),  # at most one word apart, either order
        ("switch* NEAR/6 nimbus", [6, 8]),
        ("(switch* OR love) NEAR/2 (nimbus OR orbit)", [0, 6]),
        ("AT&T OR c++", [7]),  # punctuation is literal
        ("NOT nimbus", [1, 2, 3, 7, 9]),  # a post without text matches no term
    ],
)
def test_matching(query, expected):
    assert matches(query) == expected


@pytest.mark.parametrize(
    "query, problem",
    [
        ("", "empty"),
        ("(nimbus OR apex", "never closed"),
        ("nimbus OR", "ends too early"),
        ("nimbus )", r"unexpected '\)'"),
        ('""', "empty phrase"),
        ("AND nimbus", "expected a term"),
        ("(a NOT b) NEAR/2 c", "NEAR/n joins words"),
    ],
)
def test_bad_queries_say_what_and_where(query, problem):
    with pytest.raises(QueryError, match=problem):
        compile_query(query)


def test_a_bad_query_in_the_config_names_the_brand(tmp_path):
    raw = yaml.safe_load((PROJECT_ROOT / "config" / "listener.yml").read_text())
    raw["brands"]["competitors"][1]["query"] = "(orbit OR {Orbit}"
    path = tmp_path / "listener.yml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError, match=r"brands\.competitors\[1\]\.query: .*never closed"):
        load_config(path)


def test_the_documented_example_compiles_and_matches():
    text = (PROJECT_ROOT / "docs" / "brand_queries.md").read_text()
    block = re.search(r"```yaml\n(.*?)```", text, flags=re.S).group(1)
    orbit = Brand.model_validate(yaml.safe_load(block)["brands"]["competitors"][0])
    assert matches(orbit.query) == [2]
