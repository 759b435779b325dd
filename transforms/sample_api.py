"""Serve generated posts through the platforms' real API formats, so `make demo` exercises the
HTTP connectors (paging, cursors, auth, watermarks) without network access or accounts.

A source with `base_url: sample:<folder>` reads from the local sample server, which serves every
post `listener generate` wrote under `<folder>`. `listener run` and `listener ingest` start it for
the duration of the command. Outside those commands such a source fails with a clear message.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager

from transforms.config import Config, Source
from transforms.errors import ListenerError

SAMPLE_URL_ENV = "LISTENER_SAMPLE_API_URL"


def sample_sources(config: Config) -> list[Source]:
    return [s for s in config.sources if s.sample_folder is not None]


def api_url(source: Source) -> str:
    """The URL an API source calls: its base_url, or the running sample server for sample:."""
    if source.sample_folder is None:
        return source.api_url
    url = os.environ.get(SAMPLE_URL_ENV)
    if not url:
        raise ListenerError(
            f"source {source.name!r} reads from the local sample API ({source.base_url}), which "
            "runs only inside `listener run` and `listener ingest`; point base_url at the "
            "platform's API to run it elsewhere"
        )
    return url


def load_generated_posts(config: Config, source: Source) -> list[dict]:
    """Every generated post in the source's sample folder, as canonical records."""
    assert source.sample_folder is not None
    posts: list[dict] = []
    for path in sorted((config.data_dir / source.sample_folder).glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            posts.extend(json.loads(line) for line in handle if line.strip())
    return posts


@contextmanager
def serving_sample_apis(config: Config) -> Iterator[str | None]:
    """Run the sample server while the block runs when any source needs it (yields its URL)."""
    sources = sample_sources(config)
    if not sources:
        yield None
        return
    from transforms.connectors.sample_server import SampleApiServer

    posts: dict[str, list[dict]] = {}
    for source in sources:
        posts.setdefault(source.platform or "", []).extend(load_generated_posts(config, source))
    saved = {name: os.environ.get(name) for name in [SAMPLE_URL_ENV]}
    with SampleApiServer(posts) as server:
        os.environ[SAMPLE_URL_ENV] = server.base_url
        for source in sources:
            # The sample server takes any token; a real one is never needed or read for it.
            saved.setdefault(source.secret_env_var, os.environ.get(source.secret_env_var))
            os.environ.setdefault(source.secret_env_var, "sample-token")
        try:
            yield server.base_url
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
