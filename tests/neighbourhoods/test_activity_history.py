"""The history of an activity, a signal or a partner reads as what people did, in their language."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import formats, translation

from goals.models import Strategy
from neighbourhoods.models import Activity, Area, Partner, Signal
from tests.factories import UserFactory
from tests.factories.activity import ActivityTypeFactory
from tests.factories.area import AreaFactory
from tests.factories.partner import PartnerFactory
from tests.factories.signal import SignalFactory
from tests.factories.unit import UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2025, 3, 12, 12, 0, tzinfo=datetime.UTC)):
        yield


@pytest.fixture
def staff_member():
    return UserFactory.create(
        username="maija", first_name="Maija", last_name="Meikäläinen", role="staff"
    )


@pytest.fixture
def unit(staff_member):
    unit = UnitFactory.create(name_fi="Kontulan asukastalo")
    unit.members.add(staff_member)
    return unit


@pytest.fixture
def area() -> Area:
    return AreaFactory.create(name_fi="Kontula", level=Area.Level.SUB_DISTRICT)


@pytest.fixture
def form_data(strategy: Strategy, area, unit) -> dict[str, Any]:
    goal = strategy.goals.get(number=2)
    return {
        "title": "Iltajalkautuminen ostarilla",
        "status": "done",
        "date": "2025-03-11",
        "area": area.pk,
        "type": ActivityTypeFactory.create().pk,
        "unit": unit.pk,
        "goals": [goal.pk],
        "means": [goal.means_set.get(position=3).pk],
        "participants_13_17": 12,
        "new_participants": 5,
        "volunteer_hours": "2.5",
    }


@pytest.fixture
def activity(staff_member, client_for, form_data) -> Activity:
    client_for(staff_member).post(reverse("neighbourhoods:activity_create"), form_data)
    return Activity.objects.get()


def edit(client: Client, activity: Activity, data: dict[str, Any]) -> None:
    activity.refresh_from_db()
    response = client.post(
        reverse("neighbourhoods:activity_update", args=[activity.pk]),
        data | {"version": activity.version},
    )
    assert response.status_code == 302


def history_of(client: Client, url: str, language: str = "fi") -> str:
    """The text of the page's history, tags and runs of whitespace removed."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(url).text
    section = page.split('<section aria-labelledby="history-title">')[1].split("</section>")[0]
    return " ".join(re.sub(r"<[^>]+>", " ", section).split())


def activity_url(activity: Activity) -> str:
    return reverse("neighbourhoods:activity", args=[activity.pk])


def test_activity_history__names_the_means_added_and_removed_by_number(
    staff_member, leadership_user, client_for, form_data, activity, strategy
):
    goal = strategy.goals.get(number=2)
    edit(
        client_for(staff_member),
        activity,
        form_data | {"means": [goal.means_set.get(position=1).pk]},
    )

    history = history_of(client_for(leadership_user), activity_url(activity))

    assert "Keinot: lisätty 2.1" in history
    assert "Keinot: poistettu 2.3" in history
    assert "type" not in history
    assert "operation" not in history
    assert "objects" not in history


def test_activity_history__names_the_organisers_and_goals(leadership_user, client_for, activity):
    history = history_of(client_for(leadership_user), activity_url(activity))

    assert "Järjestäjät: lisätty Maija Meikäläinen" in history
    assert "Strategiset tavoitteet: lisätty 2. " in history


@pytest.mark.parametrize(
    ("language", "created", "changed", "added"),
    [
        ("fi", "luotu", "muutettu", "lisätty"),
        ("sv", "skapad", "ändrad", "tillagt"),
        ("en", "created", "changed", "added"),
    ],
)
def test_activity_history__says_what_was_done_in_the_pages_language(
    staff_member,
    leadership_user,
    client_for,
    form_data,
    activity,
    language,
    created,
    changed,
    added,
):
    edit(client_for(staff_member), activity, form_data | {"title": "Ostarikierros"})

    history = history_of(client_for(leadership_user), activity_url(activity), language)

    assert f"Maija Meikäläinen: {created}" in history
    assert f"Maija Meikäläinen: {changed}" in history
    assert f": {added} 2.3" in history
    if language != "en":
        assert not {"create", "update", "added"} & set(history.split())


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_activity_history__shows_a_field_change_by_its_translated_name(
    staff_member, leadership_user, client_for, form_data, activity, language
):
    kallio = AreaFactory.create(name_fi="Kallio", level=Area.Level.SUB_DISTRICT)
    edit(
        client_for(staff_member),
        activity,
        form_data | {"area": kallio.pk, "date": "2025-03-10", "volunteer_hours": "3"},
    )

    history = history_of(client_for(leadership_user), activity_url(activity), language)

    with translation.override(language):
        area = str(Activity._meta.get_field("area").verbose_name).capitalize()
        date = str(Activity._meta.get_field("date").verbose_name).capitalize()
        old_date = formats.date_format(datetime.date(2025, 3, 11), "SHORT_DATE_FORMAT")
    assert f"{area}: Kontula → Kallio" in history
    assert f"{date}: {old_date} → " in history
    assert "Version" not in history
    assert ": 2,5 → 3" in history or ": 2.5 → 3" in history


def test_activity_history__query_count_does_not_grow_with_the_edits(
    staff_member,
    leadership_user,
    client_for,
    form_data,
    activity,
    strategy,
    django_assert_max_num_queries,
):
    goal = strategy.goals.get(number=2)
    client = client_for(leadership_user)
    editor = client_for(staff_member)
    first_area = AreaFactory.create()
    edit(
        editor,
        activity,
        form_data | {"area": first_area.pk, "means": [goal.means_set.get(position=1).pk]},
    )
    client.get(activity_url(activity))
    with django_assert_max_num_queries(16) as few:
        client.get(activity_url(activity))
    # Read now: the connection keeps only the latest queries, and the edits below run many.
    baseline = len(few.captured_queries)
    for position, area in enumerate(AreaFactory.create_batch(6), start=1):
        means = goal.means_set.filter(position__lte=position % 4 + 1)
        edit(editor, activity, form_data | {"area": area.pk, "means": [m.pk for m in means]})

    with django_assert_max_num_queries(baseline):
        response = client.get(activity_url(activity))

    assert response.text.count("Keinot: lisätty") >= 4


def test_signal_history__shows_the_choices_by_their_labels(
    staff_member, leadership_user, client_for, unit
):
    signal = SignalFactory.create(created_by=staff_member, unit=unit, urgency="high")
    signal.urgency = Signal.Urgency.LOW
    signal.save()

    history = history_of(
        client_for(leadership_user), reverse("neighbourhoods:signal", args=[signal.pk])
    )

    assert "Kiireellisyys: Korkea → Matala" in history
    assert "low" not in history


def test_partner_history__shows_the_old_and_new_name_and_sector(
    leadership_user, client_for, django_assert_max_num_queries
):
    partner = PartnerFactory.create(name="Vanha nimi", sector=Partner.Sector.THIRD_SECTOR)
    partner.name = "Uusi nimi"
    partner.sector = Partner.Sector.PUBLIC
    partner.save()

    history = history_of(
        client_for(leadership_user), reverse("neighbourhoods:partner", args=[partner.pk]), "en"
    )

    assert "Name: Vanha nimi → Uusi nimi" in history
    assert "Sector: Third sector (associations, foundations) → Public authorities" in history
    assert "the system: changed" in history
