"""The deployment files: Dockerfile, .dockerignore and docker-compose.yml.

Docker cannot run containers where the tests run, so these tests read the files and check
the wiring a typo would break: the services and their commands, health checks and start-up
order, the environment each app container gets, and what the image runs as. The settings
are checked for real, in subprocesses, with a production environment (DEBUG off).
"""

from __future__ import annotations

import ast
import json
import os
import re
import secrets
import shlex
import subprocess
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
SETTINGS_FILE = ROOT / "kalliola" / "settings.py"

SERVICES = ("postgres", "redis", "web", "worker", "beat")
APP_SERVICES = ("web", "worker", "beat")

# What an operator would put in .env: the variables the compose file requires.
OPERATOR_VARIABLES = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "kalliola.example.org",
    "POSTGRES_PASSWORD": "a-database-password",
    "EMAIL_HOST": "smtp.example.org",
}

# Settings read with a default that is wrong in production, so the compose file must set
# them: ALLOWED_HOSTS is empty when DEBUG is off (every request is refused) and DATABASE_URL
# falls back to a SQLite file inside the container.
PRODUCTION_OVERRIDES = {"ALLOWED_HOSTS", "DATABASE_URL"}

# Settings deliberately not configurable at run time: the static files and their manifest
# are collected into STATIC_ROOT when the image is built.
FIXED_IN_IMAGE = {"STATIC_ROOT"}


# --- Reading the files -------------------------------------------------------------------


@cache
def _compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def _service(name: str) -> dict[str, Any]:
    return _compose()["services"][name]


def _environment(service: Mapping[str, Any]) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in environment)
    return {name: "" if value is None else str(value) for name, value in environment.items()}


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, arguments = (pending + stripped).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def _final_stage() -> list[tuple[str, str]]:
    instructions = _dockerfile_instructions()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def _exec_form(arguments: str) -> list[str]:
    """The argv of a CMD/ENTRYPOINT; the shell form runs through /bin/sh -c."""
    if arguments.startswith("["):
        return json.loads(arguments)
    return ["/bin/sh", "-c", arguments]


def _dockerfile_cmd() -> list[str]:
    commands = [arguments for keyword, arguments in _final_stage() if keyword == "CMD"]
    assert commands, "the Dockerfile has no CMD"
    return _exec_form(commands[-1])


def _command(service_name: str) -> list[str]:
    """The argv a service runs: its compose `command`, else the image's CMD."""
    command = _service(service_name).get("command")
    if command is None:
        return _dockerfile_cmd()
    return shlex.split(command) if isinstance(command, str) else [str(arg) for arg in command]


def _celery_invocation(argv: list[str]) -> tuple[str | None, str | None]:
    """(app, subcommand) of a `celery -A app subcommand ...` command line."""
    if not argv or Path(argv[0]).name != "celery":
        return None, None
    app = subcommand = None
    arguments = iter(argv[1:])
    for argument in arguments:
        if argument in {"-A", "--app"}:
            app = next(arguments, None)
        elif argument.startswith("--app="):
            app = argument.removeprefix("--app=")
        elif not argument.startswith("-"):
            subcommand = argument
            break
    return app, subcommand


def _option(argv: list[str], *names: str) -> str | None:
    for index, argument in enumerate(argv):
        if argument in names and index + 1 < len(argv):
            return argv[index + 1]
        for name in names:
            if name.startswith("--") and argument.startswith(name + "="):
                return argument.split("=", 1)[1]
    return None


def _is_one_shot(name: str) -> bool:
    """A job that runs to completion: restart "no", and waited for by completion."""
    waited_for_by_completion = any(
        isinstance(service.get("depends_on"), dict)
        and service["depends_on"].get(name, {}).get("condition") == "service_completed_successfully"
        for service in _compose()["services"].values()
    )
    return waited_for_by_completion and _service(name).get("restart") == "no"


@cache
def _settings_environment_reads() -> dict[str, bool]:
    """Every variable settings.py reads through its env_* helpers -> whether it has a default."""
    reads: dict[str, bool] = {}
    for node in ast.walk(ast.parse(SETTINGS_FILE.read_text())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id.startswith("env_")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            has_default = len(node.args) > 1 or any(kw.arg == "default" for kw in node.keywords)
            reads[node.args[0].value] = has_default
    return reads


def _required_in_production() -> set[str]:
    # Read without a default, settings fall back to "": SECRET_KEY then refuses to load,
    # an empty CELERY_BROKER_URL runs every task eagerly inside the web process, and an
    # empty EMAIL_HOST falls back to the console mail backend, which check --deploy rejects.
    no_default = {
        name for name, has_default in _settings_environment_reads().items() if not has_default
    }
    return no_default | PRODUCTION_OVERRIDES


# --- Compose variable interpolation (${VAR}, ${VAR:-default}, ${VAR:?error}, $$) ---------


class MissingVariableError(Exception):
    pass


_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)"
    r"|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<operator>:?[-?])(?P<argument>[^}]*))?\}"
    r"|(?P<named>[A-Za-z_][A-Za-z0-9_]*))"
)


def _interpolate(value: Any, variables: Mapping[str, str]) -> Any:
    if isinstance(value, dict):
        return {key: _interpolate(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [_interpolate(item, variables) for item in value]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        name = match["braced"] or match["named"]
        operator, argument = match["operator"], match["argument"]
        current = variables.get(name)
        unset = current is None or (
            operator is not None and operator.startswith(":") and not current
        )
        if operator in {"-", ":-"} and unset:
            return argument
        if operator in {"?", ":?"} and unset:
            raise MissingVariableError(f"{name}: {argument}")
        return current or ""

    return _VARIABLE.sub(replace, value)


def _interpolated_service(name: str, variables: Mapping[str, str] = OPERATOR_VARIABLES) -> Any:
    return _interpolate(_service(name), variables)


# --- Running the settings in a subprocess ------------------------------------------------


def _run_python(
    args: list[str], environment: Mapping[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run Python at the project root with none of the settings variables of this test run
    (it has DEBUG=true) except those given."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in _settings_environment_reads() and name != "DJANGO_SETTINGS_MODULE"
    }
    env.update(environment)
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# --- docker-compose.yml ------------------------------------------------------------------


def test_compose__has_the_five_services():
    assert set(SERVICES) <= set(_compose()["services"])


def test_compose__web_runs_gunicorn_with_the_wsgi_application():
    argv = _command("web")

    assert Path(argv[0]).name == "gunicorn"
    assert any(arg.split(":")[0] == "kalliola.wsgi" for arg in argv[1:])


def test_compose__worker_runs_a_celery_worker_for_the_kalliola_app():
    assert _celery_invocation(_command("worker")) == ("kalliola", "worker")


def test_compose__beat_runs_celery_beat_for_the_kalliola_app():
    assert _celery_invocation(_command("beat")) == ("kalliola", "beat")


def test_compose__beat_keeps_its_schedule_file_in_a_volume():
    schedule = _option(_command("beat"), "-s", "--schedule")
    targets = [
        volume.split(":")[1] if isinstance(volume, str) else volume["target"]
        for volume in _service("beat").get("volumes", [])
    ]

    assert schedule is not None, (
        "beat must be given --schedule (the working directory is read-only)"
    )
    assert any(Path(schedule).is_relative_to(target) for target in targets), (schedule, targets)


def test_compose__every_long_running_service_has_a_healthcheck():
    # A one-shot job (restart "no", waited for with service_completed_successfully) exits
    # when done, so it has nothing to health-check; every other service must have one.
    for name, service in _compose()["services"].items():
        if _is_one_shot(name):
            continue
        healthcheck = service.get("healthcheck")
        assert healthcheck, f"{name} has no healthcheck"
        assert not healthcheck.get("disable"), f"{name} disables its healthcheck"
        test = healthcheck.get("test")
        assert isinstance(test, list), f"{name}: {test!r}"
        assert len(test) >= 2, f"{name}: {test!r}"
        assert test[0] in {"CMD", "CMD-SHELL"}, f"{name}: {test!r}"
        assert all(str(part).strip() for part in test[1:]), f"{name}: {test!r}"

    for name in SERVICES:
        assert not _is_one_shot(name), f"{name} must be a long-running service"


def test_compose__app_services_wait_for_a_healthy_postgres_and_redis():
    for name in APP_SERVICES:
        depends_on = _service(name).get("depends_on")
        assert isinstance(depends_on, dict), (
            f"{name}: depends_on needs the long form with conditions"
        )
        for dependency in ("postgres", "redis"):
            assert depends_on.get(dependency, {}).get("condition") == "service_healthy", (
                name,
                dependency,
            )


def test_compose__dependencies_exist_and_have_what_their_condition_waits_for():
    services = _compose()["services"]
    for name, service in services.items():
        depends_on = service.get("depends_on") or {}
        for dependency in depends_on:
            assert dependency in services, f"{name} depends on an unknown service {dependency}"
            if isinstance(depends_on, dict):
                condition = depends_on[dependency].get("condition")
                if condition == "service_healthy":
                    assert services[dependency].get("healthcheck"), (name, dependency)
                if condition == "service_completed_successfully":
                    assert services[dependency].get("restart") == "no", (name, dependency)


def test_compose__migrations_and_the_seed_strategy_run_once_before_the_app_starts():
    jobs = [
        name
        for name in _compose()["services"]
        if "manage.py migrate" in " ".join(_command(name))
        and "load_strategy" in " ".join(_command(name))
    ]
    assert jobs, "no service runs `manage.py migrate` and `manage.py load_strategy`"
    (job,) = jobs
    assert _is_one_shot(job)
    assert _service(job)["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in APP_SERVICES:
        assert _service(name)["depends_on"][job]["condition"] == "service_completed_successfully"


def test_compose__celery_healthchecks_ping_their_own_node():
    worker_check = " ".join(_service("worker")["healthcheck"]["test"][1:])
    beat_check = " ".join(_service("beat")["healthcheck"]["test"][1:])

    assert "celery -A kalliola inspect ping" in worker_check
    assert "celery@$${HOSTNAME}" in worker_check or "celery@$$HOSTNAME" in worker_check
    assert "celery -A kalliola inspect ping" in beat_check
    assert "celerybeat@$${HOSTNAME}" in beat_check or "celerybeat@$$HOSTNAME" in beat_check
    # Beat answers pings only with remote control switched on.
    assert "--enable-remote-control" in _command("beat")


def test_compose__settings_required_in_production_are_given_to_every_app_service():
    required = _required_in_production()
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL"} <= required

    for name in APP_SERVICES:
        missing = required - set(_environment(_service(name)))
        assert not missing, f"{name} lacks {sorted(missing)}"


def test_compose__every_setting_read_from_the_environment_can_be_set():
    configurable = set(_settings_environment_reads()) - FIXED_IN_IMAGE
    for name in APP_SERVICES:
        missing = configurable - set(_environment(_service(name)))
        assert not missing, f"{name} does not pass {sorted(missing)}"
        assert not FIXED_IN_IMAGE & set(_environment(_service(name)))


def test_compose__secrets_and_host_names_must_be_supplied_by_the_operator():
    for name in APP_SERVICES:
        environment = _environment(_service(name))
        assert environment["DEBUG"].lower() == "false"
        for variable in ("SECRET_KEY", "ALLOWED_HOSTS"):
            assert environment[variable].startswith(f"${{{variable}:?"), (name, variable)
    assert _environment(_service("postgres"))["POSTGRES_PASSWORD"].startswith(
        "${POSTGRES_PASSWORD:?"
    )

    for variable in OPERATOR_VARIABLES:
        without = {key: value for key, value in OPERATOR_VARIABLES.items() if key != variable}
        with pytest.raises(MissingVariableError, match=variable):
            _interpolate(_compose(), without)


def test_compose__database_url_points_at_the_postgres_service_with_its_credentials():
    postgres = _environment(_interpolated_service("postgres"))
    for name in APP_SERVICES:
        url = urlsplit(_environment(_interpolated_service(name))["DATABASE_URL"])

        assert url.scheme in {"postgres", "postgresql"}
        assert url.hostname == "postgres"
        assert url.port in {None, 5432}
        assert url.username == postgres["POSTGRES_USER"]
        assert url.password == postgres["POSTGRES_PASSWORD"]
        assert url.path == f"/{postgres['POSTGRES_DB']}"


def test_compose__celery_broker_url_points_at_the_redis_service():
    for name in APP_SERVICES:
        url = urlsplit(_environment(_interpolated_service(name))["CELERY_BROKER_URL"])

        assert url.scheme == "redis"
        assert url.hostname == "redis"
        assert url.port in {None, 6379}


def test_compose__web_publishes_port_8000_on_a_configurable_host_port():
    # On the loopback interface unless the operator says otherwise: the reverse proxy on the
    # same host is the only way in (Docker's published ports bypass a host firewall).
    assert "${WEB_PORT:-127.0.0.1:8000}:8000" in _service("web").get("ports", [])


def test_compose__app_environment_passes_the_deploy_checks():
    environment = _environment(_interpolated_service("web"))
    # The system checks of a GeneratedField ask the database what it supports, and the
    # compose file's database host exists only inside compose: check against SQLite here,
    # and check the compose URL's engine on its own.
    database_url = environment["DATABASE_URL"]
    script = (
        "import json, django\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        "from django.core.management import call_command\n"
        "call_command('check', deploy=True, fail_level='WARNING')\n"
        "print(json.dumps({'debug': settings.DEBUG,"
        " 'eager': settings.CELERY_TASK_ALWAYS_EAGER}))\n"
    )

    result = _run_python(
        ["-c", script],
        {
            **environment,
            "DATABASE_URL": "sqlite:///:memory:",
            "DJANGO_SETTINGS_MODULE": "kalliola.settings",
        },
    )

    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == {"debug": False, "eager": False}
    assert dj_database_url.parse(database_url)["ENGINE"] == "django.db.backends.postgresql"


# --- Dockerfile and .dockerignore --------------------------------------------------------


def test_dockerfile__cmd_runs_gunicorn_on_port_8000_with_the_access_log_on_stdout():
    argv = _dockerfile_cmd()

    assert Path(argv[0]).name == "gunicorn"
    assert "kalliola.wsgi" in argv
    assert _option(argv, "-b", "--bind") == "0.0.0.0:8000"
    assert _option(argv, "--access-logfile") == "-"
    assert ("EXPOSE", "8000") in _final_stage()


def test_dockerfile__does_not_run_as_root():
    users = [arguments for keyword, arguments in _final_stage() if keyword == "USER"]

    assert users, "the final stage has no USER line"
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_dockerfile__builds_on_python_3_13_slim_with_locked_dependencies_only():
    instructions = _dockerfile_instructions()
    runs = [arguments for keyword, arguments in instructions if keyword == "RUN"]

    assert all(
        arguments.split()[0] == "python:3.13-slim"
        for keyword, arguments in instructions
        if keyword == "FROM"
    )
    assert any("pip install" in run and "uv" in run for run in runs)
    assert any("uv sync" in run and "--frozen" in run and "--no-dev" in run for run in runs)


def test_dockerfile__compiles_translations_and_collects_static_files_with_debug_off():
    runs = [arguments for keyword, arguments in _final_stage() if keyword == "RUN"]
    build_run = next((run for run in runs if "collectstatic" in run), "")

    assert "DEBUG=false" in build_run
    assert "SECRET_KEY=" in build_run
    assert "manage.py compiletranslations" in build_run
    assert "manage.py collectstatic --no-input" in build_run


def test_dockerfile__keeps_no_secret_key_in_the_image():
    for keyword, arguments in _dockerfile_instructions():
        if keyword in {"ENV", "ARG", "LABEL"}:
            assert "SECRET_KEY" not in arguments, (keyword, arguments)


def test_dockerignore__keeps_local_environment_and_data_out_of_the_build():
    patterns = {
        line.strip().rstrip("/")
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }

    # .venv above all: `COPY . .` would otherwise replace the image's venv with this one.
    assert {".venv", "db.sqlite3", "staticfiles", ".git"} <= patterns


# --- Settings with DEBUG off -------------------------------------------------------------


def test_settings__refuse_to_load_without_secret_key_when_debug_is_off():
    result = _run_python(["-c", "import kalliola.settings"], {"DEBUG": "false"})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_settings__pass_deploy_checks_with_a_production_environment():
    environment = {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "kalliola.example.org",
        "DATABASE_URL": "sqlite:///:memory:",
        # Without EMAIL_HOST the settings fall back to the console mail backend, which
        # Django 6.1's deploy check rejects (mail.E001).
        "EMAIL_HOST": "smtp.example.org",
    }

    result = _run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], environment)

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEBUG", "maybe"),
        ("SECURE_SSL_REDIRECT", "sometimes"),
        ("SECURE_HSTS_SECONDS", "a year"),
        ("DATABASE_CONN_MAX_AGE", "1.5"),
        ("DATABASE_URL", "not-a-database://nowhere"),
        ("LOGIN_FAILURE_LIMIT", "0"),
        ("LOGIN_LOCKOUT_MINUTES", "a quarter"),
        ("TRUSTED_PROXY_COUNT", "-1"),
    ],
)
def test_settings__refuse_to_load_with_a_malformed_value_naming_the_variable(variable, value):
    environment = {"DEBUG": "true", variable: value}

    result = _run_python(["-c", "import kalliola.settings"], environment)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr


def test_settings__treat_an_empty_security_flag_as_unset():
    environment = {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECURE_SSL_REDIRECT": "",
        "SESSION_COOKIE_SECURE": " ",
    }

    result = _run_python(
        [
            "-c",
            "from kalliola import settings as s; "
            "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE)",
        ],
        environment,
    )

    assert result.stdout.split() == ["True", "True"], result.stderr
