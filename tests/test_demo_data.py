from __future__ import annotations

import datetime
import sys
from collections import Counter
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command

from goals.models import Strategy
from kalliola.management.commands.create_demo_users import DEMO_USERS
from measures.models import Metric, MetricValue, StalePeriod
from neighbourhoods.models import AGE_BANDS, Activity, Area, Partner, Project, Signal, Unit
from tests.factories import AreaFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 15)
SMALL = ("--activities", "120")


@pytest.fixture(autouse=True)
def frozen_today():
    noon = datetime.datetime(2026, 3, 15, 12, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
    with time_machine.travel(noon, tick=False):
        yield


@pytest.fixture(autouse=True)
def development(settings):
    """The command runs only in development; pytest-django turns DEBUG off in tests."""
    settings.DEBUG = True


@pytest.fixture
def areas() -> dict[str, Area]:
    """Helsinki with a few districts, as import_districts marks them."""
    helsinki = AreaFactory.create(name_fi="Helsinki", code="091", level=Area.Level.MUNICIPALITY)
    kallio = AreaFactory.create(
        name_fi="Kallio",
        level=Area.Level.BASIC_DISTRICT,
        parent=helsinki,
        kalliola_works_here=True,
    )
    mellunkyla = AreaFactory.create(
        name_fi="Mellunkylä", level=Area.Level.BASIC_DISTRICT, parent=helsinki
    )
    kontula = AreaFactory.create(name_fi="Kontula", parent=mellunkyla, kalliola_works_here=True)
    vuosaari = AreaFactory.create(
        name_fi="Vuosaari", level=Area.Level.BASIC_DISTRICT, parent=helsinki
    )
    return {area.name: area for area in (helsinki, kallio, mellunkyla, kontula, vuosaari)}


def run(*args: str) -> str:
    out = StringIO()
    call_command("create_demo_data", *args, stdout=out)
    return out.getvalue()


def fingerprint() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Everything the demo rows say, in the order they were made, without ids or timestamps."""
    activities = [
        (
            a.title,
            a.date,
            a.end_date,
            a.start_time,
            a.end_time,
            a.status,
            a.area.code,
            a.type.name,
            a.unit.name,
            a.project.name if a.project else None,
            *(getattr(a, band) for band in AGE_BANDS),
            a.new_participants,
            a.volunteers,
            a.volunteer_hours,
            a.description,
            a.heard,
            a.created_by.username,
            sorted(goal.number for goal in a.goals.all()),
            sorted((means.goal.number, means.position) for means in a.means.all()),
            sorted(theme.position for theme in a.themes.all()),
            sorted(partner.name for partner in a.partners.all()),
            sorted(user.username for user in a.organisers.all()),
        )
        for a in Activity.objects.filter(is_demo=True)
        .select_related("area", "type", "unit", "project", "created_by")
        .prefetch_related("goals", "means__goal", "themes", "partners", "organisers")
        .order_by("id")
    ]
    signals = [
        (
            s.date,
            s.area.code,
            s.text,
            s.raised_by,
            s.urgency,
            s.unit.name,
            s.created_by.username,
            (s.activity.title, s.activity.date) if s.activity else None,
            sorted(theme.position for theme in s.themes.all()),
        )
        for s in Signal.objects.filter(is_demo=True)
        .select_related("area", "unit", "created_by", "activity")
        .prefetch_related("themes")
        .order_by("id")
    ]
    return activities, signals


def test_create_demo_data__makes_a_plausible_year_in_the_areas_kalliola_works_in(
    strategy: Strategy, areas: dict[str, Area]
):
    output = run()

    activities = Activity.objects.all()
    done = activities.filter(status=Activity.Status.DONE)
    planned = activities.filter(status=Activity.Status.PLANNED)
    assert 1000 <= activities.count() <= 1500
    assert 200 <= Signal.objects.count() <= 500
    assert not activities.filter(is_demo=False).exists()
    assert not Signal.objects.filter(is_demo=False).exists()
    works_here = {areas["Kallio"].pk, areas["Kontula"].pk}
    assert set(activities.values_list("area", flat=True)) == works_here
    assert set(Signal.objects.values_list("area", flat=True)) == works_here
    # Done in the past year, planned in the next weeks.
    year_ago = TODAY.replace(year=TODAY.year - 1)
    assert not done.filter(date__lte=year_ago).exists()
    assert not done.filter(date__gt=TODAY).exists()
    assert planned.exists()
    assert not planned.filter(date__lte=TODAY).exists()
    assert not planned.filter(date__gt=TODAY + datetime.timedelta(days=31)).exists()
    # Spread over the year, quieter in July and on Sundays.
    last_12_months = {(2025 + (m + 3) // 12, (m + 3) % 12 + 1) for m in range(12)}
    assert len(last_12_months) == 12
    per_month = Counter((day.year, day.month) for day in done.values_list("date", flat=True))
    assert len(last_12_months & set(per_month)) >= 11
    assert per_month[(2025, 7)] < per_month[(2025, 9)]
    per_weekday = Counter(day.weekday() for day in done.values_list("date", flat=True))
    assert per_weekday[6] < per_weekday[1]
    # Youth work meets mostly 13–17-year-olds.
    youth = done.filter(unit__name="Nuorisotyö (demo)")
    counts = {band: sum(youth.values_list(band, flat=True)) for band in AGE_BANDS}
    assert max(counts, key=lambda band: counts[band]) == "participants_13_17"
    # The organisation it made is named as demo, with projects from several funders.
    assert Unit.objects.count() >= 4
    assert all(name.endswith("(demo)") for name in Unit.objects.values_list("name", flat=True))
    assert all(name.endswith("(demo)") for name in Partner.objects.values_list("name", flat=True))
    assert len(set(Partner.objects.values_list("sector", flat=True))) >= 5
    assert set(Project.objects.values_list("funder_kind", flat=True)) == {
        Project.FunderKind.STEA,
        Project.FunderKind.CITY,
        Project.FunderKind.ESF,
    }
    assert all(name.endswith("(demo)") for name in Project.objects.values_list("name", flat=True))
    assert f"{activities.count()} activities" in output
    assert f"{Signal.objects.count()} signals" in output


def test_create_demo_data__every_activity_and_signal_is_valid(
    strategy: Strategy, areas: dict[str, Area]
):
    run(*SMALL)

    activities = Activity.objects.prefetch_related("goals", "means", "organisers")
    assert activities.count() > 120
    for activity in activities:
        activity.full_clean()
        goals = set(activity.goals.all())
        assert goals
        assert all(means.goal in goals for means in activity.means.all())
        assert activity.new_participants <= activity.participants_total
        assert all(goal.strategy == strategy for goal in goals)
        assert activity.organisers.exists()
        if activity.status == Activity.Status.DONE:
            assert activity.date <= TODAY
            assert activity.end_date is None or activity.end_date <= TODAY
        else:
            assert activity.date > TODAY
            assert activity.participants_total == 0
        if activity.start_time and activity.end_time:
            assert activity.start_time < activity.end_time
    signals = Signal.objects.select_related("activity")
    assert signals.exists()
    assert signals.filter(activity__isnull=False).exists()
    for signal in signals:
        signal.full_clean()
        assert signal.themes.exists()
        if signal.activity:
            assert (signal.date, signal.area_id) == (signal.activity.date, signal.activity.area_id)
            assert signal.activity.heard == signal.text


def test_create_demo_data__same_seed_gives_the_same_data(
    strategy: Strategy, areas: dict[str, Area]
):
    run(*SMALL)
    first = fingerprint()

    run(*SMALL, "--replace")

    assert fingerprint() == first
    run(*SMALL, "--replace", "--seed", "7")
    assert fingerprint() != first


def test_create_demo_data__second_run_without_replace_adds_nothing(
    strategy: Strategy, areas: dict[str, Area]
):
    run(*SMALL)
    counts = (Activity.objects.count(), Signal.objects.count(), Unit.objects.count())

    output = run(*SMALL)

    assert "already exists" in output
    assert (Activity.objects.count(), Signal.objects.count(), Unit.objects.count()) == counts


def test_create_demo_data__replace_keeps_activities_that_are_not_demo(
    strategy: Strategy, areas: dict[str, Area]
):
    run(*SMALL)
    real = Activity.objects.first()
    assert real is not None
    Activity.objects.filter(pk=real.pk).update(is_demo=False)

    run(*SMALL, "--replace")

    assert Activity.objects.filter(pk=real.pk, is_demo=False).exists()


def test_create_demo_data__writes_no_audit_log_entries(strategy: Strategy, areas: dict[str, Area]):
    before = LogEntry.objects.count()

    run(*SMALL)
    run(*SMALL, "--replace")

    assert LogEntry.objects.count() == before


def test_create_demo_data__organisers_are_demo_users_and_include_the_quick_start_staff(
    strategy: Strategy, areas: dict[str, Area]
):
    call_command("create_demo_users", stdout=StringIO())

    run(*SMALL)

    quick_start = {username for username, *_ in DEMO_USERS}
    organisers = set(Activity.objects.values_list("organisers__username", flat=True))
    assert all(name in quick_start or name.startswith("demo-") for name in organisers)
    assert Activity.objects.filter(created_by__username="tyontekija").exists()
    # Each activity is logged by a member of its unit, as the logging form allows.
    members = {
        unit.pk: set(unit.members.values_list("pk", flat=True)) for unit in Unit.objects.all()
    }
    for unit_id, author_id in Activity.objects.values_list("unit", "created_by"):
        assert author_id in members[unit_id]


def test_create_demo_data__refuses_when_debug_is_off(strategy, areas, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG is off"):
        run(*SMALL)

    assert not Activity.objects.exists()


def test_create_demo_data__asks_for_the_strategy_first(areas: dict[str, Area]):
    with pytest.raises(CommandError, match="load_strategy"):
        run(*SMALL)

    assert not Activity.objects.exists()


def test_create_demo_data__asks_for_the_areas_first(strategy: Strategy):
    AreaFactory.create(name_fi="Vuosaari", level=Area.Level.BASIC_DISTRICT)

    with pytest.raises(CommandError, match="import_districts"):
        run(*SMALL)

    assert not Activity.objects.exists()
    assert not Unit.objects.exists()


def test_create_demo_data__says_it_is_a_development_command_without_factory_boy(
    strategy: Strategy, areas: dict[str, Area], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setitem(sys.modules, "factory", None)

    with pytest.raises(CommandError, match="development command"):
        run(*SMALL)


def test_create_demo_data__defines_demo_metrics_computed_after_the_commit(
    strategy: Strategy, areas: dict[str, Area], django_capture_on_commit_callbacks
):
    call_command("create_demo_users", stdout=StringIO())

    with django_capture_on_commit_callbacks(execute=True):
        run("--activities", "60")

    metrics = Metric.objects.filter(name__endswith="(demo)")
    assert metrics.count() == 6
    assert set(metrics.values_list("kind", flat=True)) == {"activity", "manual", "ratio"}
    assert not StalePeriod.objects.exists()
    participants = metrics.get(name="Osallistujat (demo)")
    stored = MetricValue.objects.filter(version=participants.current_version, area=None)
    total = sum(value or 0 for value in stored.values_list("value", flat=True))
    done = Activity.objects.filter(status=Activity.Status.DONE)
    assert total == sum(done.values_list("participants_total", flat=True))
