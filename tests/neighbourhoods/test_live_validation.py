"""The activity and signal forms validate a field as the user leaves it (HTMX)."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from django.db.models import Count
from django.urls import reverse

from goals.models import Strategy
from neighbourhoods.models import AGE_BANDS, Activity, Area, Signal
from tests.factories.activity import ActivityTypeFactory
from tests.factories.area import AreaFactory
from tests.factories.unit import UnitFactory

pytestmark = pytest.mark.django_db

VALIDATE = reverse("neighbourhoods:activity_validate")


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2025, 3, 12, 12, 0, tzinfo=datetime.UTC)):
        yield


@pytest.fixture
def form_data(strategy: Strategy, staff_user) -> dict[str, Any]:
    unit = UnitFactory.create()
    unit.members.add(staff_user)
    goal = strategy.goals.get(number=2)
    return {
        "title": "Iltajalkautuminen",
        "status": "done",
        "date": "2025-03-11",
        "area": AreaFactory.create(level=Area.Level.SUB_DISTRICT).pk,
        "type": ActivityTypeFactory.create().pk,
        "unit": unit.pk,
        "goals": [goal.pk],
        **dict.fromkeys(AGE_BANDS, 0),
        "participants_13_17": 4,
        "participants_18_29": 1,
        "new_participants": 2,
        "volunteers": 0,
        "volunteer_hours": 0,
    }


def leave(client, field: str, data: dict[str, Any], url: str = VALIDATE):
    """Post the form as HTMX does when the user leaves a field."""
    return client.post(url, data, headers={"HX-Request": "true", "HX-Trigger-Name": field})


def field_ids(html: str) -> list[str]:
    """The fields whose wrappers (and inputs) the response would replace: none, ever."""
    return re.findall(r'<div class="field" id="(id_\w+)_field"', html)


def error_boxes(html: str) -> list[str]:
    """The fields whose error boxes the response replaces, out of band."""
    return re.findall(r'<div class="field-errors" id="(id_\w+)_errors" hx-swap-oob="true"', html)


def test_activity_form__fields_carry_the_live_validation(staff_user, client_for):
    response = client_for(staff_user).get(reverse("neighbourhoods:activity_create"))

    title = re.search(r"<input[^>]*name=\"title\"[^>]*>", response.text)
    assert title is not None
    assert f'hx-post="{VALIDATE}"' in title.group()
    assert 'hx-swap="none"' in title.group()


def test_validate__returns_the_left_fields_errors_and_never_its_input(
    staff_user, client_for, form_data
):
    response = leave(client_for(staff_user), "title", form_data | {"title": "x" * 201})

    assert response.status_code == 200
    assert error_boxes(response.text) == ["id_title"]
    assert 'class="errorlist" id="id_title_error"' in response.text
    # What the user types meanwhile, even back in the field just left, is not overwritten.
    assert field_ids(response.text) == []
    assert 'name="title"' not in response.text
    assert Activity.objects.count() == 0


def test_validate__a_valid_field_has_no_error(staff_user, client_for, form_data):
    response = leave(client_for(staff_user), "title", form_data)

    assert error_boxes(response.text) == ["id_title"]
    assert 'class="errorlist"' not in response.text


def test_validate__shows_only_the_left_fields_error(staff_user, client_for, form_data):
    # The area is missing too, but the user has not been there yet.
    response = leave(client_for(staff_user), "title", form_data | {"area": ""})

    assert error_boxes(response.text) == ["id_title"]
    assert 'class="errorlist"' not in response.text


def test_validate__privacy_guard_speaks_as_soon_as_the_field_is_left(
    staff_user, client_for, form_data
):
    response = leave(
        client_for(staff_user), "description", form_data | {"description": "Hetu 131052-308T"}
    )

    assert error_boxes(response.text) == ["id_description"]
    assert 'class="errorlist"' in response.text


def test_validate__an_age_band_also_rechecks_the_new_participants_errors_only(
    staff_user, client_for, form_data
):
    response = leave(
        client_for(staff_user),
        "participants_13_17",
        form_data | {"participants_13_17": 0, "participants_18_29": 1, "new_participants": 2},
    )

    assert error_boxes(response.text) == ["id_participants_13_17", "id_new_participants"]
    assert field_ids(response.text) == []
    # Only the errors of the new participants are replaced, never the input the user may be
    # typing into while the request is on its way.
    errors = re.search(
        r'<div class="field-errors" id="id_new_participants_errors"[^>]*>', response.text
    )
    assert errors is not None
    assert 'hx-swap-oob="true"' in errors.group()
    assert 'name="new_participants"' not in response.text
    assert 'class="errorlist"' in response.text[errors.start() :]


def test_validate__the_status_rechecks_the_date_errors_out_of_band(
    staff_user, client_for, form_data
):
    response = leave(
        client_for(staff_user), "status", form_data | {"status": "done", "date": "2025-04-01"}
    )

    assert error_boxes(response.text) == ["id_status", "id_date"]
    assert field_ids(response.text) == []
    assert 'name="date"' not in response.text
    assert 'class="errorlist"' in response.text


def test_activity_form__goals_and_means_carry_their_goal_number(staff_user, client_for, strategy):
    response = client_for(staff_user).get(reverse("neighbourhoods:activity_create"))

    goals = dict(re.findall(r'name="goals" value="(\d+)"[^>]*data-goal="(\d+)"', response.text))
    means = re.findall(r'name="means" value="(\d+)"[^>]*data-goal="(\d+)"', response.text)
    assert {int(g) for g in goals.values()} == {1, 2, 3, 4}
    assert len(means) == strategy.goals.aggregate(n=Count("means_set"))["n"]
    for means_pk, number in means:
        assert strategy.goals.get(means_set=means_pk).number == int(number)


@pytest.mark.parametrize(
    "field", ["", "version", "csrfmiddlewaretoken", "nonsense", "themes", "goals", "means"]
)
def test_validate__refuses_a_field_that_is_not_validated_alone(
    staff_user, client_for, form_data, field
):
    response = leave(client_for(staff_user), field, form_data)

    assert response.status_code == 400


def test_validate__needs_post(staff_user, client_for):
    response = client_for(staff_user).get(VALIDATE, headers={"HX-Request": "true"})

    assert response.status_code == 405


def test_validate__is_refused_to_leadership(leadership_user, client_for, form_data):
    response = leave(client_for(leadership_user), "title", form_data)

    assert response.status_code == 403


def test_validate__garbage_ids_are_an_error_not_a_crash(staff_user, client_for, form_data):
    data = form_data | {"goals": ["abc", "99999999999999999999"], "means": ["x", "-1"]}

    response = leave(client_for(staff_user), "title", data)

    assert response.status_code == 200


def test_signal_validate__returns_the_left_fields_errors(staff_user, client_for, form_data):
    data = {"text": "Soita 040 123 4567", "date": "2025-03-11", "raised_by": "resident"}

    response = leave(
        client_for(staff_user), "text", data, url=reverse("neighbourhoods:signal_validate")
    )

    assert error_boxes(response.text) == ["id_text"]
    assert field_ids(response.text) == []
    assert 'class="errorlist"' in response.text
    assert Signal.objects.count() == 0
