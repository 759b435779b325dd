"""The author to forget (Subject) and how their data is recognised wherever it is: the rows
they own, their handle and ids as whole tokens in text, and the links other posts make to
theirs (redact_linked nulls them and redacts the handle, keeping the other person's words)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

import polars as pl

ERASED_HANDLE = "@erased"
ERASED_TOKEN = "erased"
LINK_COLUMNS = ("in_reply_to_post_id", "quote_of_post_id")
# Columns of a linked post (a reply or a quote) that may mention the author's handle.
TEXT_COLUMNS = ("text", "text_clean", "mentions", "declared_mentions")
# The post columns find_subject reads from every place that holds posts.
FIND_COLUMNS = ["post_id", "platform", "author_id", "author_handle", "text", "repost_of_post_id"]
_WORD = "0-9A-Za-z_"


@dataclass
class Subject:
    """The author to forget, and what identifies their data once found."""

    author_id: str
    platform: str | None
    post_ids: set[str] = field(default_factory=set)  # their posts and reposts of them
    own_posts: int = 0
    linked_ids: set[str] = field(default_factory=set)  # posts by others replying or quoting
    handles: set[str] = field(default_factory=set)  # without '@'
    texts: set[str] = field(default_factory=set)

    def covers(self, platform: str | None) -> bool:
        """Whether data of this platform (None: unknown) may be the author's."""
        return self.platform is None or platform is None or platform == self.platform

    def owns(self) -> pl.Expr:
        mine = pl.col("author_id") == self.author_id
        return mine if self.platform is None else mine & (pl.col("platform") == self.platform)

    def erased(self) -> pl.Expr:
        return self.owns().fill_null(False) | pl.col("post_id").is_in(sorted(self.post_ids))

    def native_ids(self, platform: str | None = None) -> set[str]:
        pairs = (post_id.split(":", 1) for post_id in self.post_ids)
        return {n for p, n in pairs if platform is None or p == platform}

    @cached_property
    def exact_values(self) -> set[str]:
        """Field values that identify the author or an erased post (nulled where they stay)."""
        return {self.author_id, *self.post_ids, *self.native_ids()}

    def token_pattern(self, platform: str | None = None) -> str | None:
        """A regex (Python, RE2 and Rust syntax alike) matching the author id or an erased
        post's native id as a whole token; None when there is nothing to look for."""
        tokens = sorted({self.author_id, *self.native_ids(platform)}, key=len, reverse=True)
        alternatives = "|".join(_literal(t) for t in tokens if t)
        return rf"(^|[^{_WORD}])(?:{alternatives})([^{_WORD}]|$)" if alternatives else None

    @cached_property
    def _handle_re(self) -> re.Pattern | None:
        names = "|".join(re.escape(h) for h in sorted(self.handles, key=len, reverse=True))
        return re.compile(rf"(?i)(?<![\w@])@(?:{names})(?!\w)") if names else None

    @cached_property
    def _id_re(self) -> re.Pattern | None:
        tokens = sorted({self.author_id, *self.native_ids()}, key=len, reverse=True)
        alternatives = "|".join(re.escape(t) for t in tokens if t)
        return re.compile(rf"(?<![{_WORD}])(?:{alternatives})(?![{_WORD}])")

    def redact(self, value: str) -> str:
        """Text of a post that stays, with the author's handle and ids replaced."""
        if self._handle_re is not None:
            value = self._handle_re.sub(ERASED_HANDLE, value)
        return self._id_re.sub(ERASED_TOKEN, value) if self._id_re is not None else value


def _literal(text: str) -> str:
    """A regex matching the text literally, escaping only what all three engines treat as
    special (Python's re.escape escapes more than Rust's regex accepts)."""
    return re.sub(r"([\\.^$|?*+()\[\]{}])", r"\\\1", text)


def redact_linked(frame: pl.DataFrame, subject: Subject) -> tuple[pl.DataFrame, int]:
    """Null the links to erased posts and redact the handle in the posts that had them."""
    present = [c for c in LINK_COLUMNS if c in frame.columns]
    if not present or not subject.post_ids:
        return frame, 0
    ids = sorted(subject.post_ids)
    linked = pl.any_horizontal(pl.col(c).is_in(ids) for c in present).fill_null(False)
    count = int(frame.select(linked.sum()).item())
    if not count:
        return frame, 0
    rows = frame.select(linked).to_series().arg_true()
    redacted = frame.with_columns(
        pl.when(pl.col(c).is_in(ids)).then(None).otherwise(pl.col(c)).alias(c) for c in present
    )
    for column in (c for c in TEXT_COLUMNS if c in frame.columns):
        values = redacted[column].gather(rows)
        new = pl.Series([None if v is None else subject.redact(v) for v in values], dtype=pl.String)
        redacted = redacted.with_columns(redacted[column].scatter(rows, new))
    return redacted, count
