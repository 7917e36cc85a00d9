"""What a save asks of the workers: the periods it touches marked stale, and one sweep."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse

from measures.models import Measurement, Metric, MetricValue, Period, StalePeriod
from measures.tasks import sweep_stale
from neighbourhoods.models import Activity
from tests.factories.activity import ActivityFactory
from tests.factories.metric import MetricFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2026, 12, 5, 9, 0, tzinfo=datetime.UTC)):
        yield


@pytest.fixture
def sweeps(monkeypatch) -> list[object]:
    """The sweeps queued (not run)."""
    queued: list[object] = []
    monkeypatch.setattr(sweep_stale, "apply_async", lambda *a, **kw: queued.append((a, kw)))
    return queued


def year(number: int) -> datetime.date:
    return datetime.date(number, 1, 1)


def stored(metric: Metric) -> dict[datetime.date, Decimal | None]:
    rows = MetricValue.objects.filter(version=metric.version, area=None)
    return dict(rows.values_list("period_start", "value"))


def test_a_manual_value_moved_to_another_year_leaves_nothing_in_the_old_one(
    strategy, leadership_user, client_for, django_capture_on_commit_callbacks
):
    metric = MetricFactory.create(kind=Metric.Kind.MANUAL, period=Period.YEAR, definition={})
    client = client_for(leadership_user)
    data = {"period_start": "2026-01-01", "value": "42", "source": "Asukaskysely"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("measures:measurement_create", args=[metric.pk]), data)
    assert stored(metric) == {year(2026): 42}
    measurement = Measurement.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("measures:measurement_update", args=[metric.pk, measurement.pk]),
            data | {"period_start": "2024-01-01"},
        )

    assert response.status_code == 302
    assert stored(metric) == {year(2024): 42}
    assert not StalePeriod.objects.exists()


def test_moving_a_manual_value_marks_its_old_and_new_period(
    strategy, leadership_user, client_for, sweeps
):
    metric = MetricFactory.create(kind=Metric.Kind.MANUAL, period=Period.YEAR, definition={})
    measurement = Measurement.objects.create(
        metric=metric, period_start=year(2026), value=1, source="Kysely", entered_by=leadership_user
    )
    StalePeriod.objects.all().delete()  # as if that save's sweep had run

    client_for(leadership_user).post(
        reverse("measures:measurement_update", args=[metric.pk, measurement.pk]),
        {"period_start": "2024-01-01", "value": "1", "source": "Kysely"},
    )

    marked = set(StalePeriod.objects.values_list("period_start", flat=True))
    assert marked == {year(2024), year(2026)}


def test_saving_an_activity_queues_one_sweep_whatever_the_number_of_metrics(
    staff_user, django_capture_on_commit_callbacks, sweeps
):
    metrics = [MetricFactory.create(definition={"aggregation": "participants"}) for _ in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        activity = ActivityFactory.create(date=datetime.date(2025, 3, 1))
    sweeps.clear()

    with django_capture_on_commit_callbacks(execute=True):
        activity.date = datetime.date(2024, 3, 1)
        activity.save()

    assert len(sweeps) == 1
    marked = set(StalePeriod.objects.values_list("metric", flat=True))
    assert marked == {metric.pk for metric in metrics}


def test_one_transaction_with_many_edits_queues_one_sweep(
    django_capture_on_commit_callbacks, sweeps
):
    MetricFactory.create(definition={"aggregation": "participants"})
    MetricFactory.create(kind=Metric.Kind.MANUAL, period=Period.YEAR, definition={})

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for day in (1, 2, 3):
            ActivityFactory.create(date=datetime.date(2025, 3, day))
        Activity.objects.order_by("pk")[0].delete()

    assert len(sweeps) == 1


def test_a_savepoint_rolled_back_does_not_take_the_sweep_with_it(
    django_capture_on_commit_callbacks, sweeps
):
    MetricFactory.create(definition={"aggregation": "participants"})

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        try:
            with transaction.atomic():
                ActivityFactory.create(date=datetime.date(2025, 3, 1))
                raise RuntimeError("the first try fails")
        except RuntimeError:
            pass
        ActivityFactory.create(date=datetime.date(2025, 3, 2))

    assert len(sweeps) == 1
    assert StalePeriod.objects.exists()
