"""Metrics per 1,000 residents: a ratio metric whose numerator's values are divided by the
residents of the areas it counts in, from the public statistics, so that goal 3 can set a
target such as "participants per 1,000 residents in the eastern districts".

Hand-made statistics: Helsinki 1,000,000 residents; the basic district Itä 20,000, of which
its sub-district Itä-a 5,000; the basic district Länsi 30,000; 2023's figures only.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from goals.models import Strategy
from measures import selectors, services
from measures.definitions import RatioDefinition
from measures.models import Metric, MetricValue, Period
from measures.residents import Residents
from neighbourhoods.models import Area, AreaStatistics
from neighbourhoods.statistics import COUNTS
from tests.factories.activity import ActivityFactory
from tests.factories.area import AreaFactory
from tests.factories.metric import MetricFactory

pytestmark = pytest.mark.django_db


def statistics(area: Area, residents: int, year: int = 2023) -> None:
    AreaStatistics.objects.create(
        area=area,
        year=year,
        source="Paavo",
        **dict.fromkeys(COUNTS, Decimal(0)) | {"residents": Decimal(residents)},
    )


def per_residents_post(strategy: Strategy, numerator: Metric) -> dict[str, Any]:
    """The metric form, posted for a ratio of the numerator per 1,000 residents."""
    return {
        "name": "Osallistujat tuhatta asukasta kohden",
        "unit": "/ 1 000 as.",
        "kind": "ratio",
        "goal": strategy.goals.get(number=3).pk,
        "direction": "increase",
        "period": "year",
        "numerator": numerator.pk,
        "per_residents": "on",
    }


@pytest.fixture
def areas() -> dict[str, Area]:
    helsinki = AreaFactory.create(name_fi="Helsinki", level=Area.Level.MUNICIPALITY)
    east = AreaFactory.create(name_fi="Itä", level=Area.Level.BASIC_DISTRICT, parent=helsinki)
    east_a = AreaFactory.create(name_fi="Itä-a", parent=east)
    west = AreaFactory.create(name_fi="Länsi", level=Area.Level.BASIC_DISTRICT, parent=helsinki)
    empty = AreaFactory.create(name_fi="Satama", parent=west)
    for area, residents in ((helsinki, 1_000_000), (east, 20_000), (east_a, 5_000)):
        statistics(area, residents)
    statistics(west, 30_000)
    statistics(empty, 0)
    return {"helsinki": helsinki, "east": east, "east_a": east_a, "west": west, "empty": empty}


def test_residents__of_the_city_a_district_and_a_filter_counting_each_area_once(areas):
    residents = Residents()
    day = datetime.date(2025, 6, 1)  # 2025 has no figures: 2023's are the latest before it
    east, east_a, west = areas["east"].pk, areas["east_a"].pk, areas["west"].pk

    assert residents.of((), day) == 1_000_000
    assert residents.of((east,), day) == 20_000
    assert residents.of((east, west), day) == 50_000
    # Itä-a is part of Itä: counted once, with its district.
    assert residents.of((east, east_a), day) == 20_000
    assert residents.of((east_a, west), day) == 35_000
    # Within one district only: Länsi's part of the filter Itä-a + Länsi is Länsi.
    assert residents.of((east_a, west), day, district=west) == 30_000
    assert residents.of((), day, district=east) == 20_000
    # No residents: no value, never a division by zero.
    assert residents.of((areas["empty"].pk,), day) is None


def test_residents__a_year_before_the_statistics_uses_the_earliest_figures(areas):
    AreaStatistics.objects.filter(area=areas["west"]).update(year=2024)

    residents = Residents()

    assert residents.of((areas["west"].pk,), datetime.date(2023, 3, 1)) is None  # 2023: none
    assert residents.year_for(datetime.date(2022, 1, 1)) == 2023
    assert residents.year_for(datetime.date(2026, 1, 1)) == 2024


def test_a_ratio_per_1000_residents_divides_by_the_numerators_areas(
    areas, strategy, admin_role_user, client_for
):
    goal = strategy.goals.get(number=3)
    east, west = areas["east"], areas["west"]
    participants = MetricFactory.create(
        goal=goal,
        period=Period.YEAR,
        definition={"aggregation": "participants", "areas": [east.pk, west.pk]},
    )
    # 10 participants each (the factory's counts): 30 in Itä (one in its sub-district), 10 in Länsi.
    for place in (east, areas["east_a"], east, west):
        ActivityFactory.create(area=place, date=datetime.date(2024, 5, 14))

    response = client_for(admin_role_user).post(
        reverse("measures:metric_create"), per_residents_post(strategy, participants)
    )
    assert response.status_code == 302, response.context["form"].errors
    services.recompute_all()

    ratio = Metric.objects.get(kind=Metric.Kind.RATIO)
    stored = {
        value.area_id: value.value
        for value in MetricValue.objects.filter(
            version=ratio.current_version, period_start=datetime.date(2024, 1, 1)
        )
    }
    # All: 40 participants / 50,000 residents × 1,000 = 0.8; Itä 30 / 20,000 × 1,000 = 1.5;
    # Länsi 10 / 30,000 × 1,000 = 0.3333.
    assert stored == {None: Decimal("0.8"), east.pk: Decimal("1.5"), west.pk: Decimal("0.3333")}
    with translation.override("en"):
        described = dict(selectors.describe(ratio, ratio.version))
    assert described["Denominator"].endswith("per 1,000")
    page = client_for(admin_role_user).get(reverse("measures:metric", args=[ratio.pk]))
    assert page.status_code == 200


def test_a_ratio_per_residents_without_statistics_is_refused(strategy, admin_role_user, client_for):
    numerator = MetricFactory.create(period=Period.YEAR)

    response = client_for(admin_role_user).post(
        reverse("measures:metric_create"), per_residents_post(strategy, numerator)
    )

    assert "per_residents" in response.context["form"].errors
    assert not Metric.objects.filter(kind=Metric.Kind.RATIO).exists()


def test_a_ratio_per_residents_takes_no_denominator_metric(
    areas, strategy, admin_role_user, client_for
):
    numerator = MetricFactory.create(period=Period.YEAR)
    other = MetricFactory.create(period=Period.YEAR)

    response = client_for(admin_role_user).post(
        reverse("measures:metric_create"),
        per_residents_post(strategy, numerator) | {"denominator": other.pk},
    )

    assert "denominator" in response.context["form"].errors


def test_the_definition_of_an_ordinary_ratio_is_stored_as_before():
    ordinary = RatioDefinition(numerator=1, denominator=2, percent=True)

    assert ordinary.to_json() == {"numerator": 1, "denominator": 2, "percent": True}
    assert RatioDefinition.from_json(ordinary.to_json()) == ordinary
