"""Out-of-the-box classifiers that need no labels: lexicon and rule priors.

They are what Listener uses on day one, and the teachers for self-training on the user's own
stream (transforms/self_training.py), which then learns the words of that stream.

- Sentiment: the lexicon compound score (transforms/text_features.py) against a neutral band.
  |compound| < NEUTRAL_BAND reads as neutral. The band was chosen on the TweetEval validation
  split (a held-out development set, never the test split); VADER's own 0.05 calls too many
  neutral posts polar on social media.
- Intent: phrase rules for complaints, purchase intent, questions and praise, combined with the
  lexicon's polarity (a complaint is a negative post about a problem; praise a positive one).

Both return class probabilities: soft scores passed through a softmax, so that self-training can
pick the posts the prior is most sure about.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from transforms import schema
from transforms.config import Brand
from transforms.text_features import LEXICON_FEATURES, Features
from transforms.text_model import softmax

NEUTRAL_BAND = 0.3
# Logit per unit of compound beyond the band. It sets how confident the probabilities are, never
# which label wins; 2.2 minimizes log loss on the TweetEval validation split.
SENTIMENT_SHARPNESS = 2.2

# Phrase rules, as regular expressions over the lowercased text. Each hit is evidence.
PURCHASE = (
    r"\b(buy|buying|purchase|purchasing|pre-?order|preorder|ordering|price|prices|pricing|"
    r"how much|cost|costs|quote|deal|deals|discount|coupon|promo|subscribe|sign(ing)? up|"
    r"switch(ing)? (to|over)|thinking (of|about) (getting|buying|switching|trying)|"
    r"(want|wanna|planning|going|looking) to (get|buy|try|switch|order|upgrade)|looking for a|"
    r"where (can|do|could) (i|we) (get|buy|find|order)|in stock|available in|resellers?|"
    r"dealers?|stores? near|ship(s|ping)? to|upgrade to|need a new|should i (get|buy)|"
    r"worth (it|buying|getting)|recommend(ations?)?|plan for|sell(s|ing)? (it|them|the))\b"
)
COMPLAINT = (
    r"\b(still (not|no|waiting|broken|down)|not working|doesnt work|does not work|dont work|"
    r"stopped working|wont (work|load|connect|start|charge)|broken|broke|outage|down again|"
    r"no (signal|service|response|reply|internet|connection|one)|refund|charged|overcharged|"
    r"double charged|cancell?ed|cancel my|waiting (for|on)|on hold|been waiting|hours|"
    r"worst|terrible|awful|horrible|useless|ridiculous|disappointed|disappointing|unacceptable|"
    r"fix (this|it|your)|complain(t|ing)?|error|issues?|problems?|bug|crash(es|ed|ing)?|"
    r"delayed|delay|lost|missing|never (arrived|received|came|got)|rude|scam|ripped off|"
    r"fail(s|ed|ing)?|keeps? (dropping|crashing|freezing)|slow|dropped|nobody)\b"
)
# A support need: a request for help, or something that does not work ("cant log in").
SUPPORT = (
    r"\b((please|pls|plz) (help|fix|respond|reply|sort|resolve|look|check|advise|send)|help me|"
    r"can (you|u|someone|anyone) (please )?(help|fix|sort|check|look)|"
    r"not (connecting|loading|working|responding|sorted|received|helpful|showing|arrived)|"
    r"(cant|can not|cannot|unable to|couldnt) (log|sign|connect|access|get|find|use|login|open)|"
    r"ignor(e|ed|es|ing)|let down|scam(med)?|replacement|offline|"
    r"(is|are|went|been|goes) down|why (is|are|does|do|did|cant|wont|isnt|arent|has|have)|"
    r"(need|want) (a refund|my money|help|to speak|to talk|someone)|still haven?t|yet to)\b"
)
QUESTION_START = (
    r"^(xuser\s+)*(how|what|why|when|where|which|who|whom|whose|is|are|am|was|were|can|could|"
    r"do|does|did|will|would|should|shall|has|have|anyone|any(one|body) (know|else)|any idea)\b"
)
PRAISE = (
    r"\b(thank(s| you)?|thx|ty|love|loving|loved|great|awesome|amazing|best|kudos|shout ?out|"
    r"impressed|excellent|well done|props|fantastic|brilliant|perfect|appreciate|helpful|"
    r"recommend)\b"
)


def sentiment_prior(features: Features) -> np.ndarray:
    """P(negative, neutral, positive) from the compound score and the neutral band."""
    compound = features.compound
    logits = np.column_stack(
        [
            SENTIMENT_SHARPNESS * (-compound - NEUTRAL_BAND),
            np.zeros_like(compound),
            SENTIMENT_SHARPNESS * (compound - NEUTRAL_BAND),
        ]
    )
    return softmax(logits)


def intent_evidence(texts: pl.Series) -> pl.DataFrame:
    """Rule hits per text: purchase, complaint and praise phrases, and question form."""
    text = (
        pl.col("text")
        .fill_null("")
        .str.to_lowercase()
        .str.replace_all(r"[’']", "")
        .str.replace_all(r"@\w+", "xuser")
        .str.strip_chars()
    )
    return pl.DataFrame({"text": texts.cast(pl.String)}).select(
        purchase=text.str.count_matches(PURCHASE),
        complaint=text.str.count_matches(COMPLAINT) + text.str.count_matches(SUPPORT),
        praise=text.str.count_matches(PRAISE),
        question=text.str.contains(r"\?") | text.str.contains(QUESTION_START),
    )


def intent_prior(texts: pl.Series, features: Features) -> np.ndarray:
    """P(intent) over schema.INTENT_LABELS from rule hits and lexicon polarity."""
    hits = intent_evidence(texts)
    lex = features.lexicon
    positive = lex[:, LEXICON_FEATURES.index("positive_force")]
    negative = lex[:, LEXICON_FEATURES.index("negative_force")]
    polarity = features.compound
    purchase = hits["purchase"].to_numpy().astype(float)
    complaint = hits["complaint"].to_numpy().astype(float)
    praise = hits["praise"].to_numpy().astype(float)
    question = hits["question"].to_numpy().astype(float)
    scores = {
        # A problem word in a post that is not clearly positive ("please fix" reads positive to
        # the lexicon), or a clearly negative post.
        "complaint": 1.6 * np.minimum(complaint, 2) * (polarity < 0.5)
        + 1.2 * (polarity < -0.4)
        + 0.3 * np.minimum(negative, 3),
        "purchase_intent": 1.8 * np.minimum(purchase, 2) * (polarity > -0.4),
        "question": 1.5 * question,
        "praise": 1.2 * np.minimum(praise, 2) * (polarity > 0.3)
        + 1.5 * (polarity > 0.6)
        + 0.2 * np.minimum(positive, 3),
        "other": np.full(len(texts), 1.0),
    }
    return softmax(np.column_stack([scores[label] for label in schema.INTENT_LABELS]))


# P(relevant) for a post by how it matched the brand (transforms/clean.py brand_match).
RELEVANCE_BY_MATCH = {
    "handle": 0.95, "hashtag": 0.9, "source": 0.9, "query": 0.85, "context": 0.9,
    "phrase": 0.85, "alias": 0.6, "excluded": 0.02,
}  # fmt: skip
NO_MATCH_RELEVANCE = 0.05


def relevance_prior(texts: pl.Series, brands: list[Brand]) -> np.ndarray:
    """P(irrelevant, relevant): the strongest match of the text to any of the brands."""
    from transforms.clean import brand_match_strength

    strength = brand_match_strength(texts, brands)
    relevant = (
        strength.replace_strict(
            RELEVANCE_BY_MATCH, default=NO_MATCH_RELEVANCE, return_dtype=pl.Float64
        )
        .fill_null(NO_MATCH_RELEVANCE)
        .to_numpy()
    )
    return np.column_stack([1 - relevant, relevant])
