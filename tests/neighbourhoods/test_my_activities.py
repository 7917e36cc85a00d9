"""My activities: one's done work newest first, the upcoming apart, with the full list's filters."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from neighbourhoods.models import Activity
from tests.factories import UserFactory
from tests.factories.activity import ActivityFactory, ActivityTypeFactory
from tests.factories.area import AreaFactory
from tests.factories.unit import UnitFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 3, 12)
MINE = "/activities/mine/"
PLANNED = Activity.Status.PLANNED


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2025, 3, 12, 12, 0, tzinfo=datetime.UTC)):
        yield


@pytest.fixture
def log(staff_user):
    """Log an activity of staff_user's, days from today (negative: in the past)."""
    unit, area = UnitFactory.create(), AreaFactory.create()

    def make(title: str, days: int, status: str = Activity.Status.DONE, **kwargs) -> Activity:
        fields = {"unit": unit, "area": area, "created_by": staff_user} | kwargs
        date = TODAY + datetime.timedelta(days=days)
        return ActivityFactory.create(title=title, date=date, status=status, **fields)

    return make


def titles(rows) -> list[str]:
    return [activity.title for activity in rows]


def test_my_activities__done_newest_first_and_upcoming_apart_soonest_first(
    staff_user, client_for, log
):
    log("Viime kuussa", -30)
    log("Eilen", -1)
    log("Tänään tehty", 0)
    log("Suunniteltu mutta mennyt", -3, PLANNED)
    log("Ensi kuussa", 25, PLANNED)
    log("Huomenna", 1, PLANNED)
    log("Tänään illalla", 0, PLANNED)
    log("Alkoi eilen, jatkuu huomiseen", -1, PLANNED, end_date=TODAY + datetime.timedelta(1))

    response = client_for(staff_user).get(MINE)

    assert titles(response.context["upcoming"]) == [
        "Alkoi eilen, jatkuu huomiseen",
        "Tänään illalla",
        "Huomenna",
        "Ensi kuussa",
    ]
    assert titles(response.context["page"]) == [
        "Tänään tehty",
        "Eilen",
        "Suunniteltu mutta mennyt",
        "Viime kuussa",
    ]
    upcoming, earlier = response.text.split("<h2>Aiemmat</h2>")
    assert 'id="upcoming-title">Tulossa</h2>' in upcoming
    assert "Huomenna" in upcoming
    assert "Eilen" not in upcoming
    assert "Eilen" in earlier
    assert "Huomenna" not in earlier


def test_my_activities__shows_the_soonest_upcoming_and_links_to_all_of_them(
    staff_user, client_for, log
):
    for day in range(1, 9):
        log(f"Suunnitelma {day}", day, PLANNED)
    log("Eilen", -1)
    client = client_for(staff_user)

    response = client.get(MINE)

    assert titles(response.context["upcoming"]) == [f"Suunnitelma {day}" for day in range(1, 6)]
    assert "Näytä kaikki tulossa olevat (8)" in response.text
    assert titles(response.context["page"]) == ["Eilen"]

    everything = client.get(MINE, {"upcoming": "all"})

    assert titles(everything.context["page"]) == [f"Suunnitelma {day}" for day in range(1, 9)]
    assert "Eilen" not in titles(everything.context["page"])
    assert "Takaisin omiin toimintoihini" in everything.text


def test_my_activities__shows_no_upcoming_section_without_plans(staff_user, client_for, log):
    log("Eilen", -1)

    response = client_for(staff_user).get(MINE)

    assert response.context["upcoming"] == []
    assert "Tulossa" not in response.text
    assert "<h2>Aiemmat</h2>" not in response.text


def test_my_activities__shows_only_ones_own_and_organised(staff_user, client_for, log):
    someone = UserFactory.create()
    log("Oma", -1)
    log("Oma suunnitelma", 2, PLANNED)
    organised = log("Järjestin", -2, created_by=someone)
    organised.organisers.add(staff_user)
    log("Toisen", -1, created_by=someone)
    log("Toisen suunnitelma", 2, PLANNED, created_by=someone)

    response = client_for(staff_user).get(MINE)

    assert titles(response.context["page"]) == ["Oma", "Järjestin"]
    assert titles(response.context["upcoming"]) == ["Oma suunnitelma"]
    assert "Toisen" not in response.text


def test_my_activities__are_mine_for_leadership_too(leadership_user, client_for, log):
    log("Henkilökunnan", -1)
    log("Johdon", -1, created_by=leadership_user)

    response = client_for(leadership_user).get(MINE)

    assert titles(response.context["page"]) == ["Johdon"]


def test_my_activities__a_filter_narrows_both_sections(staff_user, client_for, log):
    workshop = ActivityTypeFactory.create(name_fi="Työpaja")
    log("Työpaja eilen", -1, type=workshop)
    log("Jalkautuminen eilen", -1)
    log("Työpaja huomenna", 1, PLANNED, type=workshop)
    log("Jalkautuminen huomenna", 1, PLANNED)

    response = client_for(staff_user).get(MINE, {"type": workshop.pk})

    assert titles(response.context["page"]) == ["Työpaja eilen"]
    assert titles(response.context["upcoming"]) == ["Työpaja huomenna"]
    assert response.context["filters"].is_valid()


def test_my_activities__a_search_narrows_the_list(staff_user, client_for, log):
    log("Kirjastokierros", -1)
    log("Ostarikierros", -2, description="Juttelimme nuorten kanssa.")
    log("Ostarin nuorisoilta", 3, PLANNED)

    response = client_for(staff_user).get(MINE, {"q": "nuor"})

    assert titles(response.context["page"]) == ["Ostarikierros"]
    assert titles(response.context["upcoming"]) == ["Ostarin nuorisoilta"]


def test_my_activities__a_date_range_narrows_the_list(staff_user, client_for, log):
    log("Eilen", -1)
    log("Viime viikolla", -7)

    response = client_for(staff_user).get(MINE, {"date_from": "2025-03-10"})

    assert titles(response.context["page"]) == ["Eilen"]


def test_my_activities__bad_filters_show_an_error_not_a_crash(staff_user, client_for, log):
    log("Eilen", -1)

    response = client_for(staff_user).get(MINE, {"date_from": "eilen"})

    assert response.status_code == 200
    assert response.context["filters"].errors
    assert titles(response.context["page"]) == []


def test_my_activities__filter_form_stays_on_my_activities(staff_user, client_for, log):
    response = client_for(staff_user).get(MINE)

    assert f'action="{MINE}"' in response.text
    assert f'hx-get="{MINE}"' in response.text
    assert "export.csv" not in response.text


def test_my_activities__htmx_request_renders_only_the_results(staff_user, client_for, log):
    log("Eilen", -1)
    log("Huomenna", 1, PLANNED)

    response = client_for(staff_user).get(MINE, {"q": "e"}, headers={"HX-Request": "true"})

    assert response.text.lstrip().startswith('<section id="results"')
    assert "Eilen" in response.text
    assert "Huomenna" in response.text


def test_my_activities__pages_the_done_work_and_keeps_the_filters(staff_user, client_for, log):
    for day in range(1, 31):
        log(f"Tehty {day}", -day)
    log("Huomenna", 1, PLANNED)
    client = client_for(staff_user)

    second = client.get(MINE, {"q": "Tehty", "page": 2})

    assert titles(second.context["page"]) == [f"Tehty {day}" for day in range(26, 31)]
    assert "upcoming" not in second.context
    assert "?q=Tehty&amp;page=1" in second.text


def test_my_activities__query_count_does_not_grow_with_rows(
    staff_user, client_for, log, strategy, django_assert_max_num_queries
):
    goal = strategy.goals.get(number=1)
    log("Eilen", -1, goals=[goal])
    log("Toissapäivänä", -2, goals=[goal])
    log("Huomenna", 1, PLANNED, goals=[goal])
    client = client_for(staff_user)
    client.get(MINE)
    with django_assert_max_num_queries(19) as few:
        client.get(MINE)
    baseline = len(few.captured_queries)
    for day in range(3, 18):
        log(f"Tehty {day}", -day, goals=[goal])
        log(f"Suunnitelma {day}", day, PLANNED, goals=[goal])

    with django_assert_max_num_queries(baseline) as many:
        response = client.get(MINE)

    assert len(many.captured_queries) == baseline
    assert len(response.context["page"]) == 17
    assert len(response.context["upcoming"]) == 5
