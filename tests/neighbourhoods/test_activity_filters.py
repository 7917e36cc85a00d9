from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from neighbourhoods.models import Area
from tests.factories import UserFactory
from tests.factories.activity import ActivityFactory
from tests.factories.area import AreaFactory
from tests.factories.partner import PartnerFactory

pytestmark = pytest.mark.django_db

URL = "/activities/"


@pytest.fixture
def mellunkyla():
    return AreaFactory.create(name_fi="Mellunkylä", level=Area.Level.BASIC_DISTRICT)


@pytest.fixture
def activities(strategy, mellunkyla):
    kontula = AreaFactory.create(name_fi="Kontula", parent=mellunkyla)
    kallio = AreaFactory.create(name_fi="Kallio", level=Area.Level.BASIC_DISTRICT)
    goal1, goal2 = strategy.goals.get(number=1), strategy.goals.get(number=2)
    theme = strategy.inequalitythemes.get(position=2)
    return {
        "in_kontula": ActivityFactory.create(
            title="Kontulan ilta", area=kontula, goals=[goal2], date=datetime.date(2024, 3, 1)
        ),
        "in_mellunkyla": ActivityFactory.create(
            title="Mellunkylän päivä",
            area=mellunkyla,
            goals=[goal1, goal2],
            themes=[theme],
            date=datetime.date(2024, 5, 1),
        ),
        "in_kallio": ActivityFactory.create(
            title="Kallion kahvila",
            area=kallio,
            goals=[goal1],
            partners=[PartnerFactory.create(name="Kallion seurakunta")],
            date=datetime.date(2024, 9, 1),
        ),
    }


def titles(response) -> set[str]:
    return {activity.title for activity in response.context["page"]}


def test_filter__a_basic_district_includes_its_sub_districts(
    leadership_user, client_for, activities, mellunkyla
):
    response = client_for(leadership_user).get(URL, {"area": mellunkyla.pk})

    assert titles(response) == {"Kontulan ilta", "Mellunkylän päivä"}


def test_filter__by_goal_lists_each_activity_once(
    leadership_user, client_for, activities, strategy
):
    response = client_for(leadership_user).get(URL, {"goal": strategy.goals.get(number=2).pk})

    assert titles(response) == {"Kontulan ilta", "Mellunkylän päivä"}
    assert response.context["page"].paginator.count == 2


def test_filter__by_date_range_theme_partner_and_text(
    leadership_user, client_for, activities, strategy
):
    client = client_for(leadership_user)
    theme = strategy.inequalitythemes.get(position=2)
    partner = activities["in_kallio"].partners.get()

    assert titles(client.get(URL, {"date_from": "2024-04-01", "date_to": "2024-06-30"})) == {
        "Mellunkylän päivä"
    }
    assert titles(client.get(URL, {"theme": theme.pk})) == {"Mellunkylän päivä"}
    assert titles(client.get(URL, {"partner": partner.pk})) == {"Kallion kahvila"}
    assert titles(client.get(URL, {"q": "kahvila"})) == {"Kallion kahvila"}


@pytest.mark.parametrize(
    "query",
    [
        {"area": "abc"},
        {"goal": "999999"},
        {"date_from": "yesterday"},
        {"date_from": "2024-06-01", "date_to": "2024-01-01"},
        {"page": "-3"},
        {"page": "zzz"},
    ],
)
def test_filter__bad_values_answer_with_an_error_not_a_crash(
    leadership_user, client_for, activities, query
):
    response = client_for(leadership_user).get(URL, query)

    assert response.status_code == 200


def test_filter__htmx_request_gets_only_the_results(leadership_user, client_for, activities):
    response = client_for(leadership_user).get(
        URL, {"q": "kahvila"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="results"' in response.text
    assert "Kallion kahvila" in response.text


def test_filter__staff_filters_only_their_own(staff_user, client_for, activities, mellunkyla):
    ActivityFactory.create(title="Oma ilta", area=mellunkyla, created_by=staff_user)

    response = client_for(staff_user).get(
        reverse("neighbourhoods:activities"), {"area": mellunkyla.pk}
    )

    assert titles(response) == {"Oma ilta"}


def test_filter__organisers_are_offered_by_name_and_only_those_the_user_may_see(
    staff_user, leadership_user, client_for
):
    colleague = UserFactory.create(username="mvirtanen", first_name="Maija", last_name="Virtanen")
    stranger = UserFactory.create(username="kkorhonen", first_name="Kalle", last_name="Korhonen")
    ActivityFactory.create(created_by=staff_user, organisers=[staff_user, colleague])
    ActivityFactory.create(organisers=[stranger])  # not the staff user's: not visible to them

    staff_page = client_for(staff_user).get(URL)
    leadership_page = client_for(leadership_user).get(URL)

    offered = staff_page.context["filters"].fields["organiser"].queryset
    assert set(offered) == {staff_user, colleague}
    assert "Maija Virtanen" in staff_page.text
    assert "mvirtanen" not in staff_page.text
    assert "Kalle Korhonen" not in staff_page.text  # (other users get random Finnish names)
    assert "Kalle Korhonen" in leadership_page.text
    assert "kkorhonen" not in leadership_page.text


def test_filter__an_organiser_the_user_may_not_see_is_a_bad_filter(staff_user, client_for):
    stranger = UserFactory.create()
    ActivityFactory.create(organisers=[stranger])

    response = client_for(staff_user).get(URL, {"organiser": stranger.pk})

    assert response.status_code == 200
    assert response.context["filters"].errors["organiser"]
