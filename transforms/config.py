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

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "listener.yml"
CONFIG_ENV = "LISTENER_CONFIG"
DATA_DIR_ENV = "LISTENER_DATA_DIR"

PLATFORMS = ("x", "reddit", "facebook", "instagram", "youtube", "reviews")
FUNNEL_TABLES = ("web_sessions", "leads", "opportunities", "orders", "campaign_spend")

_SLUG = re.compile(r"^[a-z][a-z0-9_]{0,30}$")


class ConfigError(ValueError):
    """A configuration file is missing, unreadable or invalid."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Brand(_Strict):
    slug: str
    name: str = Field(min_length=1)
    aliases: list[str] = Field(min_length=1)
    handles: list[str] = []
    hashtags: list[str] = []
    exclude: list[str] = []
    website: str | None = None

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

    @field_validator("aliases", "exclude")
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


class Source(_Strict):
    name: str
    platform: Literal["x", "reddit", "facebook", "instagram", "youtube", "reviews"]
    format: Literal["jsonl", "csv", "parquet"]
    path: str

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError("source name must be lowercase letters, digits or '_'")
        return value


class Funnel(_Strict):
    path: str = "landing/funnel"
    attribution_lookback_days: int = Field(default=30, ge=1, le=365)


class Sample(_Strict):
    seed: int = 20261101
    start: dt.date
    days: int = Field(ge=1, le=3660)
    posts_per_day: int = Field(ge=10, le=10_000_000)

    @property
    def end(self) -> dt.date:
        """Last day (inclusive) of generated data."""
        return self.start + dt.timedelta(days=self.days - 1)


class Config(_Strict):
    data_dir: Path
    brands: Brands
    sources: list[Source] = Field(min_length=1)
    funnel: Funnel = Funnel()
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
