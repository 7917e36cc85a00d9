"""Metrics recomputed by a real Celery worker process, through Redis, on PostgreSQL.

The worker runs on the real clock, so these tests place activities in the real past.

The project's own Celery app (eager in the other tests) sends to Redis here, as the web
process does in production; a worker process on a queue of its own does the recomputing.
"""

from __future__ import annotations

import datetime
import logging
import os
import signal
import socket
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal

import psycopg
import pytest
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse

from measures import services
from measures.models import Metric, MetricValue, Period, StalePeriod
from measures.periods import period_end
from measures.tasks import recompute_all, sweep_stale
from neighbourhoods import services as log_services
from neighbourhoods.models import Activity
from tests.factories.activity import ActivityFactory, ActivityTypeFactory
from tests.factories.area import AreaFactory
from tests.factories.metric import MetricFactory
from tests.factories.unit import UnitFactory
from tests.factories.user import UserFactory
from tests.integration.worker import (
    REDIS_URL,
    database_url_of_test_database,
    pool_children,
    project_app_sending_to,
    running_worker,
    skip_unless_worker_can_run,
    wait_until,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

UNREACHABLE_BROKER = "redis://127.0.0.1:9/0"  # the discard port: nothing listens there
TIMEOUT = 60


@pytest.fixture(autouse=True)
def worker_can_run() -> None:
    skip_unless_worker_can_run()


@pytest.fixture
def queue() -> str:
    return f"metrics-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def worker(queue: str) -> Iterator[None]:
    with running_worker(queue), project_app_sending_to(REDIS_URL, queue):
        yield


def computed(metric: Metric) -> bool:
    metric.refresh_from_db()
    return metric.computed_at is not None and not StalePeriod.objects.filter(metric=metric).exists()


def values(metric: Metric) -> dict[datetime.date, Decimal | None]:
    rows = MetricValue.objects.filter(version=metric.current_version_id, area=None)
    return dict(rows.values_list("period_start", "value"))


def month(number: int, year: int = 2025) -> datetime.date:
    return datetime.date(year, number, 1)


def test_a_metric_defined_after_the_log_gets_its_full_history_from_the_worker(worker, strategy):
    days = [datetime.date(2023, 3, 5), datetime.date(2023, 3, 20), datetime.date(2024, 11, 1)]
    for day in days:
        ActivityFactory.create(date=day)
    user = UserFactory.create()

    with transaction.atomic():
        metric, _ = services.metric_save(
            user=user,
            metric=None,
            data={
                "kind": "activity",
                "name": "Toiminnat",
                "unit": "kpl",
                "goal": strategy.goals.first(),
            },
            period=Period.QUARTER,
            definition={"aggregation": "activities"},
            targets={},
        )

    wait_until(lambda: computed(metric), "the worker computed the new metric")
    got = values(metric)
    # Every quarter from the strategy's start (2023) to today, counted independently here.
    today = datetime.date.today()
    quarters = [
        datetime.date(year, month, 1)
        for year in range(2023, today.year + 1)
        for month in (1, 4, 7, 10)
        if datetime.date(year, month, 1) <= today
    ]
    assert sorted(got) == quarters
    expected = {
        q: sum(1 for d in days if q <= d <= period_end(q, Period.QUARTER)) for q in quarters
    }
    assert got == expected


def test_editing_an_activity_recomputes_only_the_affected_periods(worker):
    activity = ActivityFactory.create(date=datetime.date(2025, 2, 10))
    ActivityFactory.create(date=datetime.date(2025, 4, 1))
    metric = MetricFactory.create()
    services.recompute_metric(metric.pk)
    before = dict(
        MetricValue.objects.filter(version=metric.current_version_id, area=None).values_list(
            "period_start", "pk"
        )
    )
    data = {"date": datetime.date(2025, 3, 10)}

    log_services.activity_update(
        activity_id=activity.pk, data=data, expected_version=activity.version
    )

    wait_until(lambda: computed(metric), "the worker recomputed the edited periods")
    after = dict(
        MetricValue.objects.filter(version=metric.current_version_id, area=None).values_list(
            "period_start", "pk"
        )
    )
    assert values(metric)[month(2)] == 0
    assert values(metric)[month(3)] == 1
    assert values(metric)[month(4)] == 1
    replaced = {start for start in after if after[start] != before[start]}
    assert replaced == {month(2), month(3)}


def test_a_save_succeeds_with_the_broker_down_and_the_value_catches_up(queue, caplog, strategy):
    metric = MetricFactory.create()
    services.recompute_metric(metric.pk)
    assert values(metric)[month(5)] == 0

    with project_app_sending_to(UNREACHABLE_BROKER, queue), caplog.at_level(logging.WARNING):
        activity = ActivityFactory.create(date=datetime.date(2025, 5, 5))

    assert Activity.objects.filter(pk=activity.pk).exists()
    assert StalePeriod.objects.filter(metric=metric).exists()
    assert "the periodic sweep will" in caplog.text
    assert values(metric)[month(5)] == 0

    # The broker is back: the periodic sweep runs on a worker and catches up.
    with running_worker(queue), project_app_sending_to(REDIS_URL, queue):
        sweep_stale.apply_async(queue=queue)
        wait_until(lambda: computed(metric), "the sweep recomputed the metric")

    assert values(metric)[month(5)] == 1


@pytest.fixture
def unanswering_broker() -> Iterator[str]:
    """A broker address whose connections never open, as when a firewall drops them: a socket
    that listens with no room in its queue, filled by one connection nobody accepts."""
    with socket.socket() as listening, socket.socket() as filler:
        listening.bind(("127.0.0.1", 0))
        listening.listen(0)
        port = listening.getsockname()[1]
        filler.connect(("127.0.0.1", port))
        yield f"redis://127.0.0.1:{port}/0"


@pytest.mark.parametrize("down", ["refusing", "not answering"])
def test_a_save_with_the_broker_down_does_not_wait_on_it(
    down, queue, strategy, staff_user, client_for, request
):
    """However many metrics there are, a save publishes once and gives up on the broker fast;
    the stale marks are written for the periodic sweep."""
    broker = (
        UNREACHABLE_BROKER if down == "refusing" else request.getfixturevalue("unanswering_broker")
    )
    goal = strategy.goals.get(number=2)
    metrics = MetricFactory.create_batch(50, goal=goal)
    unit = UnitFactory.create()
    unit.members.add(staff_user)
    client = client_for(staff_user)
    data = {
        "title": "Iltajalkautuminen",
        "status": "done",
        "date": (datetime.date.today() - datetime.timedelta(days=1)).isoformat(),
        "area": AreaFactory.create().pk,
        "type": ActivityTypeFactory.create().pk,
        "unit": unit.pk,
        "goals": [goal.pk],
        "participants_13_17": 4,
    }
    client.get(reverse("neighbourhoods:activity_create"))  # the first page a process renders

    with project_app_sending_to(broker, queue):
        started = time.monotonic()
        response = client.post(reverse("neighbourhoods:activity_create"), data)
        took = time.monotonic() - started

    assert response.status_code == 302
    assert Activity.objects.filter(title="Iltajalkautuminen").exists()
    assert set(StalePeriod.objects.values_list("metric", flat=True)) == {m.pk for m in metrics}
    assert took < 1, f"the save took {took:.2f} s with the broker {down}"


def backend_waiting_on_a_lock() -> int | None:
    """The pid of a database session (the worker's) blocked on a lock, if any."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = %s",
            [connection.settings_dict["NAME"]],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def backend_gone(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is None


def test_a_recompute_killed_halfway_leaves_the_previous_values(queue, strategy):
    ActivityFactory.create(date=datetime.date(2025, 2, 10))
    metric = MetricFactory.create()
    services.recompute_metric(metric.pk)
    previous = values(metric)
    with project_app_sending_to(UNREACHABLE_BROKER, queue):  # the marks stay, unprocessed
        ActivityFactory.create_batch(3, date=datetime.date(2025, 2, 11))
    mark_ids = list(StalePeriod.objects.filter(metric=metric).values_list("pk", flat=True))

    # Another session holds the stale mark: the worker writes the new values, then blocks
    # on deleting the mark, inside its transaction.
    with psycopg.connect(database_url_of_test_database()) as other:
        other.execute(
            "SELECT * FROM measures_staleperiod WHERE id = ANY(%s) FOR UPDATE", [mark_ids]
        )
        with running_worker(queue) as process, project_app_sending_to(REDIS_URL, queue):
            services.queue_sweep()
            wait_until(lambda: backend_waiting_on_a_lock() is not None, "the worker is halfway")
            pid = backend_waiting_on_a_lock()
            # Meanwhile no second recompute of the same metric can start.
            with pytest.raises(services.MetricBusy):
                services.recompute_metric(metric.pk)
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=TIMEOUT)
        other.rollback()
    assert pid is not None
    wait_until(lambda: backend_gone(pid), "the killed worker's session ended")

    assert values(metric) == previous
    assert set(StalePeriod.objects.filter(metric=metric).values_list("pk", flat=True)) == set(
        mark_ids
    )

    # Nothing was lost: the next recompute catches up.
    services.recompute_metric(metric.pk)
    assert values(metric)[month(2)] == 4


def test_the_nightly_recompute_leaves_a_metric_being_recomputed_to_its_own_task():
    busy, free = MetricFactory.create(), MetricFactory.create()

    with psycopg.connect(database_url_of_test_database()) as other:
        # As a recompute of the metric holds it (a row lock that still lets marks be added).
        other.execute("SELECT id FROM measures_metric WHERE id = %s FOR NO KEY UPDATE", [busy.pk])
        services.recompute_all()
        other.rollback()

    busy.refresh_from_db()
    free.refresh_from_db()
    assert busy.computed_at is None
    assert free.computed_at is not None
    # The busy metric keeps a mark over all of history: the sweep does it if its task did not.
    assert StalePeriod.objects.filter(metric=busy, period_start=None).exists()
    assert not StalePeriod.objects.filter(metric=free).exists()


def all_values() -> dict[tuple[int, datetime.date, int | None], Decimal | None]:
    rows = MetricValue.objects.filter(version__metric__current_version=F("version"))
    return {
        (metric, start, area): value
        for metric, start, area, value in rows.values_list(
            "version__metric", "period_start", "area", "value"
        )
    }


def test_a_pool_child_killed_in_the_nightly_recompute_leaves_marks_the_sweep_repairs(
    queue, strategy
):
    first = ActivityFactory.create(date=datetime.date(2025, 2, 10))
    activities = MetricFactory.create()
    participants = MetricFactory.create(definition={"aggregation": "participants"})
    per_activity = MetricFactory.create(
        kind=Metric.Kind.RATIO,
        definition={"numerator": participants.pk, "denominator": activities.pk},
    )
    services.recompute_all()
    # Rows written around the app (a restore, a fix in the database): no marks, so only the
    # nightly recompute brings the values up to date.
    Activity.objects.bulk_create(
        ActivityFactory.build(
            date=datetime.date(2025, 2, 11),
            area=first.area,
            type=first.type,
            unit=first.unit,
            created_by=first.created_by,
        )
        for _ in range(3)
    )
    assert not StalePeriod.objects.exists()
    february = MetricValue.objects.get(
        version=activities.current_version, period_start=month(2), area=None
    )

    # Another session holds one of the values the nightly recompute replaces: the pool child
    # writes the activity metrics' values, then blocks inside its transaction. It is killed.
    worker_env = {"DATABASE_IDLE_IN_TRANSACTION_SECONDS": "2"}
    with psycopg.connect(database_url_of_test_database()) as other:
        other.execute("SELECT id FROM measures_metricvalue WHERE id = %s FOR UPDATE", [february.pk])
        with (
            running_worker(queue, pool="prefork", env=worker_env) as process,
            project_app_sending_to(REDIS_URL, queue),
        ):
            recompute_all.apply_async(queue=queue)
            wait_until(lambda: backend_waiting_on_a_lock() is not None, "the child is halfway")
            pid = backend_waiting_on_a_lock()
            [child] = pool_children(process.pid)
            os.kill(child, signal.SIGKILL)
            other.rollback()
            assert pid is not None
            wait_until(lambda: backend_gone(pid), "the killed child's session ended")

            # Whatever the task redelivered to a new child managed, the marks are there for
            # the sweep, which repairs everything without waiting for the night.
            sweep_stale.apply_async(queue=queue)
            wait_until(
                lambda: (
                    not StalePeriod.objects.exists()
                    and not Metric.objects.filter(computed_at__isnull=True).exists()
                ),
                "the sweep caught up",
            )
            swept = all_values()

    assert swept[(activities.pk, month(2), None)] == 4
    assert swept[(per_activity.pk, month(2), None)] == Decimal(10 * 4) / 4
    # What a fresh full recompute gives: it finds nothing to change.
    assert services.recompute_all() == 0
    assert all_values() == swept
