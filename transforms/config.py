"""Load and validate `config/listener.yml`.

Every error names the file, the key path and the problem, e.g.
`config/listener.yml: brands.competitors[1].handles[0]: handle must start with '@'`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "listener.yml"
CONFIG_ENV = "LISTENER_CONFIG"
DATA_DIR_ENV = "LISTENER_DATA_DIR"

PLATFORMS = ("x", "reddit", "facebook", "instagram", "youtube", "reviews")
FUNNEL_TABLES = ("web_sessions", "leads", "opportunities", "orders", "campaign_spend")

_SLUG = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
_CONNECTION_ID = re.compile(r"^[A-Za-z0-9_.-]{1,250}$")  # Airflow's own rule for conn_id
_ENV_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


class ConfigError(ValueError):
    """A configuration file is missing, unreadable or invalid."""


# Keys that would hold a secret. The file is reviewed and committed, so a secret is refused with
# where it belongs instead of the generic "extra inputs are not permitted".
_SECRET_KEY = re.compile(
    r"^(?:[a-z]+_)?(?:token|password|passwd|secret|api_?key|key|credentials?|auth(?:orization)?)$",
    re.IGNORECASE,
)
SECRETS_ELSEWHERE = (
    "secrets never go in the config file (it is committed): put the token or password in the "
    "Airflow connection the section names, or in an environment variable (docs/ingestion.md)"
)


def _connection_id(value: str | None) -> str | None:
    """An Airflow connection id, never a URI with a password or a token."""
    if value is not None and not _CONNECTION_ID.match(value):
        raise ValueError(
            "an Airflow connection id is letters, digits, '_', '-' or '.', not a URI or a "
            f"token: {SECRETS_ELSEWHERE}"
        )
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _no_secrets(cls, raw: object) -> object:
        if isinstance(raw, dict):
            for key in raw:
                if isinstance(key, str) and _SECRET_KEY.match(key) and key not in cls.model_fields:
                    raise ValueError(f"`{key}`: {SECRETS_ELSEWHERE}")
        return raw


class Brand(_Strict):
    slug: str
    name: str = Field(min_length=1)
    aliases: list[str] = Field(min_length=1)
    handles: list[str] = []
    hashtags: list[str] = []
    exclude: list[str] = []
    # Words that confirm a one-word alias means the brand ("nimbus" with "5G" or "plan"): such a
    # post is relevant without asking the relevance classifier.
    context: list[str] = []
    website: str | None = None
    # A boolean query (AND/OR/NOT, "phrases", NEAR/n, {CaseSensitive}, @handles, #tags) that,
    # when given, decides which posts are about the brand (transforms/brand_query.py).
    query: str | None = None

    @field_validator("query")
    @classmethod
    def _query(cls, value: str | None) -> str | None:
        if value is not None:
            from transforms.brand_query import check_query

            check_query(value)  # QueryError is a ValueError: reported with the key path
        return value

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError(
                "slug must be lowercase letters, digits or '_', starting with a letter"
            )
        return value

    @field_validator("handles")
    @classmethod
    def _handles(cls, values: list[str]) -> list[str]:
        for value in values:
            if not re.fullmatch(r"@\w{1,50}", value):
                raise ValueError(
                    f"handle {value!r} must start with '@' followed by letters/digits/_"
                )
        return values

    @field_validator("hashtags")
    @classmethod
    def _hashtags(cls, values: list[str]) -> list[str]:
        for value in values:
            if not re.fullmatch(r"#\w{1,100}", value):
                raise ValueError(
                    f"hashtag {value!r} must start with '#' followed by letters/digits/_"
                )
        return values

    @field_validator("aliases", "exclude", "context")
    @classmethod
    def _non_blank(cls, values: list[str]) -> list[str]:
        if any(not v.strip() for v in values):
            raise ValueError("terms must not be blank")
        return values


class Brands(_Strict):
    tracked: Brand
    competitors: list[Brand] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_slugs(self) -> Brands:
        slugs = [b.slug for b in self.all]
        duplicates = sorted({s for s in slugs if slugs.count(s) > 1})
        if duplicates:
            raise ValueError(f"brand slugs must be unique, repeated: {', '.join(duplicates)}")
        return self

    @property
    def all(self) -> list[Brand]:
        return [self.tracked, *self.competitors]


FILE_KIND = "file"
API_KINDS = ("x_recent_search", "reddit_listing", "youtube_comment_threads")
DEFAULT_API_URLS = {
    "x_recent_search": "https://api.x.com",
    "reddit_listing": "https://oauth.reddit.com",
    "youtube_comment_threads": "https://www.googleapis.com",
}
SAMPLE_URL_PREFIX = "sample:"
API_PLATFORMS = {
    "x_recent_search": "x",
    "reddit_listing": "reddit",
    "youtube_comment_threads": "youtube",
}
# Canonical landing fields a mapping may fill from a column (transforms/schema.py LANDING_POST).
MAPPABLE_FIELDS = (
    "platform", "id", "created_at", "author_id", "author_handle", "author_followers",
    "author_verified", "text", "lang", "in_reply_to_id", "repost_of_id", "quote_of_id", "likes",
    "shares", "comments", "impressions", "rating", "urls", "hashtags", "mentions", "brand",
    "is_own_post",
)  # fmt: skip


class OwnPosts(_Strict):
    """Which posts a brand's own accounts wrote: listed authors, or a column's value."""

    authors: list[str] = []  # author ids or handles ('@' optional), matched case-insensitively
    column: str | None = None  # e.g. "Inbound"
    own_when: str | None = None  # the value that marks an own post (default: true/yes/1)

    @model_validator(mode="after")
    def _one_way(self) -> OwnPosts:
        if not self.authors and self.column is None:
            raise ValueError("own_posts needs `authors` or `column`")
        return self


class Reply(_Strict):
    """A reply flag column and the column holding the id of the post replied to."""

    flag: str
    to: str
    flag_when: str | None = None  # the value that marks a reply (default: true/yes/1)


class ColumnMapping(_Strict):
    """How an export's own columns become Listener's canonical post fields (no code needed)."""

    fields: dict[str, str] = {}  # canonical field -> the export's column name
    timestamp_format: str | None = None  # strftime pattern; default ISO-8601 or epoch (s or ms)
    constants: dict[str, str | int | bool] = {}  # canonical field -> a value for every row
    own_posts: OwnPosts | None = None
    reply: Reply | None = None
    platform_values: dict[str, str] = {}  # the export's platform names -> Listener's

    @model_validator(mode="after")
    def _known_fields(self) -> ColumnMapping:
        for where, names in (("fields", self.fields), ("constants", self.constants)):
            unknown = sorted(set(names) - set(MAPPABLE_FIELDS))
            if unknown:
                raise ValueError(
                    f"{where}: unknown canonical field(s) {', '.join(unknown)}; "
                    f"known: {', '.join(MAPPABLE_FIELDS)}"
                )
        both = sorted(set(self.fields) & set(self.constants))
        if both:
            raise ValueError(f"{', '.join(both)} given both as a column and as a constant")
        bad = sorted(v for v in self.platform_values.values() if v not in PLATFORMS)
        if bad:
            raise ValueError(f"platform_values map to unknown platforms: {', '.join(bad)}")
        return self


class CsvOptions(_Strict):
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    has_header: bool = True
    columns: list[str] = []  # column names for a file without a header row
    encoding: Literal["utf-8", "latin-1", "cp1252"] = "utf-8"

    @model_validator(mode="after")
    def _columns_without_header(self) -> CsvOptions:
        if not self.has_header and not self.columns:
            raise ValueError("a CSV without a header needs `columns`")
        return self


class Source(_Strict):
    """A post source: a file drop (local folder or fsspec URL) or a platform API connector."""

    name: str
    kind: Literal["file", "x_recent_search", "reddit_listing", "youtube_comment_threads"] = "file"
    platform: Literal["x", "reddit", "facebook", "instagram", "youtube", "reviews"] | None = None
    # file drops
    format: Literal["jsonl", "csv", "parquet"] | None = None
    path: str | None = None  # folder under data_dir, or an fsspec URL (s3://, gs://, memory://)
    pattern: str = "{date}.{format}"  # files to pick up; {date} is the day, .gz is also read
    csv: CsvOptions = CsvOptions()
    mapping: ColumnMapping | None = None
    # API connectors
    base_url: str | None = None
    query: str | None = None
    connection: str | None = None  # Airflow connection id holding the token (password field)
    secret_env: str | None = None  # or an environment variable
    page_size: int = Field(default=100, ge=1, le=500)
    max_attempts: int = Field(default=5, ge=1, le=20)  # per request, retries included
    timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    # Posts older than the day by more than this are quarantined; null loads history exports.
    max_lateness_days: int | None = Field(default=7, ge=0)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError("source name must be lowercase letters, digits or '_'")
        return value

    _connection = field_validator("connection")(_connection_id)

    @field_validator("secret_env")
    @classmethod
    def _env_var_name(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_VAR.match(value):
            # Never echo the value: it may be the token itself.
            raise ValueError(
                "`secret_env` is the name of the environment variable holding the token "
                "(e.g. LISTENER_X_TOKEN), never the token itself"
            )
        return value

    @field_validator("base_url")
    @classmethod
    def _no_credentials_in_url(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value)
            if "@" in parts.netloc or parts.query:
                raise ValueError(
                    "`base_url` must not carry a login, password or query string (only "
                    f"scheme://host[:port][/path]): {SECRETS_ELSEWHERE}"
                )
        return value

    @model_validator(mode="before")
    @classmethod
    def _api_platform(cls, raw: object) -> object:
        # An API's platform is implied by its kind.
        if isinstance(raw, dict) and raw.get("kind") in API_PLATFORMS and not raw.get("platform"):
            return {**raw, "platform": API_PLATFORMS[raw["kind"]]}
        return raw

    @model_validator(mode="after")
    def _complete(self) -> Source:
        if self.kind == FILE_KIND:
            missing = [k for k in ("format", "path") if getattr(self, k) is None]
            if missing:
                raise ValueError(f"a file source needs {' and '.join(missing)}")
            mapped_platform = self.mapping and (
                "platform" in self.mapping.fields or "platform" in self.mapping.constants
            )
            if self.platform is None and not mapped_platform:
                raise ValueError("a file source needs `platform` (or a mapped platform column)")
        else:
            if not self.query:
                raise ValueError(f"a {self.kind} source needs `query`")
            if self.platform not in (None, API_PLATFORMS[self.kind]):
                raise ValueError(f"a {self.kind} source has platform {API_PLATFORMS[self.kind]}")
            if self.mapping is not None:
                raise ValueError("API sources emit canonical fields; `mapping` is for files")
        return self

    @property
    def platform_name(self) -> str | None:
        """The source's constant platform (None when a mapped column gives it per row)."""
        if self.kind != FILE_KIND:
            return API_PLATFORMS[self.kind]
        return self.platform

    @property
    def api_url(self) -> str:
        return self.base_url or DEFAULT_API_URLS[self.kind]

    @property
    def sample_folder(self) -> str | None:
        """For `base_url: sample:<folder>`: the folder of generated posts the local sample API
        serves (`listener generate` writes it; `listener run` and `ingest` start the server)."""
        if self.base_url and self.base_url.startswith(SAMPLE_URL_PREFIX):
            return self.base_url.removeprefix(SAMPLE_URL_PREFIX)
        return None

    @property
    def secret_env_var(self) -> str:
        return self.secret_env or f"LISTENER_{self.name.upper()}_TOKEN"

    @property
    def connection_id(self) -> str:
        return self.connection or f"listener_{self.name}"


AttributionModel = Literal[
    "first_touch", "last_touch", "linear", "time_decay", "position_based", "markov"
]


class Funnel(_Strict):
    path: str = "landing/funnel"
    attribution_lookback_days: int = Field(default=30, ge=1, le=365)
    # The model behind the dashboard's attributed revenue and ROAS tiles (all models are charted).
    headline_model: AttributionModel = "markov"


class VolumeCheck(_Strict):
    """How the raw checkpoint judges a day's volume: against the median of the same source's
    last `trailing_days` days that had posts, once at least `min_baseline_days` of them exist.
    The bounds on the ratio are expectations in expectations/raw_batches.yml."""

    trailing_days: int = Field(default=14, ge=1, le=366)
    min_baseline_days: int = Field(default=3, ge=1, le=366)


class Quality(_Strict):
    volume: VolumeCheck = VolumeCheck()


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _valid_emails(addresses: list[str]) -> list[str]:
    bad = [a for a in addresses if not _EMAIL.match(a)]
    if bad:
        raise ValueError(f"not an email address: {', '.join(bad)}")
    return addresses


class Report(_Strict):
    """One scheduled executive report: the days it covers and who receives it."""

    days: int = Field(ge=1, le=92)
    recipients: list[str] = Field(default_factory=list)

    _emails = field_validator("recipients")(_valid_emails)


class Delivery(_Strict):
    """Where reports and failure alerts go. The SMTP server (host, port, login, password; extra
    `{"starttls": true}`) is the Airflow connection named here: never in this file."""

    smtp_connection: str = "listener_smtp"
    sender: str = "listener@localhost.localdomain"
    failure_recipients: list[str] = Field(default_factory=list)
    alert_recipients: list[str] = Field(default_factory=list)  # new critical alerts, at once
    daily: Report = Report(days=1)
    weekly: Report = Report(days=7)

    _emails = field_validator("failure_recipients", "alert_recipients")(_valid_emails)
    _connection = field_validator("smtp_connection")(_connection_id)

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str) -> str:
        return _valid_emails([value])[0]


class Retention(_Strict):
    """How long the raw zone keeps posts as delivered (the warehouse keeps its rows)."""

    raw_days: int = Field(default=400, ge=1, le=36_600)


_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class BiWarehouse(_Strict):
    """The PostgreSQL warehouse BI tools share: after every publication the published marts are
    copied into `schema` through the Airflow connection named here (skipped when it is not
    defined) and `readers` (existing roles) may select from them."""

    postgres_connection: str = "listener_warehouse"
    schema_name: str = "marts"
    readers: list[str] = Field(default_factory=lambda: ["bi_reader"])

    _connection = field_validator("postgres_connection")(_connection_id)

    @field_validator("schema_name", "readers")
    @classmethod
    def _identifiers(cls, value: str | list[str]) -> str | list[str]:
        names = [value] if isinstance(value, str) else value
        bad = [n for n in names if not _IDENTIFIER.match(n)]
        if bad:
            raise ValueError(f"not a lowercase SQL identifier: {', '.join(bad)}")
        return value


class Retraining(_Strict):
    """Labelled files the weekly retraining learns from: `<labels_dir>/<task>.csv` with
    `text` and `label` columns (what `listener label-queue` writes, once labelled)."""

    labels_dir: str = "labels"


_CRON = re.compile(r"^(\S+\s+){4}\S+$")


class Schedules(_Strict):
    """Cron expressions (UTC) of the DAGs that run on a clock. Ingest always processes whole
    UTC days at midnight; the warehouse runs when ingest loaded posts."""

    report_daily: str = "0 7 * * *"
    report_weekly: str = "0 7 * * 1"
    retrain: str = "0 3 * * 0"
    maintenance: str = "0 4 * * *"

    @field_validator("*")
    @classmethod
    def _cron(cls, value: str) -> str:
        if not _CRON.match(value.strip()):
            raise ValueError(f"{value!r} is not a five-field cron expression")
        return value


class Dashboard(_Strict):
    """What the executive dashboard groups and shows. A theme is a topic of complaints and
    purchase questions, found by its terms: a post belongs to every theme with a term anywhere in
    its lowercase text ("bill" also finds "billing"). Reviewed here, like the brands' terms."""

    history_days: int = Field(default=28, ge=7, le=366)  # the span of the charts over time
    themes: dict[str, list[str]] = Field(default_factory=dict)
    top_authors: int = Field(default=5, ge=1, le=50)

    @field_validator("themes")
    @classmethod
    def _themes(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        cleaned: dict[str, list[str]] = {}
        for name, terms in value.items():
            if not name.strip():
                raise ValueError("a theme needs a name")
            kept = [t.strip().lower() for t in terms if t.strip()]
            if not kept:
                raise ValueError(f"theme {name!r} has no terms")
            cleaned[name.strip()] = kept
        return cleaned


class Sample(_Strict):
    seed: int = 20261101
    start: dt.date
    days: int = Field(ge=1, le=3660)
    posts_per_day: int = Field(ge=10, le=10_000_000)
    # `listener generate` appends this many broken rows per file source and day (bad JSON, a
    # negative count, a post from the future, ...), so a demo shows the quarantine at work.
    bad_rows_per_source_day: int = Field(default=0, ge=0, le=1000)

    @property
    def end(self) -> dt.date:
        """Last day (inclusive) of generated data."""
        return self.start + dt.timedelta(days=self.days - 1)


class Config(_Strict):
    data_dir: Path
    brands: Brands
    sources: list[Source] = Field(min_length=1)
    funnel: Funnel = Funnel()
    quality: Quality = Quality()
    delivery: Delivery = Delivery()
    retention: Retention = Retention()
    retraining: Retraining = Retraining()
    schedules: Schedules = Schedules()
    dashboard: Dashboard = Dashboard()
    bi: BiWarehouse = BiWarehouse()
    sample: Sample

    @model_validator(mode="after")
    def _unique_sources(self) -> Config:
        names = [s.name for s in self.sources]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"source names must be unique, repeated: {', '.join(duplicates)}")
        return self

    def source(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources)
        raise ConfigError(f"unknown source {name!r}; configured sources: {known}")


def _format_location(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def load_config(path: Path | str | None = None) -> Config:
    """Read, validate and resolve a config file ($LISTENER_CONFIG or config/listener.yml)."""
    path = Path(path or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: (top level): expected a mapping of settings")
    if os.environ.get(DATA_DIR_ENV):
        raw["data_dir"] = os.environ[DATA_DIR_ENV]
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        problems = [f"{path}: {_format_location(e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise ConfigError("\n".join(problems)) from None
    data_dir = config.data_dir
    if not data_dir.is_absolute():
        data_dir = (PROJECT_ROOT / data_dir).resolve()
    return config.model_copy(update={"data_dir": data_dir})
