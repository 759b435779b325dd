"""docker-compose.yml is right by construction: Docker does not run here, so it is checked parsed.

Each rule is a small function that returns the problems it finds; the tests assert there are
none in the real file, and `TestTheChecksBite` feeds each function a known-bad file (a literal
admin password, a port on 0.0.0.0, ...) to prove the rule would catch it.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from .conftest import COMPOSE_FILE, ENV_EXAMPLE

AIRFLOW_SERVICES = {
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
}
REQUIRED_SERVICES = AIRFLOW_SERVICES | {"postgres", "redis", "warehouse-postgres"}
ONE_SHOT_SERVICES = {"airflow-init"}
PROJECT_MOUNTS = ("dags", "transforms", "dbt_project", "expectations", "config")
DATA_DIR = "/opt/listener/data"

# `${VAR}`, `${VAR:-default}`, `${VAR:?error}` ... but not `$${VAR}`, which compose passes to the
# container's shell as a literal `${VAR}`.
REFERENCE = re.compile(r"(?<!\$)\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<rest>[^}]*)\}")
BARE_REFERENCE = re.compile(r"(?<!\$)\$(?P<name>[A-Za-z_][A-Za-z0-9_]*)")
# The only acceptable form for a secret: required, no default.
REQUIRED_REFERENCE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?\?[^}]*\}")
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|FERNET|JWT|TOKEN|(^|_)KEY$", re.IGNORECASE)
CREDENTIALS_IN_URL = re.compile(r"://(?P<user>[^:/@\s]*):(?P<password>[^@\s]*)@")
LOOPBACK = "127.0.0.1"


# --- helpers ----------------------------------------------------------------------------------


def env_of(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment as a dict (compose allows a mapping or a list of KEY=VALUE)."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return {str(k): ("" if v is None else str(v)) for k, v in env.items()}


def without_references(value: str) -> str:
    """Replace `${...}` references by a plain token so URLs and port specs parse."""
    return REFERENCE.sub("REF", value)


def strings_in(node: Any) -> list[str]:
    """Every string key and value of a parsed YAML document: what compose interpolates.

    Comments are not included (compose does not interpolate them)."""
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in strings_in(k) + strings_in(v)]
    if isinstance(node, list):
        return [s for item in node for s in strings_in(item)]
    return [node] if isinstance(node, str) else []


def referenced_variables(node: Any) -> set[str]:
    names = set()
    for text in strings_in(node):
        names |= {m["name"] for m in REFERENCE.finditer(text)}
        names |= {m["name"] for m in BARE_REFERENCE.finditer(text)}
    return names


def depends_on_of(service: dict[str, Any]) -> dict[str, Any]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):  # short form: no condition at all
        return {name: {} for name in deps}
    return deps


# --- the rules --------------------------------------------------------------------------------


def published_port_problems(services: dict[str, dict[str, Any]]) -> list[str]:
    """Every published port must be bound to 127.0.0.1; nothing may use the host network."""
    problems = []
    for name, service in services.items():
        if service.get("network_mode") == "host":
            problems.append(f"{name}: network_mode host publishes every port")
        for port in service.get("ports") or []:
            if isinstance(port, dict):  # long syntax
                if str(port.get("host_ip", "")) != LOOPBACK:
                    problems.append(f"{name}: port {port} is not bound to {LOOPBACK}")
                continue
            spec = without_references(str(port))
            parts = spec.split(":")
            # "8080" or "8080:8080" publish on every interface; only "IP:HOST:CONTAINER" binds.
            if len(parts) != 3 or parts[0] != LOOPBACK:
                problems.append(f"{name}: port {port!r} is not bound to {LOOPBACK}")
    return problems


def secret_problems(services: dict[str, dict[str, Any]]) -> list[str]:
    """Secret-looking variables and URL passwords must be `${VAR:?...}` references."""
    problems = []
    for name, service in services.items():
        for key, value in env_of(service).items():
            if SECRET_NAME.search(key) and not REQUIRED_REFERENCE.fullmatch(value):
                problems.append(f"{name}: {key} must be a required ${{VAR:?...}} reference")
            for match in CREDENTIALS_IN_URL.finditer(value):
                if not REQUIRED_REFERENCE.fullmatch(match["password"]):
                    problems.append(
                        f"{name}: {key} has a password in its URL that is not a reference"
                    )
    return problems


def secret_default_problems(compose: Any) -> list[str]:
    """Anywhere in the file, a reference to a secret variable must not carry a default."""
    problems = []
    for text in strings_in(compose):
        for match in REFERENCE.finditer(text):
            if SECRET_NAME.search(match["name"]) and not match["rest"].startswith((":?", "?")):
                problems.append(f"{match.group(0)} gives a secret a default or lets it be unset")
    return problems


def healthcheck_problems(services: dict[str, dict[str, Any]]) -> list[str]:
    problems = []
    for name, service in services.items():
        if name in ONE_SHOT_SERVICES:
            continue
        check = service.get("healthcheck") or {}
        test = check.get("test")
        if check.get("disable") or not test or test in (["NONE"], "NONE"):
            problems.append(f"{name}: long-running service without a health check")
    return problems


def depends_on_problems(services: dict[str, dict[str, Any]]) -> list[str]:
    problems = []
    for name, service in services.items():
        for target, spec in depends_on_of(service).items():
            condition = (spec or {}).get("condition")
            if target not in services:
                problems.append(f"{name}: depends on unknown service {target}")
            elif condition == "service_healthy":
                if not services[target].get("healthcheck"):
                    problems.append(f"{name}: waits for {target} to be healthy, it has no check")
            elif condition == "service_completed_successfully":
                if target not in ONE_SHOT_SERVICES:
                    problems.append(f"{name}: waits for long-running {target} to complete")
            else:
                problems.append(f"{name}: depends on {target} without a health condition")
    return problems


def root_user_problems(services: dict[str, dict[str, Any]]) -> list[str]:
    problems = []
    for name in AIRFLOW_SERVICES & services.keys():
        user = str(services[name].get("user", ""))
        uid = without_references(user).split(":")[0]
        if not user or uid in ("0", "root") or re.search(r":-0?(:|\}|$)", user):
            problems.append(f"{name}: runs as root or as the image default ({user!r})")
    return problems


def ui_login_problems(services: dict[str, dict[str, Any]]) -> list[str]:
    """The UI and REST API ask for a login: FAB's users (the admin airflow-init creates from
    .env), no role for anonymous visitors, no switch that makes everyone an admin."""
    problems = []
    for name in sorted(AIRFLOW_SERVICES & services.keys()):
        env = env_of(services[name])
        manager = env.get("AIRFLOW__CORE__AUTH_MANAGER", "")
        if not manager.endswith(".FabAuthManager"):
            problems.append(f"{name}: auth manager {manager or '(default)'} is not FAB's login")
        if env.get("AIRFLOW__FAB__AUTH_ROLE_PUBLIC"):
            problems.append(f"{name}: AIRFLOW__FAB__AUTH_ROLE_PUBLIC gives anonymous users a role")
        if env.get("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "").lower() in ("true", "1"):
            problems.append(f"{name}: every visitor is an admin")
        backends = env.get("AIRFLOW__FAB__AUTH_BACKENDS", "") + env.get(
            "AIRFLOW__API__AUTH_BACKENDS", ""
        )
        if "backend.default" in backends:
            problems.append(f"{name}: an API auth backend lets every request in")
    return problems


# --- the real file ----------------------------------------------------------------------------


def test_required_services_exist(services):
    assert REQUIRED_SERVICES - services.keys() == set()


def test_airflow_services_run_the_expected_commands(services):
    commands = {name: services[name].get("command") for name in AIRFLOW_SERVICES}
    assert commands == {
        "airflow-init": "init",
        "airflow-apiserver": "api-server",
        "airflow-scheduler": "scheduler",
        "airflow-dag-processor": "dag-processor",
        "airflow-triggerer": "triggerer",
        "airflow-worker": "celery worker",
    }


def test_every_airflow_service_uses_the_common_image_and_environment(compose, services):
    common = compose["x-airflow-common"]
    assert common["build"]["dockerfile"] == "docker/Dockerfile"
    assert common["build"]["context"] == "."
    common_env = env_of(common)
    for name in AIRFLOW_SERVICES:
        service = services[name]
        assert service["build"] == common["build"], name
        assert service["image"] == common["image"], name
        assert service["volumes"] == common["volumes"], name
        env = env_of(service)
        differing = {k for k, v in common_env.items() if env.get(k) != v}
        assert not differing, f"{name} overrides or drops common settings: {differing}"


def test_the_image_is_not_an_upstream_one(compose):
    # The project image is built here; the official apache/airflow image lacks our packages.
    assert "apache/airflow" not in str(compose["x-airflow-common"]["image"])


def test_celery_executor_with_redis_broker_and_postgres_metadata(compose, services):
    env = env_of(compose["x-airflow-common"])
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"

    broker = urlsplit(without_references(env["AIRFLOW__CELERY__BROKER_URL"]))
    assert broker.scheme in ("redis", "rediss")
    assert broker.hostname == "redis" and "redis" in services

    for key in ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "AIRFLOW__CELERY__RESULT_BACKEND"):
        url = urlsplit(without_references(env[key]))
        assert url.scheme.removeprefix("db+").startswith("postgresql"), key
        assert url.hostname == "postgres", key
        assert url.path == "/airflow", key
    assert env_of(services["postgres"])["POSTGRES_DB"] == "airflow"


def test_components_reach_the_execution_api_on_the_api_server(compose):
    env = env_of(compose["x-airflow-common"])
    url = urlsplit(env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
    assert (url.hostname, url.port, url.path) == ("airflow-apiserver", 8080, "/execution/")


def test_keys_every_component_must_share_are_set(compose):
    # Unset, each container would generate its own: task tokens and log fetching then fail.
    env = env_of(compose["x-airflow-common"])
    for key in (
        "AIRFLOW__CORE__FERNET_KEY",
        "AIRFLOW__API_AUTH__JWT_SECRET",
        "AIRFLOW__API__SECRET_KEY",
    ):
        assert REQUIRED_REFERENCE.fullmatch(env[key]), key


def test_examples_off_and_project_paths(compose):
    env = env_of(compose["x-airflow-common"])
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"].lower() in ("false", "0")
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/listener/dags"
    assert env["LISTENER_DATA_DIR"] == DATA_DIR


def test_project_folders_are_mounted_read_only_and_data_is_writable(compose):
    volumes = compose["x-airflow-common"]["volumes"]
    for folder in PROJECT_MOUNTS:
        assert f"./{folder}:/opt/listener/{folder}:ro" in volumes, folder
    data = [v for v in volumes if v.split(":")[1] == DATA_DIR]
    assert len(data) == 1 and not data[0].endswith(":ro")


def test_no_port_is_published_beyond_loopback(services):
    assert published_port_problems(services) == []


def test_only_the_ui_and_the_bi_warehouse_are_published(services):
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"airflow-apiserver", "warehouse-postgres"}
    assert services["airflow-apiserver"]["ports"][0].endswith(":8080")
    assert services["warehouse-postgres"]["ports"][0].endswith(":5432")
    assert "5433" in services["warehouse-postgres"]["ports"][0]


def test_no_literal_secrets(services):
    assert secret_problems(services) == []


def test_no_secret_has_a_default(compose):
    assert secret_default_problems(compose) == []


def test_long_running_services_have_health_checks(services):
    assert healthcheck_problems(services) == []


def test_health_checks_use_the_documented_endpoints(services):
    def test_of(name: str) -> str:
        return " ".join(services[name]["healthcheck"]["test"])

    assert "pg_isready" in test_of("postgres")
    assert "pg_isready" in test_of("warehouse-postgres")
    assert "redis-cli ping" in test_of("redis")
    assert "localhost:8080/api/v2/monitor/health" in test_of("airflow-apiserver")
    assert "localhost:8974/health" in test_of("airflow-scheduler")
    assert "DagProcessorJob" in test_of("airflow-dag-processor")
    assert "TriggererJob" in test_of("airflow-triggerer")
    assert "inspect ping" in test_of("airflow-worker")
    # `$${HOSTNAME}` reaches the container as `${HOSTNAME}`; a single `$` would be read by compose.
    assert '"celery@$${HOSTNAME}"' in test_of("airflow-worker")


def test_the_scheduler_serves_its_health_check(compose):
    env = env_of(compose["x-airflow-common"])
    assert env["AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK"].lower() == "true"


def test_dependencies_wait_for_health_or_completion(services):
    assert depends_on_problems(services) == []


def test_airflow_components_wait_for_databases_and_init(services):
    for name in AIRFLOW_SERVICES - ONE_SHOT_SERVICES:
        deps = depends_on_of(services[name])
        assert deps["postgres"]["condition"] == "service_healthy", name
        assert deps["redis"]["condition"] == "service_healthy", name
        assert deps["airflow-init"]["condition"] == "service_completed_successfully", name
    init_deps = depends_on_of(services["airflow-init"])
    assert init_deps["postgres"]["condition"] == "service_healthy"
    assert services["airflow-init"]["restart"] == "no"


def test_workers_can_be_scaled(services):
    worker = services["airflow-worker"]
    assert "container_name" not in worker  # a fixed name allows one container only
    assert "ports" not in worker  # a fixed host port allows one container only
    assert "replicas" in worker["deploy"]


def test_airflow_runs_as_a_non_root_user(services):
    assert root_user_problems(services) == []


def test_the_ui_asks_for_a_login(services):
    assert ui_login_problems(services) == []


def test_the_admin_password_is_required_and_generated(services):
    # No default: compose refuses to start without it, and `make compose-env` generates it
    # (tests/deploy/test_compose_env.py), so nobody has to invent one.
    assert REQUIRED_REFERENCE.fullmatch(env_of(services["airflow-init"])["AIRFLOW_ADMIN_PASSWORD"])
    assert "make compose-env" in COMPOSE_FILE.read_text()


def test_admin_user_comes_from_env_and_only_init_sees_the_password(services):
    env = env_of(services["airflow-init"])
    assert REQUIRED_REFERENCE.fullmatch(env["AIRFLOW_ADMIN_USERNAME"])
    assert REQUIRED_REFERENCE.fullmatch(env["AIRFLOW_ADMIN_PASSWORD"])
    for name in AIRFLOW_SERVICES - {"airflow-init"}:
        assert "AIRFLOW_ADMIN_PASSWORD" not in env_of(services[name]), name


def test_databases_keep_their_data_in_named_volumes(compose, services):
    for name in ("postgres", "warehouse-postgres"):
        source = services[name]["volumes"][0].split(":")[0]
        assert source in compose["volumes"], name


def test_every_referenced_variable_is_in_env_example(compose):
    example = ENV_EXAMPLE.read_text()
    listed = set(re.findall(r"^([A-Za-z_][A-Za-z0-9_]*)=", example, flags=re.MULTILINE))
    used = referenced_variables(compose)
    assert used, "expected ${...} references in docker-compose.yml"
    assert used - listed == set(), "add these to .env.example"
    assert listed - used == set(), ".env.example lists variables compose does not use"


def test_env_example_has_no_values_and_explains_every_variable():
    lines = ENV_EXAMPLE.read_text().splitlines()
    for number, line in enumerate(lines):
        if re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", line):
            assert line.endswith("="), f".env.example must not carry a value: {line}"
            assert lines[number - 1].startswith("#"), f"no comment above {line}"
    text = "\n".join(lines)
    assert "Fernet.generate_key()" in text
    assert "openssl rand -hex 32" in text


# --- the rules catch what they are meant to catch ---------------------------------------------


class TestTheChecksBite:
    @staticmethod
    def new_problems(rule, bad, services) -> list[str]:
        """What `rule` reports for the altered file beyond what it reports for the real one."""
        before = set(rule(services))
        return [problem for problem in rule(bad) if problem not in before]

    @pytest.fixture
    def bad(self, services):
        # A JSON round trip, not deepcopy: YAML merges share one environment dict between
        # services, and a deep copy would keep that sharing.
        return json.loads(json.dumps(services))

    def test_literal_admin_password(self, bad, services):
        bad["airflow-init"]["environment"]["AIRFLOW_ADMIN_PASSWORD"] = "fake-literal"
        assert self.new_problems(secret_problems, bad, services) == [
            "airflow-init: AIRFLOW_ADMIN_PASSWORD must be a required ${VAR:?...} reference"
        ]

    def test_literal_fernet_key_and_password_in_url(self, bad, services):
        env = bad["airflow-scheduler"]["environment"]
        env["AIRFLOW__CORE__FERNET_KEY"] = "fake-literal-fernet-key"
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = (
            "postgresql://airflow:fake-literal@postgres/airflow"
        )
        assert len(self.new_problems(secret_problems, bad, services)) == 2

    def test_list_form_environment(self, bad, services):
        bad["postgres"]["environment"] = ["POSTGRES_USER=airflow", "POSTGRES_PASSWORD=airflow"]
        assert self.new_problems(secret_problems, bad, services)

    def test_secret_with_a_default(self):
        text = "x:\n  POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-airflow}\n  B: ${JWT_SECRET}\n"
        assert len(secret_default_problems(yaml.safe_load(text))) == 2
        ok = {"a": "${AIRFLOW_API_PORT:-8080} $${HOSTNAME}", "b": ["${X_PASSWORD:?set it}"]}
        assert secret_default_problems(ok) == []

    def test_variables_are_found_in_keys_values_and_lists_but_not_comments(self):
        text = "# ${IN_COMMENT}\na:\n  - ${IN_LIST:-1}\n  - $$ESCAPED\nb:\n  $BARE: x\n"
        assert referenced_variables(yaml.safe_load(text)) == {"IN_LIST", "BARE"}

    @pytest.mark.parametrize(
        "port",
        [
            "0.0.0.0:5432:5432",
            "5432:5432",
            "5432",
            5432,
            "${PG_PORT:-5432}:5432",
            "${BIND:-0.0.0.0}:5432:5432",
            {"target": 5432, "published": 5432},
            {"target": 5432, "published": 5432, "host_ip": "0.0.0.0"},
        ],
    )
    def test_port_not_on_loopback(self, bad, services, port):
        bad["postgres"]["ports"] = [port]
        assert self.new_problems(published_port_problems, bad, services)

    def test_port_on_loopback_passes(self, bad):
        bad["postgres"]["ports"] = [
            "127.0.0.1:${PG_PORT:-5432}:5432",
            {"target": 5432, "published": 5432, "host_ip": "127.0.0.1"},
        ]
        assert published_port_problems(bad) == []

    @pytest.mark.parametrize(
        "variable, value",
        [
            ("AIRFLOW__CORE__AUTH_MANAGER", "airflow.api_fastapi.auth.managers.simple."
             "simple_auth_manager.SimpleAuthManager"),
            ("AIRFLOW__FAB__AUTH_ROLE_PUBLIC", "Admin"),
            ("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "True"),
            ("AIRFLOW__API__AUTH_BACKENDS", "airflow.api.auth.backend.default"),
        ],
    )  # fmt: skip
    def test_ui_without_login(self, bad, services, variable, value):
        bad["airflow-apiserver"]["environment"] = {
            **bad["airflow-apiserver"]["environment"],
            variable: value,
        }
        assert self.new_problems(ui_login_problems, bad, services)

    def test_host_network(self, bad, services):
        bad["redis"]["network_mode"] = "host"
        assert self.new_problems(published_port_problems, bad, services)

    def test_missing_or_disabled_health_check(self, bad, services):
        del bad["airflow-triggerer"]["healthcheck"]
        bad["redis"]["healthcheck"] = {"disable": True}
        assert len(self.new_problems(healthcheck_problems, bad, services)) == 2

    def test_depends_on_without_condition(self, bad, services):
        bad["airflow-scheduler"]["depends_on"] = ["postgres", "redis"]
        bad["airflow-worker"]["depends_on"]["redis"] = {"condition": "service_started"}
        assert len(self.new_problems(depends_on_problems, bad, services)) == 3

    def test_root_user(self, bad, services):
        bad["airflow-worker"]["user"] = "0:0"
        bad["airflow-scheduler"]["user"] = "${LISTENER_UID:-0}:0"
        del bad["airflow-triggerer"]["user"]
        assert len(self.new_problems(root_user_problems, bad, services)) == 3

    def test_merge_keys_are_resolved(self):
        text = "x-a: &a\n  image: i\n  user: '1:0'\nservices:\n  s:\n    <<: *a\n    user: '2:0'\n"
        loaded = yaml.safe_load(text)
        assert loaded["services"]["s"] == {"image": "i", "user": "2:0"}
