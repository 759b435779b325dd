"""Map an export's own columns onto Listener's canonical post fields, as the source's YAML says.

    mapping:
      fields: {id: Tweet Id, created_at: Date, text: Content, author_handle: Author}
      timestamp_format: "%a %b %d %H:%M:%S %z %Y"
      constants: {platform: x, brand: nimbus}
      own_posts: {column: Inbound, own_when: "false"}
      reply: {flag: Is Reply, to: Parent Id}

A source without a mapping delivers the canonical field names already. The result is still text:
typing and validation happen once, for every source, in `transforms.extract`.
"""

from __future__ import annotations

import polars as pl

from transforms import schema
from transforms.config import ColumnMapping, Source

# Names platforms go by in third-party exports, so most mappings need no `platform_values`.
PLATFORM_ALIASES = {
    "twitter": "x",
    "x": "x",
    "reddit": "reddit",
    "facebook": "facebook",
    "instagram": "instagram",
    "youtube": "youtube",
    "reviews": "reviews",
    "review": "reviews",
}


def export_columns(source: Source) -> list[str]:
    """The export columns (or dotted JSON paths) a source's records are read from."""
    mapping = source.mapping
    if mapping is None:
        return list(schema.LANDING_POST)
    columns = list(mapping.fields.values())
    if mapping.own_posts and mapping.own_posts.column:
        columns.append(mapping.own_posts.column)
    if mapping.reply:
        columns += [mapping.reply.flag, mapping.reply.to]
    return list(dict.fromkeys(columns))


def missing_columns(source: Source, present: list[str] | None) -> list[str]:
    """Mapped columns the file does not have (a renamed or dropped export column)."""
    if present is None:
        return []
    return [c for c in export_columns(source) if c not in present]


def _constant(value: str | int | bool) -> pl.Expr:
    if isinstance(value, bool):
        return pl.lit("true" if value else "false")
    return pl.lit(str(value))


def _lower(expr: pl.Expr) -> pl.Expr:
    return expr.str.strip_chars().str.to_lowercase()


TRUTHY = ["true", "yes", "y", "t", "1"]


def _flag(column: str, when: str | None) -> pl.Expr:
    """True where the column holds the given value, or any yes-like value when none is given."""
    value = _lower(pl.col(column))
    return value == when.lower() if when is not None else value.is_in(TRUTHY)


def _own_post(mapping: ColumnMapping, handle: pl.Expr, author_id: pl.Expr) -> pl.Expr | None:
    own = mapping.own_posts
    if own is None:
        return None
    if own.column is not None:
        flag = _flag(own.column, own.own_when)
    else:
        accounts = [a.lower().lstrip("@") for a in own.authors]
        flag = _lower(handle).str.strip_prefix("@").is_in(accounts) | _lower(author_id).is_in(
            accounts
        )
    return pl.when(flag.fill_null(False)).then(pl.lit("true")).otherwise(pl.lit("false"))


def _platform(mapping: ColumnMapping, value: pl.Expr) -> pl.Expr:
    names = {k.lower(): v for k, v in {**PLATFORM_ALIASES, **mapping.platform_values}.items()}
    # An unknown name stays as given; validation quarantines it with the value in the reason.
    return _lower(value).replace_strict(names, default=value, return_dtype=pl.String)


def _mapped_fields(mapping: ColumnMapping) -> dict[str, pl.Expr]:
    """One expression per canonical field, over the export's own columns."""
    fields: dict[str, pl.Expr] = {}
    for field in schema.LANDING_POST:
        if field in mapping.fields:
            fields[field] = pl.col(mapping.fields[field])
        elif field in mapping.constants:
            fields[field] = _constant(mapping.constants[field])
        else:
            fields[field] = pl.lit(None, pl.String())
    if mapping.reply is not None:
        is_reply = _flag(mapping.reply.flag, mapping.reply.flag_when)
        fields["in_reply_to_id"] = (
            pl.when(is_reply.fill_null(False))
            .then(pl.col(mapping.reply.to))
            .otherwise(fields["in_reply_to_id"])
        )
    own = _own_post(mapping, fields["author_handle"], fields["author_id"])
    if own is not None:
        fields["is_own_post"] = own
    if "platform" in mapping.fields:
        fields["platform"] = _platform(mapping, fields["platform"])
    return fields


def to_canonical(frame: pl.DataFrame, source: Source) -> pl.DataFrame:
    """The canonical landing fields (still text) plus _line and _payload."""
    if source.mapping is None:
        fields = {field: pl.col(field) for field in schema.LANDING_POST}
    else:
        fields = _mapped_fields(source.mapping)
    if source.platform_name is not None:
        # The source's platform applies where the record does not name one.
        fields["platform"] = pl.coalesce(fields["platform"], pl.lit(source.platform_name))
    return frame.select(
        *[expr.cast(pl.String).alias(name) for name, expr in fields.items()], "_line", "_payload"
    )
