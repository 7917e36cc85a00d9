"""How fast metric values are recomputed from 1,000,000 activities, and how much memory it takes.

    make bench-metrics                                   # 1,000,000 activities
    make bench-metrics BENCH_ARGS="--activities 50000"   # a quick run
    DEBUG=true uv run --frozen python bench/metrics.py [--activities N] [--keep]
        [--timeout SECONDS] [--database-url postgres://postgres@127.0.0.1:5432/kalliola_bench]

The benchmark works in its own PostgreSQL database (default ``kalliola_bench``, or
BENCH_DATABASE_URL, or --database-url; the name must contain "bench"). It drops and recreates
that database, migrates it, loads the 2023–2025 strategy and Helsinki's districts, and COPYs
into it a generated activity log: activities dated 2023-01-01 … 2025-12-31 (the strategy's
three years, fixed so that runs compare) in the 182 basic and sub-districts, with their goals,
means, themes, partners and organisers, plus signals with themes. With --keep an existing
database with the same number of activities is reused as it is.

It then defines 50 metrics through measures.services.metric_save (activity and signal metrics
of every aggregation, period and filter, manual metrics with measurements, ratios of them) and
prints, measured in the same run:

- full recompute: measures.services.recompute_all() in a separate worker process;
- its lower bound: one hand-written SQL GROUP BY per activity or signal metric (all areas
  only), run one after another, summed; the ratio of the two;
- incremental recompute: after one activity is moved to another month through the ORM, the
  worker recomputes every stale metric (what measures.tasks.sweep_stale does, repeated until
  no stale mark is left) — against one hand-written one-month GROUP BY, and, for reference,
  against each stale metric's hand-written GROUP BY over its stale periods. The sweep runs
  twice in the worker, the first time rolled back, and counts with the faster (both are
  printed): a running worker does not connect, or meet its code, for the first time;
- the worker's peak memory (its peak resident set, VmHWM).

The bound queries run twice, once before and once after the first full recompute, and each
query counts with its faster time, so both sides read warm caches. The full recompute runs
three times: first into empty snapshot tables, then twice as the nightly task does (an
unchanged log: every value computed and compared, none written); the target is judged on the
faster of those two, as each bound query is the faster of its two runs. A recompute still
running after --timeout seconds (default 600) is stopped, with its query, and reported as
such. The worker runs with DEBUG
off, as in production (DEBUG would keep a log of every query in memory). PostgreSQL settings
can be tried through libpq's PGOPTIONS, e.g. PGOPTIONS="-c work_mem=64MB": they apply to the
worker and to the bound alike. It is a benchmark, not a test: it exits with 0 whatever the
figures are.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/kalliola_bench"
FIRST_DAY = datetime.date(2023, 1, 1)
LAST_DAY = datetime.date(2025, 12, 31)
SIGNALS_PER_ACTIVITY = 0.1
CHUNK = 100_000
SEED = 2023

TARGET_FULL_RATIO = 1.0
TARGET_INCREMENTAL_RATIO = 5.0
TARGET_PEAK_MB = 250.0


# --- Command line and the database ------------------------------------------------------------


def database_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the generated database, shared with the dashboards benchmark."""
    parser.add_argument(
        "--activities", type=int, default=1_000_000, help="how many (default 1,000,000)"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        help="the benchmark's own PostgreSQL database; its name must contain 'bench' "
        "(default: BENCH_DATABASE_URL or %(default)s)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="reuse the database if it already holds this many activities",
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    database_arguments(parser)
    parser.add_argument(
        "--timeout",
        type=float,
        default=600,
        metavar="SECONDS",
        help="stop a recompute that takes longer than this (default %(default)s)",
    )
    parser.add_argument("--worker", choices=["full", "incremental"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.activities < 1000:
        parser.error("--activities must be at least 1000.")
    return args


def connection_params(url: str) -> dict[str, Any]:
    """psycopg keywords for the database in url; refuses anything but a 'bench' database."""
    import dj_database_url

    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        sys.exit(f"The benchmark needs PostgreSQL, not {config['ENGINE']}.")
    name = config["NAME"]
    if not name or "bench" not in name:
        sys.exit(f"Refusing to use the database {name!r}: its name must contain 'bench'.")
    params = {
        "dbname": name,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
    }
    return {key: value for key, value in params.items() if value is not None}


def existing_activities(params: dict[str, Any]) -> int | None:
    """How many activities the benchmark database holds, or None if it is not usable."""
    import psycopg

    try:
        with psycopg.connect(**params) as conn:
            row = conn.execute("SELECT count(*) FROM neighbourhoods_activity").fetchone()
            signals = conn.execute("SELECT count(*) FROM neighbourhoods_signal").fetchone()
    except psycopg.Error:
        return None
    if not row or not signals or not signals[0]:
        return None
    return int(row[0])


def recreate_database(params: dict[str, Any]) -> None:
    import psycopg
    from psycopg import sql

    name = params["dbname"]
    assert "bench" in name
    maintenance = {**params, "dbname": "postgres"}
    with psycopg.connect(**maintenance, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django(url: str) -> None:
    """Point Django at the benchmark database before anything imports the settings."""
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "kalliola.settings"
    # Queued tasks go to an in-memory broker that no worker reads: the benchmark decides when
    # the recompute runs (and where), instead of running it eagerly inside a save.
    os.environ["CELERY_BROKER_URL"] = "memory://localhost/"
    os.environ.pop("CELERY_RESULT_BACKEND", None)
    os.environ["LOG_LEVEL"] = "WARNING"
    if os.environ.get("DEBUG", "").lower() not in {"1", "true", "yes", "on"}:
        os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
    import django

    django.setup()


# --- The worker (run in a child process) ---------------------------------------------------------


@dataclass
class QueryClock:
    """Time spent in the database by kind of statement, measured around each execute."""

    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        kind = sql.lstrip().split(None, 1)[0].upper()
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds[kind] += time.perf_counter() - start
            self.counts[kind] += 1


def peak_kb(pid: int | str = "self") -> int:
    """A process's peak resident memory so far, in kB (0 if unknown).

    VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork and exec, so a worker started by
    this (large) process would report the parent's memory as its own.
    """
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def worker(mode: str) -> None:
    """Run one recompute and print what it took as a JSON line (the parent reads the last)."""
    from django.db import connection, transaction

    from measures import services
    from measures.models import MetricValue, StalePeriod

    def sweep() -> tuple[int, int, int]:
        # What measures.tasks.sweep_stale does, counting the values written and the metrics
        # recomputed (the ratios the activity metrics mark are recomputed in the same sweep;
        # a further round would pick up any marks left).
        written = metrics = rounds = 0
        while rounds < 5 and (
            stale := sorted(set(StalePeriod.objects.values_list("metric", flat=True)))
        ):
            written += services.recompute_stale()
            metrics += len(stale)
            rounds += 1
        return written, metrics, rounds

    baseline_kb = peak_kb()
    runs = []
    # The incremental sweep runs twice, the first time rolled back, and counts with the faster,
    # as each bound query does: the first run in a new process also pays for what a running
    # worker has done long before (connecting, first use of the code and of the caches).
    for rehearsal in [True, False] if mode == "incremental" else [False]:
        clock = QueryClock()
        with connection.execute_wrapper(clock):
            start = time.perf_counter()
            if mode == "full":
                written, metrics, rounds = services.recompute_all(), 1, 1
            else:
                with transaction.atomic():
                    written, metrics, rounds = sweep()
                    transaction.set_rollback(rehearsal)
            seconds = time.perf_counter() - start
        runs.append((seconds, clock, written, metrics, rounds))
    seconds, clock, written, metrics, rounds = min(runs, key=lambda run: run[0])
    result = {
        "seconds": seconds,
        "first_seconds": runs[0][0],
        "written": runs[-1][2],
        "metrics": metrics,
        "rounds": rounds,
        "values": MetricValue.objects.count(),
        "baseline_kb": baseline_kb,
        "peak_kb": peak_kb(),
        "db_seconds": dict(clock.seconds),
        "db_counts": dict(clock.counts),
    }
    print(json.dumps(result))


WORKER_NAME = "kalliola-bench-worker"


def run_worker(mode: str, url: str, timeout: float) -> dict[str, Any]:
    """Run a recompute in a fresh process; stop it (and its query) after timeout seconds."""
    from django.db import connection

    # PGAPPNAME names the worker's database session, so that a stopped worker's query can be
    # ended too: PostgreSQL would otherwise run it to the end for nobody.
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "false", "PGAPPNAME": WORKER_NAME}
    env.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", mode]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            [*command, "--database-url", url], env=env, stdout=out, stderr=err
        )
        worker_peak = 0
        while process.poll() is None:
            worker_peak = max(worker_peak, peak_kb(process.pid))
            if time.perf_counter() - start > timeout:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND application_name = %s",
                        [WORKER_NAME],
                    )
                process.kill()
                process.wait()
                return {"timed_out": True, "seconds": timeout, "peak_kb": worker_peak}
            time.sleep(0.1)
        out.seek(0)
        err.seek(0)
        output = out.read()
        if process.returncode != 0:
            sys.stderr.write(output + err.read())
            raise SystemExit(f"The {mode} recompute worker failed ({process.returncode}).")
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    result["wall_seconds"] = time.perf_counter() - start
    result["peak_kb"] = max(result["peak_kb"], worker_peak)
    return result


# --- Generating the log -------------------------------------------------------------------------

TYPES = {
    # name_en: share of activities, lognormal (mu, sigma) of its participants
    "Outreach": (0.24, 1.7, 0.9),
    "Community event": (0.12, 3.4, 1.0),
    "Group": (0.26, 2.1, 0.5),
    "Service": (0.16, 1.1, 0.8),
    "Co-development workshop": (0.05, 2.3, 0.5),
    "Communication": (0.05, 0.6, 1.6),
    "Training": (0.06, 2.4, 0.6),
    "Other": (0.06, 1.5, 1.0),
}
UNITS = [
    # name, kind, share of activities
    ("Kontulan asukastalo", "residents_house", 0.16),
    ("Mellunmäen asukastalo", "residents_house", 0.10),
    ("Jakomäen asukastalo", "residents_house", 0.09),
    ("Myllypuron asukastalo", "residents_house", 0.07),
    ("Kallion asukastalo", "residents_house", 0.12),
    ("Kalliolan opisto", "adult_education", 0.12),
    ("Kalliolan nuoret", "youth_work", 0.15),
    ("Kalliolan setlementtipalvelut", "service", 0.09),
    ("Kriisikeskus", "service", 0.05),
    ("Viestintä ja kehittäminen", "other", 0.05),
]
PROJECTS = [
    ("Naapurustot nousuun", "stea", "STEA"),
    ("Jalkautuva nuorisotyö", "city", "Helsingin kaupunki"),
    ("Kotoutumisen polut", "esf", "ESF+"),
    ("Yhdessä Kontulassa", "foundation", "Kalliolan Säätiö"),
    ("Digituki senioreille", "ministry", "Sosiaali- ja terveysministeriö"),
    ("Perhekahvilat", "stea", "STEA"),
    ("Asunnottomien yöpäivystys", "stea", "STEA"),
    ("Harrastamisen Helsinki", "city", "Helsingin kaupunki"),
    ("Osallisuuden lähiöt", "foundation", "Sosiaalirahasto"),
    ("Työelämään", "esf", "ESF+"),
]
# Shares of the age bands (0–12, 13–17, 18–29, 30–64, 65+, unknown) in a typical group.
AGE_PROFILES = {
    "families": (0.45, 0.05, 0.05, 0.40, 0.02, 0.03),
    "youth": (0.05, 0.62, 0.28, 0.03, 0.0, 0.02),
    "adults": (0.0, 0.0, 0.25, 0.65, 0.08, 0.02),
    "seniors": (0.0, 0.0, 0.0, 0.15, 0.83, 0.02),
    "mixed": (0.15, 0.10, 0.15, 0.35, 0.15, 0.10),
    "street": (0.02, 0.08, 0.15, 0.20, 0.05, 0.50),
}
PROFILES_BY_UNIT_KIND = {
    "residents_house": {"families": 3, "seniors": 3, "mixed": 3, "adults": 1},
    "adult_education": {"adults": 6, "seniors": 3, "mixed": 1},
    "youth_work": {"youth": 8, "families": 1, "mixed": 1},
    "service": {"adults": 4, "street": 4, "mixed": 2},
    "other": {"mixed": 6, "adults": 4},
}
TITLES = [
    "Iltajalkautuminen ostarilla",
    "Perhekahvila",
    "Nuorten pelilta",
    "Senioreiden digiapu",
    "Asukasilta",
    "Kotitehtäväkerho",
    "Kielikahvila",
    "Korttelijuhla",
    "Yhteiskehittämisen työpaja",
    "Lähiöretki",
    "Ruoka-apu",
    "Kansalaisopiston kurssi",
]
PARTNER_KINDS = ("Asukasyhdistys", "Yritys", "Järjestö", "Verkosto", "Virasto", "Koulu", "Muu")
HEARD = "Nuoret kaipaavat iltaisin paikkaa, jossa olla; vanhemmat huolissaan kiusaamisesta."
SIGNAL_TEXTS = [
    "Asukkaat kertovat, ettei illaksi ole paikkaa kokoontua.",
    "Moni perhe ei pysty maksamaan lasten harrastuksia.",
    "Asunnottomia nähty yöpymässä porraskäytävissä.",
    "Ikääntyneet kokevat jäävänsä digipalveluiden ulkopuolelle.",
    "Kielitaidottomat vanhemmat eivät saa tietoa koulun asioista.",
    "Nuoret kertovat kiusaamisesta koulumatkalla.",
]


class Weighted:
    """Draws from a fixed population with fixed weights, quickly."""

    def __init__(self, rng: random.Random, items: Sequence[Any], weights: Sequence[float]) -> None:
        self.rng = rng
        self.items = list(items)
        total = 0.0
        self.cumulative = []
        for weight in weights:
            total += weight
            self.cumulative.append(total)

    def one(self) -> Any:
        return self.rng.choices(self.items, cum_weights=self.cumulative)[0]

    def many(self, k: int) -> list[Any]:
        return self.rng.choices(self.items, cum_weights=self.cumulative, k=k)

    def distinct(self, k: int) -> list[Any]:
        """Up to k different items: fewer when draws repeat, more often for popular items."""
        return list(dict.fromkeys(self.many(k))) if k else []


def day_weight(day: datetime.date) -> float:
    """Busier on weekdays and in spring and autumn, quiet in July, growing year by year."""
    weekday = (1.0, 1.05, 1.05, 1.0, 0.8, 0.45, 0.25)[day.weekday()]
    month = (0.9, 1.0, 1.05, 1.0, 1.05, 0.75, 0.35, 0.8, 1.1, 1.1, 1.05, 0.7)[day.month - 1]
    if (day.month == 12 and day.day >= 22) or (day.month == 1 and day.day <= 6):
        month = 0.3
    year = {2023: 0.85, 2024: 1.0, 2025: 1.15}[day.year]
    return weekday * month * year


@dataclass
class Reference:
    """The rows every generated activity refers to."""

    areas: Weighted
    types: Weighted
    units: Weighted
    unit_kind: dict[int, str]
    unit_staff: dict[int, list[int]]
    projects: Weighted
    type_shape: dict[int, tuple[float, float]]
    goals: Weighted
    means_of_goal: dict[int, list[int]]
    themes: Weighted
    partners: Weighted
    days: Weighted


def make_reference(rng: random.Random) -> Reference:
    """Units, projects, partners and staff (with the ORM: a few hundred rows), and the weights."""
    from django.contrib.auth.models import User

    from goals.models import Goal, InequalityTheme, Means
    from neighbourhoods.models import ActivityType, Area, Partner, Project, Unit

    areas = list(Area.objects.exclude(level=Area.Level.MUNICIPALITY).select_related("parent"))
    shuffled = areas[:]
    rng.shuffle(shuffled)
    # A long tail of quiet areas; the areas Kalliola works in (and their sub-districts) busy.
    weights = {}
    for rank, area in enumerate(shuffled):
        weight = 1 / (rank + 1) ** 0.7
        if area.kalliola_works_here or (area.parent and area.parent.kalliola_works_here):
            weight *= 25
        if area.level == Area.Level.BASIC_DISTRICT:
            weight *= 0.35  # most activities are logged at the sub-district
        weights[area.pk] = weight
    area_ids = list(weights)

    type_rows = {t.name_en: t.pk for t in ActivityType.objects.all()}
    type_ids = [type_rows[name] for name in TYPES]
    units = []
    for name, kind, _share in UNITS:
        unit, _ = Unit.objects.get_or_create(name_fi=name, defaults={"name": name, "kind": kind})
        units.append(unit)
    goal_rows = list(Goal.objects.order_by("number"))
    projects = []
    for n, (name, funder_kind, funder) in enumerate(PROJECTS):
        project, created = Project.objects.get_or_create(
            name=name,
            defaults={
                "funder_kind": funder_kind,
                "funder": funder,
                "starts_on": FIRST_DAY,
                "ends_on": LAST_DAY if n % 3 else None,
            },
        )
        if created:
            project.goals.set([goal_rows[1], goal_rows[n % 4]])
        projects.append(project)
    sectors = Partner.Sector.values
    Partner.objects.bulk_create(
        [
            Partner(
                name=f"{PARTNER_KINDS[i % 7]} {i:03}",
                sector=sectors[i % 7],
            )
            for i in range(300)
        ],
        ignore_conflicts=True,
    )
    partner_ids = list(Partner.objects.order_by("pk").values_list("pk", flat=True))
    User.objects.bulk_create(
        [
            User(username=f"bench-staff-{n:02}", first_name="Aino", last_name=f"Työntekijä {n}")
            for n in range(40)
        ],
        ignore_conflicts=True,
    )
    staff = list(
        User.objects.filter(username__startswith="bench-staff-")
        .order_by("username")
        .values_list("pk", flat=True)
    )
    themes = list(InequalityTheme.objects.order_by("position").values_list("pk", flat=True))
    means_of_goal: dict[int, list[int]] = defaultdict(list)
    for goal_id, means_id in Means.objects.order_by("goal", "position").values_list("goal", "pk"):
        means_of_goal[goal_id].append(means_id)
    days = [FIRST_DAY + datetime.timedelta(n) for n in range((LAST_DAY - FIRST_DAY).days + 1)]
    return Reference(
        areas=Weighted(rng, area_ids, [weights[pk] for pk in area_ids]),
        types=Weighted(rng, type_ids, [share for share, _mu, _s in TYPES.values()]),
        units=Weighted(rng, [u.pk for u in units], [share for _n, _k, share in UNITS]),
        unit_kind={u.pk: u.kind for u in units},
        unit_staff={u.pk: staff[i * 4 : i * 4 + 4] for i, u in enumerate(units)},
        projects=Weighted(rng, [p.pk for p in projects], [1 / (n + 1) for n in range(10)]),
        type_shape={type_ids[i]: (mu, s) for i, (_w, mu, s) in enumerate(TYPES.values())},
        goals=Weighted(rng, [g.pk for g in goal_rows], [0.12, 0.55, 0.23, 0.10]),
        means_of_goal=dict(means_of_goal),
        themes=Weighted(rng, themes, [1.0, 1.2, 0.9, 1.6, 1.0, 0.8, 1.3]),
        partners=Weighted(rng, partner_ids, [1 / (n + 1) ** 0.8 for n in range(len(partner_ids))]),
        days=Weighted(rng, days, [day_weight(day) for day in days]),
    )


def split(total: int, shares: Sequence[float], rng: random.Random) -> list[int]:
    """total people spread over the age bands roughly by shares; the counts add up to total."""
    jittered = [share * rng.uniform(0.6, 1.4) for share in shares]
    scale = total / (sum(jittered) or 1)
    counts = [int(share * scale) for share in jittered]
    counts[max(range(6), key=jittered.__getitem__)] += total - sum(counts)
    return counts


@dataclass
class Chunk:
    """COPY text for one chunk of activities and their links."""

    activities: list[str] = field(default_factory=list)
    goals: list[str] = field(default_factory=list)
    means: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)
    organisers: list[str] = field(default_factory=list)


ACTIVITY_COLUMNS = (
    "id, created_at, updated_at, title, date, start_time, status, area_id, type_id, "
    "participants_0_12, participants_13_17, participants_18_29, participants_30_64, "
    "participants_65_plus, participants_unknown_age, new_participants, volunteers, "
    "volunteer_hours, unit_id, project_id, description, heard, created_by_id, version, is_demo"
)


def activity_chunk(
    ref: Reference, rng: random.Random, first_id: int, days: Sequence[datetime.date]
) -> Chunk:
    """The activities with ids from first_id on, one on each of days, and their links."""
    chunk = Chunk()
    count = len(days)
    profiles = {
        kind: Weighted(rng, [AGE_PROFILES[p] for p in choice], list(choice.values()))
        for kind, choice in PROFILES_BY_UNIT_KIND.items()
    }
    areas = ref.areas.many(count)
    types = ref.types.many(count)
    units = ref.units.many(count)
    for n in range(count):
        pk = first_id + n
        day, type_id, unit_id = days[n], types[n], units[n]
        mu, sigma = ref.type_shape[type_id]
        total = min(int(rng.lognormvariate(mu, sigma)), 1500)
        bands = split(total, profiles[ref.unit_kind[unit_id]].one(), rng)
        new = int(total * rng.random() ** 2 * 0.6)
        volunteers = 0 if rng.random() < 0.78 else min(1 + int(rng.expovariate(0.6)), 40)
        hours = round(volunteers * rng.uniform(1.0, 4.0), 1)
        project = ref.projects.one() if rng.random() < 0.45 else None
        hour = rng.randint(8, 19)
        staff = ref.unit_staff[unit_id]
        organisers = rng.sample(staff, 2) if rng.random() < 0.25 else [rng.choice(staff)]
        stamp = f"{day} {hour:02}:30:00+02"
        chunk.activities.append(
            f"{pk}\t{stamp}\t{stamp}\t{TITLES[pk % len(TITLES)]}\t{day}\t"
            f"{hour:02}:00\t{'planned' if rng.random() < 0.03 else 'done'}\t{areas[n]}\t"
            f"{type_id}\t{bands[0]}\t{bands[1]}\t{bands[2]}\t{bands[3]}\t{bands[4]}\t"
            f"{bands[5]}\t{new}\t{volunteers}\t{hours}\t{unit_id}\t"
            f"{project if project else chr(92) + 'N'}\t\t{HEARD if pk % 10 == 0 else ''}\t"
            f"{organisers[0]}\t1\tf\n"
        )
        goals = ref.goals.distinct(2 if rng.random() < 0.3 else 1)
        chunk.goals += [f"{pk}\t{goal}\n" for goal in goals]
        pool = [m for goal in goals for m in ref.means_of_goal.get(goal, ())]
        k = rng.choices((0, 1, 2), (0.3, 0.5, 0.2))[0]
        chunk.means += [f"{pk}\t{m}\n" for m in rng.sample(pool, min(k, len(pool)))]
        k = rng.choices((0, 1, 2, 3), (0.3, 0.35, 0.25, 0.1))[0]
        chunk.themes += [f"{pk}\t{theme}\n" for theme in ref.themes.distinct(k)]
        k = rng.choices((0, 1, 2), (0.5, 0.35, 0.15))[0]
        chunk.partners += [f"{pk}\t{partner}\n" for partner in ref.partners.distinct(k)]
        chunk.organisers += [f"{pk}\t{user}\n" for user in organisers]
    return chunk


def copy_rows(cursor: Any, table: str, columns: str, lines: list[str]) -> None:
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for start in range(0, len(lines), 10_000):
            copy.write("".join(lines[start : start + 10_000]))


def generate(count: int) -> dict[str, int]:
    """COPY the log into the database; returns how many rows each table got."""
    from django.db import connection

    rng = random.Random(SEED)
    ref = make_reference(rng)
    rows: dict[str, int] = defaultdict(int)
    links = {
        "goals": ("neighbourhoods_activity_goals", "activity_id, goal_id"),
        "means": ("neighbourhoods_activity_means", "activity_id, means_id"),
        "themes": ("neighbourhoods_activity_themes", "activity_id, inequalitytheme_id"),
        "partners": ("neighbourhoods_activity_partners", "activity_id, partner_id"),
        "organisers": ("neighbourhoods_activity_organisers", "activity_id, user_id"),
    }
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # the psycopg cursor, for COPY
        cursor.execute("SET synchronous_commit = off")
        # Activities are logged about when they happen, so the ids (and the rows on disk)
        # follow the dates, as in a real log; a date range reads a part of the table.
        days = sorted(ref.days.many(count))
        for first in range(1, count + 1, CHUNK):
            chunk = activity_chunk(ref, rng, first, days[first - 1 : first - 1 + CHUNK])
            copy_rows(cursor, "neighbourhoods_activity", ACTIVITY_COLUMNS, chunk.activities)
            rows["activities"] += len(chunk.activities)
            for name, (table, columns) in links.items():
                lines = getattr(chunk, name)
                copy_rows(cursor, table, columns, lines)
                rows[name] += len(lines)
            print(f"  … {first + len(chunk.activities) - 1:,} activities", flush=True)
        signal_lines, theme_lines = [], []
        signal_days = sorted(ref.days.many(int(count * SIGNALS_PER_ACTIVITY)))
        for pk, day in enumerate(signal_days, start=1):
            unit = ref.units.one()
            stamp = f"{day} 12:00:00+02"
            activity = rng.randint(1, count) if rng.random() < 0.3 else None
            signal_lines.append(
                f"{pk}\t{stamp}\t{stamp}\t{day}\t{ref.areas.one()}\t"
                f"{SIGNAL_TEXTS[pk % len(SIGNAL_TEXTS)]}\t"
                f"{('resident', 'partner', 'staff', 'other')[pk % 4]}\t"
                f"{('low', 'medium', 'medium', 'high')[pk % 4]}\t"
                f"{activity or chr(92) + 'N'}\t{unit}\t{rng.choice(ref.unit_staff[unit])}\tf\n"
            )
            theme_lines += [f"{pk}\t{t}\n" for t in ref.themes.distinct(1 + (rng.random() < 0.4))]
        copy_rows(
            cursor,
            "neighbourhoods_signal",
            "id, created_at, updated_at, date, area_id, text, raised_by, urgency, activity_id, "
            "unit_id, created_by_id, is_demo",
            signal_lines,
        )
        copy_rows(
            cursor, "neighbourhoods_signal_themes", "signal_id, inequalitytheme_id", theme_lines
        )
        rows["signals"], rows["signal themes"] = len(signal_lines), len(theme_lines)
        # The ids were given explicitly: move the identity sequences past them.
        for table in ("neighbourhoods_activity", "neighbourhoods_signal"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    return dict(rows)


# --- The metrics --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """A metric to define. Filters name things; they are resolved to ids when it is defined."""

    name: str
    unit: str
    goal: int
    period: str
    kind: str = "activity"
    aggregation: str = ""
    filters: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    ratio: tuple[str, str, bool] | None = None  # numerator, denominator, percent


def log(name: str, unit: str, goal: int, period: str, aggregation: str, **filters: Any) -> Spec:
    """A metric computed from the log (activities, or signals)."""
    return Spec(name, unit, goal, period, "activity", aggregation, filters)


def manual(name: str, unit: str, goal: int, period: str) -> Spec:
    return Spec(name, unit, goal, period, "manual")


def ratio(name: str, unit: str, period: str, numerator: str, denominator: str) -> Spec:
    return Spec(name, unit, 2, period, "ratio", ratio=(numerator, denominator, unit == "%"))


M, Q, Y = "month", "quarter", "year"
P = "participants"
NEW = "new_participants"
ACTS = "activities"
OUTREACH, EVENT, GROUP = ("Outreach",), ("Community event",), ("Group",)
YOUTH_UNIT = ("Kalliolan nuoret",)
KALLIO = ("Kallio:basic_district",)
SPECS = [
    # Every aggregation, unfiltered.
    log("Toiminnot", "kpl", 2, M, ACTS),
    log("Osallistujat", "hlö", 2, M, P),
    log("Uudet osallistujat", "hlö", 2, M, NEW),
    log("Vapaaehtoiset", "hlö", 4, M, "volunteers"),
    log("Vapaaehtoistunnit", "h", 4, Q, "volunteer_hours"),
    log("Tavoitetut alueet", "kpl", 2, M, "areas"),
    log("Kumppanit", "kpl", 3, Q, "partners"),
    # Activity types and age bands.
    log("Jalkautuvan työn kerrat", "kpl", 2, M, ACTS, types=OUTREACH),
    log("Jalkautuvan työn osallistujat", "hlö", 2, M, P, types=OUTREACH),
    log("Jalkautuvan työn uudet", "hlö", 2, M, NEW, types=OUTREACH),
    log("Yhteisötapahtumien osallistujat", "hlö", 2, Q, P, types=EVENT),
    log("Ryhmien nuoret 13–17", "hlö", 2, M, P, types=GROUP, age_bands=("participants_13_17",)),
    log("Nuoret 13–29", "hlö", 3, M, P, age_bands=("participants_13_17", "participants_18_29")),
    log("Lapset 0–12", "hlö", 3, Q, P, age_bands=("participants_0_12",)),
    log("Ikääntyneet 65+", "hlö", 3, M, P, age_bands=("participants_65_plus",)),
    # Goals and means (goal number; goal number and position).
    log("Tavoitteen 1 toiminnot", "kpl", 1, Q, ACTS, goals=(1,)),
    log("Tavoitteen 2 osallistujat", "hlö", 2, M, P, goals=(2,)),
    log("Tavoitteen 3 toiminnot", "kpl", 3, Y, ACTS, goals=(3,)),
    log("Tavoitteen 4 vapaaehtoistunnit", "h", 4, Y, "volunteer_hours", goals=(4,)),
    log("Keinon 2.1 toiminnot", "kpl", 2, M, ACTS, means=((2, 1),)),
    log("Keinojen 2.2–2.3 osallistujat", "hlö", 2, Q, P, means=((2, 2), (2, 3))),
    log("Keinon 3.1 uudet", "hlö", 3, Q, NEW, means=((3, 1),)),
    # Inequality themes (position).
    log("Asunnottomuus: toiminnot", "kpl", 2, M, ACTS, themes=(1,)),
    log("Lapset ja nuoret: osallistujat", "hlö", 2, M, P, themes=(4,)),
    log("Kotoutuminen: uudet", "hlö", 2, Q, NEW, themes=(7,)),
    log("Mielenterveys ja hyvinvointi", "hlö", 3, Y, P, themes=(5, 6)),
    # Units, projects, areas, partner sectors, status.
    log("Nuorisotyön osallistujat", "hlö", 2, M, P, units=YOUTH_UNIT),
    log("Opiston toiminnot", "kpl", 2, Q, ACTS, units=("Kalliolan opisto",)),
    log("STEA-hankkeen osallistujat", "hlö", 3, M, P, projects=("Naapurustot nousuun",)),
    log("Hankkeiden uudet", "hlö", 3, Q, NEW, projects=("Jalkautuva nuorisotyö", "Perhekahvilat")),
    log("Kallion osallistujat", "hlö", 2, M, P, areas=KALLIO),
    log("Kontulan toiminnot", "kpl", 2, M, ACTS, areas=("Kontula:sub_district",)),
    log(
        "Malmin ja Jakomäen uudet",
        "hlö",
        2,
        Q,
        NEW,
        areas=("Malmi:basic_district", "Jakomäki:basic_district"),
    ),
    log("Järjestökumppanien toiminnot", "kpl", 3, Q, ACTS, partner_sectors=("third_sector",)),
    log(
        "Julkiset kumppanit: osallistujat", "hlö", 3, Y, P, partner_sectors=("public", "education")
    ),
    log("Järjestökumppanit", "kpl", 3, Y, "partners", partner_sectors=("third_sector",)),
    log("Jalkautuvan työn kumppanit", "kpl", 3, M, "partners", types=OUTREACH),
    log("Suunnitellut toiminnot", "kpl", 1, M, ACTS, status=("planned",)),
    log(
        "Nuorisotyön jalkautuminen nuoriin",
        "hlö",
        2,
        Q,
        P,
        types=OUTREACH,
        themes=(4,),
        units=YOUTH_UNIT,
        status=("done",),
        age_bands=("participants_13_17",),
    ),
    # Signals.
    log("Signaalit", "kpl", 3, M, "signals"),
    log("Asunnottomuuden signaalit", "kpl", 3, Q, "signals", themes=(1,)),
    log("Kallion signaalit", "kpl", 3, M, "signals", areas=KALLIO),
    # Entered by hand.
    manual("Brändin tunnettuus", "%", 1, Y),
    manual("Henkilöstön hyvinvointi", "1–5", 4, Y),
    manual("Kumppanien tyytyväisyys", "1–5", 3, Y),
    manual("Asukaskyselyn osallisuus", "%", 2, Q),
    # Ratios of the metrics above (same period).
    ratio("Uusien osuus", "%", M, "Uudet osallistujat", "Osallistujat"),
    ratio("Osallistujia toimintoa kohden", "hlö", M, "Osallistujat", "Toiminnot"),
    ratio("Jalkautuvan työn osuus", "%", M, "Jalkautuvan työn kerrat", "Toiminnot"),
    ratio("Nuorten osuus", "%", M, "Nuoret 13–29", "Osallistujat"),
]


@dataclass(frozen=True)
class Defined:
    spec: Spec
    metric_id: int
    version_id: int
    definition: dict[str, Any]


def resolve(spec: Spec) -> dict[str, Any]:
    """The stored definition (ids) of an activity or signal metric."""
    from goals.models import Goal, InequalityTheme, Means
    from neighbourhoods.models import ActivityType, Area, Project, Unit

    lookups: dict[str, Callable[[Any], Any]] = {
        "types": lambda name: ActivityType.objects.get(name_en=name).pk,
        "goals": lambda number: Goal.objects.get(number=number).pk,
        "means": lambda gp: Means.objects.get(goal__number=gp[0], position=gp[1]).pk,
        "themes": lambda position: InequalityTheme.objects.get(position=position).pk,
        "units": lambda name: Unit.objects.get(name_fi=name).pk,
        "projects": lambda name: Project.objects.get(name=name).pk,
        "areas": lambda key: (
            Area.objects.get(name_fi=key.split(":")[0], level=key.split(":")[1]).pk
        ),
    }
    definition: dict[str, Any] = {"aggregation": spec.aggregation}
    for name, values in spec.filters.items():
        if name == "status":
            definition[name] = values[0]
        elif name in lookups:
            definition[name] = sorted(lookups[name](value) for value in values)
        else:
            definition[name] = list(values)
    return definition


def define_metrics() -> list[Defined]:
    from django.contrib.auth.models import User
    from django.db import connection

    from goals.models import Goal
    from measures import services
    from measures.models import Measurement

    # A kept database still holds the metrics of the last run. (Not Metric.delete(): deleting a
    # measurement marks its metric stale, which fails while the metric itself is deleted.)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE measures_metricvalue, measures_staleperiod, measures_measurement, "
            "measures_metrictarget, measures_metricversion, measures_metric, "
            # An outcome assessment's links to metrics (there are none in the benchmark).
            "evaluation_outcomeassessment_metrics"
        )
    admin, _ = User.objects.get_or_create(username="bench-admin", defaults={"is_staff": True})
    goals = {goal.number: goal for goal in Goal.objects.all()}
    by_name: dict[str, int] = {}
    defined = []
    for spec in SPECS:
        if spec.kind == "activity":
            definition = resolve(spec)
        elif spec.kind == "ratio" and spec.ratio:
            numerator, denominator, percent = spec.ratio
            definition = {
                "numerator": by_name[numerator],
                "denominator": by_name[denominator],
                "percent": percent,
            }
        else:
            definition = {}
        metric, _ = services.metric_save(
            user=admin,
            metric=None,
            data={
                "name": spec.name,
                "unit": spec.unit,
                "kind": spec.kind,
                "goal": goals[spec.goal],
            },
            period=spec.period,
            definition=definition,
            targets={2025: Decimal(100)},
        )
        by_name[spec.name] = metric.pk
        defined.append(Defined(spec, metric.pk, metric.version.pk, definition))
        if spec.kind == "manual":
            starts = (
                [datetime.date(y, 1, 1) for y in (2023, 2024, 2025)]
                if spec.period == Y
                else [datetime.date(y, m, 1) for y in (2023, 2024, 2025) for m in (1, 4, 7, 10)]
            )
            Measurement.objects.bulk_create(
                [
                    Measurement(
                        metric=metric,
                        period_start=start,
                        value=Decimal(40 + n * 3),
                        source="Kysely",
                        entered_by=admin,
                    )
                    for n, start in enumerate(starts)
                ]
            )
    return defined


# --- The lower bound: hand-written SQL ----------------------------------------------------------

AGGREGATES = {
    "activities": "count(*)",
    "signals": "count(*)",
    "participants": "sum(a.participants_total)",
    "new_participants": "sum(a.new_participants)",
    "volunteers": "sum(a.volunteers)",
    "volunteer_hours": "sum(a.volunteer_hours)",
    "areas": "count(DISTINCT a.area_id)",
    "partners": "count(DISTINCT ap.partner_id)",
}
LINKS = {
    "themes": ("neighbourhoods_{source}_themes", "inequalitytheme_id"),
    "goals": ("neighbourhoods_activity_goals", "goal_id"),
    "means": ("neighbourhoods_activity_means", "means_id"),
}


MONTHS = {"month": 1, "quarter": 3, "year": 12}


def ids(values: Sequence[int]) -> str:
    return ", ".join(str(int(v)) for v in values)


def bound_sql(
    period: str,
    definition: dict[str, Any],
    periods: Sequence[datetime.date] = (),
) -> str:
    """One GROUP BY computing the metric in all areas, written without the app's code; only
    over the periods starting on the given days, if any are given."""
    aggregation = definition["aggregation"]
    source = "signal" if aggregation == "signals" else "activity"
    bands = definition.get("age_bands")
    aggregate = (
        "sum(" + " + ".join(f"a.{band}" for band in bands) + ")"
        if aggregation == "participants" and bands
        else AGGREGATES[aggregation]
    )
    where = []
    if periods:
        where.append(
            " OR ".join(
                f"(a.date >= '{start}' AND a.date < '{start}'::date + interval '{MONTHS[period]} "
                "months')"
                for start in periods
            )
        )
    for name, column in (("types", "type_id"), ("units", "unit_id"), ("projects", "project_id")):
        if definition.get(name):
            where.append(f"a.{column} IN ({ids(definition[name])})")
    if definition.get("status"):
        where.append(f"a.status = '{definition['status']}'")
    if definition.get("areas"):
        areas = ids(definition["areas"])
        where.append(
            f"a.area_id IN (SELECT id FROM neighbourhoods_area "
            f"WHERE id IN ({areas}) OR parent_id IN ({areas}))"
        )
    for name, (table, column) in LINKS.items():
        if definition.get(name):
            where.append(
                f"EXISTS (SELECT 1 FROM {table.format(source=source)} l "
                f"WHERE l.{source}_id = a.id AND l.{column} IN ({ids(definition[name])}))"
            )
    if definition.get("partner_sectors"):
        sectors = ", ".join(f"'{s}'" for s in definition["partner_sectors"])
        where.append(
            "EXISTS (SELECT 1 FROM neighbourhoods_activity_partners l "
            "JOIN neighbourhoods_partner p ON p.id = l.partner_id "
            f"WHERE l.activity_id = a.id AND p.sector IN ({sectors}))"
        )
    join = (
        " JOIN neighbourhoods_activity_partners ap ON ap.activity_id = a.id"
        if aggregation == "partners"
        else ""
    )
    return (
        f"SELECT date_trunc('{period}', a.date)::date AS period, {aggregate} AS value "
        f"FROM neighbourhoods_{source} a{join}"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " GROUP BY 1"
    )


def run_bound(cursor: Any, queries: Sequence[str]) -> tuple[list[float], list[dict[Any, Any]]]:
    seconds, results = [], []
    for sql in queries:
        start = time.perf_counter()
        cursor.execute(sql)
        rows = cursor.fetchall()
        seconds.append(time.perf_counter() - start)
        results.append({period: value for period, value in rows})
    return seconds, results


def compare(defined: Sequence[Defined], results: Sequence[dict[Any, Any]]) -> list[str]:
    """Metrics whose stored all-areas values differ from the hand-written query's."""
    from measures.models import MetricValue

    wrong = []
    for item, expected in zip(defined, results, strict=True):
        stored = dict(
            MetricValue.objects.filter(version=item.version_id, area=None).values_list(
                "period_start", "value"
            )
        )
        nonzero = {start: value for start, value in stored.items() if value}
        if nonzero != {start: Decimal(value) for start, value in expected.items() if value}:
            wrong.append(item.spec.name)
    return wrong


# --- Incremental ------------------------------------------------------------------------------


def edit_one_activity(count: int) -> tuple[int, datetime.date, datetime.date, Run]:
    """Move one activity to a month four months later (earlier near the end) and change a
    count, through the ORM, so that the receivers mark both months stale. Also returns what the
    edit took (its transaction: the save, the stale marks, what the activity counted before)."""
    from django.db import connection, transaction

    from neighbourhoods.models import Activity

    clock = QueryClock()
    began = time.perf_counter()
    with connection.execute_wrapper(clock), transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=count // 2)
        old = activity.date
        months = old.month - 1 + (4 if old < datetime.date(2025, 6, 1) else -4)
        new = datetime.date(old.year + months // 12, months % 12 + 1, 15)
        activity.date = new
        activity.participants_18_29 += 3
        activity.version += 1
        activity.save()
    took = {"seconds": time.perf_counter() - began, "statements": sum(clock.counts.values())}
    return activity.pk, old, new, took


# --- Measuring and reporting -------------------------------------------------------------------

Run = dict[str, Any]  # what a worker reported (see worker), or {"timed_out": True, …}


@dataclass
class Results:
    bound_each: list[float]
    full_first: Run
    full: Run | None  # None: not run, because the first full recompute did not finish
    wrong: list[str] | None
    month_bound: float
    full_other: Run | None = None  # the slower of the two replacing runs
    edit: tuple[int, datetime.date, datetime.date] | None = None
    edit_took: Run | None = None
    wrong_after: list[str] | None = None  # after the incremental recompute
    stale_marks: int = 0
    stale_bound: float = 0.0
    incremental: Run | None = None

    @property
    def bound(self) -> float:
        return sum(self.bound_each)

    @property
    def runs(self) -> list[tuple[str, Run]]:
        named = [
            ("full recompute", self.full),
            ("the slower full run", self.full_other),
            ("first full run", self.full_first),
        ]
        named.append(("incremental", self.incremental))
        return [(label, run) for label, run in named if run is not None]

    @property
    def peak_mb(self) -> float:
        return max(run["peak_kb"] for _label, run in self.runs) / 1024


def one_month_sql(day: datetime.date) -> str:
    """The incremental bound: participants in all areas in the month of day."""
    first = day.replace(day=1)
    after = (first + datetime.timedelta(days=31)).replace(day=1)
    return (
        "SELECT date_trunc('month', a.date)::date, sum(a.participants_total) "
        f"FROM neighbourhoods_activity a WHERE a.date >= '{first}' AND a.date < '{after}' "
        "GROUP BY 1"
    )


def measure(url: str, activities: int, computed: Sequence[Defined], timeout: float) -> Results:
    from django.db import connection

    from measures.models import StalePeriod

    queries = [bound_sql(d.spec.period, d.definition) for d in computed]
    connection.ensure_connection()
    # The psycopg cursor itself: the bound owes nothing to Django.
    with connection.connection.cursor() as cursor:
        bound_first, _ = run_bound(cursor, queries)
        print(f"  bound {seconds_text(sum(bound_first))}; full recompute …", flush=True)
        full_first = run_worker("full", url, timeout)
        bound_second, expected = run_bound(cursor, queries)
        results = Results(
            bound_each=[min(a, b) for a, b in zip(bound_first, bound_second, strict=True)],
            full_first=full_first,
            full=None,
            wrong=None,
            month_bound=0.0,
        )
        month = one_month_sql(datetime.date(2025, 5, 1))
        if full_first.get("timed_out"):
            results.month_bound = min(run_bound(cursor, [month] * 5)[0])
            return results
        # Twice more, judged on the faster, as each bound query is: a single run on a shared
        # machine is at the mercy of whatever else runs then.
        print("  full recompute again, twice …", flush=True)
        again = [run_worker("full", url, timeout) for _run in range(2)]
        results.full = min(again, key=lambda run: run["seconds"])
        results.full_other = max(again, key=lambda run: run["seconds"])
        results.wrong = compare(computed, expected)

        pk, old, new, results.edit_took = edit_one_activity(activities)
        results.edit = (pk, old, new)
        results.stale_marks = StalePeriod.objects.count()
        month = one_month_sql(results.edit[2])
        month_times = run_bound(cursor, [month] * 5)[0]
        # A second reference: the hand-written queries of every stale metric's stale periods.
        marked = set(StalePeriod.objects.values_list("metric", flat=True))
        stale = [
            bound_sql(d.spec.period, d.definition, sorted({start(old, d), start(new, d)}))
            for d in computed
            if d.metric_id in marked
        ]
        stale_times = run_bound(cursor, stale)[0]
        print("  incremental recompute …", flush=True)
        results.incremental = run_worker("incremental", url, timeout)
        month_times += run_bound(cursor, [month] * 5)[0]
        results.month_bound = min(month_times)
        again = run_bound(cursor, stale)[0]
        results.stale_bound = sum(min(a, b) for a, b in zip(stale_times, again, strict=True))
        # The values after the edit, against the hand-written queries over the edited log.
        results.wrong_after = compare(computed, run_bound(cursor, queries)[1])
    return results


def start(day: datetime.date, defined: Defined) -> datetime.date:
    """The first day of the metric's period that contains day (written here, not taken from
    measures.periods: the reference owes nothing to the app's code)."""
    if defined.spec.period == "year":
        return day.replace(month=1, day=1)
    if defined.spec.period == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(day=1)


def seconds_text(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def describe_run(label: str, run: Run) -> str:
    if run.get("timed_out"):
        return (
            f"  {label}: stopped after {seconds_text(run['seconds'])} (--timeout) without "
            f"finishing; peak {run['peak_kb'] / 1024:.0f} MB so far"
        )
    db, counts = run["db_seconds"], run["db_counts"]
    in_db = sum(db.values())
    statements = ", ".join(
        f"{kind} {counts[kind]}× {seconds_text(db[kind])}"
        for kind in sorted(db, key=db.get, reverse=True)
    )
    return (
        f"  {label}: {seconds_text(run['seconds'])} ({seconds_text(run['wall_seconds'])} with "
        f"the process start), {run['written']:,} values written; SQL {seconds_text(in_db)} "
        f"({statements}); the rest (Python) {seconds_text(run['seconds'] - in_db)}; "
        f"peak {run['peak_kb'] / 1024:.0f} MB (after start-up {run['baseline_kb'] / 1024:.0f} MB)"
    )


def row(label: str, run: Run | None, bound: float, target: float | None, target_text: str) -> str:
    """A line of the table: measured, bound, ratio, target, PASS/FAIL (no target: no verdict)."""
    if run is None:
        measured, ratio, result = "not run", "", "-"
    else:
        over = ">" if run.get("timed_out") else ""
        measured = over + seconds_text(run["seconds"])
        value = run["seconds"] / bound
        ratio = f"{over}{value:.1f}" if value >= 10 else f"{over}{value:.2f}"
        result = "PASS" if target and value <= target and not over else "FAIL"
        if target is None:
            result = ""
    return (
        f"{label:50} {measured:>10} {seconds_text(bound):>10} {ratio:>8} {target_text:>9}  {result}"
    )


def machine() -> tuple[str, str]:
    """The machine in words (PostgreSQL and its settings, CPUs, memory, Python, Django), and
    the size of the database."""
    import django
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('server_version'), current_setting('shared_buffers'), "
            "current_setting('work_mem'), current_setting('max_parallel_workers_per_gather'), "
            "pg_size_pretty(pg_database_size(current_database()))"
        )
        version, shared_buffers, work_mem, parallel, size = cursor.fetchone()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    facts = (
        f"PostgreSQL {version.split()[0]} (shared_buffers {shared_buffers}, work_mem "
        f"{work_mem}, {parallel} parallel workers per gather), {os.cpu_count()} CPUs, "
        f"{memory:.0f} GB RAM, Python {platform.python_version()}, Django {django.get_version()}"
    )
    return facts, size


def report(
    results: Results,
    *,
    started: datetime.datetime,
    defined: Sequence[Defined],
    computed: Sequence[Defined],
    generation: float,
) -> None:
    from measures.models import MetricValue
    from neighbourhoods.models import Activity, Signal

    facts, size = machine()
    r = results
    kinds = [d.spec.kind for d in defined]
    signals = sum(d.spec.aggregation == "signals" for d in computed)

    print()
    print(f"Kalliola metrics benchmark, {started:%Y-%m-%d %H:%M} UTC")
    print(f"machine  {facts}")
    print(
        f"data     {Activity.objects.count():,} activities and {Signal.objects.count():,} signals "
        f"dated 2023-01-01 … 2025-12-31 in 182 areas; database {size}; "
        + (f"generated in {generation:.0f} s" if generation else "reused (--keep)")
    )
    print(
        f"metrics  {len(defined)}: {len(computed) - signals} on activities, {signals} on signals, "
        f"{kinds.count('manual')} manual, {kinds.count('ratio')} ratios"
    )
    print()
    print(f"{'':50} {'measured':>10} {'bound':>10} {'ratio':>8} {'target':>9}  result")
    full = r.full or r.full_first
    label = "full recompute (recompute_all" + (", replacing values)" if r.full else ")")
    print(row(label, full, r.bound, TARGET_FULL_RATIO, "≤ 1.0"))
    if r.full:
        if r.full_other:
            print(row("  (the slower of the two runs)", r.full_other, r.bound, None, "").rstrip())
        print(row("  (first run, into empty snapshots)", r.full_first, r.bound, None, "").rstrip())
    print(
        row(
            "incremental (one activity moved, stale recomputed)",
            r.incremental,
            r.month_bound,
            TARGET_INCREMENTAL_RATIO,
            "≤ 5",
        )
    )
    if r.incremental and r.incremental.get("first_seconds"):
        first = {**r.incremental, "seconds": r.incremental["first_seconds"]}
        print(row("  (the first run in the new process)", first, r.month_bound, None, "").rstrip())
    if r.stale_bound:
        print(
            row(
                "  (against the stale periods' own GROUP BYs)",
                r.incremental,
                r.stale_bound,
                None,
                "",
            ).rstrip()
        )
    peak = r.peak_mb
    print(
        f"{'worker peak memory (VmHWM)':50} {peak:>7.0f} MB {'':>10} {'':>8} {'≤ 250 MB':>9}  "
        + ("PASS" if peak <= TARGET_PEAK_MB else "FAIL")
    )
    print()
    for label, run in r.runs:
        print(describe_run(label, run))
    if r.incremental is not None and r.edit is not None and not r.incremental.get("timed_out"):
        pk, old, new = r.edit
        print(
            f"  incremental: activity {pk} moved {old} → {new}; {r.stale_marks} stale marks; "
            f"{r.incremental['metrics']} metric recomputes in {r.incremental['rounds']} rounds"
        )
    elif r.incremental is None:
        print("  incremental: not run, as the full recompute did not finish")
    slowest = sorted(range(len(computed)), key=r.bound_each.__getitem__, reverse=True)[:3]
    print(
        f"  bound: {len(computed)} GROUP BYs, each the faster of 2 runs; the slowest: "
        + ", ".join(f"{computed[i].spec.name} {seconds_text(r.bound_each[i])}" for i in slowest)
        + "; incremental bound: one month of participants, fastest of 5–10 runs; "
        + "the stale periods' own GROUP BYs: one per stale activity metric over the periods "
        + "the moved activity left and entered (all areas only), each the faster of 2 runs"
    )
    if r.edit_took:
        print(
            f"  the edit itself (its transaction: the save, the stale marks and what the activity "
            f"counted before): {seconds_text(r.edit_took['seconds'])} in "
            f"{r.edit_took['statements']} statements"
        )
    if r.wrong_after is not None:
        print(
            "  after the incremental recompute, "
            + (
                "every metric's all-areas values equal its hand-written query's again"
                if not r.wrong_after
                else f"DIFFERENT from the hand-written queries: {', '.join(r.wrong_after)}"
            )
        )
    if r.wrong is not None:
        print(
            f"  stored values: {MetricValue.objects.count():,}; "
            + (
                "every metric's all-areas values equal its hand-written query's"
                if not r.wrong
                else f"DIFFERENT from the hand-written queries: {', '.join(r.wrong)}"
            )
        )


def main() -> None:
    args = parse_args()
    url = args.database_url
    params = connection_params(url)
    if args.worker:
        setup_django(url)
        worker(args.worker)
        return

    started = datetime.datetime.now(datetime.UTC)
    reuse = args.keep and existing_activities(params) == args.activities
    if not reuse:
        print(f"Recreating the database {params['dbname']} …", flush=True)
        recreate_database(params)
    setup_django(url)
    from django.core.management import call_command

    generation = 0.0
    # Also when reusing: migrations since the database was made may matter to the figures.
    call_command("migrate", verbosity=0, interactive=False)
    if reuse:
        print(f"Reusing {params['dbname']}: it holds {args.activities:,} activities.")
    else:
        call_command("load_strategy", verbosity=0)
        call_command("import_districts", verbosity=0)
        print(f"Generating {args.activities:,} activities …", flush=True)
        start = time.perf_counter()
        rows = generate(args.activities)
        generation = time.perf_counter() - start
        print(
            f"Generated in {generation:.0f} s: " + ", ".join(f"{v:,} {k}" for k, v in rows.items())
        )

    defined = define_metrics()
    computed = [d for d in defined if d.spec.kind == "activity"]
    print(f"Defined {len(defined)} metrics; measuring …", flush=True)
    results = measure(url, args.activities, computed, args.timeout)
    report(results, started=started, defined=defined, computed=computed, generation=generation)


if __name__ == "__main__":
    main()
