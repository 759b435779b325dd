"""A full disk or a read-only data directory: extract, clean and publish fail with a StorageError
that names the file and the cause, and leave no half-written file behind (the published marts
stay byte for byte as they were).

Each failing step runs in a child process, because the conditions are the operating system's:
a file-size limit (`RLIMIT_FSIZE`, SIGXFSZ ignored, so a native write fails midway with EFBIG
as it would with ENOSPC on a full disk), or folders without write permission. Root ignores
permissions, so as root the child runs without the capabilities that let it (setpriv).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from transforms import pipeline, zones
from transforms.config import DATA_DIR_ENV, load_config
from transforms.errors import ListenerError, StorageError
from transforms.files import storage_cause, storage_errors, write_atomic_bytes

DAY = dt.date(2026, 10, 1)
ON_DAY = f"dt.date.fromisoformat('{DAY}')"  # the day, in the child's code
FILE_LIMIT = 4096  # bytes: below each file the steps write, above nothing they only read
ROOT_CAPS = "-dac_override,-dac_read_search,-fowner"


# --- helpers ------------------------------------------------------------------------------------


def files_under(folder: Path) -> dict[str, str]:
    """Every file with its sha256, and every hidden folder (a writer's staging area); not the
    writer lock, which names its latest holder."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        if p.is_file()
        else "folder"
        for p in sorted(folder.rglob("*"))
        if (p.is_file() or p.name.startswith(".")) and p.name != ".writer.lock"
    }


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the kernel kills the writer
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT, FILE_LIMIT))


def run_step(data_dir: Path, call: str, *, limit_file_size: bool = False) -> dict:
    """Run `pipeline.<call>` in a child; what it raised, as a dict."""
    code = (
        "import datetime as dt, json\n"
        "from transforms import pipeline\n"
        "from transforms.errors import ListenerError, StorageError\n"
        "try:\n"
        f"    pipeline.{call}\n"
        "    print(json.dumps({'error': None}))\n"
        "except Exception as exc:\n"
        "    print(json.dumps({'error': type(exc).__name__, 'message': str(exc),\n"
        "                      'storage': isinstance(exc, StorageError),\n"
        "                      'listener': isinstance(exc, ListenerError)}))\n"
    )
    command = [sys.executable, "-c", code]
    if os.geteuid() == 0 and not limit_file_size:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: permissions cannot be enforced")
        command = [setpriv, "--inh-caps=-all", f"--bounding-set={ROOT_CAPS}", *command]
    done = subprocess.run(
        command,
        env={**os.environ, DATA_DIR_ENV: str(data_dir)},
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_file_size if limit_file_size else None,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def set_writable(folder: Path, writable: bool) -> None:
    """chmod the folder and everything under it (a read-only mount, as far as a process sees)."""
    write_bits = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
    for path in [folder, *folder.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode | stat.S_IWUSR if writable else mode & ~write_bits)


@pytest.fixture
def read_only(tmp_path):
    """Makes folders read-only for the test; restores them so pytest can clean up."""
    changed: list[Path] = []

    def make(folder: Path) -> None:
        set_writable(folder, False)
        changed.append(folder)

    yield make
    for folder in changed:
        set_writable(folder, True)


@pytest.fixture
def day_landed(tmp_path, monkeypatch):
    """One generated day in the landing zone; the config points at it."""
    from transforms.generate import generate_sample

    data_dir = tmp_path / "data"
    monkeypatch.setenv(DATA_DIR_ENV, str(data_dir))
    config = load_config()
    generate_sample(config, start=DAY, days=1, posts_per_day=300)
    return config


@pytest.fixture
def day_extracted(day_landed):
    """The day's file sources in the raw zone; returns the config and the rows accepted."""
    accepted = sum(
        pipeline.extract(source.name, DAY)["rows_accepted"]
        for source in day_landed.sources
        if source.kind == "file"
    )
    return day_landed, accepted


@pytest.fixture
def published(tmp_path, monkeypatch):
    """A working warehouse with a sizeable mart, published once: the marts BI tools read."""
    from transforms.warehouse import connect

    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "data"))
    config = load_config()
    with connect(config) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.share_of_voice as select range as n, "
            "md5(range::varchar) as brand from range(50000)"
        )
    pipeline.publish()
    return config


def assert_storage_error(outcome: dict, cause: str, path_part: str) -> None:
    assert outcome["error"] == "StorageError" and outcome["storage"] and outcome["listener"]
    assert cause in outcome["message"], outcome["message"]
    assert path_part in outcome["message"], outcome["message"]


# --- a full disk (a file-size limit: writes fail midway) ---------------------------------------


def test_extract_on_a_full_disk_commits_nothing(day_landed):
    data_dir = day_landed.data_dir
    before = files_under(data_dir)
    outcome = run_step(data_dir, f"extract('reddit', {ON_DAY})", limit_file_size=True)
    assert_storage_error(
        outcome, "File too large", str(zones.raw_partition(day_landed, "reddit", DAY))
    )
    assert files_under(data_dir) == before  # no batch, no staging folder, no temporary file
    # The next run, with space again, commits the day normally.
    assert pipeline.extract("reddit", DAY)["rows_accepted"] > 0


def test_clean_on_a_full_disk_leaves_no_partial_file(day_extracted):
    config, accepted = day_extracted
    data_dir = config.data_dir
    before = files_under(data_dir)
    outcome = run_step(data_dir, f"clean({ON_DAY})", limit_file_size=True)
    assert_storage_error(outcome, "File too large", str(zones.clean_partition(config, DAY)))
    assert files_under(data_dir) == before
    assert pipeline.clean(DAY)["posts"] == accepted  # with space again, the day cleans


def test_publish_on_a_full_disk_keeps_the_published_marts(published):
    folder = zones.published_dir(published)
    before = files_under(published.data_dir)
    outcome = run_step(published.data_dir, "publish()", limit_file_size=True)
    assert_storage_error(outcome, "File too large", str(folder))
    assert files_under(published.data_dir) == before  # the old marts, byte for byte; no debris


# --- a read-only data directory -----------------------------------------------------------------


def test_extract_into_a_read_only_data_directory(day_landed, read_only):
    data_dir = day_landed.data_dir
    read_only(data_dir)
    before = files_under(data_dir)
    outcome = run_step(data_dir, f"extract('reddit', {ON_DAY})")
    assert_storage_error(outcome, "Permission denied", str(data_dir))
    assert files_under(data_dir) == before


def test_clean_into_a_read_only_data_directory(day_extracted, read_only):
    data_dir = day_extracted[0].data_dir
    read_only(data_dir)
    before = files_under(data_dir)
    outcome = run_step(data_dir, f"clean({ON_DAY})")
    assert_storage_error(outcome, "Permission denied", str(data_dir / "clean"))
    assert files_under(data_dir) == before


@pytest.mark.parametrize("folder", ["data directory", "published folder"])
def test_publish_into_a_read_only_folder(published, read_only, folder):
    target = published.data_dir if folder == "data directory" else zones.published_dir(published)
    read_only(target)
    before = files_under(published.data_dir)
    outcome = run_step(published.data_dir, "publish()")
    assert_storage_error(outcome, "Permission denied", str(target))
    assert files_under(published.data_dir) == before


# --- the translation itself ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "exc, cause",
    [
        (OSError(28, "No space left on device", "/d/f"), "No space left on device"),
        # Polars and DuckDB wrap the system's error in their own exception types.
        (pl.exceptions.ComputeError("underlying IO error: x (os error 30)"), "Read-only file"),
        (duckdb.IOException('Could not write file "/d/f": No space left on device'), "No space"),
    ],
)
def test_storage_failures_become_storage_errors(exc: Exception, cause: str):
    with pytest.raises(StorageError, match=cause) as caught, storage_errors(Path("/d")):
        raise exc
    assert "/d" in str(caught.value)
    assert isinstance(caught.value, ListenerError)


def test_other_errors_pass_unchanged():
    with pytest.raises(ValueError, match="a bug"), storage_errors(Path("/d")):
        raise ValueError("a bug")
    assert storage_cause(OSError(2, "No such file or directory")) is None


def test_a_failed_atomic_write_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "report.json"
    target.write_bytes(b"old")

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(StorageError, match=f"{tmp_path}.*No space left on device"):
        write_atomic_bytes(b"new", target)
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
    assert target.read_bytes() == b"old"


def test_a_model_saved_onto_a_full_disk_leaves_the_one_in_use(tmp_path, monkeypatch):
    import skops.io as sio

    from transforms.model_registry import ModelCard, save_version

    card = ModelCard("sentiment", "", "supervised", ["negative", "positive"], 10, "0" * 64, 2,
                     0.5, 0.5, "held-out rows", "labels")  # fmt: skip
    version = save_version(tmp_path, {"weights": [1.0, 2.0]}, card, current=True)
    in_use = (version / "model.skops").read_bytes()

    def full_disk(parts, path):
        Path(path).write_bytes(b"PK\x03\x04 half a zip")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sio, "dump", full_disk)
    with pytest.raises(StorageError, match="model.skops: No space left on device"):
        save_version(tmp_path, {"weights": [1.0, 2.0]}, card, current=True)  # same version
    assert (version / "model.skops").read_bytes() == in_use
    assert sorted(p.name for p in version.iterdir()) == ["model.skops", "model_card.json"]
