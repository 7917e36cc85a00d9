"""Stored values: computed over all history, replaced period by period, versioned."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine

from measures import services
from measures.models import Metric, MetricValue, Period, StalePeriod
from neighbourhoods.models import Activity, Area
from tests.factories import InequalityThemeFactory
from tests.factories.activity import ActivityFactory
from tests.factories.area import AreaFactory
from tests.factories.metric import MeasurementFactory, MetricFactory
from tests.factories.signal import SignalFactory
from tests.factories.user import UserFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 6, 15)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2025, 6, 15, 9, 0, tzinfo=datetime.UTC)):
        yield


def stored(metric: Metric, area=None) -> dict[datetime.date, Decimal | None]:
    rows = MetricValue.objects.filter(version=metric.version, area=area)
    return dict(rows.values_list("period_start", "value"))


def month(number: int, year: int = 2025) -> datetime.date:
    return datetime.date(year, number, 1)


def test_a_metric_defined_after_the_log_gets_its_whole_history(strategy):
    for day in (datetime.date(2023, 2, 3), datetime.date(2024, 7, 1), datetime.date(2025, 6, 1)):
        ActivityFactory.create(date=day)
    metric = MetricFactory.create(period=Period.QUARTER)

    services.recompute_metric(metric.pk)

    values = stored(metric)
    # The strategy starts in 2023: every quarter from then to today has a value.
    assert len(values) == 10
    assert values[datetime.date(2023, 1, 1)] == 1
    assert values[datetime.date(2023, 4, 1)] == 0
    assert values[datetime.date(2024, 7, 1)] == 1
    assert values[datetime.date(2025, 4, 1)] == 1
    metric.refresh_from_db()
    assert metric.computed_at is not None


def test_saving_an_activity_marks_its_periods_stale(django_capture_on_commit_callbacks):
    metric = MetricFactory.create()
    services.recompute_metric(metric.pk)
    activity = ActivityFactory.create(date=datetime.date(2025, 3, 4))

    assert list(StalePeriod.objects.values_list("metric", "period_start")) == [
        (metric.pk, datetime.date(2025, 3, 4))
    ]
    activity.date = datetime.date(2025, 5, 6)
    activity.save()
    days = set(StalePeriod.objects.values_list("period_start", flat=True))
    assert days == {datetime.date(2025, 3, 4), datetime.date(2025, 5, 6)}


def test_the_recompute_after_an_edit_replaces_only_the_affected_periods():
    activity = ActivityFactory.create(date=datetime.date(2025, 3, 4))
    ActivityFactory.create(date=datetime.date(2025, 1, 10))
    metric = MetricFactory.create()
    services.recompute_metric(metric.pk)
    before = {
        row.period_start: row.pk
        for row in MetricValue.objects.filter(version=metric.version, area=None)
    }

    activity.date = datetime.date(2025, 4, 4)
    activity.save()
    services.recompute_metric(metric.pk)

    after = {
        row.period_start: row.pk
        for row in MetricValue.objects.filter(version=metric.version, area=None)
    }
    assert stored(metric)[month(3)] == 0
    assert stored(metric)[month(4)] == 1
    assert stored(metric)[month(1)] == 1
    changed = {start for start in after if after[start] != before.get(start)}
    assert changed == {month(3), month(4)}
    assert not StalePeriod.objects.exists()


def test_deleting_an_activity_lowers_its_period():
    activity = ActivityFactory.create(date=datetime.date(2025, 3, 4))
    metric = MetricFactory.create()
    services.recompute_metric(metric.pk)

    activity.delete()
    services.recompute_metric(metric.pk)

    assert stored(metric)[month(3)] == 0


def test_recompute_twice_gives_the_same_values():
    ActivityFactory.create_batch(3, date=datetime.date(2025, 2, 2))
    metric = MetricFactory.create(definition={"aggregation": "participants"})

    services.recompute_metric(metric.pk)
    first = stored(metric)
    services.recompute_metric(metric.pk)

    assert stored(metric) == first
    assert MetricValue.objects.filter(version=metric.version, area=None).count() == len(first)


def test_changing_the_definition_makes_a_new_version_and_keeps_the_old_values(strategy):
    ActivityFactory.create(date=datetime.date(2025, 2, 2))  # 10 participants by default
    user = UserFactory.create()
    goal = strategy.goals.get(number=2)
    data = {"kind": Metric.Kind.ACTIVITY, "name": "Osallistujat", "unit": "hlö", "goal": goal}
    metric, created = services.metric_save(
        user=user, metric=None, data=data, period=Period.MONTH,
        definition={"aggregation": "activities"}, targets={},
    )  # fmt: skip
    services.recompute_metric(metric.pk)
    first = metric.version

    metric, changed = services.metric_save(
        user=user, metric=metric, data=data, period=Period.MONTH,
        definition={"aggregation": "participants"}, targets={2025: Decimal(100)},
    )  # fmt: skip
    services.recompute_metric(metric.pk)

    assert created
    assert changed
    assert metric.version.number == 2
    assert stored(metric)[month(2)] == 10
    old = dict(
        MetricValue.objects.filter(version=first, area=None).values_list("period_start", "value")
    )
    assert old[month(2)] == 1
    assert metric.targets.get().value == 100


def test_saving_the_same_definition_makes_no_new_version(strategy):
    user = UserFactory.create()
    data = {
        "kind": Metric.Kind.ACTIVITY,
        "name": "A",
        "unit": "kpl",
        "goal": strategy.goals.first(),
    }
    definition = {"aggregation": "activities"}
    metric, _ = services.metric_save(
        user=user, metric=None, data=data, period="month", definition=definition, targets={}
    )

    metric, changed = services.metric_save(
        user=user, metric=metric, data=data | {"name": "B"}, period="month",
        definition=definition, targets={},
    )  # fmt: skip

    assert not changed
    assert metric.versions.count() == 1
    assert metric.name == "B"


def test_manual_metric_stores_the_measurements():
    measurement = MeasurementFactory.create(period_start=month(1), value=Decimal("7.5"))
    MeasurementFactory.create(metric=measurement.metric, period_start=month(3), value=3)

    services.recompute_metric(measurement.metric_id)

    assert stored(measurement.metric) == {month(1): Decimal("7.5"), month(3): 3}


def test_a_new_measurement_is_stored_after_its_recompute():
    metric = MetricFactory.create(kind=Metric.Kind.MANUAL, definition={})
    services.recompute_metric(metric.pk)

    MeasurementFactory.create(metric=metric, period_start=month(2), value=4)
    services.recompute_metric(metric.pk)

    assert stored(metric) == {month(2): 4}


def test_ratio_divides_period_by_period_and_zero_is_no_data():
    ActivityFactory.create(date=datetime.date(2025, 1, 5), participants_13_17=8, new_participants=2)
    new = MetricFactory.create(definition={"aggregation": "new_participants"})
    everyone = MetricFactory.create(definition={"aggregation": "participants"})
    ratio = MetricFactory.create(
        kind=Metric.Kind.RATIO,
        definition={"numerator": new.pk, "denominator": everyone.pk, "percent": True},
    )

    for metric in (new, everyone, ratio):
        services.recompute_metric(metric.pk)

    values = stored(ratio)
    assert values[month(1)] == 20  # 2 of 10, as percent
    assert values[month(2)] is None  # nobody took part: no data, not 0
    assert set(values) == {month(m) for m in range(1, 7)}


def test_a_changed_part_marks_its_ratio_stale():
    new = MetricFactory.create(definition={"aggregation": "new_participants"})
    everyone = MetricFactory.create(definition={"aggregation": "participants"})
    ratio = MetricFactory.create(
        kind=Metric.Kind.RATIO, definition={"numerator": new.pk, "denominator": everyone.pk}
    )
    for metric in (new, everyone, ratio):
        services.recompute_metric(metric.pk)
    ActivityFactory.create(date=datetime.date(2025, 2, 5), participants_13_17=4, new_participants=1)
    StalePeriod.objects.filter(metric=ratio).delete()

    services.recompute_metric(new.pk)
    services.recompute_metric(everyone.pk)

    assert StalePeriod.objects.filter(metric=ratio).exists()
    services.recompute_metric(ratio.pk)
    assert stored(ratio)[month(2)] == Decimal("0.1667")  # 1 of 4 + 2 (the factory default)


def test_recompute_all_matches_each_metric_recomputed_alone():
    ActivityFactory.create(date=datetime.date(2025, 1, 5), status=Activity.Status.PLANNED)
    ActivityFactory.create(date=datetime.date(2025, 4, 5))
    metrics = [
        MetricFactory.create(definition={"aggregation": "activities", "status": "done"}),
        MetricFactory.create(period=Period.QUARTER, definition={"aggregation": "participants"}),
        MetricFactory.create(period=Period.YEAR, definition={"aggregation": "areas"}),
    ]

    services.recompute_all()
    together = [stored(metric) for metric in metrics]
    for metric in metrics:
        services.recompute_metric(metric.pk)

    assert [stored(metric) for metric in metrics] == together
    assert not StalePeriod.objects.exists()


def test_deleting_a_manual_metric_with_values_deletes_it_all():
    measurement = MeasurementFactory.create()
    metric = measurement.metric
    services.recompute_metric(metric.pk)

    services.metric_delete(metric=metric)

    assert not Metric.objects.exists()
    assert not StalePeriod.objects.exists()
    assert not MetricValue.objects.exists()


def test_the_sweep_recomputes_stale_periods_of_many_metrics_together_as_each_alone_would():
    ActivityFactory.create(date=datetime.date(2025, 1, 10))
    ActivityFactory.create(date=datetime.date(2025, 4, 10), status=Activity.Status.PLANNED)
    metrics = [
        MetricFactory.create(definition={"aggregation": "activities", "status": "done"}),
        MetricFactory.create(period=Period.QUARTER, definition={"aggregation": "participants"}),
        MetricFactory.create(period=Period.YEAR, definition={"aggregation": "areas"}),
    ]
    new = MetricFactory.create(definition={"aggregation": "new_participants"})
    ratio = MetricFactory.create(
        kind=Metric.Kind.RATIO, definition={"numerator": new.pk, "denominator": metrics[0].pk}
    )
    services.recompute_all()
    moved = ActivityFactory.create(date=datetime.date(2025, 2, 3))
    moved.date = datetime.date(2025, 5, 3)
    moved.save()

    services.recompute_stale()
    services.recompute_stale()  # the ratios marked by the first round

    swept = [stored(metric) for metric in [*metrics, new, ratio]]
    assert not StalePeriod.objects.exists()
    services.recompute_all()
    assert [stored(metric) for metric in [*metrics, new, ratio]] == swept


def test_a_recompute_queued_twice_does_nothing_the_second_time():
    ActivityFactory.create(date=datetime.date(2025, 2, 2))
    metric = MetricFactory.create()
    services.recompute_metric(metric.pk)
    ActivityFactory.create(date=datetime.date(2025, 3, 3))
    services.recompute_metric(metric.pk)
    ids = set(MetricValue.objects.filter(version=metric.version).values_list("pk", flat=True))

    written = services.recompute_metric(metric.pk)

    assert written == 0
    assert (
        set(MetricValue.objects.filter(version=metric.version).values_list("pk", flat=True)) == ids
    )


def test_a_recompute_of_an_unchanged_log_writes_nothing_and_keeps_every_row():
    ActivityFactory.create(date=datetime.date(2025, 2, 5), participants_13_17=1)  # 3 in all
    ActivityFactory.create(date=datetime.date(2025, 4, 5))
    activities = MetricFactory.create(definition={"aggregation": "activities"})
    everyone = MetricFactory.create(definition={"aggregation": "participants"})
    thirds = MetricFactory.create(  # 1/3, 1/12 …: stored rounded, and equal to that next time
        kind=Metric.Kind.RATIO,
        definition={"numerator": activities.pk, "denominator": everyone.pk},
    )
    services.recompute_all()
    rows = set(MetricValue.objects.values_list("pk", "version", "period_start", "area", "value"))
    assert stored(thirds)[month(2)] == Decimal("0.3333")

    assert services.recompute_all() == 0

    after = set(MetricValue.objects.values_list("pk", "version", "period_start", "area", "value"))
    assert after == rows


def rows_by_key() -> dict[tuple[datetime.date, int | None], int]:
    rows = MetricValue.objects.values_list("period_start", "area", "pk")
    return {(start, area): pk for start, area, pk in rows}


def test_a_recompute_replaces_only_the_values_that_changed():
    north, south = AreaFactory.create_batch(2, level=Area.Level.BASIC_DISTRICT)
    ActivityFactory.create(date=datetime.date(2025, 2, 5), area=north)
    moved = ActivityFactory.create(date=datetime.date(2025, 4, 5), area=south)
    metric = MetricFactory.create(period=Period.QUARTER)
    services.recompute_all()
    before = rows_by_key()

    # Moved behind the app's back (no stale mark): the nightly recompute still finds it.
    Activity.objects.filter(pk=moved.pk).update(date=datetime.date(2025, 2, 6))
    written = services.recompute_all()

    after = rows_by_key()
    q1, q2 = month(1), month(4)
    assert stored(metric) == {q1: 2, q2: 0}
    assert stored(metric, area=south) == {q1: 1}
    assert after[q1, north.pk] == before[q1, north.pk]  # unchanged: the same row
    assert after[q1, None] != before[q1, None]
    assert after[q2, None] != before[q2, None]
    assert (q2, south.pk) not in after
    assert written == 4  # two replaced, one new, one deleted


def test_an_activity_marks_only_the_metrics_of_activities_and_a_signal_only_those_of_signals():
    on_activities = MetricFactory.create(definition={"aggregation": "participants"})
    on_signals = MetricFactory.create(definition={"aggregation": "signals"})
    for metric in (on_activities, on_signals):
        services.recompute_metric(metric.pk)

    ActivityFactory.create(date=datetime.date(2025, 3, 4))
    assert set(StalePeriod.objects.values_list("metric", flat=True)) == {on_activities.pk}

    StalePeriod.objects.all().delete()
    SignalFactory.create(date=datetime.date(2025, 3, 5))
    assert set(StalePeriod.objects.values_list("metric", flat=True)) == {on_signals.pk}


def test_changing_an_activitys_organisers_marks_nothing():
    activity = ActivityFactory.create(date=datetime.date(2025, 3, 4))
    metric = MetricFactory.create()
    services.recompute_metric(metric.pk)

    activity.organisers.set([UserFactory.create()])

    assert not StalePeriod.objects.exists()
    activity.themes.set([InequalityThemeFactory.create()])
    assert StalePeriod.objects.filter(metric=metric).exists()
