"""Repeated failed logins lock a username out at its address for a while (django-axes)."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.admin import helpers
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import reverse

from tests.factories import UserFactory
from tests.factories.user import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/login/"
ADMIN_LOGIN = "/admin/login/"
WRONG = "not-the-password"

WAIT_MESSAGES = {
    "fi": "Liian monta epäonnistunutta kirjautumisyritystä. Yritä uudelleen 15 minuutin kuluttua.",
    "sv": "För många misslyckade inloggningsförsök. Försök igen om 15 minuter.",
    "en": "Too many failed login attempts. Try again in 15 minutes.",
}


def log_in(
    client: Client,
    password: str,
    *,
    username: str = "staff-user",
    path: str = LOGIN,
    **headers: Any,
):
    return client.post(path, {"username": username, "password": password}, **headers)


def fail_to_the_limit(
    client: Client, *, username: str = "staff-user", path: str = LOGIN, **headers: str
) -> HttpResponse:
    """Log in with a wrong password as often as it takes to be locked out; the last answer."""
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        response = log_in(client, WRONG, username=username, path=path, **headers)
    return response


def is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_defaults__lock_after_five_failures_for_fifteen_minutes():
    assert settings.LOGIN_FAILURE_LIMIT == 5
    assert settings.LOGIN_LOCKOUT_MINUTES == 15
    assert settings.TRUSTED_PROXY_COUNT == 0


def test_login__refuses_only_the_limit_reaching_failure_with_the_lockout(staff_user):
    client = Client()

    answers = [log_in(client, WRONG).status_code for _ in range(settings.LOGIN_FAILURE_LIMIT)]

    assert answers == [200] * (settings.LOGIN_FAILURE_LIMIT - 1) + [429]


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
@pytest.mark.parametrize("path", [LOGIN, ADMIN_LOGIN])
def test_login__refuses_the_right_password_after_five_wrong_ones_and_says_how_long_to_wait(
    staff_user, admin_role_user, language, path
):
    username = admin_role_user.username if path == ADMIN_LOGIN else staff_user.username
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    fail_to_the_limit(client, username=username, path=path)

    response = log_in(client, PASSWORD, username=username, path=path)

    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60)
    assert f'<html lang="{language}"' in response.text
    assert WAIT_MESSAGES[language] in response.text
    assert "<form" not in response.text.split('<main id="main"')[1]
    assert "Content-Security-Policy" in response.headers
    assert not is_logged_in(client)


def test_login__lockout_holds_for_the_username_at_its_address_only(staff_user, leadership_user):
    guessing = Client(REMOTE_ADDR="198.51.100.7")
    fail_to_the_limit(guessing)

    from_elsewhere = Client(REMOTE_ADDR="192.0.2.20")
    colleague_at_the_same_address = Client(REMOTE_ADDR="198.51.100.7")

    assert log_in(guessing, PASSWORD).status_code == 429
    assert log_in(from_elsewhere, PASSWORD).status_code == 302
    assert is_logged_in(from_elsewhere)
    assert (
        log_in(colleague_at_the_same_address, PASSWORD, username="leadership-user").status_code
        == 302
    )


@override_settings(LOGIN_FAILURE_LIMIT_PER_ADDRESS=8)
def test_login__an_address_guessing_across_usernames_is_locked_out_for_every_username(
    staff_user, leadership_user
):
    UserFactory.create(username="first")
    UserFactory.create(username="second")
    guessing = Client(REMOTE_ADDR="198.51.100.7")
    for username in ("first", "second"):
        for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
            log_in(guessing, WRONG, username=username)

    at_the_same_address = Client(REMOTE_ADDR="198.51.100.7")
    from_elsewhere = Client(REMOTE_ADDR="192.0.2.20")

    assert log_in(at_the_same_address, PASSWORD).status_code == 429
    assert not is_logged_in(at_the_same_address)
    assert log_in(from_elsewhere, PASSWORD, username="leadership-user").status_code == 302


def test_login__ignores_x_forwarded_for_without_a_trusted_proxy(staff_user):
    client = Client(REMOTE_ADDR="198.51.100.7")
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        log_in(client, WRONG, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")

    response = log_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.99")

    assert response.status_code == 429
    assert not is_logged_in(client)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_login__behind_a_trusted_proxy_takes_the_address_the_proxy_saw(staff_user):
    proxy = "10.0.0.2"
    guessing = Client(REMOTE_ADDR=proxy)
    # What the client wrote into the header itself comes before what the proxy appended.
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        log_in(guessing, WRONG, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.5")
    someone_else = Client(REMOTE_ADDR=proxy)

    assert (
        log_in(guessing, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.5").status_code
        == 429
    )
    assert log_in(someone_else, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 302
    assert is_logged_in(someone_else)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_login__behind_two_trusted_proxies_a_request_that_skipped_one_counts_by_its_connection(
    staff_user,
):
    client = Client(REMOTE_ADDR="10.0.0.2")
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        log_in(client, WRONG, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")

    assert log_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.99").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.2"}


def test_login__works_again_once_the_cool_off_has_passed(staff_user):
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    client = Client()
    with time_machine.travel(start, tick=False):
        fail_to_the_limit(client)
    with time_machine.travel(start + datetime.timedelta(minutes=14), tick=False):
        assert log_in(client, PASSWORD).status_code == 429

    # The attempt during the lockout started the cool-off again.
    with time_machine.travel(start + datetime.timedelta(minutes=14 + 15, seconds=1), tick=False):
        response = log_in(client, PASSWORD)
        logged_in = is_logged_in(client)

    assert response.status_code == 302
    assert logged_in


def test_login__success_forgets_the_earlier_failures(staff_user):
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        log_in(Client(), WRONG)
    assert log_in(Client(), PASSWORD).status_code == 302

    client = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        assert log_in(client, WRONG).status_code == 200
    response = log_in(client, PASSWORD)

    assert response.status_code == 302
    assert is_logged_in(client)


def test_reset_username_command__lifts_the_lockout(staff_user):
    client = Client()
    fail_to_the_limit(client)

    call_command("axes_reset_username", "staff-user", stdout=io.StringIO())
    response = log_in(client, PASSWORD)

    assert response.status_code == 302
    assert is_logged_in(client)


def test_admin__an_administrator_lifts_a_lockout_by_deleting_it(
    staff_user, admin_role_user, client_for
):
    locked = Client()
    fail_to_the_limit(locked)
    admin = client_for(admin_role_user)
    changelist = reverse("admin:axes_accessattempt_changelist")

    listing = admin.get(changelist)
    deleted = admin.post(
        changelist,
        {
            "action": "delete_selected",
            helpers.ACTION_CHECKBOX_NAME: list(AccessAttempt.objects.values_list("pk", flat=True)),
            "post": "yes",
        },
    )

    assert listing.status_code == 200
    assert "staff-user" in listing.text
    assert deleted.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert log_in(locked, PASSWORD).status_code == 302
    assert is_logged_in(locked)


def test_force_login__still_logs_a_user_in_for_tests(strategy, staff_user, client_for):
    response = client_for(staff_user).get(reverse("goals:strategy"))

    assert response.status_code == 200
