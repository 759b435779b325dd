"""No secret in the repository: every file git tracks (and every new file it would add) is scanned
for private keys, cloud and chat tokens, literal passwords and tokens assigned to secret-named
keys, and URLs with a password.

What may look like a secret is either a reference (`${VAR:?...}`, `{password}`, `env_var(...)`),
a placeholder (`user:password@host`), a value marked fake (`fake-token-...`: test fixtures say so
in the value), or listed in ALLOWED with the reason it was reviewed. An ALLOWED entry that no
longer matches anything fails the test too, so the list stays short and true.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Formats that are secrets whatever they are assigned to.
TOKEN_PATTERNS = {
    "private key": r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----",
    "AWS access key id": r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b",
    "AWS secret access key": r"(?i)aws_?secret_?access_?key\W{1,4}[A-Za-z0-9/+]{40}\b",
    "GitHub token": r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})",
    "Slack token": r"\bxox[abposr]-[A-Za-z0-9-]{10,}",
    "Slack webhook": r"hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+",
    "Google API key": r"\bAIza[0-9A-Za-z_-]{35}\b",
    "Stripe live key": r"\b[rs]k_live_[0-9A-Za-z]{16,}",
    "JSON web token": r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",
}
TOKENS = {name: re.compile(pattern) for name, pattern in TOKEN_PATTERNS.items()}

# `password = "..."`, `"token": "..."`, `api_key: ...`, `SECRET_KEY=...`, `env["X_TOKEN"] = "..."`
SECRET_KEY = r"[\w.-]*?(?:password|passwd|pwd|secret|token|credentials?|api_?key|_key)"
# A key inside a reference (`${X_PASSWORD:?...}`, `$X_TOKEN`) is not an assignment.
ASSIGNMENT = re.compile(
    rf"""(?ix) (?<![\w.${{-]) (?P<key>{SECRET_KEY}) ["']?\]? \s* (?::=|=>|=|:) \s*
    (?P<value>"[^"\n]*"|'[^'\n]*'|[^\s"'`,;(){{}}\[\]]+)"""
)
# Outside code (YAML, .env, shell, docs) a bare word is a value; in Python it is an expression.
CODE_SUFFIXES = (".py",)
URL_CREDENTIALS = re.compile(
    r"\b[a-z][a-z0-9+.-]*://(?P<user>[^\s/:@'\"`]*):(?P<password>[^\s/@'\"`]+)@"
)

REFERENCE = re.compile(r"^(?:\$|%\(|<.*>$)|\{|env_var\(|environ|getenv", re.IGNORECASE)
FAKE = re.compile(r"fake|example|dummy|placeholder|redacted|\*{3}", re.IGNORECASE)
PLACEHOLDER_PASSWORDS = {"password", "pass", "passwd", "secret", "token", "pw"}

# Reviewed exceptions: (path, the exact text found) -> why it is not a secret. (The texts are
# split in two here, so that this file does not match them itself.)
ALLOWED = {
    ("tests/connectors/test_http.py", "https://u:" + "p@"): (
        "one-letter login and password: safe_url must strip any userinfo"
    ),
    ("docker/warehouse-initdb/10-bi-reader.sh", "PASSWORD :" + "'bi_password'"): (
        "psql variable interpolation; the value comes from WAREHOUSE_BI_PASSWORD in .env"
    ),
}
# File names that hold secrets by their nature: never tracked.
SECRET_FILES = re.compile(
    r"(^|/)(\.env|id_(rsa|dsa|ecdsa|ed25519)|.*\.(pem|key|p12|pfx|jks|keystore)"
    r"|credentials\.json|\.netrc|\.pgpass|airflow\.cfg|client_secret.*\.json)$"
)


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    kind: str
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind}: {self.text}"


def _unquoted(value: str) -> str:
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'" else value


def looks_random(value: str) -> bool:
    """Long enough and mixing letter cases or letters and digits, as generated tokens do."""
    classes = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]"))
    return len(value) >= 8 and classes >= 2


def is_secret_value(key: str, value: str) -> bool:
    """A literal that would be a real secret. Passwords are flagged even when simple (weak real
    passwords are still secrets); tokens and keys only when they look generated."""
    value = _unquoted(value).strip()
    if not re.search(r"[A-Za-z0-9]", value) or REFERENCE.search(value) or FAKE.search(value):
        return False
    if value.lower() in {"none", "null", "true", "false", "required", "optional", "str"}:
        return False
    if re.search(r"pass(?:wd|word)?|pwd", key, re.IGNORECASE):
        return value.lower() not in PLACEHOLDER_PASSWORDS
    return looks_random(value)


def scan_text(path: str, text: str) -> list[Finding]:
    findings = []
    code = path.endswith(CODE_SUFFIXES)
    for number, line in enumerate(text.splitlines(), 1):
        for kind, pattern in TOKENS.items():
            findings += [Finding(path, number, kind, m.group(0)) for m in pattern.finditer(line)]
        for match in ASSIGNMENT.finditer(line):
            value = match["value"]
            if code and value[0] not in "\"'":
                continue
            if is_secret_value(match["key"], value):
                findings.append(Finding(path, number, "literal secret", match.group(0)))
        for match in URL_CREDENTIALS.finditer(line):
            password = match["password"]
            if REFERENCE.search(password) or FAKE.search(password):
                continue
            if password.lower() in PLACEHOLDER_PASSWORDS:
                continue
            findings.append(Finding(path, number, "password in URL", match.group(0)))
    return findings


def tracked_files() -> list[str]:
    """Files git tracks, and new ones it would add (not ignored): a secret is caught before
    its first commit."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return sorted({name for name in listed.split("\0") if name})


def scan_repository() -> list[Finding]:
    findings = []
    for name in tracked_files():
        path = ROOT / name
        if not path.is_file():  # deleted in the working tree, not yet committed
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            text = path.read_bytes().decode("latin-1")  # binary: still scan its bytes
        findings += scan_text(name, text)
    return findings


@pytest.fixture(scope="module")
def findings() -> list[Finding]:
    return scan_repository()


def test_there_are_tracked_files_to_scan():
    names = tracked_files()
    assert "README.md" in names and "docker-compose.yml" in names and len(names) > 100


def test_no_tracked_file_holds_a_secret(findings):
    unexplained = [f for f in findings if (f.path, f.text) not in ALLOWED]
    assert unexplained == [], "secrets in tracked files:\n" + "\n".join(map(str, unexplained))


def test_every_allowed_exception_is_still_needed(findings):
    found = {(f.path, f.text) for f in findings}
    assert set(ALLOWED) - found == set(), "remove stale ALLOWED entries"


def test_no_secret_file_is_tracked():
    assert [name for name in tracked_files() if SECRET_FILES.search(name)] == []


def test_env_file_is_ignored_by_git():
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", ".env", "data/x"], cwd=ROOT, capture_output=True
    )
    assert ignored.stdout.decode().split() == [".env", "data/x"]


# --- the scanner catches what it is meant to catch (built at run time, so this file stays clean)


@pytest.mark.parametrize(
    "parts, kind",
    [
        (("-----BEGIN ", "RSA PRIVATE KEY-----"), "private key"),
        (("-----BEGIN ", "OPENSSH PRIVATE KEY-----"), "private key"),
        (("aws_access_key_id = ", "AKIA", "Q3EGRT7VXN4MBW2P"), "AWS access key id"),
        (("aws_secret_access", "_key=", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYQ3EGRT7VXN"), None),
        (("GH=", "ghp_", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"), "GitHub token"),
        (("SLACK=", "xoxb-", "123456789012-abcdefABCDEF"), "Slack token"),
        (("url: https://hooks.slack.com/services/", "T0123ABCD/B0123ABCD/abcDEF123"), None),
        (("key: ", "AIza", "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6q"), "Google API key"),
        (("pass", 'word = "hunter2"'), "literal secret"),
        (("POSTGRES_PASS", 'WORD: "airflow"'), "literal secret"),
        (("POSTGRES_PASS", "WORD=airflow"), "literal secret"),
        (('"pass', 'word": "correct-horse"'), "literal secret"),
        (('env["AIRFLOW__CORE__FERNET_', 'KEY"] = "Zm9vYmFyMTIzNDU2Nzg5MA=="'), "literal secret"),
        (("api_to", "ken: Zq8v3kLm0pQ2"), "literal secret"),
        (("postgresql://listener:", "s3cretPW@db:5432/x"), "password in URL"),
        (("smtp://mailer:", "Tr0ub4dor@smtp.example.com"), "password in URL"),
    ],
)
def test_the_scanner_finds(parts, kind):
    line = "".join(parts)  # joined at run time: this file itself holds no secret-like text
    found = scan_text("settings.yml", line)
    assert found, line
    if kind is not None:
        assert kind in {f.kind for f in found}, found


@pytest.mark.parametrize(
    "path, line",
    [
        ("docker-compose.yml", "POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"),
        ("docker-compose.yml", "url: postgresql://airflow:${POSTGRES_PASSWORD:?set it}@pg/db"),
        ("profiles.yml", "password: \"{{ env_var('LISTENER_PG_PASSWORD') }}\""),
        (".env.example", "AIRFLOW_ADMIN_PASSWORD="),
        ("docs/x.md", "AIRFLOW_CONN_X='smtp://user:password@smtp.example.com:587'"),
        ("x.py", "password = conn.password"),
        ("x.py", 'token = os.environ.get("LISTENER_X_TOKEN")'),
        ("x.py", 'SECRET = "fake-token-for-tests"'),
        ("x.py", 'secret_env="LISTENER_X_TOKEN"'),
        ("x.py", 'token_type = "bearer"'),
        ("x.py", 'ERASED_TOKEN = "erased"'),
        ("x.py", 'f"http://{login}:{password}@{host}"'),
    ],
)
def test_the_scanner_lets_references_and_placeholders_pass(path, line):
    assert scan_text(path, line) == []
