"""How long the activity exports take, and how much memory, at 10,000 and 100,000 activities.

    DEBUG=true uv run --frozen python bench/export_activities.py [--sizes 10000 100000]

The activities are made with bulk_create (with goals, means, themes, partners and organisers
linked), then each export is requested through its view with Django's test client, as a
leadership user, and its whole response read. Each export runs twice: once timed, once under
tracemalloc for the peak of the memory Python allocated while it ran (tracemalloc slows
Python down, so the two are not measured together).

The figures go to a throwaway database that Django's test machinery creates and drops: an
in-memory SQLite database by default, or, when DATABASE_URL names PostgreSQL, a separate
database called `test_bench_export_activities`. The configured database is never touched.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from decimal import Decimal
from itertools import cycle, islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kalliola.settings")

import django

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from goals.services import DEFAULT_STRATEGY_FILE, strategy_load_file  # noqa: E402
from kalliola.roles import LEADERSHIP  # noqa: E402
from neighbourhoods.models import (  # noqa: E402
    Activity,
    ActivityType,
    Area,
    Partner,
    Project,
    Unit,
)

BATCH = 5_000
BENCH_DATABASE = "test_bench_export_activities"
FORMATS = {
    "csv": "neighbourhoods:activities_export_csv",
    "xlsx": "neighbourhoods:activities_export_xlsx",
}
TITLES = [
    "Iltajalkautuminen Kontulan ostarilla",
    "Perhekahvila Mellunmäessä",
    "Nuorten pelilta – ääniä ja väriä",
    "=Kotitehtäväkerho",  # a title a spreadsheet would take for a formula
    "Senioreiden digiapu",
]
DESCRIPTION = (
    "Kävimme ostarilla ja juttelimme nuorten ja heidän vanhempiensa kanssa siitä, mitä "
    "alueella kaivataan. Moni toivoi iltaisin avointa tilaa, jossa voi olla ilman rahaa."
)
HEARD = "Nuoret kaipaavat iltaisin paikkaa, jossa olla; vanhemmat huolissaan kiusaamisesta."


class Setting:
    """The things every activity refers to, made once."""

    def __init__(self) -> None:
        strategy, _ = strategy_load_file(path=DEFAULT_STRATEGY_FILE)
        self.goals = list(strategy.goals.order_by("number"))
        self.means = {goal.pk: list(goal.means_set.all()) for goal in self.goals}
        self.themes = list(strategy.inequalitythemes.all())
        helsinki = Area.objects.create(
            level=Area.Level.MUNICIPALITY, code="bench-091", name="Helsinki", name_fi="Helsinki"
        )
        district = Area.objects.create(
            level=Area.Level.BASIC_DISTRICT,
            code="bench-47",
            name="Mellunkylä",
            name_fi="Mellunkylä",
            parent=helsinki,
        )
        self.areas = [district] + [
            Area.objects.create(
                level=Area.Level.SUB_DISTRICT,
                code=f"bench-47{n}",
                name=name,
                name_fi=name,
                parent=district,
            )
            for n, name in enumerate(["Kontula", "Vesala", "Mellunmäki", "Kivikko"])
        ]
        self.types = [
            ActivityType.objects.get_or_create(name_fi=name, defaults={"name": name})[0]
            for name in ["Jalkautuva työ", "Yhteisötapahtuma", "Ryhmä"]
        ]
        self.units = [
            Unit.objects.get_or_create(
                name_fi=name, defaults={"name": name, "kind": Unit.Kind.RESIDENTS_HOUSE}
            )[0]
            for name in ["Kontulan asukastalo", "Mellunmäen asukastalo", "Nuorisotyö"]
        ]
        self.partners = [
            Partner.objects.create(name=f"Kumppani {n}", sector=Partner.Sector.THIRD_SECTOR)
            for n in range(5)
        ]
        self.projects: list[Project | None] = [
            None,
            Project.objects.create(
                name="Naapurustohanke",
                funder_kind=Project.FunderKind.STEA,
                funder="STEA",
                starts_on=datetime.date(2023, 1, 1),
            ),
        ]
        self.staff = [
            User.objects.create_user(
                f"bench-staff-{n}", first_name="Aino", last_name=f"Työntekijä {n}"
            )
            for n in range(5)
        ]
        self.leader = User.objects.create_user("bench-leader")
        self.leader.groups.add(Group.objects.get(name=LEADERSHIP))


def activities(setting: Setting, start: int, count: int) -> Iterator[Activity]:
    first_day = datetime.date(2023, 1, 1)
    for n in range(start, start + count):
        yield Activity(
            title=TITLES[n % len(TITLES)],
            date=first_day + datetime.timedelta(days=n % 1000),
            status=Activity.Status.DONE,
            area=setting.areas[n % len(setting.areas)],
            type=setting.types[n % len(setting.types)],
            unit=setting.units[n % len(setting.units)],
            project=setting.projects[n % len(setting.projects)],
            created_by=setting.staff[n % len(setting.staff)],
            participants_13_17=n % 20,
            participants_18_29=3,
            new_participants=1,
            volunteers=n % 3,
            volunteer_hours=Decimal("1.5"),
            description=f"{DESCRIPTION} ({n})",
            heard=HEARD,
        )


def add_activities(setting: Setting, start: int, count: int) -> None:
    """Add `count` activities with their links, a batch at a time."""
    made = activities(setting, start, count)
    goals = cycle(setting.goals)
    while batch := list(islice(made, BATCH)):
        Activity.objects.bulk_create(batch)
        links: dict[type, list] = {
            Activity.goals.through: [],
            Activity.means.through: [],
            Activity.themes.through: [],
            Activity.partners.through: [],
            Activity.organisers.through: [],
        }
        for activity in batch:
            goal, other = next(goals), next(goals)
            links[Activity.goals.through] += [
                Activity.goals.through(activity_id=activity.pk, goal_id=goal.pk),
                Activity.goals.through(activity_id=activity.pk, goal_id=other.pk),
            ]
            means = setting.means[goal.pk][activity.pk % len(setting.means[goal.pk])]
            links[Activity.means.through].append(
                Activity.means.through(activity_id=activity.pk, means_id=means.pk)
            )
            theme = setting.themes[activity.pk % len(setting.themes)]
            links[Activity.themes.through].append(
                Activity.themes.through(activity_id=activity.pk, inequalitytheme_id=theme.pk)
            )
            partner = setting.partners[activity.pk % len(setting.partners)]
            links[Activity.partners.through].append(
                Activity.partners.through(activity_id=activity.pk, partner_id=partner.pk)
            )
            links[Activity.organisers.through].append(
                Activity.organisers.through(activity_id=activity.pk, user_id=activity.created_by_id)
            )
        for model, rows in links.items():
            model.objects.bulk_create(rows)


def export(client: Client, url: str) -> tuple[int, int]:
    """Request an export and read all of it; the number of bytes and of lines in it."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    size = lines = 0
    for piece in response.streaming_content:  # type: ignore[attr-defined]
        size += len(piece)
        lines += piece.count(b"\n")
    response.close()
    return size, lines


def measure(run: Callable[[], tuple[int, int]]) -> tuple[float, int, tuple[int, int]]:
    """Seconds (untraced) and peak traced memory in bytes (traced) of the same run."""
    started = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    sizes = sorted(parser.parse_args().sizes)

    setup_test_environment(debug=False)
    if connection.vendor != "sqlite":
        connection.settings_dict["TEST"]["NAME"] = BENCH_DATABASE
    configured = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        run(sizes)
    finally:
        connection.creation.destroy_test_db(configured, verbosity=0)
        teardown_test_environment()


def run(sizes: list[int]) -> None:
    print(f"database: {connection.vendor}, {connection.settings_dict['NAME']}")
    setting = Setting()
    client = Client()
    client.force_login(setting.leader)
    peaks: dict[tuple[str, int], int] = {}
    made = 0
    print(f"{'format':<6} {'rows':>8} {'seconds':>8} {'MB out':>8} {'peak MB':>8}")
    for size in sizes:
        add_activities(setting, made, size - made)
        made = size
        rows = Activity.objects.count()
        for extension, name in FORMATS.items():
            seconds, peak, (length, lines) = measure(
                lambda name=name: export(client, reverse(name))
            )
            if extension == "csv":
                assert lines == rows + 1, (lines, rows)
            peaks[(extension, size)] = peak
            print(
                f"{extension:<6} {rows:>8} {seconds:>8.2f} {length / 1e6:>8.2f} {peak / 1e6:>8.2f}"
            )
    small, large = sizes[0], sizes[-1]
    if small != large:
        for extension in FORMATS:
            ratio = peaks[(extension, large)] / peaks[(extension, small)]
            print(
                f"{extension}: peak memory {large:,} / {small:,} rows = {ratio:.2f}"
                f" (rows x{large / small:.0f})"
            )


if __name__ == "__main__":
    main()
