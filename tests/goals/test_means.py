"""Means followed over time: who writes notes and who sets owners and statuses (refused on the
server, not only hidden), the privacy guard on a note, what the means page and the goal
dashboard show, when a means is flagged silent, and the pages' query counts."""

from __future__ import annotations

import datetime

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from goals.models import Means, MeansNote
from kalliola.roles import STAFF
from tests.factories import UserFactory
from tests.factories.activity import ActivityFactory
from tests.factories.goal import MeansNoteFactory

pytestmark = pytest.mark.django_db

PERSONAL_DATA = {
    "personal identity code": "Tapasimme asukkaan 131052-308T kanssa.",
    "phone number": "Soita numeroon 040 123 4567.",
    "e-mail address": "Lisätiedot: maija.meikalainen@example.com",
}


@pytest.fixture
def means(strategy) -> Means:
    return Means.objects.get(goal__strategy=strategy, goal__number=2, position=3)


@pytest.fixture
def owner(means) -> object:
    user = UserFactory.create(username="owner", role=STAFF, first_name="Olga", last_name="Omistaja")
    means.owner = user
    means.save()
    return user


def means_url(means: Means, name: str = "goals:means") -> str:
    return reverse(name, args=[means.goal.number, means.position])


def test_means_page__shows_owner_status_and_notes_newest_first(means, owner, client_for):
    MeansNoteFactory.create(
        means=means, text="Ensimmäinen", written_at=timezone.now() - datetime.timedelta(days=40)
    )
    MeansNoteFactory.create(means=means, text="Toinen", written_at=timezone.now())

    response = client_for(owner).get(means_url(means))

    assert response.status_code == 200
    assert "Olga Omistaja" in response.text
    assert response.text.index("Toinen") < response.text.index("Ensimmäinen")
    assert 'name="text"' in response.text  # the owner writes notes


def test_note__by_the_owner_is_saved_and_sets_the_means_status(means, owner, client_for):
    response = client_for(owner).post(
        means_url(means, "goals:means_note_create"),
        {"text": "Aloitettu Jakomäessä nuorisotalon kanssa.", "status": "in_progress"},
    )

    assert response.status_code == 302
    note = MeansNote.objects.get(means=means)
    assert (note.author, note.status) == (owner, "in_progress")
    means.refresh_from_db()
    assert means.status == Means.Status.IN_PROGRESS
    # The status change is in the audit history, with who made it.
    change = LogEntry.objects.get_for_object(means).latest("timestamp")
    assert "status" in change.changes_dict


def test_note__by_staff_who_do_not_own_the_means_is_refused(means, owner, staff_user, client_for):
    client = client_for(staff_user)

    page = client.get(means_url(means))
    response = client.post(
        means_url(means, "goals:means_note_create"), {"text": "Hei", "status": "done"}
    )

    assert page.status_code == 200
    assert 'name="text"' not in page.text  # read-only
    assert response.status_code == 403
    assert not MeansNote.objects.exists()
    means.refresh_from_db()
    assert means.status == Means.Status.NOT_STARTED


def test_owner_and_status__cannot_be_set_by_staff_even_the_owner(means, owner, client_for):
    response = client_for(owner).post(
        means_url(means, "goals:means_update"), {"owner": "", "status": "dropped"}
    )

    assert response.status_code == 403
    means.refresh_from_db()
    assert (means.owner, means.status) == (owner, Means.Status.NOT_STARTED)


@pytest.mark.parametrize("user_fixture", ["leadership_user", "admin_role_user"])
def test_owner_and_status__are_set_by_leadership_and_admins(
    request, means, staff_user, client_for, user_fixture
):
    client = client_for(request.getfixturevalue(user_fixture))

    response = client.post(
        means_url(means, "goals:means_update"), {"owner": staff_user.pk, "status": "in_progress"}
    )
    note = client.post(
        means_url(means, "goals:means_note_create"), {"text": "Johdon huomio.", "status": "done"}
    )

    assert (response.status_code, note.status_code) == (302, 302)
    means.refresh_from_db()
    assert (means.owner, means.status) == (staff_user, Means.Status.DONE)


def test_owner_and_status__bad_input_is_refused_with_a_message(means, leadership_user, client_for):
    response = client_for(leadership_user).post(
        means_url(means, "goals:means_update"),
        {"owner": "99999999999999999999", "status": "finished"},
    )

    assert response.status_code == 200
    form = response.context["means_form"]
    assert set(form.errors) == {"owner", "status"}
    means.refresh_from_db()
    assert (means.owner, means.status) == (None, Means.Status.NOT_STARTED)


def test_means_pages__need_a_login(means):
    from django.test import Client

    response = Client().get(means_url(means))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("kind", PERSONAL_DATA)
def test_note__with_personal_data_is_refused_and_nothing_is_saved(means, owner, client_for, kind):
    response = client_for(owner).post(
        means_url(means, "goals:means_note_create"),
        {"text": PERSONAL_DATA[kind], "status": "done"},
    )

    assert response.status_code == 200
    assert response.context["note_form"].has_error("text", "personal_data")
    assert not MeansNote.objects.exists()
    means.refresh_from_db()
    assert means.status == Means.Status.NOT_STARTED


def test_note__empty_or_too_long_is_refused(means, owner, client_for):
    client = client_for(owner)
    url = means_url(means, "goals:means_note_create")

    empty = client.post(url, {"text": "  ", "status": "done"})
    too_long = client.post(url, {"text": "a" * 2001, "status": "done"})

    assert empty.context["note_form"].has_error("text", "required")
    assert too_long.context["note_form"].has_error("text", "max_length")
    assert not MeansNote.objects.exists()


def test_my_means__lists_the_means_a_user_owns(means, owner, client_for):
    response = client_for(owner).get(reverse("goals:means_mine"))

    assert response.status_code == 200
    assert [state.means for state in response.context["states"]] == [means]


def test_means_activities__counts_what_was_done_under_it_since_the_last_note(
    means, leadership_user, client_for
):
    ActivityFactory.create(date=datetime.date(2025, 3, 1), means=[means])
    ActivityFactory.create(date=datetime.date(2025, 5, 2), means=[means], new_participants=4)
    url = reverse("neighbourhoods:means_activities", args=[means.pk])

    response = client_for(leadership_user).get(url, {"since": "2025-04-01"})

    assert response.status_code == 200
    totals = response.context["totals"]
    assert (totals["activities"], totals["participants"], totals["new_participants"]) == (1, 10, 4)


@pytest.mark.parametrize(("days", "silent"), [(59, False), (61, True)])
def test_goal_dashboard__flags_a_means_silent_after_sixty_days(
    means, leadership_user, client_for, days, silent
):
    means.status = Means.Status.IN_PROGRESS
    means.save()
    MeansNoteFactory.create(
        means=means,
        text="Viimeisin huomio",
        written_at=timezone.now() - datetime.timedelta(days=days),
    )

    response = client_for(leadership_user).get(reverse("measures:goal_dashboard", args=[2]))

    assert response.status_code == 200
    states = {state.means.pk: state for state in response.context["means"]}
    assert states[means.pk].silent is silent
    assert "Viimeisin huomio" in response.text
    assert ("means-state--silent" in response.text) is True  # other means have no note at all


def test_goal_dashboard__does_not_flag_a_done_means(means, leadership_user, client_for):
    Means.objects.filter(goal=means.goal).update(status=Means.Status.DONE)
    MeansNoteFactory.create(means=means, written_at=timezone.now() - datetime.timedelta(days=400))

    response = client_for(leadership_user).get(reverse("measures:goal_dashboard", args=[2]))

    assert not any(state.silent for state in response.context["means"])
    assert "means-state--silent" not in response.text


@pytest.mark.parametrize("notes", [1, 25])
def test_means_page__query_count_is_flat_in_the_number_of_notes(
    means, owner, client_for, django_assert_num_queries, notes
):
    MeansNoteFactory.create_batch(notes, means=means, author=owner)
    client = client_for(owner)
    client.get(means_url(means))  # warms the session and the permission cache

    with django_assert_num_queries(6):
        client.get(means_url(means))


@pytest.mark.parametrize("notes", [1, 25])
def test_goal_dashboard_means__query_count_is_flat_in_the_number_of_notes(
    strategy, leadership_user, client_for, django_assert_num_queries, notes
):
    for means in Means.objects.filter(goal__strategy=strategy, goal__number=2):
        MeansNoteFactory.create_batch(notes, means=means)
    client = client_for(leadership_user)
    url = reverse("measures:goal_dashboard", args=[2])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    means_queries = [q for q in queries if "goals_meansnote" in q["sql"]]
    assert len(means_queries) == 2
