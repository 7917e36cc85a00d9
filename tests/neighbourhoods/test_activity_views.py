from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse

from goals.models import Strategy
from neighbourhoods.models import Activity, Area
from tests.factories import UserFactory
from tests.factories.activity import ActivityFactory, ActivityTypeFactory
from tests.factories.area import AreaFactory
from tests.factories.unit import UnitFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 3, 12)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2025, 3, 12, 12, 0, tzinfo=datetime.UTC)):
        yield


@pytest.fixture
def area() -> Area:
    return AreaFactory.create(name_fi="Kontula", level=Area.Level.SUB_DISTRICT)


@pytest.fixture
def unit(staff_user, admin_role_user):
    unit = UnitFactory.create(name_fi="Kontulan asukastalo")
    unit.members.add(staff_user)
    return unit


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
        "themes": [strategy.inequalitythemes.get(position=4).pk],
        "participants_0_12": 0,
        "participants_13_17": 12,
        "participants_18_29": 3,
        "participants_30_64": 0,
        "participants_65_plus": 0,
        "participants_unknown_age": 0,
        "new_participants": 5,
        "volunteers": 1,
        "volunteer_hours": "2.5",
        "description": "Kävimme ostarilla ja juttelimme nuorten kanssa.",
        "heard": "Nuoret kaipaavat iltaisin paikkaa, jossa olla.",
    }


def post_new(client: Client, data: dict[str, Any]):
    return client.post(reverse("neighbourhoods:activity_create"), data)


def test_activity_create__saves_a_valid_activity_with_the_total_from_the_bands(
    staff_user, client_for, form_data
):
    response = post_new(client_for(staff_user), form_data)

    activity = Activity.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("neighbourhoods:activity", args=[activity.pk])
    assert activity.participants_total == 15
    assert activity.created_by == staff_user
    assert list(activity.organisers.all()) == [staff_user]
    assert activity.goals.get().number == 2
    created = LogEntry.objects.get_for_object(activity).get(action=LogEntry.Action.CREATE)
    assert created.actor == staff_user


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"participants_13_17": -1}, "participants_13_17"),
        ({"participants_18_29": 100_001}, "participants_18_29"),
        ({"volunteers": -2}, "volunteers"),
        ({"volunteer_hours": "-1"}, "volunteer_hours"),
        ({"volunteer_hours": "100001"}, "volunteer_hours"),
        ({"new_participants": 16}, "new_participants"),
        ({"date": "2025-03-13"}, "date"),
        ({"date": "not a date"}, "date"),
        ({"end_date": "2025-03-10"}, "end_date"),
        ({"title": "x" * 201}, "title"),
        ({"title": ""}, "title"),
        ({"description": "y" * 5001}, "description"),
        ({"goals": []}, "goals"),
        ({"goals": ["999999"]}, "goals"),
        ({"area": "abc"}, "area"),
        ({"status": "finished"}, "status"),
        ({"description": "Paikalla oli 131052-308T ja kaverit."}, "description"),
        ({"heard": "Soita hänelle 040 123 4567."}, "heard"),
        ({"title": "Tapaaminen matti.meikalainen@example.com"}, "title"),
    ],
)
def test_activity_create__refuses_bad_input_and_saves_nothing(
    staff_user, client_for, form_data, change, field
):
    response = post_new(client_for(staff_user), form_data | change)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Activity.objects.count() == 0


def test_activity_create__refuses_means_of_a_goal_not_chosen(
    staff_user, client_for, form_data, strategy
):
    other_means = strategy.goals.get(number=4).means_set.get(position=1)

    response = post_new(client_for(staff_user), form_data | {"means": [other_means.pk]})

    assert "means" in response.context["form"].errors
    assert "4.1" in str(response.context["form"].errors["means"])
    assert Activity.objects.count() == 0


def test_activity_create__allows_a_planned_activity_in_the_future(
    staff_user, client_for, form_data
):
    response = post_new(
        client_for(staff_user), form_data | {"status": "planned", "date": "2025-06-01"}
    )

    assert response.status_code == 302
    assert Activity.objects.get().status == Activity.Status.PLANNED


def test_activity_create__refuses_a_unit_the_user_does_not_belong_to(
    staff_user, client_for, form_data
):
    other_unit = UnitFactory.create(name_fi="Aikuisopisto")

    response = post_new(client_for(staff_user), form_data | {"unit": other_unit.pk})

    assert "unit" in response.context["form"].errors
    assert Activity.objects.count() == 0


def test_activity_create__privacy_guard_says_why(staff_user, client_for, form_data):
    response = post_new(
        client_for(staff_user), form_data | {"description": "Asiakas 131052-308T kävi."}
    )

    errors = " ".join(response.context["form"].errors["description"])
    assert "henkilötunnu" in errors.lower()


def test_activity_form__starts_from_the_users_last_area_type_and_unit(
    staff_user, client_for, area, unit
):
    last = ActivityFactory.create(created_by=staff_user, area=area, unit=unit)

    form = client_for(staff_user).get(reverse("neighbourhoods:activity_create")).context["form"]

    assert form.initial["area"] == last.area_id
    assert form.initial["type"] == last.type_id
    assert form.initial["unit"] == last.unit_id


def test_activity_form__can_start_from_a_copy(staff_user, client_for, strategy, unit):
    goal = strategy.goals.get(number=1)
    source = ActivityFactory.create(created_by=staff_user, unit=unit, title="Kahvila", goals=[goal])

    response = client_for(staff_user).get(
        reverse("neighbourhoods:activity_create"), {"copy": source.pk}
    )

    form = response.context["form"]
    assert form.initial["title"] == "Kahvila"
    assert form.initial["goals"] == [goal]
    # A copy is of a new occasion: it starts today, not on the source's date.
    assert form.initial["date"] == TODAY


@pytest.mark.parametrize("copy", ["abc", "999999", ""])
def test_activity_form__ignores_a_copy_that_does_not_exist(staff_user, client_for, copy):
    response = client_for(staff_user).get(reverse("neighbourhoods:activity_create"), {"copy": copy})

    assert response.status_code == 200


# --- Who may do what ----------------------------------------------------------------------


@pytest.fixture
def own_and_other(staff_user, unit):
    own = ActivityFactory.create(created_by=staff_user, unit=unit, title="Oma")
    other = ActivityFactory.create(created_by=UserFactory(role="staff"), unit=unit, title="Toisen")
    return own, other


@pytest.mark.parametrize(
    ("role", "own", "other"),
    [
        # What a role gets for: its own activity, someone else's.
        ("staff_user", 200, 404),
        ("leadership_user", 200, 200),
        ("admin_role_user", 200, 200),
    ],
)
def test_activity_detail__is_visible_to_the_right_roles(
    request, client_for, own_and_other, role, own, other
):
    user = request.getfixturevalue(role)
    mine, theirs = own_and_other
    mine.created_by = user
    mine.save()
    client = client_for(user)

    assert client.get(reverse("neighbourhoods:activity", args=[mine.pk])).status_code == own
    assert client.get(reverse("neighbourhoods:activity", args=[theirs.pk])).status_code == other


@pytest.mark.parametrize(
    ("role", "own", "other"),
    [
        ("staff_user", 200, 404),
        ("leadership_user", 403, 403),
        ("admin_role_user", 200, 200),
    ],
)
@pytest.mark.parametrize("view", ["activity_update", "activity_delete"])
def test_activity_edit_and_delete__are_allowed_to_the_right_roles(
    request, client_for, own_and_other, role, own, other, view
):
    user = request.getfixturevalue(role)
    mine, theirs = own_and_other
    mine.created_by = user
    mine.save()
    client = client_for(user)

    assert client.get(reverse(f"neighbourhoods:{view}", args=[mine.pk])).status_code == own
    assert client.get(reverse(f"neighbourhoods:{view}", args=[theirs.pk])).status_code == other


def test_activity_delete__by_someone_else_deletes_nothing(staff_user, client_for, own_and_other):
    _, theirs = own_and_other

    response = client_for(staff_user).post(
        reverse("neighbourhoods:activity_delete", args=[theirs.pk])
    )

    assert response.status_code == 404
    assert Activity.objects.filter(pk=theirs.pk).exists()


def test_activity_delete__deletes_ones_own_and_records_it(staff_user, client_for, own_and_other):
    mine, _ = own_and_other

    response = client_for(staff_user).post(
        reverse("neighbourhoods:activity_delete", args=[mine.pk])
    )

    assert response.status_code == 302
    assert not Activity.objects.filter(pk=mine.pk).exists()
    assert LogEntry.objects.filter(
        object_pk=str(mine.pk), action=LogEntry.Action.DELETE, actor=staff_user
    ).exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [("staff_user", 200), ("leadership_user", 403), ("admin_role_user", 200)],
)
def test_activity_create__is_allowed_to_staff_and_admins(request, client_for, role, status):
    client = client_for(request.getfixturevalue(role))

    assert client.get(reverse("neighbourhoods:activity_create")).status_code == status


def test_activity_create__is_refused_to_leadership_on_post(leadership_user, client_for, form_data):
    response = post_new(client_for(leadership_user), form_data)

    assert response.status_code == 403
    assert Activity.objects.count() == 0


@pytest.mark.parametrize(
    "path",
    ["/activities/", "/activities/mine/", "/activities/new/", "/activities/1/"],
)
def test_activity_pages__send_anonymous_visitors_to_login(path):
    response = Client().get(path)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_activity_list__shows_staff_only_their_own(staff_user, client_for, own_and_other):
    response = client_for(staff_user).get(reverse("neighbourhoods:activities"))

    assert "Oma" in response.text
    assert "Toisen" not in response.text


def test_activity_list__shows_leadership_everything(leadership_user, client_for, own_and_other):
    response = client_for(leadership_user).get(reverse("neighbourhoods:activities"))

    assert "Oma" in response.text
    assert "Toisen" in response.text


# --- Editing safely -----------------------------------------------------------------------


def test_activity_update__refuses_a_stale_edit_and_shows_what_changed(
    staff_user, admin_role_user, client_for, form_data
):
    post_new(client_for(staff_user), form_data)
    activity = Activity.objects.get()
    url = reverse("neighbourhoods:activity_update", args=[activity.pk])
    staff_form = client_for(staff_user).get(url).context["form"]
    admin_client = client_for(admin_role_user)
    admin_client.post(url, form_data | {"version": 1, "title": "Ostarikierros"})

    response = client_for(staff_user).post(
        url, form_data | {"version": staff_form["version"].value(), "heard": "Uusi havainto."}
    )

    activity.refresh_from_db()
    assert response.status_code == 200
    assert activity.title == "Ostarikierros"
    assert activity.heard == form_data["heard"]
    assert activity.version == 2
    changes = {change.field: change for change in response.context["conflict"].changes}
    assert changes["title"].theirs == "Ostarikierros"
    assert changes["title"].yours == form_data["title"]


def test_activity_update__saves_a_current_edit(staff_user, client_for, form_data):
    post_new(client_for(staff_user), form_data)
    activity = Activity.objects.get()

    response = client_for(staff_user).post(
        reverse("neighbourhoods:activity_update", args=[activity.pk]),
        form_data | {"version": 1, "participants_65_plus": 2},
    )

    activity.refresh_from_db()
    assert response.status_code == 302
    assert activity.participants_total == 17
    assert activity.version == 2


# --- Query counts -------------------------------------------------------------------------


def test_activity_list__query_count_does_not_grow_with_rows(
    leadership_user, client_for, strategy, unit, django_assert_num_queries
):
    goal = strategy.goals.get(number=1)
    ActivityFactory.create_batch(3, unit=unit, goals=[goal])
    client = client_for(leadership_user)
    client.get(reverse("neighbourhoods:activities"))
    with django_assert_num_queries(16) as few:
        client.get(reverse("neighbourhoods:activities"))
    ActivityFactory.create_batch(20, unit=unit, goals=[goal])

    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("neighbourhoods:activities"))


def test_activity_detail__query_count_does_not_grow_with_links(
    leadership_user, client_for, strategy, unit, django_assert_num_queries
):
    goals = list(strategy.goals.all())
    few = ActivityFactory.create(unit=unit, goals=goals[:1])
    many = ActivityFactory.create(
        unit=unit, goals=goals, themes=list(strategy.inequalitythemes.all())
    )
    client = client_for(leadership_user)
    client.get(reverse("neighbourhoods:activity", args=[few.pk]))
    with django_assert_num_queries(12) as baseline:
        client.get(reverse("neighbourhoods:activity", args=[few.pk]))

    with django_assert_num_queries(len(baseline.captured_queries)):
        client.get(reverse("neighbourhoods:activity", args=[many.pk]))


# --- History ------------------------------------------------------------------------------


def test_activity_detail__shows_the_history_to_leadership(
    staff_user, leadership_user, client_for, form_data
):
    post_new(client_for(staff_user), form_data)
    activity = Activity.objects.get()
    client_for(staff_user).post(
        reverse("neighbourhoods:activity_update", args=[activity.pk]),
        form_data | {"version": 1, "title": "Ostarikierros"},
    )

    response = client_for(leadership_user).get(
        reverse("neighbourhoods:activity", args=[activity.pk])
    )

    history = list(response.context["history"])
    assert history[0].actor == staff_user
    assert "Ostarikierros" in response.text
    assert form_data["title"] in response.text


def test_activity_detail__hides_the_history_from_staff(staff_user, client_for, form_data):
    post_new(client_for(staff_user), form_data)

    response = client_for(staff_user).get(
        reverse("neighbourhoods:activity", args=[Activity.objects.get().pk])
    )

    assert response.context["history"] is None


def test_activity_detail__page_title_is_the_activitys_title(
    staff_user, leadership_user, client_for, form_data
):
    post_new(client_for(staff_user), form_data)

    response = client_for(leadership_user).get(
        reverse("neighbourhoods:activity", args=[Activity.objects.get().pk])
    )

    title = response.text.split("<title>")[1].split("</title>")[0]
    assert title.strip() == f"{form_data['title']} · Kalliola"
    assert response.text.count('id="history-title"') == 1
