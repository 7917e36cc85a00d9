"""The need index: hand-computed scores, Helsinki's equal at 0, an area without residents
without an index, components turned off by admins, and a method page that lists exactly the
components the index uses."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from neighbourhoods import need
from neighbourhoods.models import Area, AreaStatistics, NeedComponent

pytestmark = pytest.mark.django_db

UNEMPLOYMENT = [need.COMPONENTS["unemployment"]]


def stats(*, unemployed: int, employed: int, adults: int = 100, **counts: int) -> AreaStatistics:
    values = dict.fromkeys(
        ("residents", "residents_0_12", "residents_13_17", "residents_18_29", "residents_30_64",
         "residents_65_plus", "basic_education_only", "lowest_income_class"),
        Decimal(0),
    )  # fmt: skip
    values |= {name: Decimal(value) for name, value in counts.items()}
    return AreaStatistics(
        area=Area(name="x", code="x"),
        year=2023,
        adults=Decimal(adults),
        unemployed=Decimal(unemployed),
        employed=Decimal(employed),
        **values,
    )


def test_index__hand_computed_scores_and_a_district_equal_to_helsinki_at_zero():
    # Unemployment rates: Helsinki 10 %; districts 10 %, 20 %, 30 %. Their spread (standard
    # deviation, each district once) is sqrt(((0.1-0.2)² + 0 + (0.3-0.2)²) / 3) = 0.0816497.
    helsinki = stats(unemployed=100, employed=900)
    districts = [
        stats(unemployed=10, employed=90),
        stats(unemployed=20, employed=80),
        stats(unemployed=30, employed=70),
    ]

    index = need.compute(helsinki, districts, UNEMPLOYMENT)

    spread = math.sqrt(0.02 / 3)
    assert index.spreads["unemployment"] == pytest.approx(spread)
    assert [d.index for d in index.districts] == pytest.approx([0, 0.1 / spread, 0.2 / spread])
    assert index.districts[0].index == 0


def test_index__is_the_mean_of_the_components_scores():
    # Two components, each with its own spread; the index is the mean of the two scores.
    helsinki = stats(unemployed=10, employed=90, adults=100, basic_education_only=20)
    districts = [
        stats(unemployed=10, employed=90, adults=100, basic_education_only=20),
        stats(unemployed=30, employed=70, adults=100, basic_education_only=40),
    ]
    components = [need.COMPONENTS["unemployment"], need.COMPONENTS["basic_education"]]

    index = need.compute(helsinki, districts, components)

    # Spreads: 0.1 for both (two values 0.1 and 0.3; 0.2 and 0.4). Scores: (0.3-0.1)/0.1 = 2
    # and (0.4-0.2)/0.1 = 2, so the index is 2; the first district equals Helsinki: 0.
    assert index.districts[1].index == pytest.approx(2)
    assert index.districts[0].index == 0


def test_index__an_area_without_residents_has_none_not_an_error():
    helsinki = stats(unemployed=10, employed=90)
    districts = [
        stats(unemployed=10, employed=90),
        stats(unemployed=20, employed=80),
        stats(unemployed=0, employed=0, adults=0),
    ]

    index = need.compute(helsinki, districts, UNEMPLOYMENT)

    assert index.districts[2].index is None
    assert index.districts[2].percents == [None]


@pytest.fixture
def loaded(db):
    call_command("import_districts", stdout=StringIO())
    call_command("import_area_statistics", stdout=StringIO())


def test_need_index__of_the_2023_figures_puts_mellunkyla_highest(loaded):
    index = need.need_index()

    assert index is not None
    assert index.year == 2023
    assert len(index.districts) == 34
    ranked = sorted(index.districts, key=lambda d: d.index or 0, reverse=True)
    assert ranked[0].area.name == "Mellunkylä"
    assert [c.key for c in index.components] == ["low_income", "unemployment", "basic_education"]


def test_need_index__follows_a_component_turned_off(loaded):
    NeedComponent.objects.filter(key="basic_education").update(enabled=False)

    index = need.need_index()

    assert index is not None
    assert [c.key for c in index.components] == ["low_income", "unemployment"]


def components_listed(html: str) -> tuple[set[str], set[str]]:
    """The components the method page lists as counting, and those it lists as off."""
    items = re.findall(r'<li data-component="(\w+)"( class="muted")?>', html)
    return {key for key, muted in items if not muted}, {key for key, muted in items if muted}


@pytest.mark.parametrize("off", [set(), {"unemployment"}, {"low_income", "basic_education"}])
def test_method_page__lists_exactly_the_components_the_index_uses(
    loaded, staff_user, client_for, off
):
    NeedComponent.objects.filter(key__in=off).update(enabled=False)

    response = client_for(staff_user).get(reverse("neighbourhoods:need_method"))

    index = need.need_index()
    assert index is not None
    listed_on, listed_off = components_listed(response.text)
    assert listed_on == {c.key for c in index.components}
    assert listed_off == off
    assert "CC BY 4.0" in response.text
    assert "Mellunkylä" in response.text


def test_components__admins_turn_them_on_and_off_and_others_cannot(
    admin_role_user, leadership_user
):
    assert admin_role_user.has_perm("neighbourhoods.change_needcomponent")
    assert not leadership_user.has_perm("neighbourhoods.change_needcomponent")
    assert leadership_user.has_perm("neighbourhoods.view_needcomponent")
