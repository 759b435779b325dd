"""Word and emoji valences, and the small word lists that change a word's force.

Valences come from the VADER lexicon (Hutto & Gilbert, ICWSM 2014; MIT licence): about 7,500
words, slang and emoticons, each rated -4..+4 by ten people. It is read from the installed
`vaderSentiment` package, never copied here. An emoji gets the mean valence of the rated words in
its Unicode name ("face with tears of joy" -> joy), so emoji count like words.

The rule lists below (negators, boosters, contrast words) are Listener's own; they say how a word
changes the words after it, the way every lexicon scorer since the 2000s has done.
"""

from __future__ import annotations

import functools
import hashlib
from importlib import resources

import polars as pl

NEGATORS = (
    "not", "no", "never", "nothing", "nobody", "none", "neither", "nor", "nowhere", "without",
    "cannot", "cant", "dont", "doesnt", "didnt", "isnt", "wasnt", "arent", "werent", "wont",
    "wouldnt", "shouldnt", "couldnt", "aint", "hasnt", "havent", "hadnt", "hardly", "barely",
    "neva", "nah", "n't",
)  # fmt: skip
# How much a booster raises (or a dampener lowers) the next opinion word's strength.
BOOSTER_STEP = 0.293
BOOSTERS = (
    "absolutely", "amazingly", "awfully", "completely", "deeply", "so", "effing", "enormously",
    "entirely", "especially", "exceptionally", "extremely", "fabulously", "freaking", "fucking",
    "fully", "greatly", "highly", "hugely", "incredibly", "intensely", "majorly", "more", "most",
    "particularly", "purely", "quite", "really", "remarkably", "seriously", "super", "thoroughly",
    "totally", "tremendously", "truly", "unbelievably", "utterly", "very", "mega", "hella",
    "soo", "sooo", "waaay", "way",
)  # fmt: skip
DAMPENERS = (
    "almost", "barely", "hardly", "kinda", "kindof", "less", "little", "marginally",
    "occasionally", "partly", "scarcely", "slightly", "somewhat", "sorta", "sortof", "bit",
)  # fmt: skip
# A negated opinion word keeps part of its force, in the opposite direction.
NEGATION_FACTOR = -0.74
# Opinions after a contrast word weigh more than those before it ("ok phone but awful battery").
CONTRAST_WORDS = ("but", "however")
BEFORE_CONTRAST, AFTER_CONTRAST = 0.5, 1.5


@functools.cache
def _package_text(name: str) -> str:
    return resources.files("vaderSentiment").joinpath(name).read_text(encoding="utf-8")


@functools.cache
def word_valences() -> dict[str, float]:
    """Single-token entries of the VADER lexicon: token -> mean rating (-4..+4)."""
    out: dict[str, float] = {}
    for line in _package_text("vader_lexicon.txt").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and " " not in parts[0] and parts[0] not in out:
            out[parts[0]] = float(parts[1])
    return out


@functools.cache
def emoji_valences() -> dict[str, float]:
    """Emoji -> mean valence of the rated words in its Unicode name (unrated names are left out)."""
    words = word_valences()
    out: dict[str, float] = {}
    for line in _package_text("emoji_utf8_lexicon.txt").splitlines():
        emoji, _, name = line.partition("\t")
        rated = [words[w] for w in name.lower().split() if w in words]
        if emoji and rated:
            out[emoji] = sum(rated) / len(rated)
    return out


@functools.cache
def valence_table() -> pl.DataFrame:
    """token -> valence for words, emoticons and emoji, ready to join on tokens."""
    merged = {**word_valences(), **emoji_valences()}
    return pl.DataFrame(
        {"token": list(merged), "valence": list(merged.values())},
        schema={"token": pl.String, "valence": pl.Float64},
    )


@functools.cache
def fingerprint() -> str:
    """A short hash of every list and valence, stored in model cards: a model trained on other
    lexicon values is detected instead of silently scoring with different features."""
    digest = hashlib.sha256()
    for token, valence in sorted({**word_valences(), **emoji_valences()}.items()):
        digest.update(f"{token}\t{valence}\n".encode())
    for words in (NEGATORS, BOOSTERS, DAMPENERS, CONTRAST_WORDS):
        digest.update(" ".join(words).encode() + b"\n")
    return digest.hexdigest()[:16]
