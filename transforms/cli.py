"""The `listener` command: generate sample data, run the pipeline, summarize what it published.

    listener generate [--start DATE] [--days N] [--posts-per-day N] [--seed N]
    listener ingest --source NAME [--date DATE]     # one source's extraction, outside Airflow
    listener run [--start DATE] [--end DATE]        # the real DAGs, in-process, then publish
    listener airflow                                # airflow standalone on the DAGs, with its UI
    listener report daily|weekly [--date DATE]      # render, archive, email a report
    listener summary                                # rows per stage, top lines of each mart
    listener quarantine list [--all]                # batches and loads a quality gate stopped
    listener quarantine release BATCH --reason TEXT # admit a quarantined batch as it is
    listener quality-docs                           # rebuild the Great Expectations Data Docs
    listener train sentiment|intent|relevance --labels FILE --text-column COL --label-column COL
                   [--out DIR]
    listener train sentiment|intent --self-train [--labels FILE ...] [--out DIR]
    listener predict --model DIR|default [--task T] --input FILE --text-column COL --output FILE
    listener label-queue [--task sentiment|intent|relevance] [--size 200] --out FILE
    listener evaluate --model DIR|default [--task T] --labels FILE --text-column COL
                      --label-column COL
    listener compose-env [--out .env] [--admin-user U] # the compose stack's secrets, generated
    listener bench [--posts 1000000] [--json FILE]  # every stage timed, with peak memory
    listener retention [--as-of DATE]               # remove raw data older than retention.raw_days
    listener forget --author ID [--platform P]      # erase one author's posts everywhere

Every command takes `--config FILE` (default: $LISTENER_CONFIG or config/listener.yml), before or
after the command name.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

from transforms.config import CONFIG_ENV, DEFAULT_CONFIG, Config, ConfigError, load_config
from transforms.errors import ListenerError

TASK_CHOICES = ["sentiment", "intent", "relevance"]


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def cmd_generate(args: argparse.Namespace, config: Config) -> int:
    from transforms.generate import generate_sample

    report = generate_sample(
        config, start=args.start, days=args.days, posts_per_day=args.posts_per_day, seed=args.seed
    )
    posts = sum(report.posts.values())
    if config.sample.bad_rows_per_source_day:
        from transforms.generate.faults import add_bad_rows

        bad = add_bad_rows(config, report.start, report.days, config.sample.bad_rows_per_source_day)
        print(f"appended {bad:,} broken rows to the exports, for the quarantine to catch")
    print(
        f"generated {posts:,} posts over {report.days} days from {report.start} "
        f"({', '.join(f'{k} {v:,}' for k, v in report.posts.items())}) and funnel rows "
        f"({', '.join(f'{k} {v:,}' for k, v in report.funnel_rows.items())}) "
        f"in {report.seconds:.1f} s into {config.data_dir / 'landing'}"
    )
    return 0


def cmd_ingest(args: argparse.Namespace, config: Config) -> int:
    from transforms.extract import extract_source_day
    from transforms.sample_api import serving_sample_apis

    day = args.date or dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    source = config.source(args.source)
    with serving_sample_apis(config):
        report = extract_source_day(config, source, day)
    print(json.dumps(asdict(report), indent=2))
    return 0


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    from transforms.airflow_runner import run_range

    start = args.start or config.sample.start
    end = args.end or config.sample.end
    if end < start:
        raise SystemExit(f"listener run: --end {end} is before --start {start}")
    summary = run_range(config, start, end, args.config)
    print(
        f"ran listener_ingest for {len(summary.days)} days in {summary.ingest_seconds:.1f} s, "
        f"listener_warehouse in {summary.warehouse_seconds:.1f} s, "
        f"listener_report_daily in {summary.report_seconds:.1f} s"
    )
    return 0


def cmd_airflow(args: argparse.Namespace, config: Config) -> int:
    """`airflow standalone` on the project's DAGs, with the sample APIs served meanwhile."""
    import subprocess

    from transforms.airflow_runner import DAGS_FOLDER
    from transforms.sample_api import serving_sample_apis

    env = {
        **os.environ,
        "AIRFLOW_HOME": str(config.data_dir / "airflow-standalone"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__API__HOST": os.environ.get("AIRFLOW__API__HOST", "127.0.0.1"),  # not 0.0.0.0
        CONFIG_ENV: str(Path(args.config).resolve()) if args.config else os.environ.get(
            CONFIG_ENV, str(DEFAULT_CONFIG)
        ),
    }  # fmt: skip
    airflow = Path(sys.executable).with_name("airflow")
    # standalone starts its components as `airflow ...` from PATH: this environment's first.
    env["PATH"] = f"{airflow.parent}{os.pathsep}{env.get('PATH', '')}"
    with serving_sample_apis(config):
        # The sample server's URL and token are in os.environ now; the child inherits them.
        env.update({k: v for k, v in os.environ.items() if k.startswith("LISTENER_")})
        return subprocess.call([str(airflow), "standalone"], env=env)


def cmd_report(args: argparse.Namespace, config: Config) -> int:
    from transforms.reports import deliver_report

    delivery = deliver_report(config, args.kind, args.date)
    print(json.dumps(asdict(delivery), indent=2))
    return 0


def cmd_summary(args: argparse.Namespace, config: Config) -> int:
    from transforms.summary import print_summary

    print_summary(config)
    return 0


def cmd_quarantine_list(args: argparse.Namespace, config: Config) -> int:
    from transforms.batch_quarantine import records

    shown = [r for r in records(config) if args.all or r.is_open]
    if not shown:
        print("nothing is held back by a quality gate" + ("" if args.all else " (--all: history)"))
    for record in shown:
        state = (
            f"released {record.released_at}: {record.release_reason}" if record.released_at
            else f"resolved {record.resolved_at}" if record.resolved_at
            else "held back"
        )  # fmt: skip
        print(f"{record.record_id}  [{record.scope}, {record.checkpoint}, {record.run}] {state}")
        if record.source:
            print(f"  source: {record.source}, rows: {record.rows:,}")
        for failure in record.failures:
            print(f"  - {failure}")
        print(f"  report: {record.report}")
    return 0


def cmd_quarantine_release(args: argparse.Namespace, config: Config) -> int:
    from transforms.batch_quarantine import release

    record = release(config, args.batch, args.reason)
    print(
        f"released batch {record.record_id} ({record.source}, {record.run}): it is admitted as it "
        f"is; re-run {record.run} (listener run --start {record.run} --end {record.run})"
    )
    return 0


def cmd_quality_docs(args: argparse.Namespace, config: Config) -> int:
    from transforms import zones
    from transforms.quality import build_data_docs

    index = build_data_docs(zones.quality_dir(config))
    print(f"Great Expectations Data Docs (every validation, open in a browser): {index}")
    return 0


def cmd_docs(args: argparse.Namespace, config: Config) -> int:
    from transforms.warehouse import generate_docs

    page = generate_docs(config)
    print(f"dbt docs site (one self-contained page, open it in a browser): {page}")
    return 0


def cmd_copy_to_postgres(args: argparse.Namespace, config: Config) -> int:
    from transforms import zones
    from transforms.postgres_warehouse import PostgresSettings, copy_raw_schema

    settings = PostgresSettings.from_env()
    counts = copy_raw_schema(zones.warehouse_file(config), settings)
    rows = ", ".join(f"{table} {n:,}" for table, n in counts.items())
    print(
        f"copied raw schema to postgres {settings.host}:{settings.port}/{settings.database}: {rows}"
    )
    return 0


def cmd_publish_postgres(args: argparse.Namespace, config: Config) -> int:
    from transforms.postgres_publish import publish_to_postgres, warehouse_connection

    settings = warehouse_connection(config)
    if settings is None:
        print(
            f"no connection {config.bi.postgres_connection!r}: set AIRFLOW_CONN_"
            f"{config.bi.postgres_connection.upper()}=postgresql://user:password@host:port/db",
            file=sys.stderr,
        )
        return 2
    counts = publish_to_postgres(config, settings)
    print(
        f"published {len(counts)} marts ({sum(counts.values()):,} rows) to "
        f"{settings.host}:{settings.port}/{settings.database} schema {config.bi.schema_name}"
    )
    return 0


def cmd_evaluate(args: argparse.Namespace, config: Config) -> int:
    from transforms.evaluate import evaluate_file

    classifier = _classifier(config, args.model, args.task)
    result = evaluate_file(classifier, Path(args.labels), args.text_column, args.label_column)
    print(json.dumps(result, indent=2))
    return 0


def cmd_train(args: argparse.Namespace, config: Config) -> int:
    from transforms.training import describe, train_command

    result = train_command(
        config,
        args.task,
        Path(args.out) if args.out else None,
        Path(args.labels) if args.labels else None,
        args.text_column,
        args.label_column,
        args.self_train,
    )
    print(describe(result))
    return 0


def cmd_predict(args: argparse.Namespace, config: Config) -> int:
    from transforms.training import predict_file

    classifier = _classifier(config, args.model, args.task)
    rows = predict_file(classifier, Path(args.input), args.text_column, Path(args.output))
    print(f"wrote {rows:,} rows with label and proba_<class> columns to {args.output}")
    return 0


def cmd_label_queue(args: argparse.Namespace, config: Config) -> int:
    from transforms.label_queue import write_label_queue

    rows = write_label_queue(config, args.task, args.size, Path(args.out))
    print(
        f"wrote {rows:,} posts to label to {args.out}; fill the `label` column, then run "
        f"listener train {args.task} --labels {args.out} --text-column text "
        f"--label-column label"
    )
    return 0


def cmd_compose_env(args: argparse.Namespace, config: Config) -> int:
    from transforms.compose_env import main as compose_env

    argv = ["--admin-user", args.admin_user, "--admin-email", args.admin_email]
    return compose_env([*argv, *(["--out", str(args.out)] if args.out else [])])


def cmd_bench(args: argparse.Namespace, config: Config) -> int:
    from transforms.bench import print_report, run_bench

    report = run_bench(
        args.posts, Path(args.keep) if args.keep else None, baseline=not args.no_baseline
    )
    print_report(report)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 0


def cmd_retention(args: argparse.Namespace, config: Config) -> int:
    from transforms.retention import expire_raw

    # The command line is the one place that may read the clock: the DAG passes its run's date.
    as_of = args.as_of or dt.datetime.now(dt.UTC).date()
    report = expire_raw(config, as_of)
    print(json.dumps(asdict(report), indent=2))
    return 0


def cmd_forget(args: argparse.Namespace, config: Config) -> int:
    from transforms.erasure import forget_author, report_lines

    report = forget_author(config, args.author, args.platform)
    print("\n".join(report_lines(report)))
    # The BI warehouse's copy of the marts loses the author too, as in the DAG (also after a
    # request found nothing new: an earlier one may have stopped before this step).
    from transforms import zones
    from transforms.postgres_publish import publish_to_postgres, warehouse_connection

    settings = warehouse_connection(config)
    if settings is not None and zones.published_warehouse(config).exists():
        counts = publish_to_postgres(config, settings)
        print(f"  BI warehouse republished: {len(counts)} marts")
    return 0


def _classifier(config: Config, model: str, task: str | None):
    """The classifier in a model directory, or the out-of-the-box one of the task (`default`)."""
    from transforms.classify import ensure_default_models, load_classifier, task_dir

    if model != "default":
        return load_classifier(Path(model), config)
    ensure_default_models(config)
    return load_classifier(task_dir(config, task or "sentiment"), config)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="listener", description=__doc__.split("\n")[0])
    parser.add_argument("--config", type=Path, default=None, help="config YAML file")
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="write seeded sample data to the landing zone")
    generate.add_argument("--start", type=_date)
    generate.add_argument("--days", type=int)
    generate.add_argument("--posts-per-day", type=int)
    generate.add_argument("--seed", type=int)
    generate.set_defaults(func=cmd_generate)

    ingest = commands.add_parser("ingest", help="extract one source's day into the raw zone")
    ingest.add_argument("--source", required=True, help="a source name from the config")
    ingest.add_argument("--date", type=_date, help="the day to load (default: yesterday, UTC)")
    ingest.set_defaults(func=cmd_ingest)

    run = commands.add_parser("run", help="run the DAGs in-process for a range of days")
    run.add_argument("--start", type=_date, help="first day (default: sample start)")
    run.add_argument("--end", type=_date, help="last day, inclusive (default: sample end)")
    run.set_defaults(func=cmd_run)

    airflow = commands.add_parser(
        "airflow", help="a local Airflow with its UI (airflow standalone), sample APIs served"
    )
    airflow.set_defaults(func=cmd_airflow)

    report = commands.add_parser("report", help="render, archive and email an executive report")
    report.add_argument("kind", choices=["daily", "weekly"])
    report.add_argument(
        "--date", type=_date, default=None,
        help="the run's date (the report covers the days before it); default: the newest day",
    )  # fmt: skip
    report.set_defaults(func=cmd_report)

    summary = commands.add_parser("summary", help="rows per stage and the top of each mart")
    summary.set_defaults(func=cmd_summary)

    quarantine = commands.add_parser(
        "quarantine", help="batches and loads a quality gate stopped"
    ).add_subparsers(dest="action", required=True)
    held = quarantine.add_parser("list", help="what is held back, with the failed expectations")
    held.add_argument("--all", action="store_true", help="also released and resolved records")
    held.set_defaults(func=cmd_quarantine_list)
    release = quarantine.add_parser("release", help="admit a quarantined batch as it is")
    release.add_argument("batch", help="the batch id (see `listener quarantine list`)")
    release.add_argument("--reason", required=True, help="why it may be loaded (kept)")
    release.set_defaults(func=cmd_quarantine_release)

    quality_docs = commands.add_parser("quality-docs", help="rebuild the GX Data Docs site")
    quality_docs.set_defaults(func=cmd_quality_docs)

    docs = commands.add_parser("docs", help="build the dbt docs site for the warehouse")
    docs.set_defaults(func=cmd_docs)

    copy = commands.add_parser(
        "copy-to-postgres",
        help="copy the raw schema into the PostgreSQL warehouse (LISTENER_PG_* environment)",
    )
    copy.set_defaults(func=cmd_copy_to_postgres)

    bi = commands.add_parser(
        "publish-postgres",
        help="copy the published marts into the BI warehouse (connection listener_warehouse)",
    )
    bi.set_defaults(func=cmd_publish_postgres)

    evaluate = commands.add_parser("evaluate", help="score a model on a labelled file (JSON)")
    evaluate.add_argument("--model", required=True, help="model directory, or 'default'")
    evaluate.add_argument("--labels", required=True, help="CSV, JSONL or Parquet file")
    evaluate.add_argument("--text-column", required=True)
    evaluate.add_argument("--label-column", required=True)
    evaluate.add_argument("--task", choices=TASK_CHOICES, help="for `--model default`")
    evaluate.set_defaults(func=cmd_evaluate)

    train = commands.add_parser("train", help="train a model on a labelled file")
    train.add_argument("task", choices=TASK_CHOICES)
    train.add_argument("--labels", help="CSV, JSONL or Parquet file with a text and a label column")
    train.add_argument("--text-column")
    train.add_argument("--label-column")
    train.add_argument(
        "--self-train",
        action="store_true",
        help="learn from the prior's confident labels on the clean zone's posts (no labels)",
    )
    train.add_argument(
        "--out", help="model directory (default: the pipeline's); promoted only if better"
    )
    train.set_defaults(func=cmd_train)

    predict = commands.add_parser("predict", help="label a file with a model")
    predict.add_argument("--model", required=True, help="model directory, or 'default'")
    predict.add_argument("--input", required=True, help="CSV, JSONL or Parquet file")
    predict.add_argument("--text-column", required=True)
    predict.add_argument("--output", required=True, help="CSV, JSONL or Parquet file")
    predict.add_argument("--task", choices=TASK_CHOICES, help="for `--model default`")
    predict.set_defaults(func=cmd_predict)

    queue = commands.add_parser("label-queue", help="the posts most worth labelling, as a CSV")
    queue.add_argument("--task", default="sentiment", choices=TASK_CHOICES)
    queue.add_argument("--size", type=int, default=200, help="how many posts")
    queue.add_argument("--out", required=True, help="CSV file to write")
    queue.set_defaults(func=cmd_label_queue)
    compose_env = commands.add_parser(
        "compose-env", help="write the compose stack's .env with generated secrets (never over)"
    )
    compose_env.add_argument("--out", type=Path, help="file to create (default: .env)")
    compose_env.add_argument("--admin-user", default="admin", help="Airflow UI login name")
    compose_env.add_argument("--admin-email", default="admin@localhost.localdomain")
    compose_env.set_defaults(func=cmd_compose_env)

    bench = commands.add_parser(
        "bench", help="time the whole pipeline on generated posts, against a peer baseline"
    )
    bench.add_argument("--posts", type=int, default=1_000_000, help="posts in the generated day")
    bench.add_argument("--json", help="also write every figure to this file")
    bench.add_argument("--keep", help="keep the generated data in this folder")
    bench.add_argument("--no-baseline", action="store_true", help="skip the peer baseline")
    bench.set_defaults(func=cmd_bench)

    retention = commands.add_parser(
        "retention", help="remove the raw data of days older than retention.raw_days"
    )
    retention.add_argument(
        "--as-of", type=_date, help="apply the rule as of this day (default: today, UTC)"
    )
    retention.set_defaults(func=cmd_retention)

    forget = commands.add_parser("forget", help="erase one author's posts and what came of them")
    forget.add_argument("--author", required=True, help="the author's platform-native id")
    forget.add_argument("--platform", help="only this platform (x, reddit, ...; default: all)")
    forget.set_defaults(func=cmd_forget)
    for command in [*commands.choices.values(), *quarantine.choices.values()]:
        # `listener run --config F` reads as well as `listener --config F run`.
        command.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="config YAML")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.config is not None:
        os.environ[CONFIG_ENV] = str(args.config.resolve())
    from transforms.files import storage_errors

    try:
        config = load_config(args.config)
        with storage_errors(config.data_dir):  # a full disk or read-only folder: say which
            return args.func(args, config)
    except ConfigError as exc:
        print(f"listener: configuration error:\n{exc}", file=sys.stderr)
        return 2
    except ListenerError as exc:
        print(f"listener {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
