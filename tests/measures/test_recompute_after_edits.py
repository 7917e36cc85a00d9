"""After an edit, the stored values change by what the edited rows count differently, and
still equal a recompute of everything (see changes.py)."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from measures import services
from measures.models import Metric, MetricValue, Period, StalePeriod
from neighbourhoods.models import Activity, Area, Partner, Signal
from tests.factories import InequalityThemeFactory
from tests.factories.activity import ActivityFactory, ActivityTypeFactory
from tests.factories.area import AreaFactory
from tests.factories.metric import MetricFactory
from tests.factories.partner import PartnerFactory
from tests.factories.signal import SignalFactory

pytestmark = pytest.mark.django_db

TABLE = Activity._meta.db_table
DAYS = [datetime.date(2025, month, day) for month in (1, 2, 3, 4, 5, 6) for day in (3, 17)]


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2025, 6, 30, 9, 0, tzinfo=datetime.UTC)):
        yield


class World:
    """A city of two basic districts (three sub-districts), partners, themes and metrics of
    every aggregation, with a log of activities in all of its areas."""

    def __init__(self) -> None:
        self.rng = random.Random(4)  # noqa: S311 (test data, not secrets)
        self.city = AreaFactory.create(level=Area.Level.MUNICIPALITY)
        self.east = AreaFactory.create(level=Area.Level.BASIC_DISTRICT, parent=self.city)
        self.west = AreaFactory.create(level=Area.Level.BASIC_DISTRICT, parent=self.city)
        self.subs = [
            AreaFactory.create(parent=self.east),
            AreaFactory.create(parent=self.east),
            AreaFactory.create(parent=self.west),
        ]
        self.areas = [self.city, self.east, self.west, *self.subs]
        self.partners = [
            PartnerFactory.create(name=f"Kumppani {n}", sector=sector)
            for n, sector in enumerate(
                [Partner.Sector.THIRD_SECTOR, Partner.Sector.PUBLIC] * 3, start=1
            )
        ]
        self.themes = InequalityThemeFactory.create_batch(2)
        self.types = [ActivityTypeFactory.create(), ActivityTypeFactory.create(name_fi="Ryhmä")]
        self.metrics = self._metrics()
        self.activities = [self.new_activity() for _n in range(24)]
        self.signals = [
            SignalFactory.create(
                date=self.rng.choice(DAYS),
                area=self.rng.choice(self.areas),
                themes=self.rng.sample(self.themes, self.rng.randrange(2)),
            )
            for _n in range(8)
        ]

    def _metrics(self) -> list[Metric]:
        def metric(period: str = Period.MONTH, **definition: object) -> Metric:
            return MetricFactory.create(period=period, definition=definition)

        activities = metric(aggregation="activities")
        participants = metric(aggregation="participants")
        return [
            activities,
            participants,
            metric(Period.QUARTER, aggregation="new_participants", themes=[self.themes[0].pk]),
            metric(Period.YEAR, aggregation="volunteer_hours"),
            metric(aggregation="areas"),
            metric(Period.QUARTER, aggregation="areas", types=[self.types[1].pk]),
            metric(aggregation="partners"),
            metric(Period.QUARTER, aggregation="partners", partner_sectors=["public"]),
            metric(Period.YEAR, aggregation="partners", types=[self.types[0].pk]),
            metric(Period.QUARTER, aggregation="participants", areas=[self.east.pk]),
            metric(aggregation="signals"),
            metric(Period.QUARTER, aggregation="signals", themes=[self.themes[0].pk]),
            MetricFactory.create(
                kind=Metric.Kind.RATIO,
                definition={"numerator": participants.pk, "denominator": activities.pk},
            ),
        ]

    def new_activity(self, **fields: object) -> Activity:
        rng = self.rng
        defaults: dict[str, object] = {
            "date": rng.choice(DAYS),
            "area": rng.choice(self.areas),
            "type": rng.choice(self.types),
            "participants_18_29": rng.randrange(10),
            "volunteer_hours": Decimal(rng.randrange(8)) / 2,
            "partners": rng.sample(self.partners, rng.randrange(3)),
            "themes": rng.sample(self.themes, rng.randrange(2)),
        }
        return ActivityFactory.create(**{**defaults, **fields})

    def stored(self) -> dict[tuple[int, datetime.date, int | None], object]:
        rows = MetricValue.objects.values_list("version", "period_start", "area", "value")
        return {(v, start, area): value for v, start, area, value in rows}

    def assert_as_a_full_recompute(self, what: str = "") -> None:
        """The stored values are what recomputing everything gives: it writes nothing, and
        every value (all areas and each area) stays as it is."""
        swept = self.stored()
        assert services.recompute_all() == 0, what
        assert self.stored() == swept, what

    def sweep(self) -> None:
        while StalePeriod.objects.exists():
            services.recompute_stale()


def edits(world: World) -> list[tuple[str, object]]:
    """Edits of every kind, as (what, how) pairs."""
    a, s = world.activities, world.signals
    rng = world.rng

    def move(row: Activity | Signal, **fields: object) -> None:
        for name, value in fields.items():
            setattr(row, name, value)
        row.save()

    return [
        ("moved to another month", lambda: move(a[0], date=datetime.date(2025, 5, 20))),
        ("moved to the other district", lambda: move(a[1], area=world.subs[2])),
        ("moved to the whole city", lambda: move(a[2], area=world.city)),
        ("moved out of the whole city", lambda: move(a[3], area=world.east)),
        ("more participants", lambda: move(a[4], participants_0_12=7)),
        ("another type", lambda: move(a[5], type=world.types[1 - world.types.index(a[5].type)])),
        ("planned", lambda: move(a[6], status=Activity.Status.PLANNED)),
        ("a partner added", lambda: a[7].partners.add(world.partners[3])),
        ("a partner removed", lambda: a[8].partners.remove(*a[8].partners.all()[:1])),
        ("partners cleared", lambda: a[9].partners.clear()),
        ("partners set", lambda: a[10].partners.set(world.partners[:2])),
        ("themes set", lambda: a[11].themes.set(world.themes)),
        ("deleted", lambda: a[12].delete()),
        ("added", lambda: world.new_activity(partners=rng.sample(world.partners, 2))),
        ("added in the whole city", lambda: world.new_activity(area=world.city)),
        ("moved across periods and areas", lambda: move(a[13], date=DAYS[0], area=world.subs[0])),
        ("linked from a theme", lambda: world.themes[0].activities.add(a[14], a[15])),
        ("unlinked from a partner", lambda: world.partners[0].activities.remove(*a[16:20])),
        ("a partner's activities cleared", lambda: world.partners[1].activities.clear()),
        ("a signal moved", lambda: move(s[0], date=datetime.date(2025, 6, 1), area=world.west)),
        ("a signal's themes set", lambda: s[1].themes.set(world.themes[:1])),
        ("a signal deleted", lambda: s[2].delete()),
        ("signals linked from a theme", lambda: world.themes[0].signals.add(*s[3:6])),
    ]


def test_every_edit_swept_leaves_the_values_a_full_recompute_would(strategy):
    world = World()
    services.recompute_all()

    for what, edit in edits(world):
        edit()  # type: ignore[operator]
        with CaptureQueriesContext(connection) as queries:
            world.sweep()
        # By the differences, not by reading the periods again (see the test below).
        assert not any(f"FROM {TABLE} r" in q["sql"] for q in queries.captured_queries), what
        world.assert_as_a_full_recompute(what)


def test_several_edits_in_one_sweep_leave_the_values_a_full_recompute_would(strategy):
    world = World()
    services.recompute_all()

    for _what, edit in edits(world):
        edit()  # type: ignore[operator]
    world.sweep()

    world.assert_as_a_full_recompute()


def test_a_recompute_task_after_an_edit_leaves_what_a_full_recompute_would(strategy):
    world = World()
    services.recompute_all()
    for _what, edit in edits(world)[:8]:
        edit()  # type: ignore[operator]

    for metric in world.metrics[:-1]:
        services.recompute_metric(metric.pk)
    services.recompute_metric(world.metrics[-1].pk)  # the ratio, after its parts

    world.assert_as_a_full_recompute()


def test_an_edit_marks_where_the_row_was_and_is_and_keeps_what_it_counted_before():
    east = AreaFactory.create()
    west = AreaFactory.create()
    partner = PartnerFactory.create()
    counting = MetricFactory.create(definition={"aggregation": "partners"})
    summing = MetricFactory.create(definition={"aggregation": "participants"})
    activity = ActivityFactory.create(
        date=datetime.date(2025, 3, 4), area=east, partners=[partner], participants_18_29=5
    )
    StalePeriod.objects.all().delete()

    activity.area = west
    activity.participants_0_12 = 1
    activity.save()
    activity.partners.clear()

    marks = StalePeriod.objects.order_by("pk").values_list("metric", "area", "row", "before")
    march = "2025-03-01"
    assert list(marks) == [
        # The save: what the activity counted before, on the first mark of each metric.
        (
            counting.pk,
            west.pk,
            activity.pk,
            {"month": march, "area": east.pk, "value": "1", "partners": [partner.pk]},
        ),
        (counting.pk, east.pk, activity.pk, None),
        (
            summing.pk,
            west.pk,
            activity.pk,
            {"month": march, "area": east.pk, "value": "13", "partners": []},
        ),
        (summing.pk, east.pk, activity.pk, None),
        # Clearing the partners: the marks above already hold what it counted before.
        (counting.pk, west.pk, activity.pk, None),
        (summing.pk, west.pk, activity.pk, None),
    ]


def test_a_new_activity_counted_nothing_before():
    metric = MetricFactory.create(definition={"aggregation": "activities"})

    activity = ActivityFactory.create(date=datetime.date(2025, 3, 4))

    assert list(StalePeriod.objects.values_list("metric", "row", "before")) == [
        (metric.pk, activity.pk, {})
    ]


def test_the_sweep_after_an_edit_reads_only_the_edited_rows_areas_and_partners(strategy):
    world = World()
    services.recompute_all()
    world.activities[0].participants_0_12 += 5
    world.activities[0].save()

    with CaptureQueriesContext(connection) as queries:
        world.sweep()

    reads = [q["sql"] for q in queries.captured_queries if f"FROM {TABLE} " in q["sql"]]
    assert reads
    # The edited row, the areas it was and is in, or its partners' activities: never a period.
    assert all(
        "c.id IN (" in sql or "c.area_id IN (" in sql or "x.partner_id IN (" in sql for sql in reads
    )
    assert not any(f"FROM {TABLE} r" in sql for sql in reads)


def test_a_period_never_computed_is_computed_whole():
    area = AreaFactory.create()
    metric = MetricFactory.create(definition={"aggregation": "activities"})
    ActivityFactory.create(date=datetime.date(2025, 3, 4), area=area)
    services.recompute_metric(metric.pk)
    # Planned for August: a month after today, never computed.
    ActivityFactory.create(date=datetime.date(2025, 8, 4), area=area)
    ActivityFactory.create(date=datetime.date(2025, 8, 5), area=AreaFactory.create())

    services.recompute_stale()

    values = MetricValue.objects.filter(version=metric.version, area=None)
    assert dict(values.values_list("period_start", "value"))[datetime.date(2025, 8, 1)] == 2


def test_an_edit_that_changes_no_number_writes_nothing_and_leaves_the_ratios(strategy):
    world = World()
    services.recompute_all()
    activity = world.activities[0]
    activity.title = "Uusi otsikko"
    activity.save()

    assert services.recompute_stale() == 0

    assert not StalePeriod.objects.exists()  # no ratio was marked


@pytest.mark.parametrize(
    "what",
    ["a partner's sector", "a partner deleted", "an area moved to the other basic district"],
)
def test_edits_of_partners_and_areas_leave_the_values_a_full_recompute_would(strategy, what):
    world = World()
    services.recompute_all()
    linked = world.partners[2]
    assert linked.activities.exists()

    if what == "a partner's sector":
        linked.sector = Partner.Sector.PUBLIC
        linked.save()
    elif what == "a partner deleted":
        linked.delete()
    else:
        moved = world.subs[0]
        moved.parent = world.west
        moved.save()
    world.sweep()

    world.assert_as_a_full_recompute()


def test_renaming_a_partner_or_an_area_marks_nothing(strategy):
    world = World()
    services.recompute_all()

    world.partners[0].name = "Uusi nimi"
    world.partners[0].save()
    world.subs[0].name = "Uusi alue"
    world.subs[0].save()

    assert not StalePeriod.objects.exists()
