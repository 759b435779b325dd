"""What `listener summary` (and the end of `make demo`) prints: rows per stage, the top lines of
each published mart, and where the published warehouse and dashboard are."""

from __future__ import annotations

import duckdb
import polars as pl

from transforms import batch_quarantine, zones
from transforms.config import Config
from transforms.quality import DATA_DOCS_INDEX

# Show the rows a reader looks at first: the tracked brand's latest days, the top campaigns.
MART_PREVIEWS = {
    "share_of_voice": "select brand, cast(sum(mentions) as bigint) as mentions, "
    "round(sum(mentions) / sum(sum(mentions)) over (), 3) as share_of_mentions, "
    "round(sum(positive_mentions) / sum(sum(positive_mentions)) over (), 3) as share_of_positive "
    "from share_of_voice group by brand order by mentions desc",
    "sentiment_trend": "select day, brand, mentions, positive, neutral, negative, "
    "round(net_sentiment, 3) as net_sentiment from sentiment_trend "
    "order by day desc, mentions desc limit 8",
    "funnel_attribution": "select attribution_model, platform, campaign, "
    "round(sum(conversions), 2) as conversions, round(sum(revenue), 2) as revenue "
    "from funnel_attribution group by all order by attribution_model, revenue desc limit 12",
    "alerts": "select started_on, brand, alert_kind, severity, explanation from alerts "
    "order by started_on, brand",
    "response_time_summary": "select brand, cast(sum(inbound_posts) as bigint) as inbound, "
    "round(sum(responded_posts) / sum(inbound_posts), 3) as response_rate "
    "from response_time_summary group by brand order by brand",
    "triage_queue": "select routed_team, count(*) as open_items, min(priority_rank) as top_rank "
    "from triage_queue group by routed_team order by top_rank",
}


def stage_counts(config: Config) -> dict[str, int]:
    """Rows at each stage, from the working warehouse's load audit and raw tables."""
    with duckdb.connect(str(zones.warehouse_file(config)), read_only=True) as con:
        read, accepted, quarantined, erased = con.execute(
            "select coalesce(sum(rows_read), 0), coalesce(sum(rows_accepted), 0), "
            "coalesce(sum(rows_quarantined), 0), coalesce(sum(rows_erased), 0) "
            "from raw.load_audit"
        ).fetchone()
        held_batches, held_rows = con.execute(
            "select count(*), coalesce(sum(rows_read), 0) from raw.quarantined_batches"
        ).fetchone()
        (snapshots,) = con.execute("select count(*) from raw.post_snapshots").fetchone()
        loaded, voice = con.execute(
            "select count(distinct post_id), "
            "count(distinct post_id) filter (where exclusion_reason is null) from raw.posts"
        ).fetchone()
        excluded = dict(
            con.execute(
                "select exclusion_reason, count(*) from raw.posts "
                "where exclusion_reason is not null group by 1 order by 1"
            ).fetchall()
        )
    return {
        "extracted": read + held_rows,
        "quarantined": quarantined,
        "in quarantined batches": held_rows,
        "quarantined batches": held_batches,
        "accepted": accepted,
        "erased on request": erased,  # `listener forget`: read, then removed with the author
        "loaded (post snapshots)": snapshots,
        "distinct posts": loaded,
        "counted as voice": voice,
        **{f"not voice: {reason}": n for reason, n in excluded.items()},
    }


def mart_previews(config: Config) -> dict[str, pl.DataFrame]:
    """The preview of each published mart (the triage queue from the restricted file)."""
    from transforms.publish import RESTRICTED_FILE, RESTRICTED_ONLY

    out = {}
    bi = zones.published_warehouse(config)
    for name, sql in MART_PREVIEWS.items():
        path = bi.parent / RESTRICTED_FILE if name in RESTRICTED_ONLY else bi
        if not path.exists():
            continue
        with duckdb.connect(str(path), read_only=True) as con:
            if name in {r[0] for r in con.execute("show tables").fetchall()}:
                out[name] = con.sql(sql).pl()
    return out


def print_summary(config: Config) -> None:
    counts = stage_counts(config)
    width = max(len(k) for k in counts)
    print("\nRows per stage")
    for name, value in counts.items():
        print(f"  {name:<{width}}  {value:>10,}")
    quarantined = counts["quarantined"] + counts["in quarantined batches"]
    kept = counts["loaded (post snapshots)"] + quarantined + counts["erased on request"]
    balanced = counts["extracted"] == kept
    print(
        "  extracted = loaded + quarantined (rows and batches) + erased: "
        f"{'yes' if balanced else 'NO'}"
    )
    held = [r for r in batch_quarantine.records(config) if r.is_open]
    if held:
        print(f"\nHeld back by a quality gate ({len(held)}; `listener quarantine list`):")
        for record in held:
            print(f"  {record.scope} {record.record_id}: {'; '.join(record.failures)[:160]}")
    with pl.Config(tbl_rows=12, tbl_cols=12, fmt_str_lengths=150, tbl_width_chars=200):
        for name, frame in mart_previews(config).items():
            print(f"\n{name} (top lines)")
            print(frame)
    from transforms.publish import RESTRICTED_FILE

    published = zones.published_warehouse(config)
    print(f"\nPublished warehouse (read-only, for BI tools; authors pseudonymized): {published}")
    restricted = published.parent / RESTRICTED_FILE
    print(f"Restricted marts (triage queue, named influencers): {restricted}")
    print(f"Dashboard: {zones.dashboard_file(config)}")
    data_docs = zones.quality_dir(config) / DATA_DOCS_INDEX
    print(f"Data quality (Great Expectations Data Docs): {data_docs}")
    for delivery in latest_deliveries(config):
        print(f"Report: {delivery}")


def latest_deliveries(config: Config) -> list[str]:
    """One line per report kind: the newest archived report and what became of its email."""
    import json

    lines = []
    for kind_dir in sorted((config.data_dir / "reports").glob("*")):
        states = sorted(kind_dir.glob("*/delivery.json"))
        if states:
            state = json.loads(states[-1].read_text())
            lines.append(f"{kind_dir.name} {state['first']}..{state['last']}: {state['reason']}")
    return lines
