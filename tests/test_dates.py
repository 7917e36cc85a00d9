"""Every date the app accepts lies in a window: from the first accepted year (2000 unless
configured) to the end of the year three years from now. Outside it the form says so, in the
user's language, and nothing is saved."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from goals.models import Strategy
from measures.computation import history_span
from measures.models import Measurement, Metric
from neighbourhoods.models import Activity, Signal
from tests.factories.activity import ActivityFactory, ActivityTypeFactory
from tests.factories.area import AreaFactory
from tests.factories.metric import MetricFactory
from tests.factories.unit import UnitFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 6)
OUT_OF_WINDOW = ["0001-01-01", "1999-12-31", "2030-01-01", "9999-12-31"]


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2026, 12, 6, 12, 0, tzinfo=datetime.UTC)):
        yield


@pytest.fixture
def staff_client(staff_user, client_for) -> Client:
    return client_for(staff_user)


@pytest.fixture
def unit(staff_user):
    unit = UnitFactory.create()
    unit.members.add(staff_user)
    return unit


@pytest.fixture
def activity_data(strategy: Strategy, unit) -> dict[str, Any]:
    return {
        "title": "Iltajalkautuminen ostarilla",
        "status": "planned",
        "date": "2026-12-10",
        "area": AreaFactory.create().pk,
        "type": ActivityTypeFactory.create().pk,
        "unit": unit.pk,
        "goals": [strategy.goals.get(number=2).pk],
    }


def errors_of(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("day", OUT_OF_WINDOW)
def test_an_activity_dated_outside_the_window_is_refused_and_nothing_saved(
    staff_client, activity_data, day
):
    activity_data["date"] = day
    if day < TODAY.isoformat():
        activity_data["status"] = "done"

    response = staff_client.post(reverse("neighbourhoods:activity_create"), activity_data)

    assert response.status_code == 200
    assert "Anna päivämäärä väliltä 1.1.2000–31.12.2029." in errors_of(response)
    assert not Activity.objects.exists()


def test_the_window_ends_three_years_ahead_for_planned_work(staff_client, activity_data):
    activity_data["date"] = "2029-12-31"

    response = staff_client.post(reverse("neighbourhoods:activity_create"), activity_data)

    assert response.status_code == 302
    assert Activity.objects.get().date == datetime.date(2029, 12, 31)


def test_an_end_date_outside_the_window_is_refused(staff_client, activity_data):
    activity_data["end_date"] = "20261-01-01"
    response = staff_client.post(reverse("neighbourhoods:activity_create"), activity_data)
    assert response.status_code == 200
    assert not Activity.objects.exists()

    activity_data["end_date"] = "2031-01-01"
    response = staff_client.post(reverse("neighbourhoods:activity_create"), activity_data)
    assert "Anna päivämäärä väliltä" in errors_of(response)
    assert not Activity.objects.exists()


def test_an_edit_cannot_move_an_activity_out_of_the_window(
    staff_user, staff_client, activity_data, unit
):
    activity = ActivityFactory.create(
        date=datetime.date(2025, 5, 5), unit=unit, created_by=staff_user
    )
    before = Activity.objects.values().get()
    data = {**activity_data, "status": "done", "date": "0001-01-01"}
    data["version"] = activity.version

    response = staff_client.post(
        reverse("neighbourhoods:activity_update", args=[activity.pk]), data
    )

    assert response.status_code == 200
    assert Activity.objects.values().get() == before


def test_the_message_is_in_the_users_language(staff_client, activity_data):
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    activity_data.update(status="done", date="1999-01-01")

    response = staff_client.post(reverse("neighbourhoods:activity_create"), activity_data)

    assert "Ange ett datum mellan" in errors_of(response)


def test_a_signal_dated_outside_the_window_is_refused(staff_client, strategy, unit):
    data = {
        "date": "1900-01-01",
        "area": AreaFactory.create().pk,
        "text": "Moni perhe kertoi, ettei lapsille löydy harrastusta.",
        "themes": [strategy.inequalitythemes.get(position=1).pk],
        "raised_by": "resident",
        "urgency": "high",
        "unit": unit.pk,
    }

    response = staff_client.post(reverse("neighbourhoods:signal_create"), data)

    assert response.status_code == 200
    assert "Anna päivämäärä väliltä" in errors_of(response)
    assert not Signal.objects.exists()


def test_a_baseline_outside_the_window_is_refused(admin_role_user, client_for, strategy):
    data = {
        "name": "Osallistujat",
        "unit": "hlö",
        "kind": "activity",
        "goal": strategy.goals.get(number=2).pk,
        "direction": "increase",
        "period": "year",
        "aggregation": "participants",
        "status": "",
        "baseline_value": "100",
        "baseline_period": "0001-01-01",
    }

    response = client_for(admin_role_user).post(reverse("measures:metric_create"), data)

    assert response.status_code == 200
    assert "Anna päivämäärä väliltä" in errors_of(response)
    assert not Metric.objects.exists()


def test_a_measurement_cannot_be_stored_outside_the_window():
    metric = MetricFactory.create(kind=Metric.Kind.MANUAL, definition={})
    measurement = Measurement(metric=metric, period_start=datetime.date(1, 1, 1), value=1)

    with pytest.raises(ValidationError) as refused:
        measurement.full_clean()

    assert "1.1.2000" in str(refused.value.message_dict["period_start"])


def test_the_metric_history_never_starts_before_the_window(strategy):
    # A row from before the window (written around the forms, e.g. by an old import).
    ActivityFactory.create(date=datetime.date(1, 1, 1))

    assert history_span(TODAY).first == datetime.date(2000, 1, 1)


def test_the_first_year_is_configurable(settings, staff_client, activity_data):
    settings.DATES_FIRST_YEAR = 2020
    activity_data.update(status="done", date="2019-12-31")

    response = staff_client.post(reverse("neighbourhoods:activity_create"), activity_data)

    assert "Anna päivämäärä väliltä 1.1.2020–31.12.2029." in errors_of(response)
    assert not Activity.objects.exists()
