"""How long an import of activities from a spreadsheet takes, in SQL statements and in memory.

    make bench-import                                   # 1,000 and 10,000 rows, on PostgreSQL
    make bench-import BENCH_ARGS="--sizes 200 1000"     # quicker
    make bench-import BENCH_ARGS="--log 0"              # the first import, into an empty log
    DEBUG=true uv run --frozen python bench/import_activities.py [--sizes 1000 10000]
        [--log 20000] [--database-url postgres://postgres@127.0.0.1:5432/postgres]

The log first holds --log activities (20,000 by default; bulk inserts with their links, then
ANALYZE, as autovacuum keeps a production database's statistics). For each size an XLSX
workbook of that many valid, distinct rows is generated (openpyxl's write-only mode, with the
sheet's <dimension> added as Excel writes it; the import template's Finnish headings; dates in
2023–2025, areas named as the template lists them, types, units, goals as "1; 2", means of
those goals as "2.3", themes, partners, projects, organisers, counts by age band, times,
descriptions without personal data). It is then uploaded (`services.import_start`), checked
(`services.import_check`, the preview: every row read and checked, nothing written) and
imported (`services.import_commit`: read and checked again, written in chunks in one
transaction), as a leadership user who may import for any unit, in Finnish.

Each size is imported three times, the imported activities removed in between with
`services.import_undo` (and the statistics refreshed), so that each run starts from the same
database:

1. timed, with `time.perf_counter()` and the process's CPU time around each step; an execute
   wrapper counts the statements and the time spent executing them, and the COMMIT is timed
   on its own (PostgreSQL runs the deferred foreign-key checks then);
2. under tracemalloc, for each step's peak of the memory Python allocated (above what was
   allocated when the step began); tracemalloc slows Python down, so it is not timed;
3. under `CaptureQueriesContext`, for the statements of each step by kind (it keeps every
   statement's text, so it is neither timed nor traced).

The largest file is then imported once more as openpyxl's write-only mode leaves it, without
<dimension>, as some programs write files. A small file is imported before everything,
unmeasured, so that no step pays for the first use of its code. A committed import marks the
activity metrics stale, once per month of its rows, and queues one sweep after the commit;
with Celery eager (no broker) the sweep would run inside the commit, so
`measures.services.queue_sweep` is replaced by a no-op that only counts: the commit's time is
the import's alone. The marks themselves are written, in the commit, and counted.

The figures go to a throwaway database that Django's test machinery creates and drops: with
PostgreSQL (the default: DATABASE_URL, or --database-url, or postgres@127.0.0.1:5432) a
separate database called `test_bench_import_activities`; an in-memory SQLite database when
the URL names SQLite. The configured database is never touched. It is a benchmark, not a test:
it exits with 0 whatever the figures are (and with 1 if an import does not end as expected).
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import platform
import random
import re
import sys
import time
import tracemalloc
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"
BENCH_DATABASE = "test_bench_import_activities"
LANGUAGE = "fi"
SEED = 2025
FIRST_DAY = datetime.date(2023, 1, 1)
LAST_DAY = datetime.date(2025, 12, 31)
WARM_UP_ROWS = 100
TARGET_SECONDS = 30.0
FLAT_MEMORY_RATIO = 1.5  # "flat": the peak grows by less than half while the rows grow tenfold


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[1_000, 10_000], help="rows per file"
    )
    parser.add_argument(
        "--log",
        type=int,
        default=20_000,
        help="activities already in the log before the imports (default %(default)s; 0: the "
        "first import into an empty log)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        help="the server to make the throwaway database on (default: DATABASE_URL or "
        "%(default)s); the database it names is not touched",
    )
    args = parser.parse_args()
    if min(args.sizes) < 1 or args.log < 0:
        parser.error("--sizes must be at least 1, and --log at least 0.")
    return args


ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:
    os.environ["DATABASE_URL"] = ARGS.database_url
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kalliola.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

import openpyxl  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_test_environment,
    teardown_test_environment,
)
from django.utils import translation  # noqa: E402
from openpyxl.utils import get_column_letter  # noqa: E402

from goals.models import Goal, InequalityTheme, Means  # noqa: E402
from kalliola.roles import LEADERSHIP  # noqa: E402
from measures import services as measures_services  # noqa: E402
from measures.models import StalePeriod  # noqa: E402
from neighbourhoods import imports, selectors, services  # noqa: E402
from neighbourhoods.forms import area_label  # noqa: E402
from neighbourhoods.models import (  # noqa: E402
    Activity,
    ActivityType,
    ImportBatch,
    Partner,
    Project,
    Unit,
)

# --- What the rows say ------------------------------------------------------------------------

TITLES = (
    "Iltajalkautuminen ostoskeskukseen",
    "Perhekahvila",
    "Nuorten pelilta",
    "Senioreiden digiapu",
    "Kotitehtäväkerho",
    "Pop up -kahvila torilla",
    "Asukasilta",
    "Yhteislaulut",
    "Ruoka-apu ja kohtaaminen",
    "Suomen kielen kahvila",
    "Kirpputori pihalla",
    "Puistotalkoot",
    "Liikkuva nuorisotyö: kävelykierros",
    "Ompelukerho",
    "Lasten liikuntakerho",
)
DESCRIPTIONS = (
    "Kävimme ostarilla ja juttelimme nuorten ja heidän vanhempiensa kanssa siitä, mitä "
    "alueella kaivataan.",
    "Avoin kohtaamispaikka, jossa oli kahvia, pullaa ja aikaa jutella.",
    "Harjoittelimme älypuhelimen käyttöä: viestit, pankkitunnukset ja ajanvaraus.",
    "Ryhmä kokoontui tuttuun tapaan; mukana oli myös muutama uusi osallistuja.",
    "Tapahtuma järjestettiin yhdessä kumppanien kanssa pihalla.",
    "",
)
HEARD = (
    "Nuoret kaipaavat iltaisin paikkaa, jossa olla ilman rahaa.",
    "Moni on huolissaan vuokrien noususta.",
    "Digipalvelut tuntuvat monesta vaikeilta, eikä apua ole helppo saada.",
    "Yksinäisyys nousi esiin useammassa keskustelussa.",
    "",
    "",
    "",
)
START_TIMES = (None, "10:00", "13:30", "15:00", "17:00", "18:00", datetime.time(16, 30))
PARTNER_NAMES = (
    ("Kallio-Seura", Partner.Sector.RESIDENTS),
    ("Kontulan asukasyhdistys", Partner.Sector.RESIDENTS),
    ("Lähikauppa Kulmapuoti", Partner.Sector.BUSINESS),
    ("Kahvila Kurvi", Partner.Sector.BUSINESS),
    ("Ruoka-apuyhdistys Itäinen", Partner.Sector.THIRD_SECTOR),
    ("Nuorten Tuki ry", Partner.Sector.THIRD_SECTOR),
    ("Monikulttuurinen naisyhdistys", Partner.Sector.THIRD_SECTOR),
    ("Kontulan kirppistiimi", Partner.Sector.FOURTH_SECTOR),
    ("Kallion puistotalkoolaiset", Partner.Sector.FOURTH_SECTOR),
    ("Helsingin nuorisopalvelut", Partner.Sector.PUBLIC),
    ("Kontulan kirjasto", Partner.Sector.PUBLIC),
    ("Vallilan ala-aste", Partner.Sector.EDUCATION),
    ("Kallion lukio", Partner.Sector.EDUCATION),
    ("Seurakuntayhtymä", Partner.Sector.OTHER),
)
PROJECT_NAMES = ("Yhteisövoimaa lähiöihin", "Harrastus kuuluu kaikille", "Digituki kaikille")
UNIT_NAMES = ("Asukastalo Kalliossa", "Kontulan asukastalo")
STAFF = ("aino.tyontekija", "mikko.ohjaaja", "sara.nuorisotyo", "leena.asukastalo")


@dataclass
class Setting:
    """The names the rows use, read as the importer's lists are (in Finnish)."""

    user: User
    headings: list[str]
    keys: list[str]
    areas: list[str]
    home_areas: list[str]
    types: list[str]
    units: list[str]
    goals: list[int]
    means: dict[int, list[str]]
    themes: list[str]
    partners: list[str]
    projects: list[str]
    status_done: str
    staff: list[str]


def make_setting() -> Setting:
    """The strategy, the districts and what an organisation has: units, partners, projects,
    people, and the importing leadership user (a member of the units)."""
    quiet = io.StringIO()
    call_command("load_strategy", stdout=quiet)
    call_command("import_districts", stdout=quiet)
    if not ActivityType.objects.filter(is_active=True).exists():
        for name in ("Jalkautuva työ", "Yhteisötapahtuma", "Ryhmätoiminta"):
            ActivityType.objects.create(name=name, name_fi=name)
    units = [
        Unit.objects.create(name=name, name_fi=name, kind=Unit.Kind.RESIDENTS_HOUSE)
        for name in UNIT_NAMES
    ]
    for name, sector in PARTNER_NAMES:
        Partner.objects.create(name=name, sector=sector)
    for name in PROJECT_NAMES:
        Project.objects.create(
            name=name, funder_kind=Project.FunderKind.STEA, funder="STEA", starts_on=FIRST_DAY
        )
    for username in STAFF:
        first, last = username.split(".")
        User.objects.create_user(username, first_name=first.title(), last_name=last.title())
    user = User.objects.create_user("bench-leader", first_name="Liisa", last_name="Johtaja")
    user.groups.add(Group.objects.get(name=LEADERSHIP))
    for unit in units:
        unit.members.add(user)
    user = User.objects.get(pk=user.pk)  # without the cached permissions
    assert imports.can_import_for_any_unit(user), "the leadership role cannot import for others"

    def whole(name: str) -> bool:
        """A name that a cell of several names keeps in one piece (no ';' or ', word')."""
        return imports._split(name) == [name]

    with translation.override(LANGUAGE):
        columns = imports.columns_for(user)
        logging_areas = list(selectors.areas_for_logging())
        means: dict[int, list[str]] = {}
        for item in selectors.active_strategy_means():
            means.setdefault(item.goal.number, []).append(f"{item.goal.number}.{item.position}")
        setting = Setting(
            user=user,
            headings=[column.header() for column in columns],
            keys=[column.key for column in columns],
            areas=[area_label(area) for area in logging_areas],
            home_areas=[area_label(a) for a in logging_areas if a.kalliola_works_here],
            types=[t.name for t in ActivityType.objects.filter(is_active=True)],
            units=[unit.name for unit in selectors.units_for(user=user)],
            goals=[goal.number for goal in selectors.active_strategy_goals()],
            means=means,
            themes=[t.name for t in selectors.active_strategy_themes() if whole(t.name)],
            partners=[p.name for p in Partner.objects.all() if whole(p.name)],
            projects=[p.name for p in Project.objects.all()],
            status_done=str(Activity.Status.DONE.label),
            staff=list(STAFF),
        )
    if not (setting.areas and setting.types and setting.goals and setting.units):
        raise Failed("the strategy, the districts or the activity types are missing")
    return setting


def rows(setting: Setting, count: int, seed: int) -> Iterator[dict[str, Any]]:
    """count valid, distinct rows, as a person fills the template in."""
    rng = random.Random(seed)
    seen: set[tuple[Any, ...]] = set()
    days = (LAST_DAY - FIRST_DAY).days
    areas = setting.home_areas or setting.areas
    while len(seen) < count:
        day = FIRST_DAY + datetime.timedelta(days=rng.randrange(days + 1))
        goals = sorted(rng.sample(setting.goals, rng.choice((1, 1, 2))))
        means = [m for g in goals for m in setting.means.get(g, [])]
        ages = [
            rng.choice((0, 0, rng.randint(1, 8), rng.randint(1, 30))) for _ in imports.AGE_BANDS
        ]
        if not any(ages):
            ages[3] = rng.randint(1, 12)
        volunteers = rng.choice((0, 0, 0, 1, 2, 3))
        start = rng.choice(START_TIMES)
        row: dict[str, Any] = {
            "title": rng.choice(TITLES),
            # Most as Excel dates; some typed as text the Finnish way.
            "date": day if rng.random() < 0.8 else f"{day.day}.{day.month}.{day.year}",
            "end_date": None,
            "start_time": start,
            "end_time": (
                None
                if start is None or isinstance(start, datetime.time)
                else f"{int(start[:2]) + 2}:{start[3:]}"
            ),
            "status": setting.status_done if rng.random() < 0.5 else None,
            "area": rng.choice(areas) if rng.random() < 0.85 else rng.choice(setting.areas),
            "type": rng.choice(setting.types),
            "unit": rng.choice(setting.units),
            "goals": "; ".join(str(g) for g in goals),
            "means": "; ".join(rng.sample(means, min(len(means), rng.choice((0, 1, 1, 2))))),
            "themes": "; ".join(rng.sample(setting.themes, rng.choice((0, 0, 1, 2)))),
            **dict(zip(imports.AGE_BANDS, ages, strict=True)),
            "new_participants": rng.randint(0, sum(ages) // 3),
            "volunteers": volunteers,
            "volunteer_hours": rng.choice((1.5, "2,5", 3, 4)) if volunteers else None,
            "partners": "; ".join(rng.sample(setting.partners, rng.choice((0, 0, 0, 1, 2)))),
            "project": rng.choice(setting.projects) if rng.random() < 0.3 else None,
            "description": rng.choice(DESCRIPTIONS),
            "heard": rng.choice(HEARD),
            "organisers": "; ".join(rng.sample(setting.staff, rng.choice((0, 1, 1, 2)))),
        }
        if rng.random() < 0.05:
            row["end_date"] = day + datetime.timedelta(days=rng.randint(1, 3))
        identity = tuple(str(value) for value in row.values())
        if identity in seen:
            continue
        seen.add(identity)
        yield row


def workbook(setting: Setting, count: int, seed: int, *, sized: bool = True) -> bytes:
    """An XLSX file of count rows under the template's headings, written as it goes.

    openpyxl's write-only mode leaves out the sheet's <dimension> (its used range), which
    Excel and LibreOffice always write; without it openpyxl, reading, parses the whole sheet
    once more to find how many rows it has. sized=True adds it, as Excel would."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Toiminnot")
    sheet.append(setting.headings)
    for row in rows(setting, count, seed):
        sheet.append([row[key] or None for key in setting.keys])
    out = io.BytesIO()
    book.save(out)
    if not sized:
        return out.getvalue()
    dimension = f'<dimension ref="A1:{get_column_letter(len(setting.keys))}{count + 1}"/>'
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member)
            if member.filename.startswith("xl/worksheets/sheet"):
                assert b"<dimension" not in data
                assert b"<sheetViews" in data
                data = data.replace(b"<sheetViews", dimension.encode() + b"<sheetViews", 1)
            target.writestr(member, data)
    return result.getvalue()


def add_log(setting: Setting, count: int, seed: int) -> None:
    """count activities logged before the imports (in the form: no import key), with their
    links, as bulk inserts; then the tables' statistics, as autovacuum keeps them."""
    rng = random.Random(seed)
    areas = list(selectors.areas_for_logging().filter(kalliola_works_here=True)) or list(
        selectors.areas_for_logging()
    )
    types = list(ActivityType.objects.filter(is_active=True))
    units = list(Unit.objects.all())
    goals = list(Goal.objects.all())
    means = {goal.pk: list(Means.objects.filter(goal=goal)) for goal in goals}
    themes = list(InequalityTheme.objects.all())
    partners = list(Partner.objects.all())
    people = list(User.objects.filter(username__in=setting.staff))
    days = (LAST_DAY - FIRST_DAY).days
    made = 0
    while made < count:
        size = min(5_000, count - made)
        batch = Activity.objects.bulk_create(
            Activity(
                title=rng.choice(TITLES),
                date=FIRST_DAY + datetime.timedelta(days=rng.randrange(days + 1)),
                area=rng.choice(areas),
                type=rng.choice(types),
                unit=rng.choice(units),
                created_by=rng.choice(people),
                participants_18_29=rng.randint(0, 10),
                participants_30_64=rng.randint(1, 20),
                new_participants=rng.randint(0, 1),
                description=rng.choice(DESCRIPTIONS),
            )
            for _ in range(size)
        )
        links: dict[Any, list[Any]] = {}
        for activity in batch:
            chosen = rng.sample(goals, rng.choice((1, 1, 2)))
            pairs = {
                Activity.goals.through: [("goal_id", goal.pk) for goal in chosen],
                Activity.means.through: [
                    ("means_id", m.pk) for m in rng.sample(means[chosen[0].pk], 1)
                ],
                Activity.themes.through: [
                    ("inequalitytheme_id", t.pk) for t in rng.sample(themes, rng.choice((0, 1)))
                ],
                Activity.partners.through: [
                    ("partner_id", p.pk) for p in rng.sample(partners, rng.choice((0, 0, 1)))
                ],
                Activity.organisers.through: [("user_id", activity.created_by_id)],
            }
            for model, values in pairs.items():
                links.setdefault(model, []).extend(
                    model(activity_id=activity.pk, **{name: pk}) for name, pk in values
                )
        for model, objects in links.items():
            model.objects.bulk_create(objects)
        made += size
    analyse()


def analyse() -> None:
    """Fresh planner statistics of the log's tables (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return
    tables = [Activity._meta.db_table] + [
        getattr(Activity, name).through._meta.db_table for name in services.ACTIVITY_M2M_FIELDS
    ]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'ANALYZE "{table}"')


# --- Measuring --------------------------------------------------------------------------------


@dataclass
class Statements:
    """The statements executed while it is installed, and the time spent executing them
    (SQLite's BEGIN, which goes through a cursor, is not counted; PostgreSQL's does not)."""

    count: int = 0
    seconds: float = 0.0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += sql != "BEGIN"


class Commits:
    """Times the transactions' COMMITs, which no execute wrapper sees; PostgreSQL runs the
    deferred foreign-key checks (Django makes every foreign key DEFERRABLE INITIALLY
    DEFERRED) then, one per row and key."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._commit = getattr(connection, "_commit")  # noqa: B009

    def __enter__(self) -> Commits:
        setattr(connection, "_commit", self)  # noqa: B010
        return self

    def __exit__(self, *exc: object) -> None:
        delattr(connection, "_commit")

    def __call__(self) -> None:
        started = time.perf_counter()
        try:
            self._commit()
        finally:
            self.seconds += time.perf_counter() - started


def kind(sql: str) -> str:
    """A statement's verb and its (first) table, e.g. 'INSERT neighbourhoods_activity'."""
    verb = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "?"
    pattern = {
        "SELECT": r'\bFROM\s+"?(\w+)',
        "INSERT": r'^\s*INSERT\s+INTO\s+"?(\w+)',
        "UPDATE": r'^\s*UPDATE\s+"?(\w+)',
        "DELETE": r'^\s*DELETE\s+FROM\s+"?(\w+)',
    }.get(verb)
    table = re.search(pattern, sql, re.IGNORECASE) if pattern else None
    return f"{verb} {table[1]}" if table else verb


@dataclass
class Phase:
    """One step (the check, or the commit) of one file."""

    seconds: float = 0.0
    cpu: float = 0.0  # this process's CPU time: what other work on the machine does not add
    statements: int = 0
    sql: float = 0.0
    commit: float = 0.0
    captured: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    peak: int = 0


@dataclass
class Figures:
    rows: int
    file_bytes: int = 0
    upload: float = 0.0
    estimated: int = 0
    check: Phase = field(default_factory=Phase)
    commit: Phase = field(default_factory=Phase)
    marks: int = 0
    marked_metrics: int = 0
    marked_months: int = 0
    months_in_file: int = 0
    sweeps: int = 0

    @property
    def total(self) -> float:
        return self.upload + self.check.seconds + self.commit.seconds


class Sweeps:
    """Stands in for measures.services.queue_sweep: counts the sweeps asked for, runs none."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


class Failed(Exception):
    pass


def upload(setting: Setting, content: bytes, rows: int) -> ImportBatch:
    return services.import_start(
        user=setting.user, file_name=f"toiminnot-{rows}.xlsx", content=content, language=LANGUAGE
    )


def expect_ready(batch: ImportBatch, rows: int) -> None:
    batch.refresh_from_db()
    if batch.status != ImportBatch.Status.READY or batch.ready_rows != rows:
        raise Failed(
            f"the check of {rows:,} rows ended {batch.status} with {batch.ready_rows} rows ready, "
            f"{batch.duplicate_rows} duplicates, {batch.error_count} errors; first errors: "
            f"{batch.errors[:5]} {batch.duplicates[:3]} {batch.problem}"
        )


def expect_done(batch: ImportBatch, rows: int) -> None:
    batch.refresh_from_db()
    imported = Activity.objects.filter(import_batch=batch).count()
    if batch.status != ImportBatch.Status.DONE or batch.imported != rows or imported != rows:
        raise Failed(
            f"the import of {rows:,} rows ended {batch.status} with {batch.imported} imported "
            f"({imported} in the log); first errors: {batch.errors[:5]} {batch.problem}"
        )


# The seconds the latest undo of an import of so many activities took (printed at the end).
UNDO_SECONDS: dict[int, float] = {}


def undo(setting: Setting, batch: ImportBatch, log: int) -> None:
    """Remove the import's activities (as a user would), and every stale mark; the log is as
    it was before, with fresh statistics (as autovacuum would soon make them)."""
    started = time.perf_counter()
    services.import_undo(user=setting.user, batch_id=batch.pk)
    UNDO_SECONDS[batch.imported] = time.perf_counter() - started
    StalePeriod.objects.all().delete()
    if Activity.objects.count() != log:
        raise Failed("the undone import left activities behind")
    analyse()


def import_once(setting: Setting, content: bytes, rows: int, log: int) -> None:
    """An unmeasured import, so that the measured ones do not meet any code for the first time."""
    batch = upload(setting, content, rows)
    services.import_check(batch.pk)
    expect_ready(batch, rows)
    services.import_commit(batch.pk)
    expect_done(batch, rows)
    undo(setting, batch, log)


def step(phase: Phase, run: Callable[[], object]) -> None:
    statements = Statements()
    with connection.execute_wrapper(statements), Commits() as commits:
        started, cpu = time.perf_counter(), time.process_time()
        run()
        phase.seconds = time.perf_counter() - started
        phase.cpu = time.process_time() - cpu
    phase.statements, phase.sql, phase.commit = (
        statements.count,
        statements.seconds,
        commits.seconds,
    )


def timed(setting: Setting, figures: Figures, content: bytes, sweeps: Sweeps, log: int) -> None:
    rows = figures.rows
    started = time.perf_counter()
    batch = upload(setting, content, rows)
    figures.upload = time.perf_counter() - started
    figures.estimated = batch.rows
    step(figures.check, lambda: services.import_check(batch.pk))
    expect_ready(batch, rows)
    sweeps_before = sweeps.count
    step(figures.commit, lambda: services.import_commit(batch.pk))
    expect_done(batch, rows)
    figures.sweeps = sweeps.count - sweeps_before
    marks = StalePeriod.objects.all()
    figures.marks = marks.count()
    figures.marked_metrics = marks.values("metric").distinct().count()
    figures.marked_months = marks.values("period_start").distinct().count()
    figures.months_in_file = (
        Activity.objects.filter(import_batch=batch).dates("date", "month").order_by().count()
    )
    undo(setting, batch, log)


def traced(setting: Setting, figures: Figures, content: bytes, log: int) -> None:
    rows = figures.rows
    batch = upload(setting, content, rows)
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        services.import_check(batch.pk)
        _, peak = tracemalloc.get_traced_memory()
        figures.check.peak = peak - base
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
        services.import_commit(batch.pk)
        _, peak = tracemalloc.get_traced_memory()
        figures.commit.peak = peak - base
    finally:
        tracemalloc.stop()
    expect_done(batch, rows)
    undo(setting, batch, log)


def captured(setting: Setting, figures: Figures, content: bytes, log: int) -> None:
    rows = figures.rows
    batch = upload(setting, content, rows)
    limit = connection.queries_log.maxlen
    with CaptureQueriesContext(connection) as check:
        services.import_check(batch.pk)
    with CaptureQueriesContext(connection) as commit:
        services.import_commit(batch.pk)
    expect_done(batch, rows)
    for phase, context in ((figures.check, check), (figures.commit, commit)):
        phase.captured = len(context)
        if limit is not None and phase.captured >= limit:
            print(f"  ({phase.captured} statements captured, the limit of Django's log)")
        phase.kinds.update(kind(query["sql"]) for query in context)
    undo(setting, batch, log)


# --- Report -----------------------------------------------------------------------------------


def mib(size: int) -> float:
    return size / (1024 * 1024)


def report(results: list[Figures], unsized: Figures | None) -> None:
    print()
    print(
        f"{'rows':>7} {'file':>6} {'upload':>7} {'check':>7} {'/1,000':>7} {'commit':>7} "
        f"{'/1,000':>7} {'total':>7}   {'statements/row':>15}   {'peak MiB':>15}"
    )
    print(
        f"{'':>7} {'kB':>6} {'s':>7} {'s':>7} {'rows s':>7} {'s':>7} {'rows s':>7} {'s':>7}"
        f"   {'check':>7} {'commit':>7}   {'check':>7} {'commit':>7}"
    )
    for f in results:
        per = 1000 / f.rows
        print(
            f"{f.rows:>7,} {f.file_bytes / 1000:>6.0f} {f.upload:>7.2f} {f.check.seconds:>7.2f} "
            f"{f.check.seconds * per:>7.2f} {f.commit.seconds:>7.2f} "
            f"{f.commit.seconds * per:>7.2f} {f.total:>7.2f}   "
            f"{f.check.statements / f.rows:>7.4f} {f.commit.statements / f.rows:>7.4f}   "
            f"{mib(f.check.peak):>7.2f} {mib(f.commit.peak):>7.2f}"
        )
    print()
    print("where the time went (the timed run; CPU: this process's; SQL: executing statements;")
    print("COMMIT: the database's, with the deferred foreign-key checks), and the statements")
    print("(in brackets CaptureQueriesContext's count in its own run, with BEGIN and COMMIT):")
    for f in results:
        for name, phase in (("check", f.check), ("commit", f.commit)):
            control = sum(phase.kinds[verb] for verb in ("BEGIN", "COMMIT", "ROLLBACK"))
            differs = "" if phase.statements == phase.captured - control else " (counts differ)"
            print(
                f"  {f.rows:>7,} {name:<6} {phase.seconds:>6.2f} s: CPU {phase.cpu:>6.2f} s, "
                f"SQL {phase.sql:>5.2f} s, COMMIT {phase.commit:>5.2f} s; "
                f"{phase.statements} statements ({phase.captured}){differs}"
            )
    largest = results[-1]
    for name, phase in (("check", largest.check), ("commit", largest.commit)):
        print(f"  {name} of {largest.rows:,} rows, statements by kind:")
        for what, count in phase.kinds.most_common():
            print(f"    {count:>6}  {what}")

    print()
    print(
        f"stale marks written by the commit: {largest.marks} = {largest.marked_metrics} "
        f"activity metrics × {largest.marked_months} months (the file's rows fall in "
        f"{largest.months_in_file} months); sweeps queued: {largest.sweeps}, not run "
        "(measures.services.queue_sweep is a no-op here)"
    )
    for f in results[:-1]:
        print(
            f"  at {f.rows:,} rows: {f.marks} marks = {f.marked_metrics} × {f.marked_months} "
            f"months, sweeps queued: {f.sweeps}"
        )
    if len(results) > 1:
        small = results[0]
        times = largest.rows / small.rows
        print()
        print(f"{largest.rows:,} rows against {small.rows:,} (rows × {times:g}):")
        for name in ("check", "commit"):
            a, b = getattr(small, name), getattr(largest, name)
            ratio = (b.statements / largest.rows) / (a.statements / small.rows)
            marginal = (b.statements - a.statements) / (largest.rows - small.rows) * 1000
            print(
                f"  {name:<6} statements per row × {ratio:.2f} ({a.statements} → "
                f"{b.statements}: {marginal:.1f} more per 1,000 rows); seconds per row "
                f"× {(b.seconds / largest.rows) / (a.seconds / small.rows):.2f}, "
                f"CPU seconds per row × {(b.cpu / largest.rows) / (a.cpu / small.rows):.2f}"
            )
        for name in ("check", "commit"):
            a, b = getattr(small, name).peak, getattr(largest, name).peak
            ratio = b / a if a else float("inf")
            verdict = "flat" if ratio <= FLAT_MEMORY_RATIO else "NOT flat"
            print(
                f"  {name:<6} peak memory × {ratio:.2f} ({mib(a):.2f} → {mib(b):.2f} MiB, "
                f"{(b - a) / (largest.rows - small.rows):.0f} bytes per further row): "
                f"{verdict} (≤ {FLAT_MEMORY_RATIO:g} ×)"
            )
    if unsized is not None:
        where = (
            "checked in the request"
            if services.import_runs_inline(ImportBatch(rows=unsized.estimated))
            else "checked by a worker"
        )
        print()
        print(
            f"the {unsized.rows:,}-row file as openpyxl's write-only mode leaves it, without "
            f"<dimension>: upload {unsized.upload:.2f} s (estimated {unsized.estimated} rows, "
            f"so {where}), check {unsized.check.seconds:.2f} s, "
            f"commit {unsized.commit.seconds:.2f} s, "
            f"total {unsized.total:.2f} s (with <dimension>: estimated {largest.estimated} rows)"
        )
    print(
        "undo (services.import_undo, in the request): "
        + ", ".join(
            f"{rows:,} activities {seconds:.2f} s" for rows, seconds in UNDO_SECONDS.items()
        )
    )
    print()
    verdict = "PASS" if largest.total <= TARGET_SECONDS else "FAIL"
    print(
        f"the whole file of {largest.rows:,} rows (upload, check, commit): "
        f"{largest.total:.1f} s, target ≤ {TARGET_SECONDS:g} s: {verdict}"
    )


def run(sizes: list[int], log: int) -> None:
    sweeps = Sweeps()
    setattr(measures_services, "queue_sweep", sweeps)  # noqa: B010
    vendor = connection.vendor
    version = f" {getattr(connection, 'pg_version', '')}" if vendor == "postgresql" else ""
    print(
        f"database: {vendor}{version} {connection.settings_dict['NAME']}; Python "
        f"{platform.python_version()}, Django {django.get_version()}, openpyxl "
        f"{openpyxl.__version__}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    if vendor != "postgresql":
        print("(not PostgreSQL: the issue's targets are for PostgreSQL)")
    started = time.perf_counter()
    setting = make_setting()
    add_log(setting, log, SEED)
    StalePeriod.objects.all().delete()
    print(
        f"setting up: {time.perf_counter() - started:.1f} s; {log:,} activities in the log; "
        f"{len(setting.areas)} areas, {len(setting.types)} types, {len(setting.units)} units, "
        f"{len(setting.themes)} themes, {len(setting.partners)} partners, "
        f"{len(setting.projects)} projects; {len(setting.headings)} columns; IMPORT_MAX_ROWS "
        f"{settings.IMPORT_MAX_ROWS:,}, chunks of {imports.CHUNK_ROWS} rows"
    )

    import_once(setting, workbook(setting, WARM_UP_ROWS, SEED - 1), WARM_UP_ROWS, log)
    results = []
    for size in sizes:
        started = time.perf_counter()
        content = workbook(setting, size, SEED + size)
        print(
            f"{size:,} rows: file of {len(content) / 1000:.0f} kB generated in "
            f"{time.perf_counter() - started:.1f} s; importing it three times …",
            flush=True,
        )
        figures = Figures(rows=size, file_bytes=len(content))
        timed(setting, figures, content, sweeps, log)
        traced(setting, figures, content, log)
        captured(setting, figures, content, log)
        results.append(figures)
    size = sizes[-1]
    print(f"{size:,} rows without <dimension>: importing it once more …", flush=True)
    content = workbook(setting, size, SEED + size, sized=False)
    unsized = Figures(rows=size, file_bytes=len(content))
    timed(setting, unsized, content, sweeps, log)
    print(f"(load average {os.getloadavg()[0]:.1f} at the end)")
    report(results, unsized)


def main() -> None:
    assert ARGS is not None
    sizes = sorted(set(ARGS.sizes))
    setup_test_environment(debug=False)
    if connection.vendor != "sqlite":
        connection.settings_dict["TEST"]["NAME"] = BENCH_DATABASE
    configured = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        run(sizes, ARGS.log)
    except Failed as exc:
        print(f"FAILED: {exc}")
        sys.exit(1)
    finally:
        connection.creation.destroy_test_db(configured, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
