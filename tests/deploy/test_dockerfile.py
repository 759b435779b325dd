"""docker/Dockerfile and the files it installs, checked without building the image."""

from __future__ import annotations

import re
import tomllib

import pytest

from .conftest import DOCKER_DIR, ENTRYPOINT, ROOT

PROJECT_FOLDERS = ("transforms", "dags", "dbt_project", "expectations", "config")


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with `\\` continuations joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", text)
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            result.append((word.upper(), " ".join(rest.split())))
    return result


def final_user(text: str) -> str:
    """The last USER, with `${ARG}` / `$ARG` replaced by the ARG's default."""
    args: dict[str, str] = {}
    user = "root"  # what a Dockerfile without USER runs as
    for word, rest in instructions(text):
        if word == "ARG" and "=" in rest:
            name, _, default = rest.partition("=")
            args[name] = default.strip("\"'")
        elif word == "USER":
            user = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m[1], ""), rest)
    return user


def is_root(user: str) -> bool:
    name = user.split(":")[0]
    return name in ("", "0", "root")


def runs(text: str) -> str:
    return "\n".join(rest for word, rest in instructions(text) if word == "RUN")


def locked_versions() -> dict[str, str]:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    return {package["name"]: package.get("version", "") for package in lock["package"]}


def test_base_image_is_python_311_slim(dockerfile_text):
    froms = [rest for word, rest in instructions(dockerfile_text) if word == "FROM"]
    assert froms and froms[0].split()[0].startswith("python:3.11-slim")


def test_installs_dependencies_from_uv_lock(dockerfile_text):
    copies = [rest for word, rest in instructions(dockerfile_text) if word == "COPY"]
    assert any("uv.lock" in c.split()[:-1] and "pyproject.toml" in c for c in copies)
    commands = runs(dockerfile_text)
    assert re.search(r"pip install [^\n]*\buv\b", commands)
    syncs = re.findall(r"uv sync[^&\n]*", commands)
    assert syncs, "the project must be installed with `uv sync`"
    for sync in syncs:
        # --locked/--frozen: install exactly uv.lock; --no-dev: no test tools in the image.
        assert re.search(r"--(locked|frozen)\b", sync), sync
        assert "--no-dev" in sync, sync
        # Celery, PostgreSQL drivers and the FAB auth manager live in the `deploy` group.
        assert "--group deploy" in sync, sync


def test_deploy_group_is_in_the_lock():
    locked = locked_versions()
    for package in ("celery", "apache-airflow-providers-celery", "apache-airflow-providers-fab"):
        assert package in locked, package
    assert not locked["celery"].startswith("5.7"), "celery 5.7 breaks the Celery provider"


def test_copies_the_project_folders(dockerfile_text):
    copies = [rest for word, rest in instructions(dockerfile_text) if word == "COPY"]
    for folder in PROJECT_FOLDERS:
        assert f"{folder}/ {folder}/" in copies, folder


def test_does_not_run_as_root_at_the_end(dockerfile_text):
    assert "USER" in [word for word, _ in instructions(dockerfile_text)]
    user = final_user(dockerfile_text)
    assert not is_root(user), user


@pytest.mark.parametrize(
    ("text", "root"),
    [
        ("FROM x\nRUN true\n", True),
        ("FROM x\nUSER listener\nUSER root\n", True),
        ("FROM x\nARG UID=0\nUSER ${UID}:0\n", True),
        ("FROM x\nUSER 0\n", True),
        ("FROM x\nARG UID=50000\nUSER ${UID}:0\n", False),
        ("FROM x\nUSER root\nRUN x \\\n  y\nUSER listener\n", False),
    ],
)
def test_the_root_check_bites(text, root):
    assert is_root(final_user(text)) is root


def test_entrypoint_and_health_check_tools_are_installed(dockerfile_text):
    words = [word for word, _ in instructions(dockerfile_text)]
    assert "ENTRYPOINT" in words
    assert "docker/entrypoint.sh" in dockerfile_text
    assert ENTRYPOINT.stat().st_mode & 0o111, "entrypoint.sh must be executable"
    # docker-compose.yml health checks call curl; python:3.11-slim does not ship it.
    assert re.search(r"apt-get install[^&]*\bcurl\b", runs(dockerfile_text))


def test_build_context_excludes_secrets_and_local_state():
    ignore = (DOCKER_DIR / "Dockerfile.dockerignore").read_text().splitlines()
    for entry in (".env", ".git", ".venv", "data"):
        assert entry in ignore, entry
