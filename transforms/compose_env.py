"""`listener compose-env` (`make compose-env`): the compose stack's `.env`, with every secret
generated, so nobody has to invent the Airflow admin password or the database passwords.

The file is `.env.example` with each required secret filled in (comments and optional settings
kept as they are), created with mode 600 and never overwritten: an existing `.env` holds the
Fernet key that encrypts the stored connections, and replacing it would lose them. Standard
library only, so it also runs as `python3 -m transforms.compose_env` on a Docker host without
the virtual environment.
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV_EXAMPLE = ROOT / ".env.example"
ENV_FILE = ROOT / ".env"

FERNET_KEY = "AIRFLOW__CORE__FERNET_KEY"
# Random URL-safe values ([A-Za-z0-9_-]): safe inside the database URLs compose builds.
GENERATED = (
    "AIRFLOW_ADMIN_PASSWORD",
    "AIRFLOW__API_AUTH__JWT_SECRET",
    "AIRFLOW__API__SECRET_KEY",
    "POSTGRES_PASSWORD",
    "WAREHOUSE_PASSWORD",
    "WAREHOUSE_BI_PASSWORD",
    "LISTENER_PSEUDONYM_KEY",
)
SECRET_BYTES = 32


class EnvFileExists(FileExistsError):
    """`.env` exists already: it is kept, since its Fernet key decrypts the stored secrets."""


def fernet_key() -> str:
    """What cryptography's Fernet.generate_key() returns: 32 random bytes, URL-safe base64."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def random_secret() -> str:
    """A URL-safe random value that does not start with '-' or '_': the entrypoint passes the
    admin password as `--password VALUE`, and a leading '-' would read as an option."""
    while not (value := secrets.token_urlsafe(SECRET_BYTES))[0].isalnum():
        pass
    return value


def generated_values(admin_username: str, admin_email: str) -> dict[str, str]:
    values = {name: random_secret() for name in GENERATED}
    values[FERNET_KEY] = fernet_key()
    values["AIRFLOW_ADMIN_USERNAME"] = admin_username
    values["AIRFLOW_ADMIN_EMAIL"] = admin_email
    return values


def render(example: str, values: dict[str, str]) -> str:
    """`.env.example` with `NAME=` lines filled from `values` (others left empty)."""
    missing = set(values) - set(re.findall(r"^(\w+)=", example, flags=re.MULTILINE))
    if missing:
        raise ValueError(f".env.example does not list {', '.join(sorted(missing))}")

    def fill(match: re.Match[str]) -> str:
        return f"{match[1]}={values.get(match[1], '')}"

    return re.sub(r"^(\w+)=$", fill, example, flags=re.MULTILINE)


def write_env_file(
    path: Path = ENV_FILE,
    admin_username: str = "admin",
    admin_email: str = "admin@localhost.localdomain",
    example: Path = ENV_EXAMPLE,
) -> Path:
    """Create `path` (mode 600) with generated secrets; EnvFileExists if it is there already."""
    values = generated_values(admin_username, admin_email)
    text = render(example.read_text(encoding="utf-8"), values)
    try:
        # O_EXCL: created here or not at all, even if another process races us.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise EnvFileExists(
            f"{path} exists: it is kept (its Fernet key decrypts the stored connections). "
            "Remove it first to generate new secrets for a new stack."
        ) from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="compose-env", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ENV_FILE, help="file to create (.env)")
    parser.add_argument("--admin-user", default="admin", help="Airflow UI login name")
    parser.add_argument("--admin-email", default="admin@localhost.localdomain")
    args = parser.parse_args(argv)
    try:
        path = write_env_file(args.out, args.admin_user, args.admin_email)
    except EnvFileExists as exc:
        print(f"compose-env: {exc}", file=sys.stderr)
        return 1
    print(
        f"wrote {path} (mode 600) with generated secrets. Sign in to the Airflow UI as "
        f"{args.admin_user!r} with the AIRFLOW_ADMIN_PASSWORD in that file. Keep it out of git "
        "and back it up with the data."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
