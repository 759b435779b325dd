"""An independent reference for the Markov-chain attribution model of the funnel marts.

Written from the definition, not from the SQL (int_markov_*): the paths are turned into a
first-order absorbing Markov chain (start -> channels -> conversion / null, every transition kept,
repeats of a channel included) and its absorption probabilities are solved exactly with the
fundamental matrix, B = (I - Q)^-1 R. The removal effect of channel c is
1 - P(conversion with c removed) / P(conversion), where removing c sends every transition into c to
null. Shares are removal effects over their sum.

`build_paths` forms the paths from sessions and orders by the documented rule of
int_conversion_paths_built (converting path per credited order, the rest split at each order), so
tests can check the path rule as well as the arithmetic.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

START, CONVERSION, NULL = "(start)", "(conversion)", "(null)"

Path = tuple[tuple[str, ...], bool]  # (channels in touch order, converted)


def transition_counts(paths: Iterable[Path]) -> dict[tuple[str, str], int]:
    """Count every step of every path: start -> c1 -> ... -> conversion or null."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for channels, converted in paths:
        if not channels:
            continue
        states = [START, *channels, CONVERSION if converted else NULL]
        for a, b in zip(states, states[1:], strict=False):
            counts[(a, b)] += 1
    return dict(counts)


def conversion_probability(counts: dict[tuple[str, str], int], removed: str | None = None) -> float:
    """P(absorbed in conversion | start) of the chain the counts define, solved exactly.

    With `removed`, every transition into that channel goes to null instead (the channel and all
    that only it led to drop out of the chain)."""
    rerouted: dict[tuple[str, str], float] = defaultdict(float)
    for (a, b), n in counts.items():
        if a == removed:
            continue  # never reached
        rerouted[(a, NULL if b == removed else b)] += n
    transient = sorted({a for a, _ in rerouted} - {CONVERSION, NULL})
    if START not in transient:
        return 0.0
    index = {s: i for i, s in enumerate(transient)}
    q = np.zeros((len(transient), len(transient)))
    r = np.zeros(len(transient))  # one absorbing column of interest: conversion
    totals: dict[str, float] = defaultdict(float)
    for (a, _), n in rerouted.items():
        totals[a] += n
    for (a, b), n in rerouted.items():
        p = n / totals[a]
        if b == CONVERSION:
            r[index[a]] += p
        elif b != NULL:
            q[index[a], index[b]] += p
    absorbed = np.linalg.solve(np.eye(len(transient)) - q, r)  # (I - Q) b = R
    return float(absorbed[index[START]])


def removal_effects(paths: Sequence[Path]) -> dict[str, float]:
    """Channel -> 1 - P(conversion without the channel) / P(conversion)."""
    counts = transition_counts(paths)
    channels = sorted({c for channels, _ in paths for c in channels})
    full = conversion_probability(counts)
    if full == 0:
        return dict.fromkeys(channels, 0.0)
    return {c: 1 - conversion_probability(counts, removed=c) / full for c in channels}


def removal_shares(paths: Sequence[Path]) -> dict[str, float]:
    """Channel -> removal effect / sum of removal effects."""
    effects = removal_effects(paths)
    total = sum(effects.values())
    return {c: (e / total if total else 0.0) for c, e in effects.items()}


@dataclass(frozen=True)
class Session:
    session_id: str
    visitor_id: str
    started_at: dt.datetime
    channel: str


@dataclass(frozen=True)
class Order:
    order_id: str
    visitor_id: str
    ordered_at: dt.datetime


def build_paths(
    sessions: Iterable[Session],
    orders: Iterable[Order],
    lookback_days: float,
    window_days: float,
) -> dict[str, Path]:
    """Paths by id ('order:<id>' / 'visitor:<id>:<segment>'), as int_conversion_paths_built forms
    them: an order's touches are the visitor's social sessions in [order - lookback, order]; the
    order converts its path when the latest touch is within the window of the order. The sessions
    that touch no converting order form one non-converting path per visitor x segment (number of
    the visitor's orders placed before the session started). Touches ordered by start, then id."""
    by_visitor: dict[str, list[Session]] = defaultdict(list)
    for s in sessions:
        by_visitor[s.visitor_id].append(s)
    orders_by_visitor: dict[str, list[Order]] = defaultdict(list)
    for o in orders:
        orders_by_visitor[o.visitor_id].append(o)
    lookback, window = dt.timedelta(days=lookback_days), dt.timedelta(days=window_days)

    paths: dict[str, Path] = {}
    credited: set[str] = set()
    for visitor, visitor_orders in orders_by_visitor.items():
        for o in visitor_orders:
            touches = sorted(
                (s for s in by_visitor.get(visitor, []) if o.ordered_at - lookback <= s.started_at),
                key=lambda s: (s.started_at, s.session_id),
            )
            touches = [s for s in touches if s.started_at <= o.ordered_at]
            if touches and touches[-1].started_at >= o.ordered_at - window:
                paths[f"order:{o.order_id}"] = (tuple(s.channel for s in touches), True)
                credited.update(s.session_id for s in touches)
    segments: dict[str, list[Session]] = defaultdict(list)
    for visitor, visitor_sessions in by_visitor.items():
        for s in visitor_sessions:
            if s.session_id in credited:
                continue
            before = sum(o.ordered_at < s.started_at for o in orders_by_visitor.get(visitor, []))
            segments[f"visitor:{visitor}:{before}"].append(s)
    for path_id, touches in segments.items():
        touches.sort(key=lambda s: (s.started_at, s.session_id))
        paths[path_id] = (tuple(s.channel for s in touches), False)
    return paths
