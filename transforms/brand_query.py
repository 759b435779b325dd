"""Boolean brand queries, as listening tools write them, compiled to Polars expressions.

    ("Nimbus Mobile" OR nimbus OR @NimbusMobile OR #Nimbus5G)
      AND NOT (cumulonimbus OR "rain cloud" OR {NIMBUS} NEAR/3 broom)

Syntax (operators in capitals; adjacent terms mean AND):

    word        whole word, any case; `switch*` matches words starting with "switch"
    "a phrase"  the words in this order, any case, any spacing or punctuation between them
    {Word}      case-sensitive: {Orbit} is the brand, not "orbit"
    @handle     a mention of the account;  #tag  the hashtag (both any case)
    a NEAR/n b  a and b at most n words apart, in either order (terms or OR-groups of terms)
    NOT x, a AND b, a OR b, ( ... )

A query is parsed once into a small tree and compiled into one Polars expression over the
post's normalized text, mentions and hashtags, so matching runs vectorized, never row by row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

TEXT = "text_clean"
MENTIONS = "mentions"
HASHTAGS = "hashtags"


class QueryError(ValueError):
    """A query that cannot be parsed; the message shows where."""


# --- the tree -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    kind: str  # word, phrase, case, handle, hashtag
    value: str


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Near:
    left: Node
    right: Node
    distance: int


Node = Term | Not | And | Or | Near

# --- tokens ---------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<lparen>\() | (?P<rparen>\)) |
        "(?P<phrase>[^"]*)" |
        \{(?P<case>[^}]*)\} |
        (?P<near>NEAR/(?P<distance>\d+)) |
        (?P<op>AND|OR|NOT)(?=[\s()"{]|$) |
        (?P<handle>@\w+) | (?P<hashtag>\#\w+) |
        (?P<word>[^\s()"{}]+)
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str
    value: str
    at: int


def tokenize(query: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(query):
        if not query[position:].strip():
            break
        match = _TOKEN.match(query, position)
        if match is None or match.end() == position:
            raise QueryError(_where(query, position, "cannot read the query here"))
        kind = next(k for k in ("lparen", "rparen", "phrase", "case", "near", "op", "handle",
                                "hashtag", "word") if match.group(k) is not None)  # fmt: skip
        value = match.group("distance") if kind == "near" else match.group(kind)
        start = match.start(kind)
        if kind in ("phrase", "case") and not value.strip():
            raise QueryError(_where(query, start, f"empty {kind}"))
        tokens.append(Token(kind, value, start))
        position = match.end()
    return tokens


def _where(query: str, position: int, problem: str) -> str:
    return f"{problem} at character {position + 1}:\n    {query}\n    {' ' * position}^"


# --- parser (recursive descent: OR < AND < NOT < NEAR < term) -------------------------------


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = tokenize(query)
        self.index = 0

    def parse(self) -> Node:
        if not self.tokens:
            raise QueryError("the query is empty")
        node = self.or_()
        if self.index < len(self.tokens):
            token = self.tokens[self.index]
            raise QueryError(_where(self.query, token.at, f"unexpected {token.value!r}"))
        return node

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def is_op(self, name: str) -> bool:
        token = self.peek()
        return token is not None and token.kind == "op" and token.value == name

    def or_(self) -> Node:
        children = [self.and_()]
        while self.is_op("OR"):
            self.take()
            children.append(self.and_())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_(self) -> Node:
        children = [self.not_()]
        while True:
            token = self.peek()
            if token is None or token.kind == "rparen" or self.is_op("OR"):
                break
            if self.is_op("AND"):
                self.take()
            children.append(self.not_())  # adjacency means AND
        return children[0] if len(children) == 1 else And(tuple(children))

    def not_(self) -> Node:
        if self.is_op("NOT"):
            self.take()
            return Not(self.not_())
        return self.near()

    def near(self) -> Node:
        node = self.primary()
        while (token := self.peek()) is not None and token.kind == "near":
            self.take()
            node = Near(node, self.primary(), int(token.value))
        return node

    def primary(self) -> Node:
        token = self.peek()
        if token is None:
            raise QueryError(_where(self.query, len(self.query), "the query ends too early"))
        if token.kind == "lparen":
            self.take()
            node = self.or_()
            closing = self.peek()
            if closing is None or closing.kind != "rparen":
                raise QueryError(_where(self.query, token.at, "this '(' is never closed"))
            self.take()
            return node
        if token.kind in ("rparen", "op", "near"):
            raise QueryError(_where(self.query, token.at, f"expected a term, got {token.value!r}"))
        self.take()
        return Term(token.kind, token.value)


def parse(query: str) -> Node:
    return _Parser(query).parse()


# --- compiler -------------------------------------------------------------------------------


def regex_escape(term: str) -> str:
    """Escape a literal term for Polars' (Rust) regex engine."""
    return "".join("\\" + ch if ch in r"\.^$|?*+()[]{}" else ch for ch in term)


def _word_pattern(term: Term) -> str:
    """A regex for a text term (word, phrase or case-sensitive term), without flags.

    Words are whole words (\\b at an edge that is a word character: Polars' regex engine has no
    look-around), and any run of spaces or punctuation may separate the words of a phrase.
    """
    parts = []
    for word in term.value.split():
        if word.endswith("*") and len(word) > 1:
            parts.append(regex_escape(word[:-1]) + r"\w*")
        else:
            parts.append(regex_escape(word))
    first, last = term.value.split()[0], term.value.split()[-1]
    start = r"\b" if re.match(r"\w", first) else ""
    end = r"\b" if re.search(r"[\w*]$", last) else ""
    return start + r"[\W_]+".join(parts) + end


def _is_text(node: Node) -> bool:
    if isinstance(node, Term):
        return node.kind in ("word", "phrase", "case")
    return isinstance(node, Or) and all(_is_text(c) for c in node.children)


def _alternatives(node: Node) -> tuple[str, bool]:
    """An OR-group of text terms as one regex alternation, and whether it is case-sensitive."""
    terms = [node] if isinstance(node, Term) else list(node.children)  # type: ignore[union-attr]
    flat: list[Term] = []
    for term in terms:
        if isinstance(term, Or):
            flat.extend(term.children)  # type: ignore[arg-type]
        else:
            flat.append(term)  # type: ignore[arg-type]
    case = any(t.kind == "case" for t in flat)
    if case and not all(t.kind == "case" for t in flat):
        # Mixed groups: lowercase the insensitive terms' patterns with an inline flag each.
        return "(?:" + "|".join(
            _word_pattern(t) if t.kind == "case" else f"(?i:{_word_pattern(t)})" for t in flat
        ) + ")", True  # fmt: skip
    return "(?:" + "|".join(_word_pattern(t) for t in flat) + ")", case


def _near(node: Near) -> pl.Expr:
    if not (_is_text(node.left) and _is_text(node.right)):
        raise QueryError("NEAR/n joins words, phrases or OR-groups of them, not AND/NOT groups")
    left, left_case = _alternatives(node.left)
    right, right_case = _alternatives(node.right)
    gap = rf"[\W_]+(?:\w+[\W_]+){{0,{node.distance}}}"
    pattern = f"(?:{left}{gap}{right}|{right}{gap}{left})"
    flags = "" if (left_case or right_case) else "(?i)"
    return pl.col(TEXT).str.contains(flags + pattern).fill_null(False)


def _listed(column: str, value: str) -> pl.Expr:
    """A space-separated, lowercase list column (mentions, hashtags) holds the value."""
    return pl.col(column).fill_null("").str.split(" ").list.contains(value.lower()).fill_null(False)


def compile_node(node: Node) -> pl.Expr:
    if isinstance(node, Term):
        if node.kind == "handle":
            return _listed(MENTIONS, node.value)
        if node.kind == "hashtag":
            return _listed(HASHTAGS, node.value)
        flags = "" if node.kind == "case" else "(?i)"
        return pl.col(TEXT).str.contains(flags + _word_pattern(node)).fill_null(False)
    if isinstance(node, Not):
        return ~compile_node(node.child)
    if isinstance(node, And):
        return pl.all_horizontal([compile_node(c) for c in node.children])
    if isinstance(node, Or):
        return pl.any_horizontal([compile_node(c) for c in node.children])
    return _near(node)


def compile_query(query: str) -> pl.Expr:
    """One boolean Polars expression: does a post (text_clean, mentions, hashtags) match?"""
    return compile_node(parse(query))


def check_query(query: str) -> None:
    """Raise QueryError when the query cannot be compiled (used when the config loads)."""
    compile_node(parse(query))
