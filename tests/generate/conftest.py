from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from transforms.config import Config, load_config
from transforms.generate import GenerateReport, PlantedEffects, generate_sample, planted_effects

from .helpers import read_window

# Long enough for every planted effect (spike on days 9-10, campaign on days 9-18, three weeks
# for the rising brand), small enough to generate in about a second.
SAMPLE_DAYS = 21
SAMPLE_POSTS_PER_DAY = 500


def config_in(path: Path) -> Config:
    return load_config().model_copy(update={"data_dir": path})


@dataclass
class Sample:
    config: Config
    report: GenerateReport
    effects: PlantedEffects
    posts: pl.DataFrame  # landing posts joined with their ground truth, all days

    @property
    def start(self) -> dt.date:
        return self.report.start

    @property
    def days(self) -> int:
        return self.report.days


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    config = config_in(tmp_path_factory.mktemp("sample"))
    report = generate_sample(config, days=SAMPLE_DAYS, posts_per_day=SAMPLE_POSTS_PER_DAY)
    effects = planted_effects(config, report.start, report.days)
    return Sample(config, report, effects, read_window(config, report.start, report.days))
