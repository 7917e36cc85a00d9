from __future__ import annotations

import datetime
import sys
from collections import Counter
from decimal import Decimal
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from django.db import models

from goals.models import Strategy
from kalliola.management.commands.create_demo_users import DEMO_USERS
from measures.models import Measurement, Metric, MetricValue, StalePeriod
from measures.selectors import targets_of
from measures.status import Status, assess
from neighbourhoods.models import (
    AGE_BANDS,
    Activity,
    Area,
    ClosedPeriod,
    Partner,
    Project,
    Signal,
    Unit,
)
from tests.factories import AreaFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 15)
SMALL = ("--activities", "40")  # done in 2025; the whole history holds about three times as many
# Enough activities that the demo metrics' quarters and months are not mostly chance.
MEDIUM = ("--activities", "300")
STRATEGY_YEARS = (2023, 2024, 2025)


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


def run_with_metrics(*args: str, capture: Any) -> str:
    """Run the command as the quick start does, with the metrics' recompute after the commit."""
    call_command("create_demo_users", stdout=StringIO())
    with capture(execute=True):
        return run(*args)


def values_by_year(metric: Metric) -> dict[int, list[Any]]:
    """The stored values of all areas together of the metric's current version, by year."""
    stored = MetricValue.objects.filter(version=metric.current_version, area=None)
    by_year: dict[int, list[Any]] = {}
    for start, value in stored.order_by("period_start").values_list("period_start", "value"):
        by_year.setdefault(start.year, []).append(value)
    return by_year


def test_create_demo_data__makes_a_plausible_history_in_the_areas_kalliola_works_in(
    strategy: Strategy, areas: dict[str, Area]
):
    output = run("--activities", "600")

    activities = Activity.objects.all()
    done = activities.filter(status=Activity.Status.DONE)
    planned = activities.filter(status=Activity.Status.PLANNED)
    # --activities is what was done in the strategy's last year; the other years in proportion.
    assert done.filter(date__year=2025).count() == 600
    assert 1500 <= activities.count() <= 2000
    assert 300 <= Signal.objects.count() <= 600
    assert not activities.filter(is_demo=False).exists()
    assert not Signal.objects.filter(is_demo=False).exists()
    works_here = {areas["Kallio"].pk, areas["Kontula"].pk}
    assert set(activities.values_list("area", flat=True)) == works_here
    assert set(Signal.objects.values_list("area", flat=True)) == works_here
    # Done since the strategy began, planned in the next weeks.
    assert not done.filter(date__lt=datetime.date(2023, 1, 1)).exists()
    assert not done.filter(date__gt=TODAY).exists()
    assert not Signal.objects.filter(date__lt=datetime.date(2023, 1, 1)).exists()
    assert planned.exists()
    assert not planned.filter(date__lte=TODAY).exists()
    assert not planned.filter(date__gt=TODAY + datetime.timedelta(days=31)).exists()
    # Spread over each year, quieter in July and on Sundays.
    every_month = {(2023 + m // 12, m % 12 + 1) for m in range(3 * 12 + 3)}
    assert (2026, 3) in every_month
    per_month = Counter((day.year, day.month) for day in done.values_list("date", flat=True))
    assert set(per_month) == every_month
    assert all(per_month[(year, 7)] < per_month[(year, 9)] for year in STRATEGY_YEARS)
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
    assert "600 of them in 2025" in output
    assert f"{Signal.objects.count()} signals" in output


def test_create_demo_data__history_starts_in_january_2023_reaches_today_and_grows_each_year(
    strategy: Strategy, areas: dict[str, Area]
):
    run(*MEDIUM)

    done = Activity.objects.filter(status=Activity.Status.DONE)
    days = sorted(done.values_list("date", flat=True))
    assert days[0] <= datetime.date(2023, 1, 31)
    assert days[0] >= datetime.date(2023, 1, 1)
    assert days[-1] >= TODAY - datetime.timedelta(days=7)
    assert days[-1] <= TODAY
    per_year = Counter(day.year for day in days)
    assert per_year[2023] < per_year[2024] < per_year[2025]
    participants = {
        year: sum(done.filter(date__year=year).values_list("participants_total", flat=True))
        for year in STRATEGY_YEARS
    }
    assert participants[2023] < participants[2024] < participants[2025]
    outreach = Counter(
        done.filter(type__name_fi="Jalkautuva työ").values_list("date__year", flat=True)
    )
    assert outreach[2023] < outreach[2024] < outreach[2025]
    # Signals are heard in every year too.
    signals = Counter(Signal.objects.values_list("date__year", flat=True))
    assert all(signals[year] for year in STRATEGY_YEARS)


def test_create_demo_data__projects_are_funded_over_the_strategys_years(
    strategy: Strategy, areas: dict[str, Area]
):
    run(*SMALL)

    projects = Project.objects.order_by("starts_on")
    assert projects[0].starts_on == datetime.date(2023, 1, 1)
    assert all(project.starts_on.year <= 2025 for project in projects)
    assert any(project.ends_on is None or project.ends_on > TODAY for project in projects)
    for project in projects:
        funded = Activity.objects.filter(project=project)
        assert funded.exists()
        assert not funded.filter(date__lt=project.starts_on).exists()
        if project.ends_on is not None:
            assert not funded.filter(date__gt=project.ends_on).exists()


def test_create_demo_data__every_activity_and_signal_is_valid(
    strategy: Strategy, areas: dict[str, Area]
):
    run(*SMALL)

    activities = Activity.objects.prefetch_related("goals", "means", "organisers")
    assert activities.count() > 2 * 40  # years of them
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


def test_create_demo_data__replace_makes_the_data_anew_and_keeps_one_set_of_demo_metrics(
    strategy: Strategy, areas: dict[str, Area], django_capture_on_commit_callbacks
):
    run_with_metrics(*SMALL, capture=django_capture_on_commit_callbacks)
    first_ids = set(Activity.objects.values_list("pk", flat=True))
    counts = (Activity.objects.count(), Signal.objects.count())
    metrics = set(Metric.objects.filter(name__endswith="(demo)").values_list("pk", flat=True))
    participants = Metric.objects.get(name="Osallistujat (demo)")
    small_target = targets_of(participants)[2025]

    with django_capture_on_commit_callbacks(execute=True):
        run(*MEDIUM, "--replace")

    assert not first_ids & set(Activity.objects.values_list("pk", flat=True))
    assert Activity.objects.count() > counts[0]
    assert Signal.objects.count() > counts[1]
    assert set(Metric.objects.filter(name__endswith="(demo)").values_list("pk", flat=True)) == (
        metrics
    )
    assert Measurement.objects.filter(metric__name__endswith="(demo)").count() == 3
    # The values are recomputed from the new rows alone.
    stored = MetricValue.objects.filter(version=participants.current_version, area=None)
    done = Activity.objects.filter(status=Activity.Status.DONE)
    assert sum(value or 0 for value in stored.values_list("value", flat=True)) == sum(
        done.values_list("participants_total", flat=True)
    )
    # The targets of counts follow the demo's size: 300 activities a year instead of 40.
    assert targets_of(participants)[2025] == pytest.approx(
        small_target * 300 / 40, rel=Decimal("0.01")
    )


def test_create_demo_data__replace_keeps_activities_and_signals_that_are_not_demo(
    strategy: Strategy, areas: dict[str, Area]
):
    run(*SMALL)
    real = Activity.objects.first()
    assert real is not None
    Activity.objects.filter(pk=real.pk).update(is_demo=False)
    heard = Signal.objects.filter(activity__isnull=False).exclude(activity=real).first()
    assert heard is not None
    Signal.objects.filter(pk=heard.pk).update(is_demo=False)

    run(*SMALL, "--replace")

    assert Activity.objects.filter(pk=real.pk, is_demo=False).exists()
    assert real.goals.exists()
    # A real signal outlives the demo activity it was heard at, as a model delete leaves it.
    kept = Signal.objects.get(pk=heard.pk)
    assert kept.activity is None
    assert kept.themes.exists()


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


def test_create_demo_data__every_demo_metric_has_values_in_each_of_the_strategys_years(
    strategy: Strategy, areas: dict[str, Area], django_capture_on_commit_callbacks
):
    run_with_metrics(*MEDIUM, capture=django_capture_on_commit_callbacks)

    metrics = Metric.objects.filter(name__endswith="(demo)").select_related("current_version")
    assert metrics.count() == 6
    for metric in metrics:
        by_year = values_by_year(metric)
        for year in STRATEGY_YEARS:
            values = by_year.get(year)
            assert values, (metric.name, year)
            assert all(value is not None for value in values), (metric.name, year)
            assert sum(values) > 0, (metric.name, year)


def test_create_demo_data__demo_metrics_are_on_track_at_risk_and_off_track_in_2025(
    strategy: Strategy, areas: dict[str, Area], django_capture_on_commit_callbacks
):
    run_with_metrics(*MEDIUM, capture=django_capture_on_commit_callbacks)

    statuses: dict[str, Status] = {}
    for metric in Metric.objects.filter(name__endswith="(demo)").select_related("current_version"):
        stored = MetricValue.objects.filter(
            version=metric.current_version, area=None, period_start__year__lte=2025
        ).order_by("period_start")
        values = list(stored.values_list("period_start", "value"))
        targets = targets_of(metric)
        if targets:
            assert set(targets) == set(STRATEGY_YEARS), metric.name
            assert metric.baseline_period == datetime.date(2022, 1, 1), metric.name
        # Judged as at the end of the strategy: its last year against that year's target.
        assessment = assess(metric, values, targets, datetime.date(2026, 1, 1))
        statuses[metric.name] = assessment.status
        if targets:
            assert assessment.period_start is not None
            assert assessment.period_start.year == 2025, metric.name
    assert Status.ON_TRACK in statuses.values()
    assert Status.AT_RISK in statuses.values()
    assert Status.OFF_TRACK in statuses.values()
    assert statuses["Tunnettuus asukaskyselyssä (demo)"] == Status.AT_RISK


def test_create_demo_data__the_survey_metric_belongs_to_goal_1_with_a_result_for_each_year(
    strategy: Strategy, areas: dict[str, Area], django_capture_on_commit_callbacks
):
    run_with_metrics(*SMALL, capture=django_capture_on_commit_callbacks)

    survey = Metric.objects.get(name="Tunnettuus asukaskyselyssä (demo)")
    assert survey.goal.number == 1
    assert survey.goal.strategy == strategy
    measured = Measurement.objects.filter(metric=survey).order_by("period_start")
    assert [m.period_start for m in measured] == [datetime.date(y, 1, 1) for y in STRATEGY_YEARS]
    assert [value for value in values_by_year(survey).values()] == [[m.value] for m in measured]


def test_create_demo_data__follows_the_means_and_assesses_the_outcomes(
    strategy: Strategy, areas: dict[str, Area], settings
):
    from django.utils import timezone

    from evaluation.models import OutcomeAssessment
    from evaluation.selectors import evaluation_of
    from goals.models import Means, MeansNote, Outcome
    from goals.selectors import means_states

    call_command("create_demo_users", stdout=StringIO())

    run(*SMALL)

    means = Means.objects.filter(goal__strategy=strategy)
    assert not means.filter(owner=None).exists()
    assert means.filter(owner__username="tyontekija").exists()
    assert set(means.values_list("status", flat=True)) == set(Means.Status.values)
    # Notes in every year of the strategy, written by the means' owners.
    years = {note.written_at.year for note in MeansNote.objects.all()}
    assert set(range(strategy.start_year, strategy.end_year + 1)) <= years
    assert not MeansNote.objects.exclude(author=models.F("means__owner")).exists()
    # One means in progress has gone silent, the other has a recent note.
    states = {state.means.number: state for state in means_states(means)}
    assert states["3.2"].silent
    assert not states["2.3"].silent
    # Every outcome assessed each December; two have no final assessment yet.
    assert OutcomeAssessment.objects.count() == 3 * Outcome.objects.count()
    evaluation = evaluation_of(strategy=strategy, today=timezone.localdate())
    assert [outcome.number for outcome in evaluation.missing_outcomes] == ["2.2", "4.3"]
    assert sorted(means.number for means in evaluation.open_means) == ["2.3", "3.2"]


def test_create_demo_data__closes_2025_once_its_report_has_been_sent(
    strategy: Strategy, areas: dict[str, Area]
):
    call_command("create_demo_users", stdout=StringIO())
    run(*SMALL)
    assert not ClosedPeriod.objects.exists()  # 15 March 2026: the report is not sent yet

    with time_machine.travel(datetime.datetime(2026, 12, 6, 12, 0, tzinfo=ZoneInfo("UTC"))):
        run(*SMALL, "--replace")
        run(*SMALL, "--replace")

    period = ClosedPeriod.objects.get()
    assert period.label == "2025"
    assert period.closed_by.username == "yllapito"
    assert period.created_at.date() == datetime.date(2026, 3, 16)
