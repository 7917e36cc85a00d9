"""Metric values against answers computed by hand from a small, fixed log."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from measures.computation import (
    Span,
    compute_activity_versions,
    compute_definitions,
    compute_periods,
)
from measures.definitions import ActivityDefinition
from measures.models import Period
from neighbourhoods.models import Activity, Area, Partner
from tests.factories import GoalFactory, InequalityThemeFactory, MeansFactory
from tests.factories.activity import ActivityFactory, ActivityTypeFactory
from tests.factories.area import AreaFactory
from tests.factories.metric import MetricFactory
from tests.factories.partner import PartnerFactory
from tests.factories.project import ProjectFactory
from tests.factories.signal import SignalFactory
from tests.factories.unit import UnitFactory

pytestmark = pytest.mark.django_db

JAN, FEB, MAR, APR = (datetime.date(2025, month, 1) for month in (1, 2, 3, 4))
Q1, Q2 = JAN, APR
SPAN = Span(JAN, datetime.date(2025, 4, 30))
ZERO_BANDS = {
    "participants_0_12": 0,
    "participants_13_17": 0,
    "participants_18_29": 0,
    "participants_30_64": 0,
    "participants_65_plus": 0,
    "participants_unknown_age": 0,
}


@pytest.fixture
def log() -> dict[str, Any]:
    """Four activities and two signals, in two basic districts, January to April 2025."""
    kallio = AreaFactory.create(name_fi="Kallio", level=Area.Level.BASIC_DISTRICT)
    harju = AreaFactory.create(name_fi="Harju", parent=kallio)
    mellunkyla = AreaFactory.create(name_fi="Mellunkylä", level=Area.Level.BASIC_DISTRICT)
    kontula = AreaFactory.create(name_fi="Kontula", parent=mellunkyla)
    outreach = ActivityTypeFactory.create(name_fi="Jalkautuva työ")
    event = ActivityTypeFactory.create(name_fi="Yhteisötapahtuma")
    goal1, goal2 = GoalFactory.create(number=1), GoalFactory.create(number=2)
    means21 = MeansFactory.create(goal=goal2, position=1)
    theme1, theme2 = InequalityThemeFactory.create(), InequalityThemeFactory.create()
    residents = PartnerFactory.create(name="Asukasyhdistys", sector=Partner.Sector.RESIDENTS)
    city = PartnerFactory.create(name="Kaupunki", sector=Partner.Sector.PUBLIC)
    youth, house = UnitFactory.create(), UnitFactory.create()
    project = ProjectFactory.create()

    def activity(**fields: Any) -> Activity:
        return ActivityFactory.create(**(ZERO_BANDS | {"new_participants": 0} | fields))

    a1 = activity(
        date=datetime.date(2025, 1, 10), area=harju, type=outreach, unit=youth,
        participants_13_17=5, participants_18_29=2, new_participants=3, volunteers=1,
        volunteer_hours=Decimal("2.5"), goals=[goal2], themes=[theme1], partners=[residents],
    )  # fmt: skip
    a2 = activity(
        date=datetime.date(2025, 1, 20), area=kallio, type=event, unit=house,
        participants_30_64=10, new_participants=4, goals=[goal1], partners=[residents, city],
    )  # fmt: skip
    a3 = activity(
        date=datetime.date(2025, 2, 5), area=kontula, type=outreach, unit=youth,
        participants_0_12=4, participants_65_plus=1, new_participants=5, goals=[goal2],
        themes=[theme2], status=Activity.Status.PLANNED,
    )  # fmt: skip
    a4 = activity(
        date=datetime.date(2025, 4, 1), area=kontula, type=outreach, unit=youth,
        participants_13_17=7, goals=[goal2], means=[means21], project=project,
    )  # fmt: skip
    SignalFactory.create(date=datetime.date(2025, 1, 15), area=harju, themes=[theme1])
    SignalFactory.create(date=datetime.date(2025, 3, 3), area=kontula)
    return locals()


def values(definition: dict[str, Any], period: str = Period.MONTH, area: Any = None):
    """{period start: value} of the all-areas values (or of one area's)."""
    metric = MetricFactory.create(period=period, definition=definition)
    computed = compute_activity_versions([metric.version], SPAN)
    area_id = getattr(area, "pk", None)
    return {v.period_start: v.value for v in computed[metric.version.pk] if v.area_id == area_id}


def test_counts_activities_per_month_with_zero_for_quiet_months(log):
    assert values({"aggregation": "activities"}) == {JAN: 2, FEB: 1, MAR: 0, APR: 1}


def test_counts_per_quarter(log):
    assert values({"aggregation": "activities"}, Period.QUARTER) == {Q1: 3, Q2: 1}


def test_counts_per_year(log):
    assert values({"aggregation": "activities"}, Period.YEAR) == {JAN: 4}


def test_sums_all_participants(log):
    assert values({"aggregation": "participants"}) == {JAN: 17, FEB: 5, MAR: 0, APR: 7}


def test_sums_chosen_age_bands(log):
    chosen = {
        "aggregation": "participants",
        "age_bands": ["participants_13_17", "participants_65_plus"],
    }
    assert values(chosen) == {JAN: 5, FEB: 1, MAR: 0, APR: 7}


@pytest.mark.parametrize(
    ("aggregation", "expected"),
    [
        ("new_participants", {JAN: 7, FEB: 5, MAR: 0, APR: 0}),
        ("volunteers", {JAN: 1, FEB: 0, MAR: 0, APR: 0}),
        ("volunteer_hours", {JAN: Decimal("2.5"), FEB: 0, MAR: 0, APR: 0}),
        ("areas", {JAN: 2, FEB: 1, MAR: 0, APR: 1}),
        ("partners", {JAN: 2, FEB: 0, MAR: 0, APR: 0}),
        ("signals", {JAN: 1, FEB: 0, MAR: 1, APR: 0}),
    ],
)
def test_each_aggregation(log, aggregation, expected):
    assert values({"aggregation": aggregation}) == expected


def test_distinct_areas_over_a_quarter_count_each_area_once(log):
    assert values({"aggregation": "areas"}, Period.QUARTER) == {Q1: 3, Q2: 1}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (lambda log: {"types": [log["outreach"].pk]}, {Q1: 2, Q2: 1}),
        (lambda log: {"themes": [log["theme1"].pk]}, {Q1: 1, Q2: 0}),
        (lambda log: {"themes": [log["theme1"].pk, log["theme2"].pk]}, {Q1: 2, Q2: 0}),
        (lambda log: {"goals": [log["goal2"].pk]}, {Q1: 2, Q2: 1}),
        (lambda log: {"means": [log["means21"].pk]}, {Q1: 0, Q2: 1}),
        (lambda log: {"units": [log["youth"].pk]}, {Q1: 2, Q2: 1}),
        (lambda log: {"projects": [log["project"].pk]}, {Q1: 0, Q2: 1}),
        (lambda log: {"areas": [log["kallio"].pk]}, {Q1: 2, Q2: 0}),
        (lambda log: {"areas": [log["harju"].pk]}, {Q1: 1, Q2: 0}),
        (lambda log: {"partner_sectors": ["public"]}, {Q1: 1, Q2: 0}),
        (lambda log: {"partner_sectors": ["residents", "public"]}, {Q1: 2, Q2: 0}),
        (lambda log: {"status": "done"}, {Q1: 2, Q2: 1}),
        (lambda log: {"status": "planned"}, {Q1: 1, Q2: 0}),
        (
            lambda log: {
                "types": [log["outreach"].pk],
                "goals": [log["goal2"].pk],
                "status": "done",
            },
            {Q1: 1, Q2: 1},
        ),
    ],
)
def test_filters_of_activities(log, filters, expected):
    definition = {"aggregation": "activities", **filters(log)}

    assert values(definition, Period.QUARTER) == expected


def test_filters_do_not_repeat_rows_of_sums(log):
    # a2 has two partners and a1 one: joined rows must not count participants twice.
    definition = {"aggregation": "participants", "partner_sectors": ["residents", "public"]}

    assert values(definition, Period.QUARTER) == {Q1: 17, Q2: 0}


def test_distinct_partners_over_a_quarter_and_per_area(log):
    # January: residents (a1 in Harju, a2 in Kallio) and the city (a2); March: residents
    # again and a school, in Kontula.
    school = PartnerFactory.create(name="Koulu", sector=Partner.Sector.EDUCATION)
    ActivityFactory.create(
        date=datetime.date(2025, 3, 9), area=log["kontula"], partners=[log["residents"], school]
    )

    partners = {"aggregation": "partners"}
    assert values(partners) == {JAN: 2, FEB: 0, MAR: 2, APR: 0}
    assert values(partners, Period.QUARTER) == {Q1: 3, Q2: 0}
    assert values(partners, Period.YEAR) == {JAN: 3}
    assert values(partners, Period.QUARTER, area=log["kallio"]) == {Q1: 2}
    assert values(partners, Period.QUARTER, area=log["harju"]) == {Q1: 1}
    assert values(partners, Period.QUARTER, area=log["mellunkyla"]) == {Q1: 2}
    with_school = {"aggregation": "partners", "partner_sectors": ["education"]}
    assert values(with_school, Period.QUARTER) == {Q1: 2, Q2: 0}


def test_signals_filter_by_theme_and_area(log):
    by_theme = {"aggregation": "signals", "themes": [log["theme1"].pk]}
    by_area = {"aggregation": "signals", "areas": [log["mellunkyla"].pk]}

    assert values(by_theme, Period.QUARTER) == {Q1: 1, Q2: 0}
    assert values(by_area, Period.QUARTER) == {Q1: 1, Q2: 0}


def test_per_basic_district_includes_its_sub_districts(log):
    definition = {"aggregation": "participants"}

    assert values(definition, area=log["kallio"]) == {JAN: 17}
    assert values(definition, area=log["mellunkyla"]) == {FEB: 5, APR: 7}


def test_per_sub_district(log):
    definition = {"aggregation": "activities"}

    assert values(definition, area=log["harju"]) == {JAN: 1}
    assert values(definition, area=log["kontula"]) == {FEB: 1, APR: 1}


def test_versions_computed_together_equal_each_computed_alone(log):
    definitions = [
        {"aggregation": "activities", "types": [log["outreach"].pk]},
        {"aggregation": "participants", "goals": [log["goal2"].pk]},
        {"aggregation": "new_participants"},
        {"aggregation": "areas", "status": "done"},
        {"aggregation": "partners"},
        {"aggregation": "signals"},
    ]
    periods = [Period.MONTH, Period.QUARTER, Period.YEAR]
    metrics = [
        MetricFactory.create(definition=d, period=period) for d in definitions for period in periods
    ]
    versions = [m.version for m in metrics]

    together = compute_activity_versions(versions, SPAN)

    for version in versions:
        alone = compute_activity_versions([version], SPAN)[version.pk]
        assert sorted(together[version.pk], key=repr) == sorted(alone, key=repr)


def test_a_span_limits_the_rows_read(log):
    metric = MetricFactory.create(definition={"aggregation": "activities"})

    computed = compute_activity_versions([metric.version], Span(FEB, FEB))

    assert {(v.period_start, v.area_id): v.value for v in computed[metric.version.pk]} == {
        (FEB, None): 1,
        (FEB, log["mellunkyla"].pk): 1,
        (FEB, log["kontula"].pk): 1,
    }


def test_items_over_the_same_months_share_one_statement(log, django_assert_num_queries):
    definition = ActivityDefinition.from_json({"aggregation": "participants"})
    counted = ActivityDefinition.from_json({"aggregation": "activities", "status": "done"})
    items = [
        ("month", Period.MONTH, definition),
        ("quarter", Period.QUARTER, counted),
        ("year", Period.YEAR, definition),
    ]

    whole_year = Span(JAN, datetime.date(2025, 12, 31))
    with django_assert_num_queries(2):  # the areas, then one statement for all three
        computed = compute_definitions(items, whole_year)

    quarters = {v.period_start: v.value for v in computed["quarter"] if v.area_id is None}
    assert quarters == {Q1: 2, Q2: 1, datetime.date(2025, 7, 1): 0, datetime.date(2025, 10, 1): 0}


def test_a_few_stale_months_are_read_alone_and_give_what_the_whole_span_gives(log):
    definition = ActivityDefinition.from_json({"aggregation": "participants"})
    items = [
        ("february", Period.MONTH, definition, [FEB]),
        ("year", Period.YEAR, definition, [JAN]),
    ]

    computed = compute_periods(items)

    whole = compute_definitions([("m", Period.MONTH, definition)], SPAN)["m"]
    assert set(computed["february"]) == {v for v in whole if v.period_start == FEB}
    assert {v.value for v in computed["year"] if v.area_id is None} == {29}


def test_the_planner_knows_how_many_month_and_area_groups_there_are():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("extended statistics are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SELECT stxname FROM pg_statistic_ext ORDER BY stxname")
        names = [name for (name,) in cursor.fetchall()]
    assert names == ["activity_month_area", "signal_month_area"]
