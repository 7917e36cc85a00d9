"""The counts of the activity form (participants by age band, new participants, volunteers,
volunteer hours) start empty, with 0 as a placeholder, so that nothing needs deleting before
a number is typed; a count left empty is saved as 0."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from goals.models import Strategy
from neighbourhoods.forms import COUNT_FIELDS
from neighbourhoods.models import Activity, Area
from tests.factories.activity import ActivityFactory, ActivityTypeFactory
from tests.factories.area import AreaFactory
from tests.factories.unit import UnitFactory

pytestmark = pytest.mark.django_db

NEW_URL = reverse("neighbourhoods:activity_create")


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2025, 3, 12, 12, 0, tzinfo=datetime.UTC)):
        yield


@pytest.fixture
def unit(staff_user):
    unit = UnitFactory.create(name_fi="Kontulan asukastalo")
    unit.members.add(staff_user)
    return unit


@pytest.fixture
def form_data(strategy: Strategy, unit) -> dict[str, Any]:
    """A valid activity whose counts are all left empty."""
    goal = strategy.goals.get(number=2)
    area = AreaFactory.create(name_fi="Kontula", level=Area.Level.SUB_DISTRICT)
    return {
        "title": "Iltajalkautuminen ostarilla",
        "status": "done",
        "date": "2025-03-11",
        "area": area.pk,
        "type": ActivityTypeFactory.create().pk,
        "unit": unit.pk,
        "goals": [goal.pk],
        **dict.fromkeys(COUNT_FIELDS, ""),
    }


def count_input(html: str, name: str) -> str:
    """The <input> tag of the count `name` in the page."""
    start = html.index(f'name="{name}"')
    return html[html.rindex("<input", 0, start) : html.index(">", start) + 1]


def test_activity_create__saves_counts_left_empty_as_zeros(staff_user, client_for, form_data):
    response = client_for(staff_user).post(NEW_URL, form_data)

    assert response.status_code == 302
    activity = Activity.objects.get()
    assert [getattr(activity, name) for name in COUNT_FIELDS] == [0] * len(COUNT_FIELDS)
    assert activity.participants_total == 0


def test_activity_create__saves_counts_left_out_of_the_post_as_zeros(
    staff_user, client_for, form_data
):
    for name in COUNT_FIELDS:
        del form_data[name]

    response = client_for(staff_user).post(NEW_URL, form_data)

    assert response.status_code == 302
    assert Activity.objects.get().volunteer_hours == 0


def test_activity_create__saves_the_counts_typed_beside_empty_ones(
    staff_user, client_for, form_data
):
    typed = {"participants_13_17": "6", "new_participants": "2", "volunteer_hours": "1.5"}

    response = client_for(staff_user).post(NEW_URL, form_data | typed)

    assert response.status_code == 302
    activity = Activity.objects.get()
    assert (activity.participants_13_17, activity.participants_0_12) == (6, 0)
    assert (activity.new_participants, activity.volunteer_hours) == (2, Decimal("1.5"))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"participants_13_17": "-1"}, "participants_13_17"),
        ({"participants_0_12": "2.5"}, "participants_0_12"),
        ({"participants_0_12": "kaksi"}, "participants_0_12"),
        ({"volunteers": "-2"}, "volunteers"),
        ({"volunteers": "10001"}, "volunteers"),
        ({"volunteer_hours": "-1"}, "volunteer_hours"),
        ({"volunteer_hours": "1.25"}, "volunteer_hours"),
        # The new participants are among all of them, and empty bands are no participants.
        ({"new_participants": "1"}, "new_participants"),
    ],
)
def test_activity_create__still_refuses_bad_counts_beside_empty_ones(
    staff_user, client_for, form_data, change, field
):
    response = client_for(staff_user).post(NEW_URL, form_data | change)

    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert Activity.objects.count() == 0


def test_activity_form__shows_the_counts_empty_with_a_zero_placeholder(staff_user, client_for):
    html = client_for(staff_user).get(NEW_URL).text

    for name in COUNT_FIELDS:
        tag = count_input(html, name)
        assert 'placeholder="0"' in tag, tag
        assert "value=" not in tag, tag
        assert " required" not in tag, tag


def test_activity_form__a_copy_shows_the_counts_of_its_source_and_no_zeros(
    staff_user, client_for, unit
):
    source = ActivityFactory.create(
        created_by=staff_user, unit=unit, participants_13_17=8, volunteer_hours=Decimal("2.5")
    )

    html = client_for(staff_user).get(NEW_URL, {"copy": source.pk}).text

    assert 'value="8"' in count_input(html, "participants_13_17")
    assert 'value="2.5"' in count_input(html, "volunteer_hours")
    assert "value=" not in count_input(html, "participants_0_12")
    assert "value=" not in count_input(html, "volunteers")


def test_activity_edit__shows_the_saved_counts_and_leaves_zeros_empty(staff_user, client_for, unit):
    activity = ActivityFactory.create(created_by=staff_user, unit=unit, participants_18_29=2)

    url = reverse("neighbourhoods:activity_update", args=[activity.pk])
    html = client_for(staff_user).get(url).text

    assert 'value="2"' in count_input(html, "participants_18_29")
    assert "value=" not in count_input(html, "participants_65_plus")


def test_activity_form__refused_shows_the_counts_as_typed(staff_user, client_for, form_data):
    typed = {"participants_0_12": "0", "participants_30_64": "3", "title": ""}

    html = client_for(staff_user).post(NEW_URL, form_data | typed).text

    assert 'value="3"' in count_input(html, "participants_30_64")
    assert 'value="0"' in count_input(html, "participants_0_12")
    assert "value=" not in count_input(html, "volunteers")


def test_validate__an_empty_age_band_counts_as_zero_for_the_new_participants(
    staff_user, client_for, form_data
):
    data = form_data | {"participants_13_17": "", "new_participants": "2"}

    response = client_for(staff_user).post(
        reverse("neighbourhoods:activity_validate"),
        data,
        HTTP_HX_REQUEST="true",
        HTTP_HX_TRIGGER_NAME="participants_13_17",
    )

    assert response.status_code == 200
    assert 'id="id_participants_13_17_error"' not in response.text
    assert 'id="id_new_participants_error"' in response.text
