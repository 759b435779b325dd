"""When posts happen within a day.

Row i of a day file gets the time G^-1((i + jitter_i) / n), where G is the cumulative activity
curve of that day. Times therefore increase with the row number (files are time-ordered like real
exports) and any row's time can be recomputed without generating the rows before it.
"""

from __future__ import annotations

import numpy as np

SECONDS_PER_DAY = 86_400
MINUTES = 1_440

# Relative activity per UTC hour: an English-speaking (mostly US) audience, quiet around 08-11 UTC.
_HOURLY = np.array(
    [6.0, 5.5, 4.5, 3.5, 2.5, 1.8, 1.3, 1.1, 1.1, 1.4, 2.2, 3.2]
    + [4.3, 5.2, 5.8, 6.2, 6.5, 6.7, 6.8, 7.0, 7.2, 7.2, 7.0, 6.6]
)


def diurnal_density() -> np.ndarray:
    """Activity per minute of the day (sums to 1), smooth between hourly anchors."""
    minutes = np.arange(MINUTES) + 0.5
    anchors = np.arange(-1, 25) * 60.0 + 30.0  # hour centres, wrapped at both ends
    values = np.concatenate([_HOURLY[-1:], _HOURLY, _HOURLY[:1]])
    density = np.interp(minutes, anchors, values)
    return density / density.sum()


def bump_density(center_hour: float, width_hours: float) -> np.ndarray:
    """A Gaussian burst of activity (an outage) per minute of the day (sums to 1)."""
    minutes = np.arange(MINUTES) + 0.5
    density = np.exp(-0.5 * ((minutes / 60.0 - center_hour) / width_hours) ** 2) + 1e-6
    return density / density.sum()


class Timeline:
    """Maps row positions in [0, 1) to seconds of the day and back."""

    def __init__(self, density: np.ndarray) -> None:
        cdf = np.concatenate([[0.0], np.cumsum(density)])
        self._cdf = cdf / cdf[-1]
        self._edges = np.arange(MINUTES + 1, dtype=np.float64) * 60.0

    def seconds_at(self, position: np.ndarray) -> np.ndarray:
        seconds = np.interp(position, self._cdf, self._edges)
        return np.minimum(seconds, SECONDS_PER_DAY - 1e-3)

    def position_at(self, seconds: np.ndarray) -> np.ndarray:
        return np.interp(seconds, self._edges, self._cdf)


def spike_mix(base: np.ndarray, bump: np.ndarray, mass: float) -> tuple[np.ndarray, np.ndarray]:
    """Density of a day with `mass` extra posts shaped like `bump`, and per minute the chance that
    a post is one of the extra ones."""
    total = base + mass * bump
    return total / total.sum(), (mass * bump) / total
