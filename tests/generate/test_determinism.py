"""Same inputs, same bytes; bounded memory."""

from __future__ import annotations

import datetime as dt
import os
import resource
import subprocess
import sys
from pathlib import Path

from transforms.generate import generate_sample

from .conftest import config_in

START = dt.date(2026, 10, 1)


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _generate(root: Path, **kwargs) -> dict[str, bytes]:
    generate_sample(config_in(root), start=START, **{"days": 3, "posts_per_day": 300, **kwargs})
    return _files(root)


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    first = _generate(tmp_path / "a", seed=7)
    second = _generate(tmp_path / "b", seed=7)
    assert len(first) == 3 * (6 + 1 + 5)
    assert first == second


def test_another_seed_gives_other_data(tmp_path: Path) -> None:
    first = _generate(tmp_path / "a", seed=7)
    other = _generate(tmp_path / "b", seed=8)
    assert first.keys() == other.keys()
    changed = [name for name in first if first[name] != other[name]]
    assert len(changed) > len(first) * 0.8


def test_chunk_size_does_not_change_the_bytes(tmp_path: Path) -> None:
    whole = _generate(tmp_path / "a", seed=3)
    chunked = _generate(tmp_path / "b", seed=3, chunk_size=37)
    assert whole == chunked


def test_output_does_not_depend_on_python_hash_seed(tmp_path: Path) -> None:
    """String hashing differs per process; nothing may depend on set or hash order."""
    here = _generate(tmp_path / "a", seed=5)
    code = (
        "import datetime as dt, sys; from pathlib import Path;"
        "from transforms.config import load_config;"
        "from transforms.generate import generate_sample;"
        "config = load_config().model_copy(update={'data_dir': Path(sys.argv[1])});"
        "generate_sample(config, start=dt.date(2026, 10, 1), days=3, posts_per_day=300, seed=5)"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "b")], check=True, env=env)
    assert here == _files(tmp_path / "b")


def test_a_moderate_run_streams_in_bounded_memory(tmp_path: Path) -> None:
    """200k posts in chunks of 20k rows: memory stays far below what holding them would need."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    report = generate_sample(
        config_in(tmp_path), start=START, days=2, posts_per_day=100_000, chunk_size=20_000
    )
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert report.total_posts == 200_000
    assert grown_mib < 500, f"peak memory grew by {grown_mib:.0f} MiB"
