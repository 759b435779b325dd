"""Seeded, deterministic, streaming sample data: landing posts, funnel exports, ground truth.

    generate_sample(config) -> GenerateReport    write the files for the config's sample window
    planted_effects(config) -> PlantedEffects    the known effects, for tests and evaluation
    labelled_corpus(n, seed) -> pl.DataFrame     labelled posts to train the first classifiers

See docs/sample_data.md.
"""

from transforms.generate.corpus import labelled_corpus
from transforms.generate.effects import PlantedEffects, planted_effects
from transforms.generate.sample import GenerateReport, generate_sample

__all__ = [
    "GenerateReport",
    "PlantedEffects",
    "generate_sample",
    "labelled_corpus",
    "planted_effects",
]
