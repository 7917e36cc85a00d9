"""The inequality meter: reach from the built-in yearly metrics beside the need index, per 1,000
residents, the highest-need third's share of participants, the gaps, an area without residents,
bad input, and a query count that does not grow with the log."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from measures import meter, services
from neighbourhoods.models import Activity, Area, AreaStatistics, Partner
from neighbourhoods.need import need_index
from neighbourhoods.statistics import COUNTS
from tests.factories import AreaFactory
from tests.factories.activity import ActivityFactory
from tests.factories.partner import PartnerFactory

pytestmark = pytest.mark.django_db

YEAR = 2025
AREAS_PAGE_QUERIES = 14


def test_thirds__cut_34_districts_into_12_10_and_12():
    cut = meter.thirds(list(range(34)))

    assert list(cut.values()).count(meter.HIGH) == 12
    assert list(cut.values()).count(meter.MIDDLE) == 10
    assert list(cut.values()).count(meter.LOW) == 12
    assert meter.thirds([1, 2, 3]) == {0: meter.HIGH, 1: meter.MIDDLE, 2: meter.LOW}


def statistics(area: Area, *, residents: int, unemployed: int, employed: int) -> None:
    values = dict.fromkeys(COUNTS, Decimal(0)) | {
        "residents": Decimal(residents),
        "adults": Decimal(residents),
        "unemployed": Decimal(unemployed),
        "employed": Decimal(employed),
    }
    AreaStatistics.objects.create(area=area, year=2023, source="test", **values)


@pytest.fixture
def city(strategy):
    """Helsinki and three basic districts of high, middle and low need (by unemployment only:
    the other components are 0 everywhere, so they have no spread and no index is computed
    from them), a sub-district in each, and an empty harbour district without residents."""
    from neighbourhoods.models import NeedComponent

    # The meter's goal keeps the reach metrics, as `load_strategy` and `migrate` make them.
    services.built_in_metrics_ensure(strategy.goals.get(number=3))
    NeedComponent.objects.exclude(key="unemployment").update(enabled=False)
    helsinki = AreaFactory.create(level=Area.Level.MUNICIPALITY, code="091", name_fi="Helsinki")
    statistics(helsinki, residents=10_000, unemployed=100, employed=900)
    made = {}
    for name, residents, unemployed in (
        ("Itälä", 2000, 60),
        ("Keskilä", 4000, 40),
        ("Länsilä", 4000, 20),
        ("Satama", 0, 0),
    ):
        district = AreaFactory.create(
            level=Area.Level.BASIC_DISTRICT, parent=helsinki, name_fi=name
        )
        employed = 100 - unemployed if residents else 0
        statistics(district, residents=residents, unemployed=unemployed, employed=employed)
        made[name] = AreaFactory.create(parent=district)  # a sub-district, where activities are
    return made


def log(area: Area, count: int, participants: int, new: int) -> None:
    for _ in range(count):
        ActivityFactory.create(
            date=datetime.date(YEAR, 5, 5),
            area=area,
            participants_13_17=participants,
            participants_18_29=0,
            new_participants=new,
        )


def test_meter__reach_per_1000_residents_and_the_high_need_thirds_share(city):
    # Itälä (high need): 2 activities × 30 = 60 participants, 10 new; 2,000 residents → 30.0
    # per 1,000. Keskilä: 1 × 40 = 40, 5 new; 4,000 → 10.0. Länsilä: 4 × 50 = 200, 25 new;
    # 4,000 → 50.0. Participants in the districts: 300; from the high-need third (Itälä): 60,
    # 20 %. New: 40, of them 10 from Itälä, 25 %.
    log(city["Itälä"], 2, participants=30, new=5)
    log(city["Keskilä"], 1, participants=40, new=5)
    log(city["Länsilä"], 4, participants=50, new=25 // 4)
    services.recompute_all()
    index = need_index()
    assert index is not None

    result = meter.meter(index, YEAR)

    rows = {row.need.area.name: row for row in result.districts}
    assert rows["Itälä"].third == meter.HIGH
    assert rows["Länsilä"].third == meter.LOW
    assert rows["Itälä"].participants == 60
    assert rows["Itälä"].participants_per_1000 == pytest.approx(30.0)
    assert rows["Keskilä"].participants_per_1000 == pytest.approx(10.0)
    assert rows["Länsilä"].participants_per_1000 == pytest.approx(50.0)
    # The harbour has no residents: no need index and no reach rate, and no error.
    assert rows["Satama"].need.index is None
    assert rows["Satama"].participants_per_1000 is None
    (this_year,) = [row for row in result.over_time if row.year == YEAR]
    assert this_year.participants == 300
    assert this_year.share_high == pytest.approx(0.2)
    assert this_year.new_participants == 10 + 5 + 24
    assert this_year.share_high_new == pytest.approx(10 / 39)
    # Itälä is in the highest-need third but not the lowest reach third: no gap.
    assert result.gaps == []


def test_meter__a_high_need_district_with_the_least_reach_is_a_gap(city):
    log(city["Keskilä"], 1, participants=40, new=0)
    log(city["Länsilä"], 1, participants=40, new=0)
    services.recompute_all()
    index = need_index()
    assert index is not None

    result = meter.meter(index, YEAR)

    assert [row.need.area.name for row in result.gaps] == ["Itälä"]


def test_meter_page__shows_the_map_chart_table_and_credit(city, leadership_user, client_for):
    log(city["Itälä"], 1, participants=30, new=5)
    services.recompute_all()

    response = client_for(leadership_user).get(reverse("measures:meter"), {"year": str(YEAR)})

    assert response.status_code == 200
    assert response.context["year"] == YEAR
    assert response.text.count("<path ") == 0  # factory areas have no boundaries to draw
    assert "CC BY 4.0" in response.text
    assert 'id="district-' in response.text
    assert reverse("neighbourhoods:need_method") in response.text


@pytest.mark.parametrize("year", ["1999", "kaksi", "2025\x00", "9" * 30])
def test_meter_page__a_year_that_cannot_be_read_shows_the_default(
    city, leadership_user, client_for, year
):
    services.recompute_all()

    response = client_for(leadership_user).get(reverse("measures:meter"), {"year": year})

    assert response.status_code == 200
    assert response.context["form"].errors


def test_meter_page__without_statistics_says_what_to_do(strategy, leadership_user, client_for):
    response = client_for(leadership_user).get(reverse("measures:meter"))

    assert response.status_code == 200
    assert response.context["index"] is None
    assert "import_area_statistics" in response.text


@pytest.mark.parametrize("activities", [3, 60])
def test_meter_page__query_count_does_not_grow_with_the_log(
    city, leadership_user, client_for, django_assert_num_queries, activities
):
    log(city["Itälä"], activities // 3, participants=10, new=1)
    log(city["Keskilä"], activities // 3, participants=10, new=1)
    log(city["Länsilä"], activities // 3, participants=10, new=1)
    services.recompute_all()
    client = client_for(leadership_user)
    client.get(reverse("measures:meter"))

    with django_assert_num_queries(13):
        client.get(reverse("measures:meter"))


def test_area_dashboards__side_by_side_where_kalliola_works_or_everywhere(
    city, leadership_user, client_for
):
    city["Itälä"].kalliola_works_here = True  # a sub-district: its basic district counts
    city["Itälä"].save()
    log(city["Itälä"], 2, participants=30, new=5)
    services.recompute_all()
    client = client_for(leadership_user)

    mine = client.get(reverse("measures:areas"), {"year": str(YEAR)})
    everywhere = client.get(reverse("measures:areas"), {"year": str(YEAR), "all": "1"})

    assert [row.need.area.name for row in mine.context["rows"]] == ["Itälä"]
    assert mine.context["rows"][0].participants == 60
    assert len(everywhere.context["rows"]) == 4


def test_area_dashboard__a_district_over_time_with_its_profile_and_sub_districts(
    city, leadership_user, client_for
):
    log(city["Itälä"], 2, participants=30, new=5)
    first = Activity.objects.filter(area=city["Itälä"]).earliest("pk")
    Activity.objects.filter(area=city["Itälä"]).update(unit=first.unit)
    first.partners.add(PartnerFactory.create(name="Kumppani A"))
    services.recompute_all()
    district = city["Itälä"].parent

    response = client_for(leadership_user).get(
        reverse("measures:area", args=[district.code]), {"year": str(YEAR)}
    )

    board = response.context["board"]
    assert response.status_code == 200
    assert {row.year: row.participants for row in board.over_time}[YEAR] == 60
    # Unemployment 60 of 100 in the labour force against Helsinki's 100 of 1,000.
    unemployment = next(
        row for row in board.profile if "nemploy" in row.label or "yött" in row.label
    )
    assert (unemployment.area, unemployment.helsinki) == (pytest.approx(60.0), pytest.approx(10.0))
    assert [(part.area, part.participants) for part in board.parts] == [(city["Itälä"], 60)]
    # Who worked there and what was heard there that year, from the log.
    logged = Activity.objects.filter(area=city["Itälä"]).select_related("unit").earliest("pk")
    assert board.units == [logged.unit.name]
    assert board.partners == sorted(
        {p.name for p in Partner.objects.filter(activities__area=city["Itälä"])}
    )
    assert "Kumppani A" in board.partners
    assert f"area={district.pk}" in response.text  # the link to the filtered log


@pytest.mark.parametrize("code", ["091", "no-such", "0" * 300])
def test_area_dashboard__of_no_district_is_not_found(city, leadership_user, client_for, code):
    response = client_for(leadership_user).get(reverse("measures:area", args=[code]))

    assert response.status_code == 404


@pytest.mark.parametrize("activities", [3, 60])
def test_area_pages__query_counts_do_not_grow_with_the_log(
    city, leadership_user, client_for, django_assert_num_queries, activities
):
    log(city["Itälä"], activities, participants=10, new=1)
    services.recompute_all()
    client = client_for(leadership_user)
    district = reverse("measures:area", args=[city["Itälä"].parent.code])
    client.get(district)

    with django_assert_num_queries(16):
        client.get(district)
    with django_assert_num_queries(AREAS_PAGE_QUERIES):
        client.get(reverse("measures:areas"))


def metric_data(strategy, **extra: object) -> dict[str, object]:
    return {
        "name": "Osallistujat suurimman tarpeen alueilla",
        "unit": "hlö",
        "kind": "activity",
        "goal": strategy.goals.get(number=3).pk,
        "direction": "increase",
        "period": "year",
        "aggregation": "participants",
        "status": "done",
        **extra,
    }


def test_metric_form__a_third_by_need_becomes_the_metrics_areas_and_its_share_a_ratio(
    city, strategy, admin_role_user, client_for
):
    from measures.models import Metric

    log(city["Itälä"], 2, participants=30, new=5)
    log(city["Länsilä"], 4, participants=50, new=5)
    client = client_for(admin_role_user)

    response = client.post(
        reverse("measures:metric_create"), metric_data(strategy, need_third="high")
    )

    assert response.status_code == 302
    high = Metric.objects.get(name="Osallistujat suurimman tarpeen alueilla")
    assert high.version.definition["areas"] == [city["Itälä"].parent.pk]
    # The goal can now follow "the share of participants from the highest-need third": the
    # metric above divided by all participants (the meter's own built-in figure).
    everyone = Metric.objects.get(built_in=Metric.BuiltIn.REACH_PARTICIPANTS)
    ratio = client.post(
        reverse("measures:metric_create"),
        metric_data(
            strategy,
            name="Osuus suurimman tarpeen alueilta",
            unit="%",
            kind="ratio",
            numerator=high.pk,
            denominator=everyone.pk,
            percent="on",
        ),
    )
    assert ratio.status_code == 302
    services.recompute_all()
    share = Metric.objects.get(name="Osuus suurimman tarpeen alueilta")
    stored = share.version.values.get(period_start=datetime.date(YEAR, 1, 1), area=None)
    assert stored.value is not None
    value = float(stored.value)
    # 60 of 260 participants: the same share the meter shows.
    index = need_index()
    assert index is not None
    (this_year,) = [row for row in meter.meter(index, YEAR).over_time if row.year == YEAR]
    assert this_year.share_high is not None
    assert value == pytest.approx(this_year.share_high * 100, abs=0.01)
    assert value == pytest.approx(60 / 260 * 100, abs=0.01)


def test_metric_form__a_third_by_need_and_areas_together_are_refused(
    city, strategy, admin_role_user, client_for
):
    from measures.models import Metric

    response = client_for(admin_role_user).post(
        reverse("measures:metric_create"),
        metric_data(strategy, need_third="low", areas=[city["Itälä"].parent.pk]),
    )

    assert response.status_code == 200
    assert response.context["form"].has_error("need_third")
    assert not Metric.objects.filter(name="Osallistujat suurimman tarpeen alueilla").exists()


def test_metric_form__a_third_by_need_without_statistics_says_so(
    strategy, admin_role_user, client_for
):
    response = client_for(admin_role_user).post(
        reverse("measures:metric_create"), metric_data(strategy, need_third="high")
    )

    assert response.status_code == 200
    assert response.context["form"].has_error("need_third")
