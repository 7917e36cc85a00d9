"""Backups: a pg_dump of the database restores to the same rows, as the README tells it.

The first test fills the test database with a row in every table (the strategy, the log,
metrics with computed values, users and roles, sessions, audit history, login lockouts),
dumps it with `pg_dump -Fc`, restores the dump into a new database with the README's
`pg_restore` options and compares the two databases table by table; then it changes the
restored database and restores the dump over it, as one would over a damaged production
database. The dump is written to and read from a pipe, as `docker compose exec -T` gives it.
It needs PostgreSQL and its client programs.

The second test reads the README's backup commands and checks them against
docker-compose.yml: the database service, user and database, and the services to stop.
"""

from __future__ import annotations

import datetime
import os
import re
import shlex
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry as AuditLogEntry
from axes.models import AccessAttempt, AccessAttemptExpiration, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib.admin.models import ADDITION
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.utils import timezone
from psycopg import sql

from evaluation.models import GoalEvaluation, StrategyEvaluation
from goals.models import Strategy
from kalliola.roles import ADMIN, LEADERSHIP, STAFF
from measures import services as metric_services
from measures.models import Metric, MetricTarget, MetricValue, Period, StalePeriod
from neighbourhoods.models import (
    Activity,
    Area,
    AreaStatistics,
    ClosedPeriod,
    ImportBatch,
    ImportFile,
)
from neighbourhoods.statistics import COUNTS as STATISTICS_COUNTS
from tests.factories import (
    AreaFactory,
    GoalFactory,
    InequalityThemeFactory,
    MeansFactory,
    OutcomeFactory,
    PhenomenonFieldFactory,
    PhenomenonSourceFactory,
    StrategyFactory,
    UserFactory,
    ValueFactory,
)
from tests.factories.activity import ActivityFactory, ActivityTypeFactory
from tests.factories.evaluation import OutcomeAssessmentFactory
from tests.factories.goal import MeansNoteFactory
from tests.factories.metric import MeasurementFactory, MetricFactory
from tests.factories.partner import PartnerFactory
from tests.factories.project import ProjectFactory
from tests.factories.signal import SignalFactory
from tests.factories.unit import UnitFactory
from tests.factories.user import PASSWORD
from tests.test_deployment import (
    APP_SERVICES,
    OPERATOR_VARIABLES,
    ROOT,
    _compose,
    _environment,
    _interpolated_service,
)

README = ROOT / "README.md"
PG_PROGRAMS = ("pg_dump", "pg_restore", "createdb", "dropdb")
# The options the README gives pg_restore; the test restores with the same ones.
RESTORE_OPTIONS = ("--clean", "--if-exists", "--no-owner", "--single-transaction")


# --- PostgreSQL: dump, restore, compare ---------------------------------------------------


def _skip_unless_postgresql_tools() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (pg_dump makes the backups): set DATABASE_URL")
    if missing := [program for program in PG_PROGRAMS if shutil.which(program) is None]:
        pytest.skip(f"needs the PostgreSQL client programs on PATH: {', '.join(missing)}")


def _libpq_environment() -> dict[str, str]:
    """The environment that points pg_dump and friends at the test database's server."""
    db = connection.settings_dict
    env = dict(os.environ)
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
    ):
        if db[key]:
            env[variable] = str(db[key])
    return env


def _run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
    result = subprocess.run(
        args, env=_libpq_environment(), capture_output=True, timeout=300, check=False, **kwargs
    )
    assert result.returncode == 0, (
        f"{shlex.join(args)} failed ({result.returncode}):\n{result.stderr.decode()}"
    )
    return result


def _connect(dbname: str) -> psycopg.Connection[Any]:
    db = connection.settings_dict
    params = {
        "host": db["HOST"],
        "port": db["PORT"],
        "user": db["USER"],
        "password": db["PASSWORD"],
    }
    return psycopg.connect(
        dbname=dbname, autocommit=True, **{key: value for key, value in params.items() if value}
    )


def _model_tables() -> set[str]:
    """Every table of an installed app's models, many-to-many tables included."""
    return {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def _tables(cursor: psycopg.Cursor[Any]) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
    return [name for (name,) in cursor.fetchall()]


def _snapshot(dbname: str) -> dict[str, Any]:
    """Per table its row count and a digest of all its rows; per sequence its last value."""
    with _connect(dbname) as conn, conn.cursor() as cursor:
        tables = {}
        for table in _tables(cursor):
            cursor.execute(
                sql.SQL(
                    "SELECT count(*), md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), ''))"
                    " FROM {} AS t"
                ).format(sql.Identifier(table))
            )
            tables[table] = cursor.fetchone()
        cursor.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
        )
        sequences = dict(cursor.fetchall())
    return {"tables": tables, "sequences": sequences}


def _dump(dbname: str, path: Path) -> None:
    # To a pipe, not a file: `docker compose exec -T … pg_dump` writes to one, and pg_dump
    # leaves out the data offsets of a custom-format archive it cannot seek in.
    path.write_bytes(_run(["pg_dump", "-Fc", "--dbname", dbname]).stdout)


def _restore(path: Path, dbname: str) -> None:
    # From a pipe too, as `docker compose exec -T … pg_restore … < file` reads it.
    _run(["pg_restore", *RESTORE_OPTIONS, "--dbname", dbname], input=path.read_bytes())


@pytest.fixture
def restored_database() -> Iterator[str]:
    """The name of a new, empty database, dropped after the test."""
    _skip_unless_postgresql_tools()
    name = f"{connection.settings_dict['NAME']}_restored_{uuid.uuid4().hex[:8]}"
    _run(["createdb", name])
    try:
        yield name
    finally:
        _run(["dropdb", "--if-exists", "--force", name])


def _populate() -> None:
    """A row in every table of the app, through the factories and the app's own code."""
    staff = UserFactory.create(username="backup-staff", role=STAFF)
    leader = UserFactory.create(username="backup-leader", role=LEADERSHIP)
    admin = UserFactory.create(username="backup-admin", role=ADMIN)
    staff.user_permissions.add(Permission.objects.get(codename="view_all_signals"))

    with set_actor(admin):
        strategy = StrategyFactory.create(
            start_year=2023, end_year=2025, status=Strategy.Status.ACTIVE
        )
        ValueFactory.create(strategy=strategy)
        PhenomenonFieldFactory.create(strategy=strategy)
        PhenomenonSourceFactory.create(strategy=strategy)
        themes = InequalityThemeFactory.create_batch(2, strategy=strategy)
        goal = GoalFactory.create(strategy=strategy)
        means = MeansFactory.create(goal=goal)
        outcome = OutcomeFactory.create(goal=goal)

    with set_actor(staff):
        area = AreaFactory.create()  # a sub-district, in a basic district, in a municipality
        other_area = AreaFactory.create(parent=area.parent)
        unit = UnitFactory.create()
        unit.members.add(staff)
        partner = PartnerFactory.create()
        project = ProjectFactory.create()
        project.goals.add(goal)
        activity_type = ActivityTypeFactory.create()
        for day, place in (
            (datetime.date(2024, 5, 14), area),
            (datetime.date(2025, 2, 3), other_area),
        ):
            activity = ActivityFactory.create(
                date=day,
                area=place,
                unit=unit,
                type=activity_type,
                project=project,
                created_by=staff,
                description="Kävijöitä oli paljon; toiveena iltavuoro.",
                goals=[goal],
                means=[means],
                themes=themes,
                partners=[partner],
            )
            activity.organisers.add(staff, leader)
        SignalFactory.create(area=area, unit=unit, created_by=staff, themes=themes)

    with set_actor(admin):
        counted = MetricFactory.create(goal=goal, means=means, owner=leader)
        participants = MetricFactory.create(
            goal=goal, outcome=outcome, definition={"aggregation": "participants"}
        )
        MetricFactory.create(
            goal=goal, period=Period.QUARTER, definition={"aggregation": "signals"}
        )
        MetricFactory.create(
            goal=goal,
            kind=Metric.Kind.RATIO,
            definition={"numerator": counted.pk, "denominator": participants.pk},
        )
        MetricTarget.objects.create(metric=counted, year=2025, value=Decimal(24))
        MeasurementFactory.create(
            metric__goal=goal, entered_by=leader, value=Decimal("3.5"), note="Kevään kysely"
        )
        # Means and outcomes followed, and the strategy's evaluation.
        MeansNoteFactory.create(means=means, author=staff, text="Aloitettu kahdella alueella.")
        assessment = OutcomeAssessmentFactory.create(outcome=outcome, author=leader)
        assessment.metrics.add(counted)
        assessment.activities.add(activity)
        StrategyEvaluation.objects.create(strategy=strategy, summary="Hyvä kausi.")
        GoalEvaluation.objects.create(goal=goal, summary="Naapurustot vahvistuivat.")
        # Public statistics of an area.
        AreaStatistics.objects.create(
            area=area,
            year=2023,
            source="Paavo",
            **dict.fromkeys(STATISTICS_COUNTS, Decimal("12.345")),
        )
        # An import that brought the last activity, and a reporting period closed and reopened.
        batch = ImportBatch.objects.create(
            created_by=staff,
            file_name="kerhot.csv",
            checksum="0" * 64,
            status=ImportBatch.Status.DONE,
            imported=1,
        )
        # (A file is kept only until its batch is imported; here, one still waiting.)
        ImportFile.objects.create(batch=batch, content=b"Title;Date\n")
        Activity.objects.filter(pk=activity.pk).update(import_batch=batch, import_key="1" * 64)
        ClosedPeriod.objects.create(
            first_day=datetime.date(2022, 1, 1),
            last_day=datetime.date(2022, 12, 31),
            reason="Raportoitu.",
            closed_by=admin,
            reopened_at=timezone.now(),
            reopened_by=admin,
            reopen_reason="Korjaus.",
        )
    metric_services.recompute_all()
    # A change the worker has not recomputed yet.
    StalePeriod.objects.create(metric=counted, period_start=datetime.date(2025, 2, 1), area=area)

    # A session, and a failed login that django-axes counts.
    Client().force_login(staff)
    Client().post("/login/", {"username": "backup-leader", "password": f"not-{PASSWORD}"})
    attempt = AccessAttempt.objects.get(username="backup-leader")
    AccessAttemptExpiration.objects.get_or_create(
        access_attempt=attempt, defaults={"expires_at": timezone.now()}
    )
    who = {"user_agent": "pytest", "ip_address": "192.0.2.7", "http_accept": "*/*"}
    AccessFailureLog.objects.create(username="backup-leader", path_info="/login/", **who)
    AccessLog.objects.create(username="backup-staff", path_info="/login/", **who)
    AdminLogEntry.objects.create(
        user=admin,
        content_type=ContentType.objects.get_for_model(Area),
        object_id=str(area.pk),
        object_repr=str(area),
        action_flag=ADDITION,
        change_message="[]",
    )
    assert MetricValue.objects.filter(value__gt=0).exists()
    assert AuditLogEntry.objects.filter(actor=staff).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_dump_restores_every_row_of_every_table(restored_database: str, tmp_path: Path):
    _populate()
    original = connection.settings_dict["NAME"]
    before = _snapshot(original)
    empty = sorted(
        table
        for table in _model_tables()
        if table in before["tables"] and not before["tables"][table][0]
    )
    assert not empty, f"the test leaves these tables empty, so compares nothing in them: {empty}"
    assert _model_tables() <= set(before["tables"])

    dump = tmp_path / f"kalliola-{datetime.date.today():%Y-%m-%d}.dump"
    _dump(original, dump)
    _restore(dump, restored_database)

    restored = _snapshot(restored_database)
    assert restored["tables"].keys() == before["tables"].keys()
    for table, (count, digest) in before["tables"].items():
        assert restored["tables"][table] == (count, digest), f"{table} differs after the restore"
    # The next row gets a new id, not one the restored rows already have.
    assert restored["sequences"] == before["sequences"]

    # Over a database that has changed since: --clean puts back what the dump holds.
    with _connect(restored_database) as conn:
        conn.execute("TRUNCATE neighbourhoods_activity CASCADE")
        conn.execute("UPDATE goals_goal SET title_fi = 'muutettu'")
        conn.execute("DELETE FROM auditlog_logentry")
    _restore(dump, restored_database)

    assert _snapshot(restored_database) == before


# --- The README's commands against docker-compose.yml --------------------------------------


def _readme_section(title: str) -> str:
    text = README.read_text()
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"README.md has no '## {title}' section"
    return match[1]


def _commands(section: str) -> list[list[str]]:
    """The shell commands in a section's code blocks, split into words, comments dropped."""
    commands = []
    for block in re.findall(r"^```sh\n(.*?)^```", section, re.MULTILINE | re.DOTALL):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words:
                commands.append(words)
    return commands


def _compose_commands(section: str, subcommand: str) -> list[list[str]]:
    """`docker compose <subcommand> …` commands: the words after the subcommand."""
    return [
        words[3:] for words in _commands(section) if words[:3] == ["docker", "compose", subcommand]
    ]


def _option_value(words: list[str], *names: str) -> str | None:
    for index, word in enumerate(words):
        if word in names and index + 1 < len(words):
            return words[index + 1]
        for name in names:
            if name.startswith("--") and word.startswith(f"{name}="):
                return word.split("=", 1)[1]
    return None


# Options of pg_dump and pg_restore that take a value as the next word.
_OPTIONS_WITH_A_VALUE = {"-U", "--username", "-d", "--dbname", "-F", "--format", "-h", "-p", "-f"}


def _positional(words: list[str]) -> list[str]:
    """The words that are neither options nor their values."""
    positional = []
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word in _OPTIONS_WITH_A_VALUE:
            skip = True
        elif not word.startswith("-"):
            positional.append(word)
    return positional


def _database_service() -> str:
    services = _compose()["services"]
    [name] = [
        name
        for name, service in services.items()
        if str(service.get("image", "")).startswith("postgres")
    ]
    return name


def _services_using_the_database() -> set[str]:
    """The long-running services that connect to the database: stopped during a restore."""
    return {
        name
        for name, service in _compose()["services"].items()
        if "DATABASE_URL" in _environment(service) and service.get("restart") != "no"
    }


def test_readme_backup_commands_use_the_compose_services_user_and_database():
    section = _readme_section("Backups")
    database_service = _database_service()
    environment = _environment(_interpolated_service(database_service))
    user, database = environment["POSTGRES_USER"], environment["POSTGRES_DB"]
    # `docker compose exec` commands that run a PostgreSQL program, by the program.
    runs: dict[str, list[list[str]]] = {}
    for words in _compose_commands(section, "exec"):
        program = next(word for word in words if not word.startswith("-") and word != words[1])
        runs.setdefault(program, []).append(words)
    assert {"pg_dump", "pg_restore"} <= runs.keys(), "show how to dump and how to restore"

    for words in (command for commands in runs.values() for command in commands):
        # -T: no terminal, which would mangle the binary dump on its way through.
        assert words[:2] == ["-T", database_service], shlex.join(words)
        assert _option_value(words, "-U", "--username") == user, shlex.join(words)
    for words in runs["pg_dump"]:
        assert "-Fc" in words or _option_value(words, "-F", "--format") in {"c", "custom"}
        positional = _positional(words[words.index("pg_dump") + 1 :])
        assert positional[0] == database, shlex.join(words)
        assert positional[1:] == [">", positional[2]], shlex.join(words)
        assert positional[2].endswith(".dump"), shlex.join(words)
    for words in runs["pg_restore"]:
        assert _option_value(words, "-d", "--dbname") == database, shlex.join(words)
        assert set(RESTORE_OPTIONS) <= set(words), shlex.join(words)
        assert words[-2] == "<", shlex.join(words)
        assert words[-1].endswith(".dump"), shlex.join(words)
    for program in ("dropdb", "createdb"):
        for words in runs.get(program, []):
            assert _positional(words[words.index(program) + 1 :]) == [database]

    # Nothing writes to the database while it is restored; afterwards everything starts again.
    using_the_database = _services_using_the_database()
    assert using_the_database == set(APP_SERVICES)
    stopped = [set(words) for words in _compose_commands(section, "stop")]
    assert using_the_database in stopped, f"stop {sorted(using_the_database)} before restoring"
    assert ["-d"] in _compose_commands(section, "up"), "start the stack again with up -d"
    # On a new server the database is started first, on its own.
    assert f"`docker compose up -d {database_service}`" in section
    # The database keeps its data in a named volume: the README names it.
    volumes = _compose()["services"][database_service]["volumes"]
    [data_volume] = [volume.split(":")[0] for volume in volumes if "/var/lib/postgresql" in volume]
    assert data_volume in _compose()["volumes"]
    assert f"`{data_volume}`" in section


def test_readme_port_on_the_loopback_interface_is_a_port_mapping_compose_accepts():
    """The Security section's `WEB_PORT=127.0.0.1:8000` publishes port 8000 on 127.0.0.1."""
    assert "`WEB_PORT=127.0.0.1:8000`" in _readme_section("Security")
    variables = {**OPERATOR_VARIABLES, "WEB_PORT": "127.0.0.1:8000"}
    assert _interpolated_service("web", variables)["ports"] == ["127.0.0.1:8000:8000"]
